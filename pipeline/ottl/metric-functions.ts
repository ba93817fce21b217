import {
  AggregationTemporality,
  type Attributes,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type Metric,
  type NumberDataPoint,
  type SummaryDataPoint,
} from '../model.js';
import { cloneAttributes } from '../model-ops.js';
import { literalStrings } from './args.js';
import type { MetricItem } from './contexts.js';
import type { CompiledValue, FunctionSpec } from './functions.js';

/** The transform processor's metric-only editors (metric context). */

const TEMPORALITY: Record<string, AggregationTemporality> = { cumulative: AggregationTemporality.Cumulative, delta: AggregationTemporality.Delta };

const literal = (arg: CompiledValue | undefined) => arg?.constant?.value;

function boolLiteral(arg: CompiledValue | undefined, index: number, fail: (i: number, m: string) => never): boolean {
  const v = literal(arg);
  return typeof v === 'boolean' ? v : fail(index, 'expected true or false');
}

function suffixLiteral(arg: CompiledValue | undefined, index: number, fail: (i: number, m: string) => never, fallback: string): string {
  if (!arg) return fallback;
  const v = literal(arg);
  return typeof v === 'string' ? v : fail(index, 'expected a string literal suffix');
}

const metricEditor = (params: string[], build: FunctionSpec['build'], optional?: number): FunctionSpec => ({
  params,
  optional,
  contexts: ['metric'],
  build,
});

/** extract_sum_metric / extract_count_metric: a new monotonic-or-not Sum next to the metric. */
function extractMetric(which: 'sum' | 'count'): FunctionSpec {
  return metricEditor(
    ['monotonic', 'suffix'],
    ([monotonicArg, suffixArg], fail) => {
      const isMonotonic = boolLiteral(monotonicArg, 0, fail);
      const suffix = suffixLiteral(suffixArg, 1, fail, `_${which}`);
      return (it) => {
        const { metric, scopeMetrics } = it as MetricItem;
        const d = metric.data;
        if (d.type !== 'histogram' && d.type !== 'exponentialHistogram' && d.type !== 'summary') return null;
        const points: NumberDataPoint[] = [];
        for (const dp of d.dataPoints as (HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint)[]) {
          if (which === 'sum' && dp.sum === undefined) continue;
          points.push({
            attributes: cloneAttributes(dp.attributes),
            startTimeUnixNano: dp.startTimeUnixNano,
            timeUnixNano: dp.timeUnixNano,
            value: which === 'sum' ? dp.sum! : BigInt(dp.count),
            exemplars: [],
            flags: 0,
          });
        }
        if (points.length === 0 || !scopeMetrics) return null;
        scopeMetrics.push({
          name: metric.name + suffix,
          description: metric.description,
          unit: which === 'sum' ? metric.unit : '1',
          metadata: new Map(),
          data: {
            type: 'sum',
            dataPoints: points,
            aggregationTemporality: d.type === 'summary' ? AggregationTemporality.Cumulative : d.aggregationTemporality,
            isMonotonic,
          },
        });
        return null;
      };
    },
    1,
  );
}

type Aggregate = (values: number[]) => number;
const AGGREGATIONS: Record<string, Aggregate> = {
  sum: (v) => v.reduce((a, b) => a + b, 0),
  max: (v) => Math.max(...v),
  min: (v) => Math.min(...v),
  mean: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  median: (v) => {
    const s = [...v].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  },
  count: (v) => v.length,
};

function attributeKey(attrs: Attributes): string {
  return JSON.stringify([...attrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v] : v]));
}

function aggregateNumberPoints(points: NumberDataPoint[], fn: string): NumberDataPoint[] {
  const groups = new Map<string, NumberDataPoint[]>();
  for (const dp of points) {
    const key = attributeKey(dp.attributes);
    const g = groups.get(key);
    if (g) g.push(dp);
    else groups.set(key, [dp]);
  }
  return [...groups.values()].map((g) => {
    const ints = g.every((dp) => typeof dp.value === 'bigint');
    const result = AGGREGATIONS[fn](g.map((dp) => Number(dp.value)));
    const first = g[0];
    return {
      ...first,
      startTimeUnixNano: g.reduce((t, dp) => (dp.startTimeUnixNano < t ? dp.startTimeUnixNano : t), first.startTimeUnixNano),
      timeUnixNano: g.reduce((t, dp) => (dp.timeUnixNano > t ? dp.timeUnixNano : t), first.timeUnixNano),
      value: ints && fn !== 'mean' && fn !== 'median' ? BigInt(Math.round(result)) : fn === 'count' ? BigInt(result) : result,
      exemplars: [],
    };
  });
}

function aggregateHistograms(points: HistogramDataPoint[]): HistogramDataPoint[] {
  const groups = new Map<string, HistogramDataPoint>();
  const out: HistogramDataPoint[] = [];
  for (const dp of points) {
    const key = `${attributeKey(dp.attributes)}|${dp.explicitBounds.join(',')}`;
    const acc = groups.get(key);
    if (!acc) {
      const copy = { ...dp, bucketCounts: [...dp.bucketCounts], exemplars: [] };
      groups.set(key, copy);
      out.push(copy);
      continue;
    }
    acc.count += dp.count;
    if (dp.sum !== undefined) acc.sum = (acc.sum ?? 0) + dp.sum;
    dp.bucketCounts.forEach((c, i) => (acc.bucketCounts[i] = (acc.bucketCounts[i] ?? 0) + c));
    if (dp.min !== undefined) acc.min = acc.min === undefined ? dp.min : Math.min(acc.min, dp.min);
    if (dp.max !== undefined) acc.max = acc.max === undefined ? dp.max : Math.max(acc.max, dp.max);
    if (dp.timeUnixNano > acc.timeUnixNano) acc.timeUnixNano = dp.timeUnixNano;
  }
  return out;
}

export const METRIC_FUNCTIONS: Record<string, FunctionSpec> = {
  convert_sum_to_gauge: metricEditor([], () => (it) => {
    const m = (it as MetricItem).metric;
    if (m.data.type === 'sum') m.data = { type: 'gauge', dataPoints: m.data.dataPoints };
    return null;
  }),
  convert_gauge_to_sum: metricEditor(['aggregation_temporality', 'is_monotonic'], ([temporalityArg, monotonicArg], fail) => {
    const temporality = TEMPORALITY[literal(temporalityArg) as string];
    if (temporality === undefined) return fail(0, 'aggregation_temporality must be "cumulative" or "delta"');
    const isMonotonic = boolLiteral(monotonicArg, 1, fail);
    return (it) => {
      const m = (it as MetricItem).metric;
      if (m.data.type === 'gauge') m.data = { type: 'sum', dataPoints: m.data.dataPoints, aggregationTemporality: temporality, isMonotonic };
      return null;
    };
  }),
  extract_sum_metric: extractMetric('sum'),
  extract_count_metric: extractMetric('count'),
  scale_metric: metricEditor(
    ['factor', 'unit'],
    ([factorArg, unitArg], fail) => {
      const factor = literal(factorArg);
      if (typeof factor !== 'number') return fail(0, 'factor must be a float literal, e.g. 0.001');
      const unit = unitArg ? suffixLiteral(unitArg, 1, fail, '') : undefined;
      return (it) => {
        const m = (it as MetricItem).metric;
        scale(m, factor);
        if (unit !== undefined) m.unit = unit;
        return null;
      };
    },
    1,
  ),
  aggregate_on_attributes: metricEditor(
    ['function', 'attributes'],
    ([fnArg, keysArg], fail) => {
      const fn = literal(fnArg);
      if (typeof fn !== 'string' || !AGGREGATIONS[fn]) return fail(0, `function must be one of ${Object.keys(AGGREGATIONS).join(', ')}`);
      const keep = keysArg ? new Set(literalStrings(keysArg, 1, fail)) : undefined;
      return (it) => {
        const m = (it as MetricItem).metric;
        const d = m.data;
        if (d.type === 'summary') return null;
        if (keep) for (const dp of d.dataPoints) for (const k of [...dp.attributes.keys()]) if (!keep.has(k)) dp.attributes.delete(k);
        if (d.type === 'gauge' || d.type === 'sum') d.dataPoints = aggregateNumberPoints(d.dataPoints, fn);
        else if (d.type === 'histogram' && fn === 'sum') d.dataPoints = aggregateHistograms(d.dataPoints);
        return null;
      };
    },
    1,
  ),
};

// As upstream: int points stay ints (truncated), histogram sums and bounds scale, counts do not.
function scale(m: Metric, factor: number): void {
  const d = m.data;
  switch (d.type) {
    case 'gauge':
    case 'sum':
      for (const dp of d.dataPoints) dp.value = typeof dp.value === 'bigint' ? BigInt(Math.trunc(Number(dp.value) * factor)) : dp.value * factor;
      break;
    case 'histogram':
      for (const dp of d.dataPoints) {
        if (dp.sum !== undefined) dp.sum *= factor;
        if (dp.min !== undefined) dp.min *= factor;
        if (dp.max !== undefined) dp.max *= factor;
        dp.explicitBounds = dp.explicitBounds.map((b) => b * factor);
      }
      break;
    case 'summary':
      for (const dp of d.dataPoints) {
        dp.sum *= factor;
        for (const q of dp.quantileValues) q.value *= factor;
      }
      break;
    case 'exponentialHistogram':
      break;
  }
}
