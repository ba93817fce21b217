import { describe, expect, it } from 'vitest';
import { anyValueToJson } from './anyvalue.js';
import { fromAnyValue } from './model-ops.js';
import type { AnyValue } from './model.js';

describe('anyValueToJson', () => {
  it('writes what JSON.stringify(fromAnyValue(v)) writes, escapes and all', () => {
    const values: AnyValue[] = [
      new Map<string, AnyValue>([
        ['quote"and\\slash', 'line\nbreak\ttab \u0001 "q"'],
        ['lone surrogate', 'a\ud800b'],
        ['emoji', '😀 ü \u2028'],
        ['ints', [1n, -(2n ** 63n), 2n ** 53n - 1n]],
        ['doubles', [1.5, Number.NaN, Number.POSITIVE_INFINITY, -0]],
        ['other', [true, null, new Uint8Array([0, 255]), [], new Map()]],
      ]),
      'plain',
      2n ** 60n,
      null,
    ];
    for (const v of values) expect(anyValueToJson(v)).toBe(JSON.stringify(fromAnyValue(v)));
  });

  it('keeps kvlist keys in their order, array-index keys too (an object would move those first)', () => {
    const v = new Map<string, AnyValue>([
      ['b', 1n],
      ['2', 'two'],
      ['__proto__', new Map<string, AnyValue>([['x', 'y'.repeat(100)]])],
    ]);
    expect(anyValueToJson(v)).toBe(`{"b":1,"2":"two","__proto__":{"x":"${'y'.repeat(100)}"}}`);
    expect(JSON.parse(anyValueToJson(v))).toEqual(fromAnyValue(v));
  });
});
