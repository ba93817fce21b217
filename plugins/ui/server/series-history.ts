/**
 * Metric points kept longer than the live ring holds them, at a coarse resolution: per series one
 * point per time bucket — the latest of a cumulative series or a gauge, the sum of a delta
 * series' points — for a bounded age and number of series. What the release and DORA pages read.
 */
import { FifoMap } from 'summit';
import { seriesKey } from './metric-math.js';
import type { MetricPoint } from './rows.js';

function addDelta(a: MetricPoint, b: MetricPoint): MetricPoint {
  const buckets = a.buckets && b.buckets && a.buckets.length === b.buckets.length ? a.buckets.map((c, i) => c + b.buckets![i]) : a.buckets;
  return { ...a, value: a.value + b.value, buckets, start: Math.min(a.start, b.start), time: Math.max(a.time, b.time) };
}

export class SeriesHistory {
  /** series key → bucket number → point; a Map keeps insertion order, so re-inserting marks recent use. */
  private readonly series = new FifoMap<string, Map<number, MetricPoint>>();

  constructor(
    private readonly bucketMs: number,
    private readonly maxAgeMs: number,
    private readonly maxSeries: number,
  ) {}

  add(p: MetricPoint, now = Date.now()): void {
    const oldest = Math.floor((now - this.maxAgeMs) / this.bucketMs);
    const bucket = Math.floor(p.time / this.bucketMs);
    if (bucket < oldest) return;
    const key = seriesKey(p);
    let buckets = this.series.get(key);
    if (buckets) this.series.delete(key);
    else buckets = new Map();
    this.series.set(key, buckets);
    const held = buckets.get(bucket);
    if (held && p.temporality === 'delta') buckets.set(bucket, addDelta(held, p));
    else if (!held || p.time >= held.time) buckets.set(bucket, p);
    for (const b of buckets.keys()) if (b < oldest) buckets.delete(b);
    if (this.series.size > this.maxSeries) this.series.shift();
  }

  *points(): Generator<MetricPoint> {
    for (const buckets of this.series.values()) yield* buckets.values();
  }
}
