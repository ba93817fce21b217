/**
 * Window functions over a group of series: the value a metric condition compares, computed from
 * the samples in (now − window, now].
 */
import type { HistogramSample, NumberSample, Series } from './series.js';

export const WINDOW_FUNCTIONS = ['avg', 'sum', 'min', 'max', 'last', 'count', 'rate', 'increase', 'p50', 'p90', 'p95', 'p99', 'absent'] as const;
export type WindowFunction = (typeof WINDOW_FUNCTIONS)[number];

const QUANTILE: Partial<Record<WindowFunction, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/**
 * The value of `fn` over the series of one group, or undefined when the window holds no data
 * for it (a condition on an undefined value does not hold).
 */
export function windowValue(fn: WindowFunction, series: readonly Series[], now: number, windowMs: number): number | undefined {
  const from = now - windowMs;
  const q = QUANTILE[fn];
  if (q !== undefined) return quantileOf(q, mergedBuckets(series, from));
  if (series.length && series[0].kind === 'histogram') return histogramValue(fn, series, from, windowMs);
  switch (fn) {
    case 'rate':
    case 'increase': {
      let total: number | undefined;
      for (const s of series) {
        const samples = s.samples as NumberSample[];
        const inc = s.cumulative ? counterIncrease(samples, from) : s.gauge ? gaugeDelta(samples, from) : sumInWindow(samples, from);
        if (inc !== undefined) total = (total ?? 0) + inc;
      }
      return total === undefined || fn === 'increase' ? total : total / (windowMs / 1000);
    }
    default: {
      let n = 0;
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      let last: NumberSample | undefined;
      for (const s of series) {
        for (const x of s.samples as NumberSample[]) {
          if (x.t <= from) continue;
          n++;
          sum += x.v;
          if (x.v < min) min = x.v;
          if (x.v > max) max = x.v;
          if (!last || x.t >= last.t) last = x;
        }
      }
      if (fn === 'count') return n;
      if (n === 0) return undefined;
      return fn === 'avg' ? sum / n : fn === 'sum' ? sum : fn === 'min' ? min : fn === 'max' ? max : last!.v;
    }
  }
}

/** Whether the window holds any sample of these series (what `absent` negates). */
export function hasSamples(series: readonly Series[], now: number, windowMs: number): boolean {
  const from = now - windowMs;
  return series.some((s) => s.samples.some((x) => x.t > from));
}

function sumInWindow(samples: NumberSample[], from: number): number | undefined {
  let sum: number | undefined;
  for (const x of samples) if (x.t > from) sum = (sum ?? 0) + x.v;
  return sum;
}

/** How much a gauge changed over the window, from the last sample before it (or the first in it). */
function gaugeDelta(samples: NumberSample[], from: number): number | undefined {
  let start = samples.findIndex((x) => x.t > from);
  if (start === -1) return undefined;
  if (start > 0) start--;
  return start === samples.length - 1 ? undefined : samples[samples.length - 1].v - samples[start].v;
}

/**
 * How much a cumulative counter grew in the window, from the last sample before it (or the
 * first in it); a drop is a restart, counted from zero as Prometheus does.
 */
function counterIncrease(samples: NumberSample[], from: number): number | undefined {
  let start = samples.findIndex((x) => x.t > from);
  if (start === -1) return undefined;
  if (start > 0) start--;
  if (start === samples.length - 1) return undefined;
  let inc = 0;
  for (let i = start + 1; i < samples.length; i++) {
    const d = samples[i].v - samples[i - 1].v;
    inc += d >= 0 ? d : samples[i].v;
  }
  return inc;
}

interface Buckets {
  count: number;
  sum: number;
  counts: number[];
  bounds: number[];
}

/** What each histogram series observed in the window, added up (series with other bounds are skipped). */
function mergedBuckets(series: readonly Series[], from: number): Buckets | undefined {
  let out: Buckets | undefined;
  for (const s of series) {
    if (s.kind !== 'histogram') continue;
    const w = s.cumulative ? cumulativeWindow(s.samples as HistogramSample[], from) : deltaWindow(s.samples as HistogramSample[], from);
    if (!w) continue;
    if (!out) out = { ...w, counts: [...w.counts] };
    else if (sameBounds(out.bounds, w.bounds)) {
      out.count += w.count;
      out.sum += w.sum;
      for (let i = 0; i < w.counts.length; i++) out.counts[i] += w.counts[i];
    }
  }
  return out;
}

function sameBounds(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function deltaWindow(samples: HistogramSample[], from: number): Buckets | undefined {
  let out: Buckets | undefined;
  for (const x of samples) {
    if (x.t <= from) continue;
    if (!out) out = { count: x.count, sum: x.sum, counts: [...x.buckets], bounds: x.bounds };
    else if (sameBounds(out.bounds, x.bounds)) {
      out.count += x.count;
      out.sum += x.sum;
      for (let i = 0; i < x.buckets.length; i++) out.counts[i] += x.buckets[i];
    }
  }
  return out;
}

function cumulativeWindow(samples: HistogramSample[], from: number): Buckets | undefined {
  let start = samples.findIndex((x) => x.t > from);
  if (start === -1) return undefined;
  if (start > 0) start--;
  const last = samples[samples.length - 1];
  if (start === samples.length - 1) return undefined;
  const base = samples[start];
  // a count that went down is a restart: everything the new process counted is in the window
  if (last.count < base.count || !sameBounds(base.bounds, last.bounds)) return { count: last.count, sum: last.sum, counts: [...last.buckets], bounds: last.bounds };
  return { count: last.count - base.count, sum: last.sum - base.sum, counts: last.buckets.map((c, i) => c - (base.buckets[i] ?? 0)), bounds: last.bounds };
}

function histogramValue(fn: WindowFunction, series: readonly Series[], from: number, windowMs: number): number | undefined {
  const b = mergedBuckets(series, from);
  if (!b) return fn === 'count' ? 0 : undefined;
  switch (fn) {
    case 'count':
    case 'increase':
      return b.count;
    case 'rate':
      return b.count / (windowMs / 1000);
    case 'sum':
      return b.sum;
    case 'avg':
      return b.count ? b.sum / b.count : undefined;
    default:
      return undefined;
  }
}

/** Prometheus's histogram_quantile: linear interpolation inside the bucket holding the rank. */
export function quantileOf(q: number, b: Buckets | undefined): number | undefined {
  if (!b) return undefined;
  const total = b.counts.reduce((a, c) => a + c, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < b.counts.length; i++) {
    const before = cum;
    cum += b.counts[i];
    if (cum >= rank && b.counts[i] > 0) {
      if (i >= b.bounds.length) return b.bounds[b.bounds.length - 1];
      const upper = b.bounds[i];
      const lower = i === 0 ? Math.min(0, upper) : b.bounds[i - 1];
      return lower + (upper - lower) * ((rank - before) / b.counts[i]);
    }
  }
  return b.bounds[b.bounds.length - 1];
}
