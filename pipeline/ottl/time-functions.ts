import { durationArg, intArg, stringArg, timeArg } from './args.js';
import { OttlRuntimeError } from './errors.js';
import type { CompiledValue, FunctionSpec } from './functions.js';
import { localeNames, parseTime } from './strptime.js';
import { compileTimeFormat, formatTime, type TimeFormat } from './time-format.js';
import { civil, LOCAL, loadZone, now, OttlTime, parseDuration, splitNanos, truncateTime, UTC, type Civil } from './time.js';
import type { Value } from './values.js';

/** Upstream's time converters (see README.md): Time, FormatTime, Now, Unix*, Duration, calendar fields. */

const literal = (arg: CompiledValue | undefined): string | undefined => arg?.constant?.value as string | undefined;

function literalFormat(arg: CompiledValue | undefined, index: number, fail: (i: number, m: string) => never): TimeFormat {
  try {
    return compileTimeFormat(literal(arg)!);
  } catch (err) {
    return fail(index, `invalid time format: ${(err as Error).message}`);
  }
}

const ofTime = (returns: FunctionSpec['returns'], f: (t: OttlTime) => Value): FunctionSpec => ({
  params: ['time'],
  returns,
  build: ([time]) => {
    const get = timeArg(time);
    return (it) => f(get(it));
  },
});

const field = (name: Exclude<keyof Civil, 'abbreviation'>): FunctionSpec => ofTime('int', (t) => BigInt(civil(t)[name]));

const ofDuration = (returns: FunctionSpec['returns'], f: (nanos: bigint) => Value): FunctionSpec => ({
  params: ['duration'],
  returns,
  build: ([duration]) => {
    const get = durationArg(duration);
    return (it) => f(get(it).nanos);
  },
});

// Go's Duration.Hours() and friends: whole units plus the remainder as a fraction, for precision.
const fractional = (unit: bigint) => (d: bigint) => Number(d / unit) + Number(d % unit) / Number(unit);

const NS = { us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

const floorTo = (unit: bigint) => (t: OttlTime) => {
  const { sec, nsec } = splitNanos(t.unixNano);
  return unit === NS.s ? sec : sec * (NS.s / unit) + BigInt(nsec) / unit;
};

export const TIME_FUNCTIONS: Record<string, FunctionSpec> = {
  Time: {
    params: ['time', 'format', 'location', 'locale'],
    optional: 2,
    returns: 'time',
    literals: [1, 2, 3],
    build: ([time, format, location, locale], fail) => {
      const fmt = literalFormat(format, 1, fail);
      const locationName = literal(location);
      // As upstream: a format ending in a literal Z (not %Z) means UTC; otherwise the local zone.
      const zone = locationName
        ? (loadZone(locationName) ?? fail(2, `unknown time zone ${locationName}`))
        : fmt.source.endsWith('Z') && !fmt.source.endsWith('%Z')
          ? UTC
          : LOCAL;
      const localeTag = literal(locale);
      let names;
      try {
        names = localeTag === undefined ? undefined : localeNames(localeTag);
      } catch (err) {
        return fail(3, (err as Error).message);
      }
      const get = stringArg(time);
      return (it) => {
        const text = get(it);
        if (text === '') throw new OttlRuntimeError('Time: the time string is empty');
        return parseTime(fmt, text, zone, names);
      };
    },
  },
  FormatTime: {
    params: ['time', 'format'],
    returns: 'string',
    literals: [1],
    build: ([time, format], fail) => {
      const fmt = literalFormat(format, 1, fail);
      const get = timeArg(time);
      return (it) => formatTime(fmt, get(it));
    },
  },
  Now: { params: [], returns: 'time', build: () => () => now() },
  Unix: {
    params: ['seconds', 'nanoseconds'],
    optional: 1,
    returns: 'time',
    build: ([seconds, nanoseconds]) => {
      const sec = intArg(seconds);
      const nsec = nanoseconds ? intArg(nanoseconds) : () => 0n;
      return (it) => new OttlTime(sec(it) * NS.s + nsec(it), LOCAL);
    },
  },
  UnixNano: ofTime('int', (t) => t.unixNano),
  UnixMicro: ofTime('int', floorTo(NS.us)),
  UnixMilli: ofTime('int', floorTo(NS.ms)),
  UnixSeconds: ofTime('int', floorTo(NS.s)),
  TruncateTime: {
    params: ['time', 'duration'],
    returns: 'time',
    build: ([time, duration]) => {
      const t = timeArg(time);
      const d = durationArg(duration);
      return (it) => truncateTime(t(it), d(it).nanos);
    },
  },
  Duration: {
    params: ['duration'],
    returns: 'duration',
    build: ([duration]) => {
      const get = stringArg(duration);
      return (it) => parseDuration(get(it));
    },
  },
  Year: field('year'),
  Month: field('month'),
  Day: field('day'),
  Hour: field('hour'),
  Minute: field('minute'),
  Second: field('second'),
  Nanosecond: field('nanosecond'),
  Weekday: field('weekday'),
  Hours: ofDuration('double', fractional(NS.h)),
  Minutes: ofDuration('double', fractional(NS.m)),
  Seconds: ofDuration('double', fractional(NS.s)),
  Milliseconds: ofDuration('int', (d) => d / NS.ms),
  Microseconds: ofDuration('int', (d) => d / NS.us),
  Nanoseconds: ofDuration('int', (d) => d),
};
