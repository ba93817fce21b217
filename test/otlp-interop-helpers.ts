/**
 * Helpers for test/otlp-interop.test.ts: a real `summit` process with the `otlp` receiver and one
 * `file` exporter per signal, the OpenTelemetry JS SDK exporters for each OTLP transport, exporters
 * that record exactly what the SDK handed to the OTLP exporter, and an independent translation of
 * those SDK records into Summit's model (pipeline/model.ts) — the expected values the file
 * exporter's output is compared against.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diag, DiagLogLevel, ValueType, type Attributes as ApiAttributes, type HrTime } from '@opentelemetry/api';
import type { AnyValue as ApiAnyValue, AnyValueMap as ApiAnyValueMap } from '@opentelemetry/api-logs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality as SdkTemporality,
  DataPointType,
  type InstrumentType,
  type MetricData,
  type PushMetricExporter,
  type ResourceMetrics as SdkResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  AggregationTemporality,
  type AnyValue,
  type Attributes,
  type InstrumentationScope,
  type LogRecord,
  type Logs,
  type Metric,
  type Metrics,
  type Resource,
  type Signal,
  type SignalData,
  type Span,
  type SpanKind,
  type Traces,
} from '../pipeline/model.js';
import { decodeSignal } from '../pipeline/otlpjson/index.js';
import { SummitProcess, freePort, tempDir, writeFile } from './helpers.js';

// ---------------------------------------------------------------- the Summit process

export interface InteropSummit {
  summit: SummitProcess;
  dir: string;
  grpcPort: number;
  httpPort: number;
  files: Record<Signal, string>;
}

/** One `summit` with `otlp` (gRPC + HTTP on 127.0.0.1) → one `file/<signal>` exporter per signal. */
export async function startInteropSummit(): Promise<InteropSummit> {
  const dir = tempDir('summit-otlp-interop-');
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const files = { traces: join(dir, 'traces.jsonl'), metrics: join(dir, 'metrics.jsonl'), logs: join(dir, 'logs.jsonl') };
  const config = writeFile(
    dir,
    'summit.yaml',
    `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
      http:
        endpoint: 127.0.0.1:${httpPort}
exporters:
  file/traces:
    path: ${files.traces}
    flush_interval: 10ms
  file/metrics:
    path: ${files.metrics}
    flush_interval: 10ms
  file/logs:
    path: ${files.logs}
    flush_interval: 10ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file/traces]
    metrics:
      receivers: [otlp]
      exporters: [file/metrics]
    logs:
      receivers: [otlp]
      exporters: [file/logs]
`,
  );
  const summit = new SummitProcess(['--config', config]);
  await summit.waitForLog(/Everything is ready/);
  return { summit, dir, grpcPort, httpPort, files };
}

/** The complete lines of a file exporter's output (a line still being written is left for later). */
export function readLines(file: string): string[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
}

/** Every request the file exporter wrote, decoded with Summit's OTLP/JSON codec. */
export function readRequests<S extends Signal>(file: string, signal: S): SignalData[S][] {
  return readLines(file).map((line) => decodeSignal(signal, JSON.parse(line)));
}

/** Polls `probe` until it returns something other than undefined; bounded, never a fixed sleep. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---------------------------------------------------------------- picking one transport's items out

export const MARKER = 'interop.transport';

const hasMarker = (resource: Resource, marker: string) => resource.attributes.get(MARKER) === marker;

export interface Placed<Item> {
  resource: Resource;
  resourceSchemaUrl: string;
  scope: InstrumentationScope;
  scopeSchemaUrl: string;
  item: Item;
}

export function spansMarked(requests: Traces[], marker: string): Placed<Span>[] {
  return requests.flatMap((t) =>
    t.resourceSpans
      .filter((rs) => hasMarker(rs.resource, marker))
      .flatMap((rs) =>
        rs.scopeSpans.flatMap((ss) =>
          ss.spans.map((item) => ({ resource: rs.resource, resourceSchemaUrl: rs.schemaUrl, scope: ss.scope, scopeSchemaUrl: ss.schemaUrl, item })),
        ),
      ),
  );
}

export function logsMarked(requests: Logs[], marker: string): Placed<LogRecord>[] {
  return requests.flatMap((l) =>
    l.resourceLogs
      .filter((rl) => hasMarker(rl.resource, marker))
      .flatMap((rl) =>
        rl.scopeLogs.flatMap((sl) =>
          sl.logRecords.map((item) => ({ resource: rl.resource, resourceSchemaUrl: rl.schemaUrl, scope: sl.scope, scopeSchemaUrl: sl.schemaUrl, item })),
        ),
      ),
  );
}

/** The requests (file lines) that carry this transport's metrics, in arrival order. */
export function metricRequestsMarked(requests: Metrics[], marker: string): Metrics[] {
  return requests
    .map((m) => ({ resourceMetrics: m.resourceMetrics.filter((rm) => hasMarker(rm.resource, marker)) }))
    .filter((m) => m.resourceMetrics.length > 0);
}

// ---------------------------------------------------------------- the three transports

export type TransportName = 'grpc' | 'http/protobuf' | 'http/json';

export interface ExporterOptions {
  /** OTLP request compression; the SDK default is none. */
  gzip?: boolean;
}

export interface Transport {
  name: TransportName;
  spanExporter(s: InteropSummit, opts?: ExporterOptions): SpanExporter;
  logExporter(s: InteropSummit, opts?: ExporterOptions): LogRecordExporter;
  metricExporter(s: InteropSummit, temporality: AggregationTemporalityPreference, opts?: ExporterOptions): PushMetricExporter;
}

/**
 * The exporters' `compression` option is typed with an enum of @opentelemetry/otlp-exporter-base,
 * which is not a direct dependency; its values are the strings 'none' and 'gzip'.
 */
type Compression = NonNullable<ConstructorParameters<typeof ProtoTraceExporter>[0]>['compression'];
const compression = (opts: ExporterOptions = {}) => (opts.gzip ? { compression: 'gzip' as unknown as Compression } : {});

const grpcUrl = (s: InteropSummit) => `http://127.0.0.1:${s.grpcPort}`;
const httpUrl = (s: InteropSummit, signal: Signal) => `http://127.0.0.1:${s.httpPort}/v1/${signal}`;

export const TRANSPORTS: Transport[] = [
  {
    name: 'grpc',
    spanExporter: (s, o) => new GrpcTraceExporter({ url: grpcUrl(s), ...compression(o) }),
    logExporter: (s, o) => new GrpcLogExporter({ url: grpcUrl(s), ...compression(o) }),
    metricExporter: (s, temporalityPreference, o) => new GrpcMetricExporter({ url: grpcUrl(s), temporalityPreference, ...compression(o) }),
  },
  {
    name: 'http/protobuf',
    spanExporter: (s, o) => new ProtoTraceExporter({ url: httpUrl(s, 'traces'), ...compression(o) }),
    logExporter: (s, o) => new ProtoLogExporter({ url: httpUrl(s, 'logs'), ...compression(o) }),
    metricExporter: (s, temporalityPreference, o) => new ProtoMetricExporter({ url: httpUrl(s, 'metrics'), temporalityPreference, ...compression(o) }),
  },
  {
    name: 'http/json',
    spanExporter: (s, o) => new JsonTraceExporter({ url: httpUrl(s, 'traces'), ...compression(o) }),
    logExporter: (s, o) => new JsonLogExporter({ url: httpUrl(s, 'logs'), ...compression(o) }),
    metricExporter: (s, temporalityPreference, o) => new JsonMetricExporter({ url: httpUrl(s, 'metrics'), temporalityPreference, ...compression(o) }),
  },
];

// ---------------------------------------------------------------- recording what the SDK sent

/**
 * Wraps the OTLP exporter: records each batch exactly as the SDK handed it over and the result
 * the OTLP exporter reported for it (SUCCESS only once Summit answered OK / 200).
 */
export class RecordingSpanExporter implements SpanExporter {
  readonly sent: ReadableSpan[] = [];
  readonly results: ExportResult[] = [];
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.sent.push(...spans);
    this.inner.export(spans, (result) => {
      this.results.push(result);
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export class RecordingLogExporter implements LogRecordExporter {
  readonly sent: ReadableLogRecord[] = [];
  readonly results: ExportResult[] = [];
  constructor(private readonly inner: LogRecordExporter) {}
  export(logs: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    this.sent.push(...logs);
    this.inner.export(logs, (result) => {
      this.results.push(result);
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
}

export class RecordingMetricExporter implements PushMetricExporter {
  readonly sent: SdkResourceMetrics[] = [];
  readonly results: ExportResult[] = [];
  constructor(private readonly inner: PushMetricExporter) {}
  export(metrics: SdkResourceMetrics, done: (result: ExportResult) => void): void {
    this.sent.push(metrics);
    this.inner.export(metrics, (result) => {
      this.results.push(result);
      done(result);
    });
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  selectAggregationTemporality(type: InstrumentType): SdkTemporality {
    return this.inner.selectAggregationTemporality!(type);
  }
}

/** Export results that were not SUCCESS, readable in a failure message. */
export const failedExports = (results: ExportResult[]) =>
  results.filter((r) => r.code !== ExportResultCode.SUCCESS).map((r) => String(r.error ?? r.code));

/**
 * The SDK reports OTLP partial_success answers and failed exports only through `diag`; this
 * collects warnings and errors so a test can assert Summit rejected nothing.
 */
export function captureDiag(): string[] {
  const messages: string[] = [];
  const record = (level: string) => (message: string, ...args: unknown[]) => {
    messages.push(`${level}: ${message} ${args.map((a) => (a instanceof Error ? a.message : JSON.stringify(a))).join(' ')}`.trim());
  };
  diag.setLogger(
    { error: record('error'), warn: record('warn'), info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  return messages;
}

// ---------------------------------------------------------------- SDK records → Summit's model

/** HrTime [s, ns] → exact nanoseconds; never through a double. */
export const hrNanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

/**
 * The OTLP value the JS SDK sends for a JS value: an integral number is an int64 (intValue), any
 * other number a double; Uint8Array is bytes; plain objects are kvlists; null/undefined is the
 * empty AnyValue. Mapped to Summit's JS types: int64 → bigint, double → number, bytes →
 * Uint8Array, kvlist → Map, empty → null.
 */
export function expectedValue(v: ApiAnyValue): AnyValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(expectedValue);
  return expectedAttributes(v);
}

export function expectedAttributes(attrs: ApiAttributes | ApiAnyValueMap | undefined): Attributes {
  const out: Attributes = new Map();
  for (const [k, v] of Object.entries(attrs ?? {})) out.set(k, expectedValue(v as ApiAnyValue));
  return out;
}

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/** Span/link flags as OTLP defines them: W3C trace flags in the low byte, then has-is-remote, is-remote. */
export const spanFlags = (traceFlags: number, isRemote: boolean | undefined) =>
  (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);

export function expectedSpan(s: ReadableSpan): Span {
  const ctx = s.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    traceState: ctx.traceState?.serialize() ?? '',
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    flags: spanFlags(ctx.traceFlags, s.parentSpanContext?.isRemote),
    name: s.name,
    // the API's SpanKind is 0-based (INTERNAL = 0); OTLP's starts at UNSPECIFIED = 0
    kind: (s.kind + 1) as SpanKind,
    startTimeUnixNano: hrNanos(s.startTime),
    endTimeUnixNano: hrNanos(s.endTime),
    attributes: expectedAttributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: hrNanos(e.time),
      name: e.name,
      attributes: expectedAttributes(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: l.context.traceState?.serialize() ?? '',
      attributes: expectedAttributes(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
      flags: spanFlags(l.context.traceFlags, l.context.isRemote),
    })),
    droppedLinksCount: s.droppedLinksCount,
    // API and OTLP status codes coincide (UNSET 0, OK 1, ERROR 2)
    status: { code: s.status.code as number, message: s.status.message ?? '' },
  };
}

export function expectedLog(r: ReadableLogRecord): LogRecord {
  return {
    timeUnixNano: hrNanos(r.hrTime),
    observedTimeUnixNano: hrNanos(r.hrTimeObserved),
    severityNumber: r.severityNumber ?? 0,
    severityText: r.severityText ?? '',
    body: expectedValue(r.body),
    attributes: expectedAttributes(r.attributes),
    droppedAttributesCount: r.droppedAttributesCount,
    flags: r.spanContext?.traceFlags ?? 0,
    traceId: r.spanContext?.traceId ?? '',
    spanId: r.spanContext?.spanId ?? '',
    eventName: r.eventName ?? '',
  };
}

export function expectedResource(attrs: ApiAttributes): Resource {
  return { attributes: expectedAttributes(attrs), droppedAttributesCount: 0 };
}

export function expectedScope(scope: { name: string; version?: string; attributes?: ApiAnyValueMap }): InstrumentationScope {
  return { name: scope.name, version: scope.version ?? '', attributes: expectedAttributes(scope.attributes), droppedAttributesCount: 0 };
}

const temporality = (t: SdkTemporality) => (t === SdkTemporality.DELTA ? AggregationTemporality.Delta : AggregationTemporality.Cumulative);

export function expectedMetric(m: MetricData): Metric {
  const base = { name: m.descriptor.name, description: m.descriptor.description, unit: m.descriptor.unit, metadata: new Map() };
  // asInt for ValueType.INT instruments, asDouble otherwise — whatever the number looks like
  const number = (v: number) => (m.descriptor.valueType === ValueType.INT ? BigInt(v) : v);
  const common = (p: { attributes: ApiAttributes; startTime: HrTime; endTime: HrTime }) => ({
    attributes: expectedAttributes(p.attributes),
    startTimeUnixNano: hrNanos(p.startTime),
    timeUnixNano: hrNanos(p.endTime),
    exemplars: [],
    flags: 0,
  });
  switch (m.dataPointType) {
    case DataPointType.SUM:
      return {
        ...base,
        data: {
          type: 'sum',
          aggregationTemporality: temporality(m.aggregationTemporality),
          isMonotonic: m.isMonotonic,
          dataPoints: m.dataPoints.map((p) => ({ ...common(p), value: number(p.value) })),
        },
      };
    case DataPointType.GAUGE:
      return { ...base, data: { type: 'gauge', dataPoints: m.dataPoints.map((p) => ({ ...common(p), value: number(p.value) })) } };
    case DataPointType.HISTOGRAM:
      return {
        ...base,
        data: {
          type: 'histogram',
          aggregationTemporality: temporality(m.aggregationTemporality),
          dataPoints: m.dataPoints.map((p) => ({
            ...common(p),
            count: p.value.count,
            sum: p.value.sum,
            bucketCounts: [...p.value.buckets.counts],
            explicitBounds: [...p.value.buckets.boundaries],
            min: p.value.min,
            max: p.value.max,
          })),
        },
      };
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return {
        ...base,
        data: {
          type: 'exponentialHistogram',
          aggregationTemporality: temporality(m.aggregationTemporality),
          dataPoints: m.dataPoints.map((p) => ({
            ...common(p),
            count: p.value.count,
            sum: p.value.sum,
            scale: p.value.scale,
            zeroCount: p.value.zeroCount,
            positive: { offset: p.value.positive.offset, bucketCounts: [...p.value.positive.bucketCounts] },
            negative: { offset: p.value.negative.offset, bucketCounts: [...p.value.negative.bucketCounts] },
            min: p.value.min,
            max: p.value.max,
            zeroThreshold: 0,
          })),
        },
      };
  }
}

export { AggregationTemporalityPreference };
