import {
  SpanKind,
  StatusCode,
  type Attributes,
  type InstrumentationScope,
  type LogRecord,
  type Logs,
  type Metric,
  type Metrics,
  type Resource,
  type Span,
  type Traces,
} from './model.js';
import { toAnyValue } from './model-ops.js';

/** Builds Attributes from a plain object; integers become int64, see {@link toAnyValue}. */
export function attrs(o: Record<string, unknown> = {}): Attributes {
  return new Map(Object.entries(o).map(([k, v]) => [k, toAnyValue(v)]));
}

export function newResource(attributes: Record<string, unknown> = {}): Resource {
  return { attributes: attrs(attributes), droppedAttributesCount: 0 };
}

export function newScope(name = '', version = ''): InstrumentationScope {
  return { name, version, attributes: new Map(), droppedAttributesCount: 0 };
}

export function newSpan(p: Partial<Span> = {}): Span {
  return {
    traceId: '',
    spanId: '',
    traceState: '',
    parentSpanId: '',
    flags: 0,
    name: '',
    kind: SpanKind.Unspecified,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: new Map(),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: StatusCode.Unset, message: '' },
    ...p,
  };
}

export function newLogRecord(p: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: null,
    attributes: new Map(),
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    ...p,
  };
}

/** One resource, one scope, the given spans. */
export function tracesOf(spans: Span[], resourceAttributes: Record<string, unknown> = {}, scope = newScope()): Traces {
  return { resourceSpans: [{ resource: newResource(resourceAttributes), schemaUrl: '', scopeSpans: [{ scope, schemaUrl: '', spans }] }] };
}

export function logsOf(records: LogRecord[], resourceAttributes: Record<string, unknown> = {}, scope = newScope()): Logs {
  return { resourceLogs: [{ resource: newResource(resourceAttributes), schemaUrl: '', scopeLogs: [{ scope, schemaUrl: '', logRecords: records }] }] };
}

export function metricsOf(metrics: Metric[], resourceAttributes: Record<string, unknown> = {}, scope = newScope()): Metrics {
  return { resourceMetrics: [{ resource: newResource(resourceAttributes), schemaUrl: '', scopeMetrics: [{ scope, schemaUrl: '', metrics }] }] };
}

/** A gauge metric with one double data point per value. */
export function gaugeOf(name: string, values: (number | bigint)[], attributes: Record<string, unknown> = {}): Metric {
  return {
    name,
    description: '',
    unit: '',
    metadata: new Map(),
    data: {
      type: 'gauge',
      dataPoints: values.map((value) => ({ attributes: attrs(attributes), startTimeUnixNano: 0n, timeUnixNano: 0n, value, exemplars: [], flags: 0 })),
    },
  };
}
