import { OttlRuntimeError } from './errors.js';

/**
 * OTTL's time values, as Go's `time.Time` and `time.Duration`: an instant in nanoseconds since
 * the Unix epoch plus the zone its calendar fields (Year, Hour, FormatTime, ...) are read in, and
 * a signed int64 count of nanoseconds. Both are immutable; setters of attributes ignore them, as
 * upstream's do.
 */
export class OttlTime {
  constructor(
    readonly unixNano: bigint,
    readonly zone: TimeZone,
  ) {}
}

export class OttlDuration {
  constructor(readonly nanos: bigint) {}
}

export interface TimeZone {
  /** `UTC`, `Local`, an IANA name, or a fixed zone's abbreviation (possibly empty). */
  readonly name: string;
  /** Seconds east of UTC at the instant. */
  offsetAt(unixSeconds: number): number;
  /** The abbreviation at the instant, as `%Z` prints it. */
  abbreviation(unixSeconds: number): string;
}

export function fixedZone(name: string, offsetSeconds: number): TimeZone {
  return { name, offsetAt: () => offsetSeconds, abbreviation: () => name };
}

export const UTC = fixedZone('UTC', 0);

const NS_PER_SECOND = 1_000_000_000n;
const MAX_DATE_SECONDS = 8.64e12;

function ianaZone(name: string, iana: string): TimeZone {
  const fields = new Intl.DateTimeFormat('en-US', {
    timeZone: iana,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const short = new Intl.DateTimeFormat('en-US', { timeZone: iana, timeZoneName: 'short' });
  // Intl only covers JS Date's range; outside it the offset at the nearest edge is as good as any.
  const clamp = (s: number): number => Math.min(Math.max(s, -MAX_DATE_SECONDS), MAX_DATE_SECONDS) * 1000;
  return {
    name,
    offsetAt(unixSeconds) {
      const ms = clamp(Math.floor(unixSeconds));
      const p: Record<string, number> = {};
      for (const part of fields.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
      const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
      return Math.round((wall - ms) / 1000);
    },
    abbreviation(unixSeconds) {
      return short.formatToParts(clamp(unixSeconds)).find((p) => p.type === 'timeZoneName')?.value ?? name;
    },
  };
}

export const LOCAL = ianaZone('Local', Intl.DateTimeFormat().resolvedOptions().timeZone);

const zones = new Map<string, TimeZone>([
  ['', UTC],
  ['UTC', UTC],
  ['Local', LOCAL],
]);

/** Go's time.LoadLocation: IANA names (and the legacy ones such as EST, MST, HST); undefined when unknown. */
export function loadZone(name: string): TimeZone | undefined {
  let zone = zones.get(name);
  if (zone) return zone;
  try {
    zone = ianaZone(name, name);
  } catch {
    return undefined;
  }
  zones.set(name, zone);
  return zone;
}

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
};

/** Seconds since the epoch (floored) and the nanoseconds within that second (0..999999999). */
export function splitNanos(unixNano: bigint): { sec: bigint; nsec: number } {
  const sec = floorDiv(unixNano, NS_PER_SECOND);
  return { sec, nsec: Number(unixNano - sec * NS_PER_SECOND) };
}

export interface Civil {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanosecond: number;
  /** 0 = Sunday, as Go's time.Weekday. */
  weekday: number;
  /** Seconds east of UTC. */
  offset: number;
  abbreviation: string;
}

// Howard Hinnant's days_from_civil / civil_from_days: exact for any proleptic Gregorian date.
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): { year: number; month: number; day: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp + (mp < 10 ? 3 : -9);
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** The calendar fields of a time in its own zone. */
export function civil(t: OttlTime): Civil {
  const { sec, nsec } = splitNanos(t.unixNano);
  const unixSeconds = Number(sec);
  const offset = t.zone.offsetAt(unixSeconds);
  const wall = unixSeconds + offset;
  const days = Math.floor(wall / 86400);
  const secOfDay = wall - days * 86400;
  return {
    ...civilFromDays(days),
    hour: Math.floor(secOfDay / 3600),
    minute: Math.floor((secOfDay % 3600) / 60),
    second: secOfDay % 60,
    nanosecond: nsec,
    weekday: (((days + 4) % 7) + 7) % 7,
    offset,
    abbreviation: t.zone.abbreviation(unixSeconds),
  };
}

/** The instant a wall-clock time names in a zone (for a DST gap or overlap, one of the candidates, as Go picks one). */
export function fromCivil(
  zone: TimeZone,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  nanosecond: number,
): OttlTime {
  const wall = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  const guess = wall - zone.offsetAt(wall);
  const unixSeconds = wall - zone.offsetAt(guess);
  return new OttlTime(BigInt(unixSeconds) * NS_PER_SECOND + BigInt(nanosecond), zone);
}

export const daysIn = (month: number, year: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];

export const now = (): OttlTime => new OttlTime(process.hrtime.bigint() - HR_BASE + START_NANOS, LOCAL);
const START_NANOS = BigInt(Date.now()) * 1_000_000n;
const HR_BASE = process.hrtime.bigint();

// Seconds from Go's zero time (January 1, year 1) to the Unix epoch: Truncate counts from there.
const ZERO_TO_UNIX_NANOS = 62_135_596_800n * NS_PER_SECOND;

/** Go's Time.Truncate: rounds down to a multiple of d since the zero time; d <= 0 returns t unchanged. */
export function truncateTime(t: OttlTime, d: bigint): OttlTime {
  if (d <= 0n) return t;
  const abs = t.unixNano + ZERO_TO_UNIX_NANOS;
  return new OttlTime(t.unixNano - (abs - floorDiv(abs, d) * d), t.zone);
}

const INT64_MAX = 2n ** 63n - 1n;

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  'μs': 1_000n,
  ms: 1_000_000n,
  s: NS_PER_SECOND,
  m: 60n * NS_PER_SECOND,
  h: 3600n * NS_PER_SECOND,
};

/** Go's time.ParseDuration: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, e.g. "1h2m", "-1.5s", "300ms". */
export function parseDuration(text: string): OttlDuration {
  const bad = (): never => {
    throw new OttlRuntimeError(`invalid duration (expected a number and unit such as 1h2m3s, 250ms, -1.5h; units ns, us, ms, s, m, h)`);
  };
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return new OttlDuration(0n);
  if (s === '') bad();
  let total = 0n;
  const component = /^(\d*)(?:\.(\d*))?([^\d.]+)/;
  while (s !== '') {
    const m = component.exec(s);
    if (!m || (m[1] === '' && !m[2])) return bad();
    const unit = UNITS[m[3]];
    if (unit === undefined) return bad();
    let v = BigInt(m[1] || '0') * unit;
    if (m[2]) v += BigInt(Math.trunc(Number(`0.${m[2]}`) * Number(unit)));
    total += v;
    if (total > INT64_MAX + (negative ? 1n : 0n)) bad();
    s = s.slice(m[0].length);
  }
  return new OttlDuration(negative ? -total : total);
}

/** Go's Duration.String: "1h2m3.5s", "1.5ms", "0s". */
export function formatDuration(d: bigint): string {
  if (d === 0n) return '0s';
  const sign = d < 0n ? '-' : '';
  const u = d < 0n ? -d : d;
  if (u < NS_PER_SECOND) {
    const [unit, scale] = u < 1_000n ? ['ns', 1n] : u < 1_000_000n ? ['µs', 1_000n] : ['ms', 1_000_000n];
    return sign + fraction(u, scale) + unit;
  }
  const h = u / (3600n * NS_PER_SECOND);
  const m = (u / (60n * NS_PER_SECOND)) % 60n;
  const secs = fraction(u % (60n * NS_PER_SECOND), NS_PER_SECOND);
  return `${sign}${h > 0n ? `${h}h` : ''}${h > 0n || m > 0n ? `${m}m` : ''}${secs}s`;
}

function fraction(v: bigint, scale: bigint): string {
  const whole = v / scale;
  const rest = v % scale;
  if (rest === 0n) return String(whole);
  const digits = String(scale).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}
