/**
 * A protobufjs JSON descriptor of the OTLP messages (opentelemetry-proto v1.x) plus the
 * google.rpc messages OTLP/gRPC answers with, written by hand from the specification so the
 * cross-check tests and the benchmark peer do not depend on a generated package.
 *
 * It is deliberately independent of the field tables in ../*.ts: a typo in one would not be
 * repeated in the other, so the cross-check tests compare two readings of the spec.
 */
import protobuf from 'protobufjs';

type FieldJson = { type: string; id: number; rule?: 'repeated'; options?: Record<string, unknown> };
type TypeJson = { fields: Record<string, FieldJson>; oneofs?: Record<string, { oneof: string[] }> };

const f = (type: string, id: number): FieldJson => ({ type, id });
const rep = (type: string, id: number): FieldJson => ({ type, id, rule: 'repeated' });
/** proto3 `optional`: protobufjs models it as a synthetic one-member oneof. */
const opt = (type: string, id: number): FieldJson => ({ type, id, options: { proto3_optional: true } });
const optionals = (...names: string[]) => Object.fromEntries(names.map((n) => [`_${n}`, { oneof: [n] }]));

const C = 'opentelemetry.proto.common.v1.';
const R = 'opentelemetry.proto.resource.v1.';

const common: Record<string, TypeJson> = {
  AnyValue: {
    oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
    fields: {
      stringValue: f('string', 1),
      boolValue: f('bool', 2),
      intValue: f('int64', 3),
      doubleValue: f('double', 4),
      arrayValue: f('ArrayValue', 5),
      kvlistValue: f('KeyValueList', 6),
      bytesValue: f('bytes', 7),
    },
  },
  ArrayValue: { fields: { values: rep('AnyValue', 1) } },
  KeyValueList: { fields: { values: rep('KeyValue', 1) } },
  KeyValue: { fields: { key: f('string', 1), value: f('AnyValue', 2) } },
  InstrumentationScope: {
    fields: { name: f('string', 1), version: f('string', 2), attributes: rep('KeyValue', 3), droppedAttributesCount: f('uint32', 4) },
  },
  EntityRef: {
    fields: { schemaUrl: f('string', 1), type: f('string', 2), idKeys: rep('string', 3), descriptionKeys: rep('string', 4) },
  },
};

const resource: Record<string, TypeJson> = {
  Resource: {
    fields: { attributes: rep(`${C}KeyValue`, 1), droppedAttributesCount: f('uint32', 2), entityRefs: rep(`${C}EntityRef`, 3) },
  },
};

/** ResourceX → ScopeX → items: the same field numbers for every signal. */
function envelope(resources: string, scopes: string, items: string, item: string): Record<string, TypeJson> {
  return {
    [resources]: { fields: { resource: f(`${R}Resource`, 1), [`${lower(scopes)}`]: rep(scopes, 2), schemaUrl: f('string', 3) } },
    [scopes]: { fields: { scope: f(`${C}InstrumentationScope`, 1), [items]: rep(item, 2), schemaUrl: f('string', 3) } },
  };
}
const lower = (s: string) => s[0].toLowerCase() + s.slice(1);

const trace: Record<string, TypeJson> = {
  TracesData: { fields: { resourceSpans: rep('ResourceSpans', 1) } },
  ...envelope('ResourceSpans', 'ScopeSpans', 'spans', 'Span'),
  Span: {
    fields: {
      traceId: f('bytes', 1),
      spanId: f('bytes', 2),
      traceState: f('string', 3),
      parentSpanId: f('bytes', 4),
      flags: f('fixed32', 16),
      name: f('string', 5),
      kind: f('int32', 6),
      startTimeUnixNano: f('fixed64', 7),
      endTimeUnixNano: f('fixed64', 8),
      attributes: rep(`${C}KeyValue`, 9),
      droppedAttributesCount: f('uint32', 10),
      events: rep('Event', 11),
      droppedEventsCount: f('uint32', 12),
      links: rep('Link', 13),
      droppedLinksCount: f('uint32', 14),
      status: f('Status', 15),
    },
  },
  Event: {
    fields: { timeUnixNano: f('fixed64', 1), name: f('string', 2), attributes: rep(`${C}KeyValue`, 3), droppedAttributesCount: f('uint32', 4) },
  },
  Link: {
    fields: {
      traceId: f('bytes', 1),
      spanId: f('bytes', 2),
      traceState: f('string', 3),
      attributes: rep(`${C}KeyValue`, 4),
      droppedAttributesCount: f('uint32', 5),
      flags: f('fixed32', 6),
    },
  },
  // Enums are declared int32 here so open (out-of-range) values cross-check too.
  Status: { fields: { message: f('string', 2), code: f('int32', 3) } },
};

const logs: Record<string, TypeJson> = {
  LogsData: { fields: { resourceLogs: rep('ResourceLogs', 1) } },
  ...envelope('ResourceLogs', 'ScopeLogs', 'logRecords', 'LogRecord'),
  LogRecord: {
    fields: {
      timeUnixNano: f('fixed64', 1),
      observedTimeUnixNano: f('fixed64', 11),
      severityNumber: f('int32', 2),
      severityText: f('string', 3),
      body: f(`${C}AnyValue`, 5),
      attributes: rep(`${C}KeyValue`, 6),
      droppedAttributesCount: f('uint32', 7),
      flags: f('fixed32', 8),
      traceId: f('bytes', 9),
      spanId: f('bytes', 10),
      eventName: f('string', 12),
    },
  },
};

const metrics: Record<string, TypeJson> = {
  MetricsData: { fields: { resourceMetrics: rep('ResourceMetrics', 1) } },
  ...envelope('ResourceMetrics', 'ScopeMetrics', 'metrics', 'Metric'),
  Metric: {
    oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
    fields: {
      name: f('string', 1),
      description: f('string', 2),
      unit: f('string', 3),
      gauge: f('Gauge', 5),
      sum: f('Sum', 7),
      histogram: f('Histogram', 9),
      exponentialHistogram: f('ExponentialHistogram', 10),
      summary: f('Summary', 11),
      metadata: rep(`${C}KeyValue`, 12),
    },
  },
  Gauge: { fields: { dataPoints: rep('NumberDataPoint', 1) } },
  Sum: { fields: { dataPoints: rep('NumberDataPoint', 1), aggregationTemporality: f('int32', 2), isMonotonic: f('bool', 3) } },
  Histogram: { fields: { dataPoints: rep('HistogramDataPoint', 1), aggregationTemporality: f('int32', 2) } },
  ExponentialHistogram: { fields: { dataPoints: rep('ExponentialHistogramDataPoint', 1), aggregationTemporality: f('int32', 2) } },
  Summary: { fields: { dataPoints: rep('SummaryDataPoint', 1) } },
  NumberDataPoint: {
    oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
    fields: {
      attributes: rep(`${C}KeyValue`, 7),
      startTimeUnixNano: f('fixed64', 2),
      timeUnixNano: f('fixed64', 3),
      asDouble: f('double', 4),
      asInt: f('sfixed64', 6),
      exemplars: rep('Exemplar', 5),
      flags: f('uint32', 8),
    },
  },
  HistogramDataPoint: {
    oneofs: optionals('sum', 'min', 'max'),
    fields: {
      attributes: rep(`${C}KeyValue`, 9),
      startTimeUnixNano: f('fixed64', 2),
      timeUnixNano: f('fixed64', 3),
      count: f('fixed64', 4),
      sum: opt('double', 5),
      bucketCounts: rep('fixed64', 6),
      explicitBounds: rep('double', 7),
      exemplars: rep('Exemplar', 8),
      flags: f('uint32', 10),
      min: opt('double', 11),
      max: opt('double', 12),
    },
  },
  ExponentialHistogramDataPoint: {
    oneofs: optionals('sum', 'min', 'max'),
    fields: {
      attributes: rep(`${C}KeyValue`, 1),
      startTimeUnixNano: f('fixed64', 2),
      timeUnixNano: f('fixed64', 3),
      count: f('fixed64', 4),
      sum: opt('double', 5),
      scale: f('sint32', 6),
      zeroCount: f('fixed64', 7),
      positive: f('Buckets', 8),
      negative: f('Buckets', 9),
      flags: f('uint32', 10),
      exemplars: rep('Exemplar', 11),
      min: opt('double', 12),
      max: opt('double', 13),
      zeroThreshold: f('double', 14),
    },
  },
  // ExponentialHistogramDataPoint.Buckets in the .proto; nesting a type changes no wire byte.
  Buckets: { fields: { offset: f('sint32', 1), bucketCounts: rep('uint64', 2) } },
  SummaryDataPoint: {
    fields: {
      attributes: rep(`${C}KeyValue`, 7),
      startTimeUnixNano: f('fixed64', 2),
      timeUnixNano: f('fixed64', 3),
      count: f('fixed64', 4),
      sum: f('double', 5),
      quantileValues: rep('ValueAtQuantile', 6),
      flags: f('uint32', 8),
    },
  },
  ValueAtQuantile: { fields: { quantile: f('double', 1), value: f('double', 2) } },
  Exemplar: {
    oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
    fields: {
      filteredAttributes: rep(`${C}KeyValue`, 7),
      timeUnixNano: f('fixed64', 2),
      asDouble: f('double', 3),
      asInt: f('sfixed64', 6),
      spanId: f('bytes', 4),
      traceId: f('bytes', 5),
    },
  },
};

/** ExportXServiceRequest / Response / PartialSuccess for one signal. */
function service(signal: string, resources: string, rejected: string): Record<string, TypeJson> {
  const field = lower(resources.slice(resources.lastIndexOf('.') + 1));
  return {
    [`Export${signal}ServiceRequest`]: { fields: { [field]: rep(resources, 1) } },
    [`Export${signal}ServiceResponse`]: { fields: { partialSuccess: f(`Export${signal}PartialSuccess`, 1) } },
    [`Export${signal}PartialSuccess`]: { fields: { [rejected]: f('int64', 1), errorMessage: f('string', 2) } },
  };
}

const ns = (types: Record<string, TypeJson>) => ({ nested: types });

export const OTLP_DESCRIPTOR = {
  nested: {
    opentelemetry: {
      nested: {
        proto: {
          nested: {
            common: { nested: { v1: ns(common) } },
            resource: { nested: { v1: ns(resource) } },
            trace: { nested: { v1: ns(trace) } },
            logs: { nested: { v1: ns(logs) } },
            metrics: { nested: { v1: ns(metrics) } },
            collector: {
              nested: {
                trace: { nested: { v1: ns(service('Trace', 'opentelemetry.proto.trace.v1.ResourceSpans', 'rejectedSpans')) } },
                metrics: {
                  nested: { v1: ns(service('Metrics', 'opentelemetry.proto.metrics.v1.ResourceMetrics', 'rejectedDataPoints')) },
                },
                logs: { nested: { v1: ns(service('Logs', 'opentelemetry.proto.logs.v1.ResourceLogs', 'rejectedLogRecords')) } },
              },
            },
          },
        },
      },
    },
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: { fields: { typeUrl: f('string', 1), value: f('bytes', 2) } },
            Duration: { fields: { seconds: f('int64', 1), nanos: f('int32', 2) } },
          },
        },
        rpc: {
          nested: {
            Status: { fields: { code: f('int32', 1), message: f('string', 2), details: rep('google.protobuf.Any', 3) } },
            RetryInfo: { fields: { retryDelay: f('google.protobuf.Duration', 1) } },
          },
        },
      },
    },
  },
};

/**
 * The repeated scalar fields proto3 packs by default; `packed: false` writes them one record
 * per element, which decoders must accept as well.
 */
const PACKABLE: [string, string][] = [
  ['HistogramDataPoint', 'bucketCounts'],
  ['HistogramDataPoint', 'explicitBounds'],
  ['Buckets', 'bucketCounts'],
];

/** A protobufjs Root of the OTLP messages; `packed: false` writes repeated scalars unpacked. */
export function otlpRoot(opts: { packed?: boolean } = {}): protobuf.Root {
  const json = structuredClone(OTLP_DESCRIPTOR);
  if (opts.packed === false) {
    const types = json.nested.opentelemetry.nested.proto.nested.metrics.nested.v1.nested;
    for (const [type, field] of PACKABLE) types[type].fields[field].options = { packed: false };
  }
  const root = protobuf.Root.fromJSON(json);
  root.resolveAll();
  return root;
}

export const MESSAGE = {
  traces: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  metrics: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  logs: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
} as const;

export const RESPONSE = {
  traces: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  metrics: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  logs: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
} as const;
