import { describe, expect, it } from 'vitest';
import { newResource, newScope, newSpan } from '../builders.js';
import type { AnyValue } from '../model.js';
import { compileCondition, compileStatement, OttlParseError, OttlRuntimeError, type SpanItem } from './index.js';

// 2023-11-14T22:13:20.123456789Z, a Tuesday.
const START = 1_700_000_000_123_456_789n;

function spanItem(): SpanItem {
  return { span: newSpan({ startTimeUnixNano: START, endTimeUnixNano: START + 1_500_000_000n }), scope: newScope(), resource: newResource() };
}

/** The value of an expression that yields an int, double or string (time results go through UnixNano). */
function evaluate(expr: string, item: SpanItem = spanItem()): AnyValue | undefined {
  compileStatement(`set(cache["v"], ${expr})`, 'span')(item);
  return item.cache?.get('v');
}

const holds = (condition: string, item: SpanItem = spanItem()): boolean => compileCondition(condition, 'span')(item);

// Local wall-clock times in nanoseconds: the zone Time() uses without a location.
const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): bigint => BigInt(new Date(y, mo - 1, d, h, mi, s).getTime()) * 1_000_000n;
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): bigint => BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * 1_000_000n;

describe('Time (upstream func_time_test.go cases)', () => {
  const cases: [string, string, string, string | undefined, string | undefined, bigint][] = [
    ['simple short form', '2023-04-12', '%Y-%m-%d', undefined, undefined, local(2023, 4, 12)],
    ['short year and slashes', '11/11/11', '%d/%m/%y', undefined, undefined, local(2011, 11, 11)],
    ['month day year', '02/04/2023', '%m/%d/%Y', undefined, undefined, local(2023, 2, 4)],
    ['simple long form', 'July 31, 1993', '%B %d, %Y', undefined, undefined, local(1993, 7, 31)],
    ['date with timestamp', 'Mar 14 2023 17:02:59', '%b %d %Y %H:%M:%S', undefined, undefined, local(2023, 3, 14, 17, 2, 59)],
    ['day of the week long form', 'Monday, May 01, 2023', '%A, %B %d, %Y', undefined, undefined, local(2023, 5, 1)],
    ['short weekday, short month', 'Sat, May 20, 2023', '%a, %b %d, %Y', undefined, undefined, local(2023, 5, 20)],
    ['short months', 'Feb 15, 2023', '%b %d, %Y', undefined, undefined, local(2023, 2, 15)],
    ['zone abbreviation HST', '2023-05-26 12:34:56 HST', '%Y-%m-%d %H:%M:%S %Z', undefined, undefined, utc(2023, 5, 26, 22, 34, 56)],
    ['zone abbreviation GMT', '2023-05-26T12:34:56 GMT', '%Y-%m-%dT%H:%M:%S %Z', undefined, undefined, utc(2023, 5, 26, 12, 34, 56)],
    ['offset wins over abbreviation', '2012-11-01T22:08:41+0000 EST', '%Y-%m-%dT%H:%M:%S%z %Z', undefined, undefined, utc(2012, 11, 1, 22, 8, 41)],
    ['MST before 2000', '1986-10-01T00:17:33 MST', '%Y-%m-%dT%H:%M:%S %Z', undefined, undefined, utc(1986, 10, 1, 7, 17, 33)],
    ['no location', '2022/01/01', '%Y/%m/%d', undefined, undefined, local(2022, 1, 1)],
    ['location America/New_York', '2023-05-26 12:34:56', '%Y-%m-%d %H:%M:%S', 'America/New_York', undefined, utc(2023, 5, 26, 16, 34, 56)],
    ['location Asia/Shanghai', '2023-05-26 12:34:56', '%Y-%m-%d %H:%M:%S', 'Asia/Shanghai', undefined, utc(2023, 5, 26, 4, 34, 56)],
    ['abbreviation ignores the location', '1986-10-01T00:17:33 MST', '%Y-%m-%dT%H:%M:%S %Z', 'Asia/Shanghai', undefined, utc(1986, 10, 1, 7, 17, 33)],
    ['locale es-ES', 'Febrero 25 lunes, 2002, 02:03:04 p.m.', '%B %d %A, %Y, %r', undefined, 'es-ES', local(2002, 2, 25, 14, 3, 4)],
    ['locale it, date only', 'mercoledì set 4 2024', '%A %h %e %Y', undefined, 'it', local(2024, 9, 4)],
    ['locale and location', 'Febrero 25 lunes, 2002, 02:03:04 p.m.', '%B %d %A, %Y, %r', 'America/New_York', 'es-ES', utc(2002, 2, 25, 19, 3, 4)],
  ];
  for (const [name, value, format, location, locale, expected] of cases) {
    it(name, () => {
      const args = [JSON.stringify(value), JSON.stringify(format), location && JSON.stringify(location), locale && `locale=${JSON.stringify(locale)}`].filter(Boolean);
      expect(evaluate(`UnixNano(Time(${args.join(', ')}))`)).toBe(expected);
    });
  }

  it('reads fractions, offsets with colons and 12-hour clocks', () => {
    expect(evaluate('UnixNano(Time("2023-11-14 22:13:20.123456789", "%Y-%m-%d %H:%M:%S", "UTC"))')).toBe(START);
    expect(evaluate('UnixNano(Time("2023-11-14 22:13:20,5", "%Y-%m-%d %H:%M:%S,%L", "UTC"))')).toBe(utc(2023, 11, 14, 22, 13, 20) + 500_000_000n);
    expect(evaluate('UnixNano(Time("2023-11-14T23:13:20+01:00", "%Y-%m-%dT%H:%M:%S%j"))')).toBe(utc(2023, 11, 14, 22, 13, 20));
    expect(evaluate('UnixNano(Time("11/14/2023 10:13 PM", "%m/%d/%Y %I:%M %p", "UTC"))')).toBe(utc(2023, 11, 14, 22, 13));
    expect(evaluate('UnixNano(Time("2023-11-14T22:13:20Z", "%Y-%m-%dT%H:%M:%SZ"))')).toBe(utc(2023, 11, 14, 22, 13, 20));
  });

  it('a date without a year is this year, or last year when that is over a week ahead; a time alone is today', () => {
    const now = new Date();
    const soon = new Date(now.getTime() + 3 * 86_400_000);
    const later = new Date(now.getTime() + 30 * 86_400_000);
    const yearOf = (d: Date): bigint => evaluate(`Year(Time("${d.getMonth() + 1}/${d.getDate()}", "%q/%g"))`) as bigint;
    // Month and day are placed in the current year first (so a date across New Year lands in the past).
    const year = now.getFullYear();
    expect(yearOf(soon)).toBe(BigInt(year));
    expect(yearOf(later)).toBe(BigInt(later.getFullYear() > year ? year : year - 1));
    const today = evaluate('FormatTime(Time("10:11:12", "%H:%M:%S"), "%F %T")');
    expect(today).toBe(`${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')} 10:11:12`);
  });

  it('runtime errors: a value the format does not match, an empty string, an unknown abbreviation', () => {
    expect(() => evaluate('Time("11/11/11", "%Y/%m/%d")')).toThrow(/as %Y/);
    expect(() => evaluate('Time("", "%Y-%m-%dT%H:%M:%S")')).toThrow(OttlRuntimeError);
    expect(() => evaluate('Time("2023-02-30", "%Y-%m-%d")')).toThrow(/day out of range/);
    expect(() => evaluate('Time("2023-05-26 CEST", "%Y-%m-%d %Z")')).toThrow(/unknown time zone abbreviation CEST/);
    expect(() => evaluate('Time("2023-05-26 extra", "%Y-%m-%d")')).toThrow(/extra text/);
  });

  it('config errors: empty or invalid format, unknown location, unsupported locale', () => {
    expect(() => evaluate('Time("11/11/11", "")')).toThrow(/format cannot be empty/);
    expect(() => evaluate('Time("11/11/11", "%Y-%Q")')).toThrow(/unsupported directive %Q/);
    expect(() => evaluate('Time("2023", "%Y-01")')).toThrow(/should not contain decimals/);
    expect(() => evaluate('Time("2023-05-26 12:34:56", "%Y-%m-%d %H:%M:%S", "Jupiter/Ganymede")')).toThrow(/unknown time zone Jupiter\/Ganymede/);
    expect(() => evaluate('Time("2023-05-26", "%Y-%m-%d", locale="foo-bar")')).toThrow(/unsupported locale 'foo-bar'/);
    expect(() => evaluate('Time("2023-05-26", attributes["f"])')).toThrow(OttlParseError);
  });
});

describe('FormatTime and calendar fields', () => {
  it('formats in the time\'s zone with Go\'s layout rules', () => {
    expect(evaluate('FormatTime(start_time, "%Y-%m-%dT%H:%M:%S.%L")')).toBe('2023-11-14T22:13:20.123');
    expect(evaluate('FormatTime(start_time, "%a %b %e %l:%M %p %Z %z %j %c")')).toBe('Tue Nov 14 10:13 PM UTC +0000 +00:00 Tue Nov 14 22:13:20 2023');
    expect(evaluate('FormatTime(Time("2023-11-14 22:13:20", "%Y-%m-%d %H:%M:%S", "Asia/Kolkata"), "%F %T %z")')).toBe('2023-11-14 22:13:20 +0530');
    // Go's .999 forms drop trailing zeros, and the separator when nothing is left.
    expect(evaluate('FormatTime(TruncateTime(start_time, Duration("1s")), "%H:%M:%S.%f")')).toBe('22:13:20');
    expect(evaluate('FormatTime(start_time, "%D %R %y %q/%g %P")')).toBe('11/14/2023 22:13 23 11/14 pm');
  });

  it('Year ... Weekday read the calendar', () => {
    const fields = ['Year', 'Month', 'Day', 'Hour', 'Minute', 'Second', 'Nanosecond', 'Weekday'].map((f) => evaluate(`${f}(start_time)`));
    expect(fields).toEqual([2023n, 11n, 14n, 22n, 13n, 20n, 123_456_789n, 2n]);
  });

  it('a non-time argument is a runtime error', () => {
    expect(() => evaluate('FormatTime(name, "%Y")')).toThrow(/expected a time but got string/);
  });
});

describe('Now, Unix*, TruncateTime (upstream func_truncate_time_test.go cases)', () => {
  it('Unix builds a time; UnixNano/Micro/Milli/Seconds read it back', () => {
    expect(evaluate('UnixNano(Unix(1700000000, 5))')).toBe(1_700_000_000_000_000_005n);
    expect(evaluate('UnixNano(Unix(1700000000))')).toBe(1_700_000_000_000_000_000n);
    expect(evaluate('UnixMicro(start_time)')).toBe(1_700_000_000_123_456n);
    expect(evaluate('UnixMilli(start_time)')).toBe(1_700_000_000_123n);
    expect(evaluate('UnixSeconds(start_time)')).toBe(1_700_000_000n);
    expect(evaluate('UnixMilli(Unix(-1, 1))')).toBe(-1000n);
  });

  it('Now is the current time', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const v = evaluate('UnixNano(Now())') as bigint;
    expect(v >= before - 1_000_000n && v <= BigInt(Date.now() + 1) * 1_000_000n).toBe(true);
  });

  const truncations: [string, bigint, string, bigint][] = [
    ['to 1s', utc(2022, 1, 1, 1, 1, 1) + 999_999_999n, '1s', utc(2022, 1, 1, 1, 1, 1)],
    ['to 1ms', utc(2022, 1, 1, 1, 1, 1) + 999_999_999n, '1ms', utc(2022, 1, 1, 1, 1, 1) + 999_000_000n],
    ['old time', utc(1980, 9, 9, 9, 59, 59) + 999_999_999n, '1h', utc(1980, 9, 9, 9)],
  ];
  for (const [name, time, duration, expected] of truncations) {
    it(`TruncateTime ${name}`, () => {
      const item = spanItem();
      item.span.startTimeUnixNano = time;
      expect(evaluate(`UnixNano(TruncateTime(start_time, Duration("${duration}")))`, item)).toBe(expected);
    });
  }

  it('TruncateTime errors on a non-time or non-duration', () => {
    expect(() => evaluate('TruncateTime("11/11/11", Duration("1ms"))')).toThrow(/expected a time but got string/);
    expect(() => evaluate('TruncateTime(Now(), "string")')).toThrow(/expected a duration but got string/);
  });
});

describe('Duration (upstream func_duration_test.go cases)', () => {
  const cases: [string, bigint][] = [
    ['100ms', 100_000_000n],
    ['234us', 234_000n],
    ['777ns', 777n],
    ['1s', 1_000_000_000n],
    ['200s', 200_000_000_000n],
    ['3m', 180_000_000_000n],
    ['45m', 2_700_000_000_000n],
    ['7m12s', 432_000_000_000n],
    ['4h', 14_400_000_000_000n],
    ['5h23m59s', 19_439_000_000_000n],
    ['5h59s', 18_059_000_000_000n],
    ['5h23m', 19_380_000_000_000n],
    ['2m1s64us', 121_000_064_000n],
    ['59h1m78ms', 212_460_078_000_000n],
    ['-1.5h', -5_400_000_000_000n],
  ];
  for (const [text, nanos] of cases) {
    it(text, () => expect(evaluate(`Nanoseconds(Duration("${text}"))`)).toBe(nanos));
  }

  it('invalid durations are runtime errors', () => {
    expect(() => evaluate('Duration("")')).toThrow(/invalid duration/);
    expect(() => evaluate('Duration("one second")')).toThrow(/invalid duration/);
  });

  it('Hours, Minutes, Seconds are doubles; Milliseconds, Microseconds, Nanoseconds ints', () => {
    const d = 'Duration("1h30m1.5s")';
    expect(['Hours', 'Minutes', 'Seconds'].map((f) => evaluate(`${f}(${d})`))).toEqual([5401.5 / 3600, 5401.5 / 60, 5401.5]);
    expect(['Milliseconds', 'Microseconds', 'Nanoseconds'].map((f) => evaluate(`${f}(${d})`))).toEqual([5_401_500n, 5_401_500_000n, 5_401_500_000_000n]);
    expect(evaluate(`String(${d})`)).toBe('1h30m1.5s');
  });
});

describe('time paths, comparisons and arithmetic', () => {
  it('time paths read as times and compare with each other', () => {
    expect(holds('start_time < end_time')).toBe(true);
    expect(holds('end_time - start_time == Duration("1.5s")')).toBe(true);
    expect(holds('end_time - start_time > Duration("2s")')).toBe(false);
    expect(holds('start_time + Duration("1500ms") == end_time')).toBe(true);
    expect(holds('Duration("1500ms") + start_time == end_time')).toBe(true);
    expect(holds('end_time - Duration("1.5s") == start_time')).toBe(true);
    expect(holds('start_time == 1700000000123456789')).toBe(false);
    expect(holds('start_time != "x"')).toBe(true);
    expect(holds('Now() - start_time > Duration("1h")')).toBe(true);
  });

  it('time paths are set from times; attributes do not store times', () => {
    const item = spanItem();
    compileStatement('set(end_time, start_time + Duration("2m"))', 'span')(item);
    expect(item.span.endTimeUnixNano).toBe(START + 120_000_000_000n);
    compileStatement('set(start_time, 5)', 'span')(item);
    expect(item.span.startTimeUnixNano).toBe(START);
    compileStatement('set(attributes["t"], Now())', 'span')(item);
    expect(item.span.attributes.has('t')).toBe(false);
    compileStatement('set(attributes["ms"], Milliseconds(end_time - start_time))', 'span')(item);
    expect(item.span.attributes.get('ms')).toBe(120_000n);
  });

  it('times and durations cannot be multiplied, nor put in lists', () => {
    expect(() => holds('start_time * 2 == 1')).toThrow(/only \+ and - work on times and durations/);
    expect(() => holds('start_time + start_time == 1')).toThrow(/a time takes \+ with a duration, got time/);
    expect(() => evaluate('[start_time]')).toThrow(/a list cannot hold a time value/);
  });
});
