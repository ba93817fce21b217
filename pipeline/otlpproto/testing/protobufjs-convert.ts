/**
 * Conversions between Summit's model and protobufjs message objects for the OTLP descriptor in
 * ./otlp-descriptor.ts. `fromProtobufjs` is the benchmark's peer ("decode with protobufjs, then
 * build the same model"), so it is written to be fast, not merely correct: no generic
 * reflection, typed-array tricks for 64-bit values, the same hex routine as the codec.
 * `toProtobufjs` feeds protobufjs's encoder in the cross-check tests.
 */
import type {
  AnyValue,
  Attributes,
  Exemplar,
  ExponentialHistogramBuckets,
  InstrumentationScope,
  LogRecord,
  Logs,
  Metric,
  MetricData,
  Metrics,
  Resource,
  Signal,
  SignalData,
  Span,
  Traces,
} from '../../model.js';
import { hex } from '../ids.js';

type Pb = any;
/** protobufjs's 64-bit value: a Long (when the `long` package is present) or a number. */
type Long64 = { low: number; high: number; unsigned: boolean } | number | null | undefined;

const has = Object.prototype.hasOwnProperty;
const scratch32 = new Uint32Array(2);
const scratchU64 = new BigUint64Array(scratch32.buffer);
const scratchI64 = new BigInt64Array(scratch32.buffer);
const TWO_32 = 4294967296;

function bigintOf(v: Long64, unsigned: boolean): bigint {
  if (v == null) return 0n;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`protobufjs returned an inexact 64-bit number ${v}: is 'long' installed?`);
    return BigInt(v);
  }
  scratch32[0] = v.low;
  scratch32[1] = v.high;
  return unsigned ? scratchU64[0] : scratchI64[0];
}

const u64 = (v: Long64) => bigintOf(v, true);
const i64 = (v: Long64) => bigintOf(v, false);
const u64Number = (v: Long64): number => (v == null ? 0 : typeof v === 'number' ? v : (v.high >>> 0) * TWO_32 + (v.low >>> 0));
const id = (b: Uint8Array | null | undefined): string => (b == null || b.length === 0 ? '' : hex(b, 0, b.length));
const opt = (m: Pb, field: string): number | undefined => (m[field] == null ? undefined : m[field]);

// ---------- protobufjs → model ----------

function anyValueFrom(v: Pb | null | undefined): AnyValue {
  if (v == null) return null;
  if (has.call(v, 'stringValue')) return v.stringValue;
  if (has.call(v, 'intValue')) return i64(v.intValue);
  if (has.call(v, 'boolValue')) return v.boolValue;
  if (has.call(v, 'doubleValue')) return v.doubleValue;
  if (has.call(v, 'arrayValue')) return (v.arrayValue.values as Pb[]).map(anyValueFrom);
  if (has.call(v, 'kvlistValue')) return attributesFrom(v.kvlistValue.values);
  // protobufjs hands out views of the request buffer; the model owns its bytes.
  if (has.call(v, 'bytesValue')) return new Uint8Array(v.bytesValue);
  return null;
}

function attributesFrom(list: Pb[]): Attributes {
  const out: Attributes = new Map();
  for (let i = 0; i < list.length; i++) out.set(list[i].key, anyValueFrom(list[i].value));
  return out;
}

const resourceFrom = (r: Pb | null): Resource =>
  r == null ? { attributes: new Map(), droppedAttributesCount: 0 } : { attributes: attributesFrom(r.attributes), droppedAttributesCount: r.droppedAttributesCount };

const scopeFrom = (s: Pb | null): InstrumentationScope =>
  s == null
    ? { name: '', version: '', attributes: new Map(), droppedAttributesCount: 0 }
    : { name: s.name, version: s.version, attributes: attributesFrom(s.attributes), droppedAttributesCount: s.droppedAttributesCount };

function spanFrom(s: Pb): Span {
  return {
    traceId: id(s.traceId),
    spanId: id(s.spanId),
    traceState: s.traceState,
    parentSpanId: id(s.parentSpanId),
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: u64(s.startTimeUnixNano),
    endTimeUnixNano: u64(s.endTimeUnixNano),
    attributes: attributesFrom(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: (s.events as Pb[]).map((e) => ({
      timeUnixNano: u64(e.timeUnixNano),
      name: e.name,
      attributes: attributesFrom(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: (s.links as Pb[]).map((l) => ({
      traceId: id(l.traceId),
      spanId: id(l.spanId),
      traceState: l.traceState,
      attributes: attributesFrom(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount,
      flags: l.flags,
    })),
    droppedLinksCount: s.droppedLinksCount,
    status: s.status == null ? { code: 0, message: '' } : { code: s.status.code, message: s.status.message },
  };
}

function logRecordFrom(l: Pb): LogRecord {
  return {
    timeUnixNano: u64(l.timeUnixNano),
    observedTimeUnixNano: u64(l.observedTimeUnixNano),
    severityNumber: l.severityNumber,
    severityText: l.severityText,
    body: anyValueFrom(l.body),
    attributes: attributesFrom(l.attributes),
    droppedAttributesCount: l.droppedAttributesCount,
    flags: l.flags,
    traceId: id(l.traceId),
    spanId: id(l.spanId),
    eventName: l.eventName,
  };
}

const numberValueFrom = (p: Pb): number | bigint => (has.call(p, 'asInt') ? i64(p.asInt) : p.asDouble);

const exemplarFrom = (e: Pb): Exemplar => ({
  filteredAttributes: attributesFrom(e.filteredAttributes),
  timeUnixNano: u64(e.timeUnixNano),
  value: numberValueFrom(e),
  spanId: id(e.spanId),
  traceId: id(e.traceId),
});

const pointBaseFrom = (p: Pb) => ({
  attributes: attributesFrom(p.attributes),
  startTimeUnixNano: u64(p.startTimeUnixNano),
  timeUnixNano: u64(p.timeUnixNano),
  flags: p.flags,
});

const bucketsFrom = (b: Pb | null): ExponentialHistogramBuckets =>
  b == null ? { offset: 0, bucketCounts: [] } : { offset: b.offset, bucketCounts: (b.bucketCounts as Long64[]).map(u64Number) };

function metricDataFrom(m: Pb): MetricData {
  if (m.sum != null) {
    return {
      type: 'sum',
      dataPoints: (m.sum.dataPoints as Pb[]).map((p) => ({ ...pointBaseFrom(p), value: numberValueFrom(p), exemplars: p.exemplars.map(exemplarFrom) })),
      aggregationTemporality: m.sum.aggregationTemporality,
      isMonotonic: m.sum.isMonotonic,
    };
  }
  if (m.histogram != null) {
    return {
      type: 'histogram',
      aggregationTemporality: m.histogram.aggregationTemporality,
      dataPoints: (m.histogram.dataPoints as Pb[]).map((p) => ({
        ...pointBaseFrom(p),
        count: u64Number(p.count),
        sum: opt(p, 'sum'),
        bucketCounts: (p.bucketCounts as Long64[]).map(u64Number),
        explicitBounds: p.explicitBounds,
        exemplars: p.exemplars.map(exemplarFrom),
        min: opt(p, 'min'),
        max: opt(p, 'max'),
      })),
    };
  }
  if (m.exponentialHistogram != null) {
    return {
      type: 'exponentialHistogram',
      aggregationTemporality: m.exponentialHistogram.aggregationTemporality,
      dataPoints: (m.exponentialHistogram.dataPoints as Pb[]).map((p) => ({
        ...pointBaseFrom(p),
        count: u64Number(p.count),
        sum: opt(p, 'sum'),
        scale: p.scale,
        zeroCount: u64Number(p.zeroCount),
        positive: bucketsFrom(p.positive),
        negative: bucketsFrom(p.negative),
        exemplars: p.exemplars.map(exemplarFrom),
        min: opt(p, 'min'),
        max: opt(p, 'max'),
        zeroThreshold: p.zeroThreshold,
      })),
    };
  }
  if (m.summary != null) {
    return {
      type: 'summary',
      dataPoints: (m.summary.dataPoints as Pb[]).map((p) => ({
        ...pointBaseFrom(p),
        count: u64Number(p.count),
        sum: p.sum,
        quantileValues: (p.quantileValues as Pb[]).map((q) => ({ quantile: q.quantile, value: q.value })),
      })),
    };
  }
  const points = m.gauge == null ? [] : (m.gauge.dataPoints as Pb[]);
  return { type: 'gauge', dataPoints: points.map((p) => ({ ...pointBaseFrom(p), value: numberValueFrom(p), exemplars: p.exemplars.map(exemplarFrom) })) };
}

const metricFrom = (m: Pb): Metric => ({
  name: m.name,
  description: m.description,
  unit: m.unit,
  metadata: attributesFrom(m.metadata),
  data: metricDataFrom(m),
});

export function tracesFromProtobufjs(req: Pb): Traces {
  return {
    resourceSpans: (req.resourceSpans as Pb[]).map((rs) => ({
      resource: resourceFrom(rs.resource),
      schemaUrl: rs.schemaUrl,
      scopeSpans: (rs.scopeSpans as Pb[]).map((ss) => ({ scope: scopeFrom(ss.scope), schemaUrl: ss.schemaUrl, spans: (ss.spans as Pb[]).map(spanFrom) })),
    })),
  };
}

export function logsFromProtobufjs(req: Pb): Logs {
  return {
    resourceLogs: (req.resourceLogs as Pb[]).map((rl) => ({
      resource: resourceFrom(rl.resource),
      schemaUrl: rl.schemaUrl,
      scopeLogs: (rl.scopeLogs as Pb[]).map((sl) => ({
        scope: scopeFrom(sl.scope),
        schemaUrl: sl.schemaUrl,
        logRecords: (sl.logRecords as Pb[]).map(logRecordFrom),
      })),
    })),
  };
}

export function metricsFromProtobufjs(req: Pb): Metrics {
  return {
    resourceMetrics: (req.resourceMetrics as Pb[]).map((rm) => ({
      resource: resourceFrom(rm.resource),
      schemaUrl: rm.schemaUrl,
      scopeMetrics: (rm.scopeMetrics as Pb[]).map((sm) => ({ scope: scopeFrom(sm.scope), schemaUrl: sm.schemaUrl, metrics: (sm.metrics as Pb[]).map(metricFrom) })),
    })),
  };
}

export const fromProtobufjs: { [S in Signal]: (req: Pb) => SignalData[S] } = {
  traces: tracesFromProtobufjs,
  metrics: metricsFromProtobufjs,
  logs: logsFromProtobufjs,
};

// ---------- model → protobufjs ----------
// Every field is set, zeros included, so protobufjs writes explicit defaults the decoder
// under test must read as such.

const long = (v: bigint, unsigned: boolean) => {
  const u = BigInt.asUintN(64, v);
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned };
};
const idBytes = (hexId: string) => Uint8Array.from(Buffer.from(hexId, 'hex'));

function anyValueTo(v: AnyValue): Pb {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'bigint':
      return { intValue: long(v, false) };
    case 'number':
      return { doubleValue: v };
  }
  if (v === null) return {};
  if (v instanceof Uint8Array) return { bytesValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValueTo) } };
  return { kvlistValue: { values: attributesTo(v) } };
}

const attributesTo = (a: Attributes): Pb[] => [...a].map(([key, value]) => ({ key, value: anyValueTo(value) }));
const resourceTo = (r: Resource): Pb => ({ attributes: attributesTo(r.attributes), droppedAttributesCount: r.droppedAttributesCount });
const scopeTo = (s: InstrumentationScope): Pb => ({ ...s, attributes: attributesTo(s.attributes) });

const spanTo = (s: Span): Pb => ({
  ...s,
  traceId: idBytes(s.traceId),
  spanId: idBytes(s.spanId),
  parentSpanId: idBytes(s.parentSpanId),
  startTimeUnixNano: long(s.startTimeUnixNano, true),
  endTimeUnixNano: long(s.endTimeUnixNano, true),
  attributes: attributesTo(s.attributes),
  events: s.events.map((e) => ({ ...e, timeUnixNano: long(e.timeUnixNano, true), attributes: attributesTo(e.attributes) })),
  links: s.links.map((l) => ({ ...l, traceId: idBytes(l.traceId), spanId: idBytes(l.spanId), attributes: attributesTo(l.attributes) })),
  status: { ...s.status },
});

const logRecordTo = (l: LogRecord): Pb => ({
  ...l,
  timeUnixNano: long(l.timeUnixNano, true),
  observedTimeUnixNano: long(l.observedTimeUnixNano, true),
  body: l.body === null ? undefined : anyValueTo(l.body),
  attributes: attributesTo(l.attributes),
  traceId: idBytes(l.traceId),
  spanId: idBytes(l.spanId),
});

const numberValueTo = (v: number | bigint) => (typeof v === 'bigint' ? { asInt: long(v, false) } : { asDouble: v });

const exemplarTo = (e: Exemplar): Pb => ({
  filteredAttributes: attributesTo(e.filteredAttributes),
  timeUnixNano: long(e.timeUnixNano, true),
  ...numberValueTo(e.value),
  spanId: idBytes(e.spanId),
  traceId: idBytes(e.traceId),
});

const pointBaseTo = (p: { attributes: Attributes; startTimeUnixNano: bigint; timeUnixNano: bigint; flags: number }) => ({
  attributes: attributesTo(p.attributes),
  startTimeUnixNano: long(p.startTimeUnixNano, true),
  timeUnixNano: long(p.timeUnixNano, true),
  flags: p.flags,
});

/** Optional doubles: undefined must stay absent, not become a null protobufjs would skip anyway. */
const optionals = (p: { sum?: number; min?: number; max?: number }) =>
  Object.fromEntries((['sum', 'min', 'max'] as const).filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));

function metricDataTo(d: MetricData): Pb {
  switch (d.type) {
    case 'gauge':
      return { gauge: { dataPoints: d.dataPoints.map((p) => ({ ...pointBaseTo(p), ...numberValueTo(p.value), exemplars: p.exemplars.map(exemplarTo) })) } };
    case 'sum':
      return {
        sum: {
          dataPoints: d.dataPoints.map((p) => ({ ...pointBaseTo(p), ...numberValueTo(p.value), exemplars: p.exemplars.map(exemplarTo) })),
          aggregationTemporality: d.aggregationTemporality,
          isMonotonic: d.isMonotonic,
        },
      };
    case 'histogram':
      return {
        histogram: {
          aggregationTemporality: d.aggregationTemporality,
          dataPoints: d.dataPoints.map((p) => ({
            ...pointBaseTo(p),
            count: p.count,
            ...optionals(p),
            bucketCounts: p.bucketCounts,
            explicitBounds: p.explicitBounds,
            exemplars: p.exemplars.map(exemplarTo),
          })),
        },
      };
    case 'exponentialHistogram':
      return {
        exponentialHistogram: {
          aggregationTemporality: d.aggregationTemporality,
          dataPoints: d.dataPoints.map((p) => ({
            ...pointBaseTo(p),
            count: p.count,
            ...optionals(p),
            scale: p.scale,
            zeroCount: p.zeroCount,
            positive: p.positive,
            negative: p.negative,
            exemplars: p.exemplars.map(exemplarTo),
            zeroThreshold: p.zeroThreshold,
          })),
        },
      };
    case 'summary':
      return {
        summary: {
          dataPoints: d.dataPoints.map((p) => ({ ...pointBaseTo(p), count: p.count, sum: p.sum, quantileValues: p.quantileValues })),
        },
      };
  }
}

const metricTo = (m: Metric): Pb => ({
  name: m.name,
  description: m.description,
  unit: m.unit,
  metadata: attributesTo(m.metadata),
  ...metricDataTo(m.data),
});

export const toProtobufjs: { [S in Signal]: (data: SignalData[S]) => Pb } = {
  traces: (d: Traces) => ({
    resourceSpans: d.resourceSpans.map((rs) => ({
      resource: resourceTo(rs.resource),
      schemaUrl: rs.schemaUrl,
      scopeSpans: rs.scopeSpans.map((ss) => ({ scope: scopeTo(ss.scope), schemaUrl: ss.schemaUrl, spans: ss.spans.map(spanTo) })),
    })),
  }),
  logs: (d: Logs) => ({
    resourceLogs: d.resourceLogs.map((rl) => ({
      resource: resourceTo(rl.resource),
      schemaUrl: rl.schemaUrl,
      scopeLogs: rl.scopeLogs.map((sl) => ({ scope: scopeTo(sl.scope), schemaUrl: sl.schemaUrl, logRecords: sl.logRecords.map(logRecordTo) })),
    })),
  }),
  metrics: (d: Metrics) => ({
    resourceMetrics: d.resourceMetrics.map((rm) => ({
      resource: resourceTo(rm.resource),
      schemaUrl: rm.schemaUrl,
      scopeMetrics: rm.scopeMetrics.map((sm) => ({ scope: scopeTo(sm.scope), schemaUrl: sm.schemaUrl, metrics: sm.metrics.map(metricTo) })),
    })),
  }),
};
