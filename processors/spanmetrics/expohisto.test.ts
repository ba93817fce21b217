import { describe, expect, it } from 'vitest';
import { ExponentialHistogram, lowerBoundary, mapToIndex, MAX_SCALE } from './expohisto.js';

/** Whether v lies in bucket `index` at `scale`: (lower(index), lower(index + 1)], with a little slack for rounding. */
function inBucket(v: number, index: number, scale: number): boolean {
  const lo = lowerBoundary(index, scale);
  const hi = lowerBoundary(index + 1, scale);
  return v > lo * (1 - 1e-12) && v <= hi * (1 + 1e-12);
}

describe('mapToIndex', () => {
  it('maps exact powers of two to the bucket they close (upper bound inclusive)', () => {
    expect([1, 2, 3, 4, 5].map((v) => mapToIndex(v, 0))).toEqual([-1, 0, 1, 1, 2]);
    expect([0.5, 0.75].map((v) => mapToIndex(v, 0))).toEqual([-2, -1]);
    expect([2, 3, 4].map((v) => mapToIndex(v, 1))).toEqual([1, 3, 3]);
    expect([1, 4, 5, 16, 17].map((v) => mapToIndex(v, -1))).toEqual([-1, 0, 1, 1, 2]);
    expect(mapToIndex(1, MAX_SCALE)).toBe(-1);
    expect(mapToIndex(2, MAX_SCALE)).toBe(2 ** 20 - 1);
  });

  it('puts every value in the bucket whose bounds contain it, at every scale', () => {
    const values = [1e-6, 0.001, 0.3, 1.5, 7, 123.456, 5000, 15000, 1e9];
    for (let scale = -10; scale <= 20; scale++) {
      for (const v of values) expect(inBucket(v, mapToIndex(v, scale), scale), `${v} at scale ${scale}`).toBe(true);
    }
  });
});

describe('ExponentialHistogram', () => {
  it('lowers its scale to keep at most maxSize buckets, keeping every count', () => {
    const h = new ExponentialHistogram(4);
    const values = [1, 2, 4, 8, 16, 100, 3, 0.25];
    for (const v of values) h.observe(v);
    expect(h.count).toBe(values.length);
    expect(h.positive.counts.length).toBeLessThanOrEqual(4);
    expect(h.positive.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    for (const v of values) {
      const i = mapToIndex(v, h.scale) - h.positive.offset;
      expect(i >= 0 && i < h.positive.counts.length && h.positive.counts[i] > 0, `${v}`).toBe(true);
    }
    expect(h.scale).toBeLessThan(MAX_SCALE);
  });

  it('keeps the finest scale while values fit', () => {
    const h = new ExponentialHistogram(160);
    h.observe(10);
    h.observe(10.000001);
    expect(h.scale).toBe(MAX_SCALE);
    expect(h.positive.counts.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('counts zeros apart and negative values in their own buckets, at one shared scale', () => {
    const h = new ExponentialHistogram(8);
    for (const v of [0, 0, -3, -1000, 5]) h.observe(v);
    expect(h.zeroCount).toBe(2);
    expect(h.negative.counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(h.positive.counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(h.negative.counts.length).toBeLessThanOrEqual(8);
    expect([h.min, h.max, h.sum]).toEqual([-1000, 5, -998]);
    const neg = mapToIndex(1000, h.scale) - h.negative.offset;
    expect(h.negative.counts[neg]).toBeGreaterThan(0);
  });
});
