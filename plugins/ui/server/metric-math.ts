/**
 * Arithmetic on metric points as the live store holds them: what each point of a series added
 * (cumulative or delta), and quantiles and threshold counts of explicit-bucket histograms, the
 * way Prometheus' `increase` and `histogram_quantile` read them.
 */
import type { MetricPoint } from './rows.js';

export const seriesKey = (p: MetricPoint): string => `${p.name}\u0000${p.service}\u0000${JSON.stringify(p.attributes)}\u0000${JSON.stringify(p.resource)}`;

export interface Increase {
  point: MetricPoint;
  /** What the point added to its series (a histogram: to its count). */
  value: number;
  /** A histogram's added counts per bucket (`point.bounds`). */
  buckets?: number[];
}

const minus = (a: number[] | undefined, b: number[] | undefined): number[] | undefined =>
  a && b && a.length === b.length ? a.map((x, i) => x - b[i]) : a;

/**
 * What each point timed at or after `from` added to its series. A delta point adds its value; a
 * cumulative one the difference to the series' previous point, or all of its value when the series
 * (re)started since (a new start time, or a value that went down). The first point held of a
 * series that started before `from` is only a baseline. Gauges add nothing.
 */
export function increases(points: Iterable<MetricPoint>, from: number): Increase[] {
  const bySeries = new Map<string, MetricPoint[]>();
  for (const p of points) {
    if (p.temporality === 'gauge') continue;
    const key = seriesKey(p);
    const list = bySeries.get(key);
    if (list) list.push(p);
    else bySeries.set(key, [p]);
  }
  const out: Increase[] = [];
  for (const list of bySeries.values()) {
    // points of one millisecond: a cumulative series only grows within a start, so the smaller came first
    list.sort((a, b) => a.time - b.time || a.start - b.start || a.value - b.value);
    let prev: MetricPoint | undefined;
    for (const p of list) {
      const restarted = !prev || p.start !== prev.start || p.value < prev.value;
      if (p.time >= from) {
        if (p.temporality === 'delta' || (restarted && (prev || p.start >= from))) out.push({ point: p, value: p.value, buckets: p.buckets });
        else if (!restarted) out.push({ point: p, value: p.value - prev!.value, buckets: minus(p.buckets, prev!.buckets) });
      }
      prev = p;
    }
  }
  return out;
}

/** Adds histogram bucket counts into `into` (made on first use); counts of other bounds are skipped. */
export function addBuckets(into: { bounds?: number[]; counts?: number[] }, bounds: number[] | undefined, counts: number[] | undefined): void {
  if (!bounds || !counts) return;
  if (!into.bounds) {
    into.bounds = bounds;
    into.counts = counts.slice();
  } else if (into.bounds.length === bounds.length && into.bounds.every((b, i) => b === bounds[i])) {
    counts.forEach((c, i) => (into.counts![i] += c));
  }
}

/**
 * The q-quantile of a histogram, interpolated linearly within its bucket as Prometheus'
 * `histogram_quantile`; in the last (unbounded) bucket, the highest bound. 0 without counts.
 */
export function histogramQuantile(q: number, bounds: number[], counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    if (below + counts[i] >= rank && counts[i] > 0) {
      if (i >= bounds.length) return bounds.at(-1) ?? 0;
      const lower = i === 0 ? Math.min(0, bounds[0]) : bounds[i - 1];
      return lower + ((bounds[i] - lower) * (rank - below)) / counts[i];
    }
    below += counts[i];
  }
  return bounds.at(-1) ?? 0;
}

/** How many observations are at most `x`, interpolated within the bucket holding `x`. */
export function countAtMost(x: number, bounds: number[], counts: number[]): number {
  let n = 0;
  for (let i = 0; i < counts.length; i++) {
    const lower = i === 0 ? Math.min(0, bounds[0] ?? 0) : bounds[i - 1];
    if (i >= bounds.length) return n; // nothing in the unbounded bucket is known to be ≤ x
    if (bounds[i] <= x) n += counts[i];
    else return x > lower ? n + (counts[i] * (x - lower)) / (bounds[i] - lower) : n;
  }
  return n;
}
