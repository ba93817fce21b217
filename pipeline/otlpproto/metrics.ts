/**
 * Metrics: opentelemetry.proto.metrics.v1, all five data kinds. Each data point kind numbers
 * its common fields (attributes, flags, exemplars) differently, so each has its own field
 * switch; what they share (timestamps, exemplars, packed counts) lives in Reader / helpers.
 *
 * uint64 counts become JS numbers, as the model keeps them: exact up to 2^53, rounded above.
 */
import type { DecodeLimits } from '../decode-limits.js';
import type {
  Attributes,
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  MetricData,
  Metrics,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
  SummaryDataPoint,
} from '../model.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  readKeyValue,
  writeAttributes,
  writeDoubleField,
  writeFixed64Field,
  writeInt32Field,
  writeMessageField,
  writeOptionalDoubleField,
  writeStringField,
  writeUint32Field,
  type Envelope,
} from './common.js';
import { I64, LEN, Reader, VARINT } from './reader.js';
import type { Writer } from './writer.js';

// ---------- exemplars and number values ----------

/**
 * Exemplar { time_unix_nano = 2 fixed64, as_double = 3, span_id = 4, trace_id = 5,
 * as_int = 6 sfixed64, filtered_attributes = 7 }
 */
function readExemplar(r: Reader, end: number): Exemplar {
  const filteredAttributes: Attributes = new Map();
  let timeUnixNano = 0n;
  let value: number | bigint = 0;
  let spanId = '';
  let traceId = '';
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case (2 << 3) | I64:
        timeUnixNano = r.fixed64();
        break;
      case (3 << 3) | I64:
        value = r.double();
        break;
      case (4 << 3) | LEN:
        spanId = r.spanId(end);
        break;
      case (5 << 3) | LEN:
        traceId = r.traceId(end);
        break;
      case (6 << 3) | I64:
        value = r.sfixed64();
        break;
      case (7 << 3) | LEN:
        readKeyValue(r, r.end(end), filteredAttributes);
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.done(end);
  return { filteredAttributes, timeUnixNano, value, spanId, traceId };
}

/** The as_double / as_int oneof: the model tells them apart by JS type; always written. */
function writeNumberValue(w: Writer, doubleField: number, intField: number, value: number | bigint): void {
  if (typeof value === 'bigint') {
    w.uint32((intField << 3) | I64);
    w.sfixed64(value);
  } else {
    w.uint32((doubleField << 3) | I64);
    w.double(value);
  }
}

function writeExemplar(w: Writer, e: Exemplar): void {
  writeFixed64Field(w, 2, e.timeUnixNano);
  writeNumberValue(w, 3, 6, e.value);
  w.id((4 << 3) | LEN, e.spanId, 8, 'exemplar span id');
  w.id((5 << 3) | LEN, e.traceId, 16, 'exemplar trace id');
  writeAttributes(w, 7, e.filteredAttributes);
}

function writeExemplars(w: Writer, field: number, exemplars: Exemplar[]): void {
  for (const e of exemplars) writeMessageField(w, field, e, writeExemplar);
}

// ---------- data points ----------

/**
 * NumberDataPoint { start_time_unix_nano = 2, time_unix_nano = 3, as_double = 4,
 * exemplars = 5, as_int = 6, attributes = 7, flags = 8 }
 */
function readNumberPoint(r: Reader, end: number): NumberDataPoint {
  const attributes: Attributes = new Map();
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let value: number | bigint = 0;
  const exemplars: Exemplar[] = [];
  let flags = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case (2 << 3) | I64:
        startTimeUnixNano = r.fixed64();
        break;
      case (3 << 3) | I64:
        timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | I64:
        value = r.double();
        break;
      case (5 << 3) | LEN:
        r.countItem();
        exemplars.push(readExemplar(r, r.end(end)));
        break;
      case (6 << 3) | I64:
        value = r.sfixed64();
        break;
      case (7 << 3) | LEN:
        readKeyValue(r, r.end(end), attributes);
        break;
      case (8 << 3) | VARINT:
        flags = r.uint32();
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.done(end);
  return { attributes, startTimeUnixNano, timeUnixNano, value, exemplars, flags };
}

function writeNumberPoint(w: Writer, p: NumberDataPoint): void {
  writeFixed64Field(w, 2, p.startTimeUnixNano);
  writeFixed64Field(w, 3, p.timeUnixNano);
  writeNumberValue(w, 4, 6, p.value);
  writeExemplars(w, 5, p.exemplars);
  writeAttributes(w, 7, p.attributes);
  writeUint32Field(w, 8, p.flags);
}

/**
 * HistogramDataPoint { start_time_unix_nano = 2, time_unix_nano = 3, count = 4 fixed64,
 * optional sum = 5, bucket_counts = 6 fixed64, explicit_bounds = 7 double, exemplars = 8,
 * attributes = 9, flags = 10, optional min = 11, optional max = 12 }
 */
function readHistogramPoint(r: Reader, end: number): HistogramDataPoint {
  const attributes: Attributes = new Map();
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let count = 0;
  let sum: number | undefined;
  const bucketCounts: number[] = [];
  const explicitBounds: number[] = [];
  const exemplars: Exemplar[] = [];
  let flags = 0;
  let min: number | undefined;
  let max: number | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case (2 << 3) | I64:
        startTimeUnixNano = r.fixed64();
        break;
      case (3 << 3) | I64:
        timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | I64:
        count = r.fixed64Number();
        break;
      case (5 << 3) | I64:
        sum = r.double();
        break;
      case (6 << 3) | LEN:
      case (6 << 3) | I64:
        r.fixed64Numbers(tag, end, bucketCounts);
        break;
      case (7 << 3) | LEN:
      case (7 << 3) | I64:
        r.doubles(tag, end, explicitBounds);
        break;
      case (8 << 3) | LEN:
        r.countItem();
        exemplars.push(readExemplar(r, r.end(end)));
        break;
      case (9 << 3) | LEN:
        readKeyValue(r, r.end(end), attributes);
        break;
      case (10 << 3) | VARINT:
        flags = r.uint32();
        break;
      case (11 << 3) | I64:
        min = r.double();
        break;
      case (12 << 3) | I64:
        max = r.double();
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.done(end);
  return { attributes, startTimeUnixNano, timeUnixNano, count, sum, bucketCounts, explicitBounds, exemplars, flags, min, max };
}

function writeHistogramPoint(w: Writer, p: HistogramDataPoint): void {
  writeFixed64Field(w, 2, p.startTimeUnixNano);
  writeFixed64Field(w, 3, p.timeUnixNano);
  writeCountField(w, 4, p.count);
  writeOptionalDoubleField(w, 5, p.sum);
  writePacked(w, 6, p.bucketCounts, (w, n) => w.fixed64Number(n));
  writePacked(w, 7, p.explicitBounds, (w, x) => w.double(x));
  writeExemplars(w, 8, p.exemplars);
  writeAttributes(w, 9, p.attributes);
  writeUint32Field(w, 10, p.flags);
  writeOptionalDoubleField(w, 11, p.min);
  writeOptionalDoubleField(w, 12, p.max);
}

/** Buckets { offset = 1 sint32, bucket_counts = 2 uint64 } */
function readBuckets(r: Reader, end: number): ExponentialHistogramBuckets {
  let offset = 0;
  const bucketCounts: number[] = [];
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === ((1 << 3) | VARINT)) offset = r.sint32();
    else if (tag === ((2 << 3) | LEN) || tag === ((2 << 3) | VARINT)) r.uint64Numbers(tag, end, bucketCounts);
    else r.skip(tag, end);
  }
  r.done(end);
  return { offset, bucketCounts };
}

function writeBuckets(w: Writer, b: ExponentialHistogramBuckets): void {
  if (b.offset !== 0) {
    w.uint32((1 << 3) | VARINT);
    w.sint32(b.offset);
  }
  writePacked(w, 2, b.bucketCounts, (w, n) => w.uint64Number(n));
}

const emptyBuckets = (): ExponentialHistogramBuckets => ({ offset: 0, bucketCounts: [] });

/**
 * ExponentialHistogramDataPoint { attributes = 1, start_time_unix_nano = 2, time_unix_nano = 3,
 * count = 4 fixed64, optional sum = 5, scale = 6 sint32, zero_count = 7 fixed64,
 * positive = 8, negative = 9, flags = 10, exemplars = 11, optional min = 12,
 * optional max = 13, zero_threshold = 14 }
 */
function readExponentialPoint(r: Reader, end: number): ExponentialHistogramDataPoint {
  const attributes: Attributes = new Map();
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let count = 0;
  let sum: number | undefined;
  let scale = 0;
  let zeroCount = 0;
  let positive: ExponentialHistogramBuckets | undefined;
  let negative: ExponentialHistogramBuckets | undefined;
  let flags = 0;
  const exemplars: Exemplar[] = [];
  let min: number | undefined;
  let max: number | undefined;
  let zeroThreshold = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | LEN:
        readKeyValue(r, r.end(end), attributes);
        break;
      case (2 << 3) | I64:
        startTimeUnixNano = r.fixed64();
        break;
      case (3 << 3) | I64:
        timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | I64:
        count = r.fixed64Number();
        break;
      case (5 << 3) | I64:
        sum = r.double();
        break;
      case (6 << 3) | VARINT:
        scale = r.sint32();
        break;
      case (7 << 3) | I64:
        zeroCount = r.fixed64Number();
        break;
      case (8 << 3) | LEN:
        positive = readBuckets(r, r.end(end));
        break;
      case (9 << 3) | LEN:
        negative = readBuckets(r, r.end(end));
        break;
      case (10 << 3) | VARINT:
        flags = r.uint32();
        break;
      case (11 << 3) | LEN:
        r.countItem();
        exemplars.push(readExemplar(r, r.end(end)));
        break;
      case (12 << 3) | I64:
        min = r.double();
        break;
      case (13 << 3) | I64:
        max = r.double();
        break;
      case (14 << 3) | I64:
        zeroThreshold = r.double();
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.done(end);
  return {
    attributes,
    startTimeUnixNano,
    timeUnixNano,
    count,
    sum,
    scale,
    zeroCount,
    positive: positive ?? emptyBuckets(),
    negative: negative ?? emptyBuckets(),
    flags,
    exemplars,
    min,
    max,
    zeroThreshold,
  };
}

function writeExponentialPoint(w: Writer, p: ExponentialHistogramDataPoint): void {
  writeAttributes(w, 1, p.attributes);
  writeFixed64Field(w, 2, p.startTimeUnixNano);
  writeFixed64Field(w, 3, p.timeUnixNano);
  writeCountField(w, 4, p.count);
  writeOptionalDoubleField(w, 5, p.sum);
  if (p.scale !== 0) {
    w.uint32((6 << 3) | VARINT);
    w.sint32(p.scale);
  }
  writeCountField(w, 7, p.zeroCount);
  for (const [field, b] of [[8, p.positive] as const, [9, p.negative] as const]) {
    if (b.offset !== 0 || b.bucketCounts.length > 0) writeMessageField(w, field, b, writeBuckets);
  }
  writeUint32Field(w, 10, p.flags);
  writeExemplars(w, 11, p.exemplars);
  writeOptionalDoubleField(w, 12, p.min);
  writeOptionalDoubleField(w, 13, p.max);
  writeDoubleField(w, 14, p.zeroThreshold);
}

/** ValueAtQuantile { quantile = 1, value = 2 } */
function readQuantile(r: Reader, end: number): { quantile: number; value: number } {
  let quantile = 0;
  let value = 0;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === ((1 << 3) | I64)) quantile = r.double();
    else if (tag === ((2 << 3) | I64)) value = r.double();
    else r.skip(tag, end);
  }
  r.done(end);
  return { quantile, value };
}

function writeQuantile(w: Writer, q: { quantile: number; value: number }): void {
  writeDoubleField(w, 1, q.quantile);
  writeDoubleField(w, 2, q.value);
}

/**
 * SummaryDataPoint { start_time_unix_nano = 2, time_unix_nano = 3, count = 4 fixed64,
 * sum = 5, quantile_values = 6, attributes = 7, flags = 8 }
 */
function readSummaryPoint(r: Reader, end: number): SummaryDataPoint {
  const attributes: Attributes = new Map();
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let count = 0;
  let sum = 0;
  const quantileValues: { quantile: number; value: number }[] = [];
  let flags = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case (2 << 3) | I64:
        startTimeUnixNano = r.fixed64();
        break;
      case (3 << 3) | I64:
        timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | I64:
        count = r.fixed64Number();
        break;
      case (5 << 3) | I64:
        sum = r.double();
        break;
      case (6 << 3) | LEN:
        r.countValue();
        quantileValues.push(readQuantile(r, r.end(end)));
        break;
      case (7 << 3) | LEN:
        readKeyValue(r, r.end(end), attributes);
        break;
      case (8 << 3) | VARINT:
        flags = r.uint32();
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.done(end);
  return { attributes, startTimeUnixNano, timeUnixNano, count, sum, quantileValues, flags };
}

function writeSummaryPoint(w: Writer, p: SummaryDataPoint): void {
  writeFixed64Field(w, 2, p.startTimeUnixNano);
  writeFixed64Field(w, 3, p.timeUnixNano);
  writeCountField(w, 4, p.count);
  writeDoubleField(w, 5, p.sum);
  for (const q of p.quantileValues) writeMessageField(w, 6, q, writeQuantile);
  writeAttributes(w, 7, p.attributes);
  writeUint32Field(w, 8, p.flags);
}

// ---------- the data kinds ----------

/**
 * Gauge / Sum / Histogram / ExponentialHistogram / Summary { data_points = 1,
 * aggregation_temporality = 2, is_monotonic = 3 }: each kind has a prefix of these fields, so
 * one reader serves all five; a field a kind does not define is dropped as unknown would be.
 */
function readKind<P>(r: Reader, end: number, readPoint: (r: Reader, end: number) => P) {
  const dataPoints: P[] = [];
  let aggregationTemporality = 0;
  let isMonotonic = false;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) {
      r.countItem();
      dataPoints.push(readPoint(r, r.end(end)));
    } else if (tag === ((2 << 3) | VARINT)) aggregationTemporality = r.int32();
    else if (tag === ((3 << 3) | VARINT)) isMonotonic = r.bool();
    else r.skip(tag, end);
  }
  r.done(end);
  return { dataPoints, aggregationTemporality, isMonotonic };
}

function readData(r: Reader, tag: number, end: number): MetricData {
  switch (tag) {
    case (5 << 3) | LEN:
      return { type: 'gauge', dataPoints: readKind(r, end, readNumberPoint).dataPoints };
    case (7 << 3) | LEN: {
      const { dataPoints, aggregationTemporality, isMonotonic } = readKind(r, end, readNumberPoint);
      return { type: 'sum', dataPoints, aggregationTemporality, isMonotonic };
    }
    case (9 << 3) | LEN: {
      const { dataPoints, aggregationTemporality } = readKind(r, end, readHistogramPoint);
      return { type: 'histogram', dataPoints, aggregationTemporality };
    }
    case (10 << 3) | LEN: {
      const { dataPoints, aggregationTemporality } = readKind(r, end, readExponentialPoint);
      return { type: 'exponentialHistogram', dataPoints, aggregationTemporality };
    }
    default:
      return { type: 'summary', dataPoints: readKind(r, end, readSummaryPoint).dataPoints };
  }
}

const DATA_FIELD: Record<MetricData['type'], number> = { gauge: 5, sum: 7, histogram: 9, exponentialHistogram: 10, summary: 11 };

function writeData(w: Writer, d: MetricData): void {
  switch (d.type) {
    case 'gauge':
      for (const p of d.dataPoints) writeMessageField(w, 1, p, writeNumberPoint);
      return;
    case 'sum':
      for (const p of d.dataPoints) writeMessageField(w, 1, p, writeNumberPoint);
      writeInt32Field(w, 2, d.aggregationTemporality);
      if (d.isMonotonic) {
        w.uint32((3 << 3) | VARINT);
        w.bool(true);
      }
      return;
    case 'histogram':
      for (const p of d.dataPoints) writeMessageField(w, 1, p, writeHistogramPoint);
      writeInt32Field(w, 2, d.aggregationTemporality);
      return;
    case 'exponentialHistogram':
      for (const p of d.dataPoints) writeMessageField(w, 1, p, writeExponentialPoint);
      writeInt32Field(w, 2, d.aggregationTemporality);
      return;
    case 'summary':
      for (const p of d.dataPoints) writeMessageField(w, 1, p, writeSummaryPoint);
      return;
  }
}

/**
 * Metric { name = 1, description = 2, unit = 3, gauge = 5, sum = 7, histogram = 9,
 * exponential_histogram = 10, summary = 11, metadata = 12 }. A metric with no data set is
 * legal OTLP (pdata's "Empty") but has no place in the model's union; it carries no points,
 * so it becomes an empty gauge, as in the OTLP/JSON decoder.
 */
function readMetric(r: Reader, end: number): Metric {
  let name = '';
  let description = '';
  let unit = '';
  const metadata: Attributes = new Map();
  let data: MetricData | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | LEN:
        name = r.name(end);
        break;
      case (2 << 3) | LEN:
        description = r.string(end);
        break;
      case (3 << 3) | LEN:
        unit = r.name(end);
        break;
      case (5 << 3) | LEN:
      case (7 << 3) | LEN:
      case (9 << 3) | LEN:
      case (10 << 3) | LEN:
      case (11 << 3) | LEN:
        data = readData(r, tag, r.end(end));
        break;
      case (12 << 3) | LEN:
        readKeyValue(r, r.end(end), metadata);
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.done(end);
  return { name, description, unit, metadata, data: data ?? { type: 'gauge', dataPoints: [] } };
}

function writeMetric(w: Writer, m: Metric): void {
  writeStringField(w, 1, m.name);
  writeStringField(w, 2, m.description);
  writeStringField(w, 3, m.unit);
  writeMessageField(w, DATA_FIELD[m.data.type], m.data, writeData);
  writeAttributes(w, 12, m.metadata);
}

// ---------- helpers ----------

function writeCountField(w: Writer, field: number, n: number): void {
  if (n === 0) return;
  w.uint32((field << 3) | I64);
  w.fixed64Number(n);
}

/** A packed repeated scalar; nothing for an empty list. */
function writePacked<T>(w: Writer, field: number, values: T[], write: (w: Writer, v: T) => void): void {
  if (values.length === 0) return;
  w.uint32((field << 3) | LEN);
  const at = w.open();
  for (const v of values) write(w, v);
  w.close(at);
}

const METRICS: Envelope<Metrics, ResourceMetrics, ScopeMetrics, Metric> = {
  readItem: readMetric,
  writeItem: writeMetric,
  data: (resourceMetrics) => ({ resourceMetrics }),
  resourceGroup: (resource, schemaUrl, scopeMetrics) => ({ resource, schemaUrl, scopeMetrics }),
  scopeGroup: (scope, schemaUrl, metrics) => ({ scope, schemaUrl, metrics }),
  resourcesOf: (d) => d.resourceMetrics,
  scopesOf: (g) => g.scopeMetrics,
  itemsOf: (g) => g.metrics,
};

/** ExportMetricsServiceRequest (or MetricsData: same wire format) bytes to the model. */
export function decodeMetrics(buf: Uint8Array, limits?: DecodeLimits): Metrics {
  return decodeEnvelope(METRICS, buf, limits);
}

/** The model as ExportMetricsServiceRequest bytes. */
export function encodeMetrics(data: Metrics): Uint8Array {
  return encodeEnvelope(METRICS, data);
}
