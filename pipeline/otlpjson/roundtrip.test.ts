/**
 * Property-style round trips: seeded random models survive encode → JSON text → decode exactly.
 * A failure prints the seed; rerun with that seed to reproduce.
 */
import { describe, expect, it } from 'vitest';
import type { AnyValue, Logs, Signal, SignalData } from '../model.js';
import { randomCases } from '../otlpproto/testing/random.js';
import { decodeSignal, encodeSignal } from './index.js';

/** JSON has no negative zero: the one value a JSON round trip may change, as documented. */
function withoutNegativeZero<T>(v: T): T {
  if (typeof v === 'number') return (Object.is(v, -0) ? 0 : v) as T;
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, withoutNegativeZero(x)])) as T;
  if (Array.isArray(v)) return v.map(withoutNegativeZero) as T;
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutNegativeZero(x)])) as T;
  }
  return v;
}

const roundTrip = <S extends Signal>(signal: S, data: SignalData[S]) =>
  decodeSignal(signal, JSON.parse(JSON.stringify(encodeSignal(signal, data))));

describe.each(['traces', 'metrics', 'logs'] as const)('%s round trip', (signal) => {
  it('random models survive encode → JSON text → decode exactly (300 seeds)', () => {
    for (const { seed, data } of randomCases(signal, 300)) {
      expect(roundTrip(signal, data), `seed ${seed}`).toEqual(withoutNegativeZero(data));
    }
  });
});

describe('exactness of individual values', () => {
  const oneAttribute = (value: AnyValue): Logs => ({
    resourceLogs: [
      {
        resource: { attributes: new Map([['v', value]]), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeLogs: [],
      },
    ],
  });
  const back = (value: AnyValue) => roundTrip('logs', oneAttribute(value)).resourceLogs[0].resource.attributes.get('v');

  it.each([
    ['int64 min', -(2n ** 63n)],
    ['int64 max', 2n ** 63n - 1n],
    ['2^53 + 1', 2n ** 53n + 1n],
  ])('%s stays an exact bigint', (_, v) => {
    expect(back(v)).toBe(v);
  });

  it('a whole double stays a double, not an int', () => {
    expect(back(1)).toBe(1);
    expect(typeof back(1)).toBe('number');
    expect(back(0n)).toBe(0n);
  });

  it('NaN and the infinities survive as doubles', () => {
    expect(back(NaN)).toBeNaN();
    expect(back(Infinity)).toBe(Infinity);
    expect(back(-Infinity)).toBe(-Infinity);
    const text = JSON.stringify(encodeSignal('logs', oneAttribute(NaN)));
    expect(text).toContain('"doubleValue":"NaN"');
  });

  it('bytes stay bytes, including empty', () => {
    const v = back(Uint8Array.from([0, 255, 1, 128]));
    expect(v).toBeInstanceOf(Uint8Array);
    expect(v).toEqual(Uint8Array.from([0, 255, 1, 128]));
    expect(back(new Uint8Array(0))).toEqual(new Uint8Array(0));
  });

  it('empty array, empty kvlist and empty value are three different things', () => {
    expect(back([])).toEqual([]);
    expect(back(new Map())).toEqual(new Map());
    expect(back(null)).toBeNull();
    expect(back([null, [], new Map([['k', [1n]]])])).toEqual([null, [], new Map([['k', [1n]]])]);
  });

  it('int64 values are encoded as decimal strings', () => {
    const json = encodeSignal('logs', oneAttribute(2n ** 63n - 1n)) as { resourceLogs: { resource: { attributes: { value: unknown }[] } }[] };
    expect(json.resourceLogs[0].resource.attributes[0].value).toEqual({ intValue: '9223372036854775807' });
  });
});
