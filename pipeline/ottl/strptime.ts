import { OttlRuntimeError } from './errors.js';
import { civil, daysIn, fixedZone, fromCivil, loadZone, now, OttlTime, UTC, type TimeZone } from './time.js';
import { DAYS, MONTHS, type TimeFormat } from './time-format.js';

/** Parsing with upstream's ctime-style formats (see time-format.ts), by Go's time.Parse rules. */

/** Month, weekday and am/pm names to match while parsing; localized ones come from ICU (upstream uses CLDR too). */
export interface TimeNames {
  months: string[][];
  shortMonths: string[][];
  days: string[][];
  shortDays: string[][];
  am: string[];
  pm: string[];
}

const ENGLISH: TimeNames = {
  months: MONTHS.map((m) => [m]),
  shortMonths: MONTHS.map((m) => [m.slice(0, 3)]),
  days: DAYS.map((d) => [d]),
  shortDays: DAYS.map((d) => [d.slice(0, 3)]),
  am: ['AM'],
  pm: ['PM'],
};

/** Throws Error for a tag ICU does not know. */
export function localeNames(locale: string): TimeNames {
  let supported: string[] = [];
  try {
    supported = Intl.DateTimeFormat.supportedLocalesOf([locale]);
  } catch {
    // A malformed tag is as unusable as an unknown one.
  }
  if (supported.length === 0) throw new Error(`unsupported locale '${locale}', value must be a supported BCP 47 language tag`);
  const names = (options: Intl.DateTimeFormatOptions, dates: number[], type: 'month' | 'weekday' | 'dayPeriod'): string[][] => {
    // Both the stand-alone form and the form used inside a date (they differ in some languages).
    const alone = new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' });
    const inDate = new Intl.DateTimeFormat(locale, { ...options, day: 'numeric', timeZone: 'UTC' });
    return dates.map((ms) => {
      const forms = [alone, inDate].map((f) => f.formatToParts(ms).find((p) => p.type === type)?.value ?? '');
      return [...new Set(forms.flatMap((f) => [f, f.replace(/\.$/, '')]).filter(Boolean))];
    });
  };
  const months = Array.from({ length: 12 }, (_, i) => Date.UTC(2001, i, 1));
  const days = Array.from({ length: 7 }, (_, i) => Date.UTC(2001, 0, 7 + i)); // 2001-01-07 was a Sunday
  const [am, pm] = names({ hour: 'numeric', hourCycle: 'h12' }, [Date.UTC(2001, 0, 1, 3), Date.UTC(2001, 0, 1, 15)], 'dayPeriod');
  return {
    months: names({ month: 'long' }, months, 'month'),
    shortMonths: names({ month: 'short' }, months, 'month'),
    days: names({ weekday: 'long' }, days, 'weekday').map((v, i) => [...v, ...ENGLISH.days[i]]),
    shortDays: names({ weekday: 'short' }, days, 'weekday'),
    am,
    pm,
  };
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

class ParseError extends Error {}

/**
 * Parses `value` with a compiled format. Without a zone in the value the wall clock is read in
 * `zone`. Errors name the directive that failed, never the value (it is data).
 */
export function parseTime(format: TimeFormat, value: string, zone: TimeZone, names: TimeNames = ENGLISH): OttlTime {
  let s = value;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let pm: boolean | undefined;
  let zoneName: string | undefined;
  let zoneOffset: number | undefined;
  let utc = false;
  const fail = (what: string): never => {
    throw new ParseError(`cannot parse the value at character ${value.length - s.length + 1} as ${what}`);
  };
  const num = (fixed: boolean, what: string): number => {
    if (!isDigit(s[0])) fail(what);
    const n = isDigit(s[1]) ? 2 : fixed ? fail(what) : 1;
    const v = Number(s.slice(0, n));
    s = s.slice(n);
    return v;
  };
  const lookup = (table: string[][], what: string, caseInsensitive = true): number => {
    let best = -1;
    let bestLen = 0;
    const lower = s.toLowerCase();
    table.forEach((forms, i) => {
      for (const f of forms) {
        const hit = caseInsensitive ? lower.startsWith(f.toLowerCase()) : s.startsWith(f);
        if (hit && f.length > bestLen) [best, bestLen] = [i, f.length];
      }
    });
    if (best < 0) fail(what);
    s = s.slice(bestLen);
    return best;
  };
  const dayPeriod = (upper: boolean): boolean => {
    // Localized day periods ("p. m.") are matched without their spaces and case, as written data varies.
    if (names !== ENGLISH) {
      const squash = (x: string): string => x.replace(/[\s\u00a0\u202f]/g, '').toLowerCase();
      for (const [isPm, forms] of [[false, names.am], [true, names.pm]] as const) {
        for (const f of forms) {
          const target = squash(f);
          let consumed = 0;
          let seen = '';
          while (consumed < s.length && seen.length < target.length) {
            if (!/[\s\u00a0\u202f]/.test(s[consumed])) seen += s[consumed].toLowerCase();
            consumed++;
          }
          if (seen === target) {
            s = s.slice(consumed);
            return isPm;
          }
        }
      }
    }
    const p = s.slice(0, 2);
    s = s.slice(2);
    if (p === (upper ? 'PM' : 'pm')) return true;
    if (p === (upper ? 'AM' : 'am')) return false;
    return fail(upper ? '%p (AM or PM)' : '%P (am or pm)');
  };
  const signedOffset = (parts: number, colons: boolean, what: string): number => {
    const sign = s[0] === '-' ? -1 : s[0] === '+' ? 1 : fail(what);
    s = s.slice(1);
    let total = 0;
    for (let i = 0; i < parts; i++) {
      if (i > 0 && colons) {
        if (s[0] !== ':') fail(what);
        s = s.slice(1);
      }
      if (!isDigit(s[0]) || !isDigit(s[1])) fail(what);
      total = total * 60 + Number(s.slice(0, 2));
      s = s.slice(2);
    }
    return sign * total * 60 ** (3 - parts);
  };

  try {
    const { tokens } = format;
    for (let ti = 0; ti < tokens.length; ti++) {
      const tok = tokens[ti];
      if (tok.kind === 'literal') {
        s = skipLiteral(s, tok.text) ?? fail(JSON.stringify(tok.text));
        continue;
      }
      if (tok.kind === 'fraction') {
        if (s.length >= 2 && (s[0] === '.' || s[0] === ',') && isDigit(s[1])) {
          let n = 1;
          while (isDigit(s[n])) n++;
          nanos = fractionNanos(s.slice(1, n));
          s = s.slice(n);
        }
        continue;
      }
      switch (tok.field) {
        case 'Y':
          if (s.length < 4 || ![...s.slice(0, 4)].every(isDigit)) fail('%Y (a four-digit year)');
          year = Number(s.slice(0, 4));
          s = s.slice(4);
          break;
        case 'y': {
          if (!isDigit(s[0]) || !isDigit(s[1])) fail('%y (a two-digit year)');
          const y = Number(s.slice(0, 2));
          year = y >= 69 ? 1900 + y : 2000 + y;
          s = s.slice(2);
          break;
        }
        case 'o':
        case 'q':
        case 'm':
          if (tok.field === 'o') s = skipLiteral(s, '_') ?? fail('%o ("_" and a month number, as upstream\'s Go layout)');
          month = num(tok.field === 'm', `%${tok.field} (a month number)`);
          if (month < 1 || month > 12) fail(`%${tok.field}: month out of range`);
          break;
        case 'b':
          month = lookup(names.shortMonths, '%b (an abbreviated month name)') + 1;
          break;
        case 'B':
          month = lookup(names.months, '%B (a month name)') + 1;
          break;
        case 'e':
        case 'd':
        case 'g':
          if (tok.field === 'e' && s[0] === ' ') s = s.slice(1);
          day = num(tok.field === 'd', `%${tok.field} (a day of the month)`);
          if (day < 1 || day > 31) fail(`%${tok.field}: day out of range`);
          break;
        case 'a':
          lookup(names.shortDays, '%a (an abbreviated weekday name)');
          break;
        case 'A':
          lookup(names.days, '%A (a weekday name)');
          break;
        case 'H':
          hour = num(false, '%H (an hour)');
          if (hour > 23) fail('%H: hour out of range');
          break;
        case 'I':
        case 'l':
          hour = num(tok.field === 'I', `%${tok.field} (an hour)`);
          if (hour > 12) fail(`%${tok.field}: hour out of range`);
          break;
        case 'p':
        case 'P':
          pm = dayPeriod(tok.field === 'p');
          break;
        case 'M':
          minute = num(true, '%M (minutes)');
          if (minute > 59) fail('%M: minute out of range');
          break;
        case 'S': {
          second = num(true, '%S (seconds)');
          if (second > 59) fail('%S: second out of range');
          // As Go: a fraction in the value is read even when the format has none right after %S.
          const next = tokens[ti + 1];
          if (next?.kind !== 'fraction' && s.length >= 2 && (s[0] === '.' || s[0] === ',') && isDigit(s[1])) {
            let n = 1;
            while (isDigit(s[n])) n++;
            nanos = fractionNanos(s.slice(1, n));
            s = s.slice(n);
          }
          break;
        }
        case 'Z': {
          if (s.startsWith('UTC')) {
            utc = true;
            s = s.slice(3);
            break;
          }
          const n = zoneAbbreviationLength(s);
          if (n === 0) fail('%Z (a time zone abbreviation such as UTC, EST, CEST)');
          zoneName = s.slice(0, n);
          s = s.slice(n);
          break;
        }
        case 'z':
          zoneOffset = signedOffset(2, false, '%z (an offset such as -0700)');
          break;
        case 'w':
          zoneOffset = signedOffset(3, false, '%w (an offset such as -070000)');
          break;
        case 'i':
          zoneOffset = signedOffset(1, false, '%i (an offset such as -07)');
          break;
        case 'j':
          zoneOffset = signedOffset(2, true, '%j (an offset such as -07:00)');
          break;
        case 'k':
          zoneOffset = signedOffset(3, true, '%k (an offset such as -07:00:00)');
          break;
      }
    }
    if (s !== '') fail('the end of the format (extra text)');
  } catch (err) {
    if (err instanceof ParseError) throw new OttlRuntimeError(`parsing time as "${format.source}": ${err.message}`);
    throw err;
  }
  if (pm === true && hour < 12) hour += 12;
  if (pm === false && hour === 12) hour = 0;

  if (!format.hasDate) {
    const today = civil(now());
    [year, month, day] = [today.year, today.month, today.day];
  } else if (day > daysIn(month, year)) {
    throw new OttlRuntimeError(`parsing time as "${format.source}": day out of range`);
  }
  const at = (z: TimeZone): OttlTime => fromCivil(z, year, month, day, hour, minute, second, nanos);
  let result: OttlTime;
  if (utc) result = at(UTC);
  else if (zoneOffset !== undefined) {
    const local = at(zone);
    const { offset, abbreviation } = civil(local);
    result = offset === zoneOffset && (zoneName === undefined || zoneName === abbreviation) ? local : at(fixedZone(zoneName ?? '', zoneOffset));
  } else if (zoneName !== undefined) {
    result = resolveAbbreviation(zoneName, zone, at);
  } else {
    result = at(zone);
  }
  return format.hasDate && year === 0 ? withCurrentYear(result) : result;
}

/**
 * A zone abbreviation resolves as Go's time.Parse plus upstream's correction: the default zone
 * when it uses that abbreviation then, "GMT+N" as a fixed offset, otherwise the tz database
 * zone of that name (EST, MST, HST, GMT, ...); an abbreviation that is none of these is an error.
 */
function resolveAbbreviation(name: string, zone: TimeZone, at: (z: TimeZone) => OttlTime): OttlTime {
  const inDefault = at(zone);
  if (civil(inDefault).abbreviation === name) return inDefault;
  const gmt = /^GMT([+-]\d{1,2})$/.exec(name);
  if (gmt) return at(fixedZone(name, Number(gmt[1]) * 3600));
  const named = loadZone(name);
  if (!named) throw new OttlRuntimeError(`parsing time: unknown time zone abbreviation ${name}`);
  return at(named);
}

// SetTimestampYear: a date without a year is this year, or last year when that puts it over a week ahead.
function withCurrentYear(t: OttlTime): OttlTime {
  const current = now();
  const thisYear = civil(current).year;
  const c = civil(t);
  const d = fromCivil(t.zone, thisYear, c.month, c.day, c.hour, c.minute, c.second, c.nanosecond);
  const weekAhead = current.unixNano + 7n * 86_400_000_000_000n;
  return d.unixNano > weekAhead ? fromCivil(t.zone, thisYear - 1, c.month, c.day, c.hour, c.minute, c.second, c.nanosecond) : d;
}

function fractionNanos(digits: string): number {
  return Number(digits.slice(0, 9).padEnd(9, '0'));
}

/** Go's skip: a space in the format matches one or more spaces in the value; other characters match exactly. */
function skipLiteral(value: string, literal: string): string | undefined {
  let v = value;
  let p = literal;
  while (p.length > 0) {
    if (p[0] === ' ') {
      if (v.length > 0 && v[0] !== ' ') return undefined;
      p = p.replace(/^ +/, '');
      v = v.replace(/^ +/, '');
      continue;
    }
    if (v[0] !== p[0]) return undefined;
    v = v.slice(1);
    p = p.slice(1);
  }
  return v;
}

// Go's parseTimeZone: three to five upper-case letters (four or five ending in T), ChST, MeST, GMT+N.
function zoneAbbreviationLength(s: string): number {
  if (s.startsWith('ChST') || s.startsWith('MeST')) return 4;
  const gmt = /^GMT[+-]\d{1,2}/.exec(s);
  if (gmt) return gmt[0].length;
  let n = 0;
  while (n < 6 && s[n] >= 'A' && s[n] <= 'Z') n++;
  if (n === 3) return 3;
  if (n === 4 && (s[3] === 'T' || s.startsWith('WITA'))) return 4;
  if (n === 5 && s[4] === 'T') return 5;
  return 0;
}

