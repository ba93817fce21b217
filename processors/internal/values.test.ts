import { describe, expect, it } from 'vitest';
import { anyValueEqual, asString, plainDecimal, scalarString } from './values.js';

describe('asString (pdata AsString)', () => {
  it('formats scalars as upstream', () => {
    expect(asString('x')).toBe('x');
    expect(asString(true)).toBe('true');
    expect(asString(9007199254740993n)).toBe('9007199254740993');
    expect(asString(1)).toBe('1'); // a double 1.0 prints as "1", unlike the debug exporter's "1.0"
    expect(asString(1.5)).toBe('1.5');
    expect(asString(1e-7)).toBe('1e-7');
    expect(asString(null)).toBe('');
    expect(asString(new Uint8Array([1, 2, 255]))).toBe('AQL/');
  });

  it('writes containers as JSON with exact int64 and sorted keys', () => {
    const v = new Map<string, unknown>([
      ['b', [1n, 'x', false]],
      ['a', 9223372036854775807n],
    ]);
    expect(asString(v as never)).toBe('{"a":9223372036854775807,"b":[1,"x",false]}');
  });
});

describe('scalarString (regexp attribute matching)', () => {
  it('never uses exponent notation for doubles, as strconv.FormatFloat(f, f, -1)', () => {
    expect(scalarString(1e21)).toBe('1000000000000000000000');
    expect(scalarString(1.5e-7)).toBe('0.00000015');
    expect(scalarString(-2.5e22)).toBe('-25000000000000000000000');
    expect(plainDecimal(123.456)).toBe('123.456');
    expect(scalarString(new Map())).toBeUndefined();
  });
});

describe('anyValueEqual', () => {
  it('is typed: an int never equals a double', () => {
    expect(anyValueEqual(1n, 1)).toBe(false);
    expect(anyValueEqual(1n, 1n)).toBe(true);
    expect(anyValueEqual('1', 1n)).toBe(false);
  });

  it('compares containers deeply, kvlists regardless of order', () => {
    const a = new Map<string, never>([['x', 1n as never], ['y', [true] as never]]);
    const b = new Map<string, never>([['y', [true] as never], ['x', 1n as never]]);
    expect(anyValueEqual(a, b)).toBe(true);
    expect(anyValueEqual(a, new Map([['x', 1n]]))).toBe(false);
    expect(anyValueEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(anyValueEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(anyValueEqual([1n], [1])).toBe(false);
  });
});
