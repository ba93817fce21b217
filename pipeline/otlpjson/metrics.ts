import type { DecodeLimits } from '../decode-limits.js';
import type {
  AggregationTemporality,
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  MetricData,
  MetricType,
  Metrics,
  NumberDataPoint,
  SummaryDataPoint,
} from '../model.js';
import { decodeAttributes, decodeEnvelope, encodeAttributes, encodeEnvelope, type Envelope } from './common.js';
import {
  BOOL,
  DOUBLE,
  INT32,
  INT64,
  Msg,
  SPAN_ID,
  STRING,
  TRACE_ID,
  UINT32,
  UINT64,
  UINT64_NUMBER,
  enumOf,
  oneofTable,
} from './reader.js';
import { bool, count, double, int, list, nonZeroDouble, optCount, optDouble, str, u64 } from './writer.js';

const TEMPORALITY = enumOf([
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
]);
const NUMBER_VALUE = oneofTable(['asDouble', 'asInt']);
const METRIC_DATA = oneofTable(['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']);

/** as_double / as_int: the model tells them apart by JS type (number / bigint). */
function decodeValue(m: Msg): number | bigint {
  const which = m.oneof(NUMBER_VALUE);
  if (which === 'asInt') return m.get('asInt', INT64);
  return m.get('asDouble', DOUBLE);
}

function decodeExemplar(m: Msg): Exemplar {
  return {
    filteredAttributes: decodeAttributes(m, 'filteredAttributes'),
    timeUnixNano: m.get('timeUnixNano', UINT64),
    value: decodeValue(m),
    spanId: m.get('spanId', SPAN_ID),
    traceId: m.get('traceId', TRACE_ID),
  };
}

function encodeExemplar(e: Exemplar): object {
  return {
    filteredAttributes: encodeAttributes(e.filteredAttributes),
    timeUnixNano: u64(e.timeUnixNano),
    asDouble: typeof e.value === 'number' ? double(e.value) : undefined,
    asInt: typeof e.value === 'bigint' ? e.value.toString() : undefined,
    spanId: str(e.spanId),
    traceId: str(e.traceId),
  };
}

/** Fields every data point kind has. */
function decodePointBase(m: Msg) {
  return {
    attributes: decodeAttributes(m),
    startTimeUnixNano: m.get('startTimeUnixNano', UINT64),
    timeUnixNano: m.get('timeUnixNano', UINT64),
    flags: m.get('flags', UINT32),
  };
}

function encodePointBase(p: NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint) {
  return {
    attributes: encodeAttributes(p.attributes),
    startTimeUnixNano: u64(p.startTimeUnixNano),
    timeUnixNano: u64(p.timeUnixNano),
    flags: int(p.flags),
  };
}

function decodeNumberPoint(m: Msg): NumberDataPoint {
  return { ...decodePointBase(m), value: decodeValue(m), exemplars: m.messages('exemplars', 'items', decodeExemplar) };
}

function encodeNumberPoint(p: NumberDataPoint): object {
  return {
    ...encodePointBase(p),
    asDouble: typeof p.value === 'number' ? double(p.value) : undefined,
    asInt: typeof p.value === 'bigint' ? p.value.toString() : undefined,
    exemplars: list(p.exemplars, encodeExemplar),
  };
}

function decodeHistogramPoint(m: Msg): HistogramDataPoint {
  return {
    ...decodePointBase(m),
    count: m.get('count', UINT64_NUMBER),
    sum: m.opt('sum', DOUBLE),
    bucketCounts: m.scalars('bucketCounts', UINT64_NUMBER),
    explicitBounds: m.scalars('explicitBounds', DOUBLE),
    exemplars: m.messages('exemplars', 'items', decodeExemplar),
    min: m.opt('min', DOUBLE),
    max: m.opt('max', DOUBLE),
  };
}

function encodeHistogramPoint(p: HistogramDataPoint): object {
  return {
    ...encodePointBase(p),
    count: optCount(p.count),
    sum: optDouble(p.sum),
    bucketCounts: list(p.bucketCounts, count),
    explicitBounds: list(p.explicitBounds, double),
    exemplars: list(p.exemplars, encodeExemplar),
    min: optDouble(p.min),
    max: optDouble(p.max),
  };
}

function decodeBuckets(m: Msg): ExponentialHistogramBuckets {
  return { offset: m.get('offset', INT32), bucketCounts: m.scalars('bucketCounts', UINT64_NUMBER) };
}

function encodeBuckets(b: ExponentialHistogramBuckets): object | undefined {
  if (b.offset === 0 && b.bucketCounts.length === 0) return undefined;
  return { offset: int(b.offset), bucketCounts: list(b.bucketCounts, count) };
}

function decodeExponentialPoint(m: Msg): ExponentialHistogramDataPoint {
  return {
    ...decodePointBase(m),
    count: m.get('count', UINT64_NUMBER),
    sum: m.opt('sum', DOUBLE),
    scale: m.get('scale', INT32),
    zeroCount: m.get('zeroCount', UINT64_NUMBER),
    positive: decodeBuckets(m.message('positive')),
    negative: decodeBuckets(m.message('negative')),
    exemplars: m.messages('exemplars', 'items', decodeExemplar),
    min: m.opt('min', DOUBLE),
    max: m.opt('max', DOUBLE),
    zeroThreshold: m.get('zeroThreshold', DOUBLE),
  };
}

function encodeExponentialPoint(p: ExponentialHistogramDataPoint): object {
  return {
    ...encodePointBase(p),
    count: optCount(p.count),
    sum: optDouble(p.sum),
    scale: int(p.scale),
    zeroCount: optCount(p.zeroCount),
    positive: encodeBuckets(p.positive),
    negative: encodeBuckets(p.negative),
    exemplars: list(p.exemplars, encodeExemplar),
    min: optDouble(p.min),
    max: optDouble(p.max),
    zeroThreshold: nonZeroDouble(p.zeroThreshold),
  };
}

function decodeSummaryPoint(m: Msg): SummaryDataPoint {
  return {
    ...decodePointBase(m),
    count: m.get('count', UINT64_NUMBER),
    sum: m.get('sum', DOUBLE),
    quantileValues: m.messages('quantileValues', 'values', (q) => ({ quantile: q.get('quantile', DOUBLE), value: q.get('value', DOUBLE) })),
  };
}

function encodeSummaryPoint(p: SummaryDataPoint): object {
  return {
    ...encodePointBase(p),
    count: optCount(p.count),
    sum: nonZeroDouble(p.sum),
    quantileValues: list(p.quantileValues, (q) => ({ quantile: nonZeroDouble(q.quantile), value: nonZeroDouble(q.value) })),
  };
}

/**
 * A metric with no data field set is legal OTLP (pdata calls it "Empty") but has no place in
 * the model's union; it carries no points, so it becomes an empty gauge.
 */
function decodeData(m: Msg): MetricData {
  const type = (m.oneof(METRIC_DATA) ?? 'gauge') as MetricType;
  const d = m.message(type);
  const temporality = () => d.get('aggregationTemporality', TEMPORALITY) as AggregationTemporality;
  switch (type) {
    case 'gauge':
      return { type, dataPoints: d.messages('dataPoints', 'items', decodeNumberPoint) };
    case 'sum':
      return {
        type,
        dataPoints: d.messages('dataPoints', 'items', decodeNumberPoint),
        aggregationTemporality: temporality(),
        isMonotonic: d.get('isMonotonic', BOOL),
      };
    case 'histogram':
      return { type, dataPoints: d.messages('dataPoints', 'items', decodeHistogramPoint), aggregationTemporality: temporality() };
    case 'exponentialHistogram':
      return { type, dataPoints: d.messages('dataPoints', 'items', decodeExponentialPoint), aggregationTemporality: temporality() };
    case 'summary':
      return { type, dataPoints: d.messages('dataPoints', 'items', decodeSummaryPoint) };
  }
}

function encodeData(d: MetricData): object {
  switch (d.type) {
    case 'gauge':
      return { dataPoints: list(d.dataPoints, encodeNumberPoint) };
    case 'sum':
      return {
        dataPoints: list(d.dataPoints, encodeNumberPoint),
        aggregationTemporality: int(d.aggregationTemporality),
        isMonotonic: bool(d.isMonotonic),
      };
    case 'histogram':
      return { dataPoints: list(d.dataPoints, encodeHistogramPoint), aggregationTemporality: int(d.aggregationTemporality) };
    case 'exponentialHistogram':
      return { dataPoints: list(d.dataPoints, encodeExponentialPoint), aggregationTemporality: int(d.aggregationTemporality) };
    case 'summary':
      return { dataPoints: list(d.dataPoints, encodeSummaryPoint) };
  }
}

function decodeMetric(m: Msg): Metric {
  return {
    name: m.get('name', STRING),
    description: m.get('description', STRING),
    unit: m.get('unit', STRING),
    metadata: decodeAttributes(m, 'metadata'),
    data: decodeData(m),
  };
}

function encodeMetric(m: Metric): object {
  return {
    name: str(m.name),
    description: str(m.description),
    unit: str(m.unit),
    [m.data.type]: encodeData(m.data),
    metadata: encodeAttributes(m.metadata),
  };
}

const METRICS: Envelope<Metric> = {
  resources: 'resourceMetrics',
  scopes: 'scopeMetrics',
  items: 'metrics',
  decodeItem: decodeMetric,
  encodeItem: encodeMetric,
};

/** An ExportMetricsServiceRequest as a JSON-ready object. */
export function encodeMetrics(data: Metrics): object {
  return encodeEnvelope(METRICS, data);
}

/** Parsed JSON (an ExportMetricsServiceRequest or MetricsData) to the model; throws OtlpJsonError. */
export function decodeMetrics(json: unknown, limits?: DecodeLimits): Metrics {
  return decodeEnvelope(METRICS, json, limits) as Metrics;
}
