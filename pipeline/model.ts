/**
 * Summit's in-memory telemetry model: OTLP-shaped (resource → scope → items), decoded once at
 * the receiver and handed between components without re-encoding.
 *
 * Representation choices (see DESIGN.md "Data model"):
 * - Timestamps are `bigint` nanoseconds since the Unix epoch, exact beyond 2^53.
 * - Trace and span ids are lowercase hex strings of 32 / 16 characters; "" means absent.
 * - AnyValue keeps its type by JS type: string, boolean, bigint (int64), number (double),
 *   Uint8Array (bytes), AnyValue[] (array), Map (kvlist), null (empty value).
 */

export type AnyValue =
  | string
  | boolean
  | bigint
  | number
  | Uint8Array
  | AnyValue[]
  | Map<string, AnyValue>
  | null;

export type Attributes = Map<string, AnyValue>;

export interface Resource {
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

// ---------- traces ----------

export enum SpanKind {
  Unspecified = 0,
  Internal = 1,
  Server = 2,
  Client = 3,
  Producer = 4,
  Consumer = 5,
}

export enum StatusCode {
  Unset = 0,
  Ok = 1,
  Error = 2,
}

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
}

export interface Span {
  traceId: string;
  spanId: string;
  traceState: string;
  parentSpanId: string;
  flags: number;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: { code: StatusCode; message: string };
}

export interface ScopeSpans {
  scope: InstrumentationScope;
  schemaUrl: string;
  spans: Span[];
}

export interface ResourceSpans {
  resource: Resource;
  schemaUrl: string;
  scopeSpans: ScopeSpans[];
}

export interface Traces {
  resourceSpans: ResourceSpans[];
}

// ---------- logs ----------

export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
  traceId: string;
  spanId: string;
  eventName: string;
}

export interface ScopeLogs {
  scope: InstrumentationScope;
  schemaUrl: string;
  logRecords: LogRecord[];
}

export interface ResourceLogs {
  resource: Resource;
  schemaUrl: string;
  scopeLogs: ScopeLogs[];
}

export interface Logs {
  resourceLogs: ResourceLogs[];
}

// ---------- metrics ----------

export enum AggregationTemporality {
  Unspecified = 0,
  Delta = 1,
  Cumulative = 2,
}

export interface Exemplar {
  filteredAttributes: Attributes;
  timeUnixNano: bigint;
  /** number = as_double, bigint = as_int */
  value: number | bigint;
  spanId: string;
  traceId: string;
}

export interface NumberDataPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  /** number = as_double, bigint = as_int */
  value: number | bigint;
  exemplars: Exemplar[];
  flags: number;
}

export interface HistogramDataPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum?: number;
  bucketCounts: number[];
  explicitBounds: number[];
  exemplars: Exemplar[];
  flags: number;
  min?: number;
  max?: number;
}

export interface ExponentialHistogramBuckets {
  offset: number;
  bucketCounts: number[];
}

export interface ExponentialHistogramDataPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum?: number;
  scale: number;
  zeroCount: number;
  positive: ExponentialHistogramBuckets;
  negative: ExponentialHistogramBuckets;
  flags: number;
  exemplars: Exemplar[];
  min?: number;
  max?: number;
  zeroThreshold: number;
}

export interface SummaryDataPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
  flags: number;
}

export type MetricData =
  | { type: 'gauge'; dataPoints: NumberDataPoint[] }
  | {
      type: 'sum';
      dataPoints: NumberDataPoint[];
      aggregationTemporality: AggregationTemporality;
      isMonotonic: boolean;
    }
  | {
      type: 'histogram';
      dataPoints: HistogramDataPoint[];
      aggregationTemporality: AggregationTemporality;
    }
  | {
      type: 'exponentialHistogram';
      dataPoints: ExponentialHistogramDataPoint[];
      aggregationTemporality: AggregationTemporality;
    }
  | { type: 'summary'; dataPoints: SummaryDataPoint[] };

export type MetricType = MetricData['type'];

export interface Metric {
  name: string;
  description: string;
  unit: string;
  metadata: Attributes;
  data: MetricData;
}

export interface ScopeMetrics {
  scope: InstrumentationScope;
  schemaUrl: string;
  metrics: Metric[];
}

export interface ResourceMetrics {
  resource: Resource;
  schemaUrl: string;
  scopeMetrics: ScopeMetrics[];
}

export interface Metrics {
  resourceMetrics: ResourceMetrics[];
}

// ---------- profiles ----------

/**
 * One profile (opentelemetry.proto.profiles.v1development.Profile) kept as its protobuf bytes,
 * checked against the schema when received. Profiles pass through Summit unchanged, and their
 * indexes point into the request's dictionary, so they are not decoded into objects
 * (pipeline/otlpproto/profiles.ts says how, and how JSON is carried); what reads inside one
 * (OTTL's profile context) picks fields out with pipeline/otlpproto/profile-fields.ts.
 */
export interface Profile {
  encoded: Uint8Array;
  /** Samples in it: the Collector counts profiles in samples. */
  sampleCount: number;
}

export interface ScopeProfiles {
  scope: InstrumentationScope;
  schemaUrl: string;
  profiles: Profile[];
}

export interface ResourceProfiles {
  resource: Resource;
  schemaUrl: string;
  scopeProfiles: ScopeProfiles[];
}

export interface Profiles {
  resourceProfiles: ResourceProfiles[];
  /** ProfilesDictionary as protobuf bytes (the tables every profile indexes into); empty when absent. */
  dictionary: Uint8Array;
}

// ---------- signals ----------

/** The signals Summit decodes into its model, which every kind of component may handle. */
export type Signal = 'traces' | 'metrics' | 'logs';
export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/**
 * Every signal a pipeline may carry: profiles (upstream's development-stability signal, behind
 * the service.profilesSupport gate) only through the components whose factory lists it.
 */
export type PipelineSignal = Signal | 'profiles';
export const PIPELINE_SIGNALS: readonly PipelineSignal[] = [...SIGNALS, 'profiles'];

export interface SignalData {
  traces: Traces;
  metrics: Metrics;
  logs: Logs;
  profiles: Profiles;
}

export type AnySignalData = SignalData[Signal];
