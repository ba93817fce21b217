import { describe, expect, it } from 'vitest';
import type { AnyValue } from '../../pipeline/model.js';
import { everyValue } from './testing.js';
import { decodeValue, doubleText, json, maxSetBytes, TRUNCATED, truncationMarker, valueText, valueType, ValueLimit } from './values.js';

const roundTrip = (v: AnyValue) => decodeValue(valueType(v), valueText(v));

describe('attribute values as (type, text)', () => {
  it('every value of every type reads back exactly', () => {
    for (const [key, v] of everyValue()) {
      const back = roundTrip(v);
      expect(back, key).toEqual(v);
      expect(valueType(back), key).toBe(valueType(v));
    }
  });

  it('keeps int and double apart, at the top and nested', () => {
    expect(valueText(2n)).toBe('2');
    expect(valueText(2)).toBe('2.0');
    expect(json([2n, 2, 1e21, 1e-7, -0])).toBe('[2,2.0,1e+21,1e-7,-0.0]');
    expect(roundTrip([2n, 2])).toEqual([2n, 2]);
    expect(typeof (roundTrip([2n]) as AnyValue[])[0]).toBe('bigint');
    expect(typeof (roundTrip([2]) as AnyValue[])[0]).toBe('number');
  });

  it('int64 stays exact beyond 2^53, at the top and nested', () => {
    expect(valueText(9_007_199_254_740_993n)).toBe('9007199254740993');
    expect(roundTrip(new Map([['n', [-9_223_372_036_854_775_808n]]]))).toEqual(new Map([['n', [-9_223_372_036_854_775_808n]]]));
  });

  it('doubles: shortest round-trip digits, signed zero and the non-finite ones', () => {
    expect([0.1, 1.5, -0, NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE].map(doubleText)).toEqual([
      '0.1',
      '1.5',
      '-0.0',
      'NaN',
      'Infinity',
      '-Infinity',
      '5e-324',
      '1.7976931348623157e+308',
    ]);
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Number.isNaN(roundTrip(NaN))).toBe(true);
  });

  it('nested bytes and non-finite doubles are tagged; kvlist keys starting with $ are escaped', () => {
    const v: AnyValue = [new Uint8Array([1, 2]), NaN, new Map<string, AnyValue>([['$bytes', 'AQI='], ['a', null]])];
    expect(json(v)).toBe('[{"$bytes":"AQI="},{"$double":"NaN"},{"$$bytes":"AQI=","a":null}]');
    expect(roundTrip(v)).toEqual(v);
  });

  it('kvlists keep every key in its order: array-index keys, __proto__ and $ keys too', () => {
    const v = new Map<string, AnyValue>([
      ['b', 1n],
      ['2', 'two'],
      ['1', 1.5],
      ['__proto__', new Map<string, AnyValue>([['x', true]])],
      ['$ref', [9_007_199_254_740_991n, -0.25, null]],
    ]);
    expect(json(v)).toBe('{"b":1,"2":"two","1":1.5,"__proto__":{"x":true},"$$ref":[9007199254740991,-0.25,null]}');
    const back = roundTrip(v) as Map<string, AnyValue>;
    expect(back).toEqual(v);
    expect([...back.keys()]).toEqual(['b', '2', '1', '__proto__', '$ref']);
  });

  it('a kvlist of plain JSON data (a Sentry event) is written as JSON, ints without a fraction', () => {
    const v = new Map<string, AnyValue>([
      ['event_id', 'ab"c'],
      ['timestamp', 1_700_000_000.25],
      ['exception', new Map<string, AnyValue>([['values', [new Map<string, AnyValue>([['lineno', 42n], ['in_app', false], ['$x', 'y']])]]])],
      ['extra', new Map<string, AnyValue>([['big', 2n ** 60n], ['half', 0.5]])],
    ]);
    expect(json(v)).toBe('{"event_id":"ab\\"c","timestamp":1700000000.25,"exception":{"values":[{"lineno":42,"in_app":false,"$$x":"y"}]},"extra":{"big":1152921504606846976,"half":0.5}}');
    expect(roundTrip(v)).toEqual(v);
  });

  it('strings are JSON-escaped inside Slice and Map, and kept verbatim at the top', () => {
    const s = 'quote " backslash \\ newline \n tab \t nul \u0000 emoji 🦆';
    expect(valueText(s)).toBe(s);
    expect(roundTrip([s])).toEqual([s]);
    expect(roundTrip(new Map([[s, s]]))).toEqual(new Map([[s, s]]));
  });

  it('strings inside Slice and Map are written as JSON.stringify writes them, short or long, ASCII or not', () => {
    const strings = ['', 'plain', 'del \u007f', 'é', '🦆', 'lone \ud800 high', 'lone \udc00 low', 'ctl \u001f', 'q"', 'b\\', 'x'.repeat(64), 'x'.repeat(65), `${'y'.repeat(70)}"`, `${'ü'.repeat(40)}🦆`];
    for (const s of strings) {
      expect(json([s]), s).toBe(`[${JSON.stringify(s)}]`);
      expect(json(new Map([[s, s]])), s).toBe(`{${JSON.stringify(s.startsWith('$') ? `$${s}` : s)}:${JSON.stringify(s)}}`);
    }
    // the scratch buffer grows for a large value and the next value is written from its start
    const big = 'z'.repeat(3 << 20);
    expect(json([big])).toBe(`["${big}"]`);
    expect(json([1n])).toBe('[1]');
  });

  it('the empty value has no text', () => {
    expect(valueType(null)).toBe('Empty');
    expect(valueText(null)).toBeNull();
    expect(decodeValue('Empty', null)).toBeNull();
  });

  it('rejects a type it does not know and JSON it cannot read', () => {
    expect(() => decodeValue('Float', '1')).toThrow(/unknown attribute value type "Float"/);
    expect(() => decodeValue('Slice', '[1,')).toThrow(/invalid attribute JSON/);
  });
});

describe('max_value_bytes', () => {
  it('keeps texts within the limit as they are, counting nothing', () => {
    const limit = new ValueLimit(8);
    const s = 'abcdefgh';
    expect(limit.text(s)).toBe(s);
    expect(limit.text('ééé')).toBe('ééé'); // 6 bytes
    expect(limit.take()).toEqual({ truncated: 0, dropped: 0 });
  });

  it('cuts longer texts to whole characters within the limit, then the marker with the original size', () => {
    const limit = new ValueLimit(8);
    expect(limit.text('abcdefghi')).toBe(`abcdefgh${truncationMarker(9)}`);
    expect(limit.text('abcdefgh…')).toBe('abcdefgh…[truncated from 11 bytes]');
    expect(limit.text('ééééé')).toBe(`éééé${truncationMarker(10)}`); // 2-byte characters
    expect(limit.text('a€€€')).toBe(`a€€${truncationMarker(10)}`); // byte 8 is inside the third €
    expect(limit.text('a🦆🦆')).toBe(`a🦆${truncationMarker(9)}`); // a surrogate pair is never split
    expect(limit.text('x'.repeat(100), false)).toBe(`xxxxxxxx${truncationMarker(100)}`);
    expect(limit.take()).toEqual({ truncated: 5, dropped: 0 });
    expect(limit.take()).toEqual({ truncated: 0, dropped: 0 });
  });

  it('a cut text reads back as the string it is, whatever its type was', () => {
    expect(decodeValue(TRUNCATED, `{"a":"b${truncationMarker(100)}`)).toBe(`{"a":"b${truncationMarker(100)}`);
  });

  it('a resource, scope or metric keeps 256 KiB of attributes, or one value of the limit if larger', () => {
    expect(maxSetBytes(64 * 1024)).toBe(256 * 1024);
    expect(maxSetBytes(1024 * 1024)).toBe(1024 * 1024);
  });
});
