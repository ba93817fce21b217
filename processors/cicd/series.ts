/**
 * Cumulative series keyed by their attributes, bounded: past `limit` series per metric, new
 * attribute combinations are counted in one series with `otel.metric.overflow=true` (as
 * spanmetrics does), so test names or branches cannot grow memory without end.
 */
import { attrs } from '../../pipeline/builders.js';
import { AggregationTemporality, type HistogramDataPoint, type Metric, type NumberDataPoint } from '../../pipeline/model.js';

export type Labels = Record<string, string>;

const OVERFLOW: Labels = { 'otel.metric.overflow': 'true' };

/** A histogram's state, as it is also kept in the store for the DORA histograms. */
export interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
  min: number;
  max: number;
}

export function emptyHistogram(bounds: number[]): HistogramState {
  return { counts: new Array(bounds.length + 1).fill(0), sum: 0, count: 0, min: Infinity, max: -Infinity };
}

export function observe(h: HistogramState, bounds: number[], value: number): void {
  let i = 0;
  while (i < bounds.length && value > bounds[i]) i++;
  h.counts[i]++;
  h.sum += value;
  // an empty state read back from JSON has min/max null (JSON has no Infinity)
  h.min = h.count === 0 ? value : Math.min(h.min, value);
  h.max = h.count === 0 ? value : Math.max(h.max, value);
  h.count++;
}

export function histogramPoint(labels: Labels, h: HistogramState, bounds: number[], start: bigint, now: bigint): HistogramDataPoint {
  return {
    attributes: attrs(labels),
    startTimeUnixNano: start,
    timeUnixNano: now,
    count: h.count,
    sum: h.sum,
    bucketCounts: [...h.counts],
    explicitBounds: bounds,
    exemplars: [],
    flags: 0,
    ...(h.count ? { min: h.min, max: h.max } : {}),
  };
}

class Bounded<V> {
  readonly series = new Map<string, { labels: Labels; value: V }>();

  constructor(
    private readonly limit: number,
    private readonly fresh: () => V,
  ) {}

  get(labels: Labels): V {
    // one call site per series set writes the same keys in the same order: the values alone tell series apart
    let key = labels === OVERFLOW ? '\u0001overflow' : '';
    for (const k in labels) key += `${labels[k]}\u0000`;
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= this.limit) return this.get(OVERFLOW);
      this.series.set(key, (s = { labels, value: this.fresh() }));
    }
    return s.value;
  }
}

export class HistogramSeries {
  private readonly all: Bounded<HistogramState>;

  constructor(
    readonly bounds: number[],
    limit: number,
  ) {
    this.all = new Bounded(limit, () => emptyHistogram(bounds));
  }

  record(labels: Labels, value: number): void {
    observe(this.all.get(labels), this.bounds, value);
  }

  points(start: bigint, now: bigint): HistogramDataPoint[] {
    return [...this.all.series.values()].map((s) => histogramPoint(s.labels, s.value, this.bounds, start, now));
  }
}

export class CounterSeries {
  private readonly all: Bounded<{ n: number }>;

  constructor(limit: number) {
    this.all = new Bounded(limit, () => ({ n: 0 }));
  }

  add(labels: Labels, n = 1): void {
    this.all.get(labels).n += n;
  }

  points(start: bigint, now: bigint): NumberDataPoint[] {
    return [...this.all.series.values()].map((s) => numberPoint(s.labels, BigInt(s.value.n), start, now));
  }
}

export function numberPoint(labels: Labels, value: number | bigint, start: bigint, now: bigint): NumberDataPoint {
  return { attributes: attrs(labels), startTimeUnixNano: start, timeUnixNano: now, value, exemplars: [], flags: 0 };
}

export function histogramMetric(name: string, description: string, unit: string, dataPoints: HistogramDataPoint[]): Metric {
  return { name, description, unit, metadata: new Map(), data: { type: 'histogram', aggregationTemporality: AggregationTemporality.Cumulative, dataPoints } };
}

export function counterMetric(name: string, description: string, unit: string, dataPoints: NumberDataPoint[]): Metric {
  return { name, description, unit, metadata: new Map(), data: { type: 'sum', aggregationTemporality: AggregationTemporality.Cumulative, isMonotonic: true, dataPoints } };
}

export function gaugeMetric(name: string, description: string, unit: string, dataPoints: NumberDataPoint[]): Metric {
  return { name, description, unit, metadata: new Map(), data: { type: 'gauge', dataPoints } };
}
