/** The flat shapes the pages show, made from the pipeline's model (live data) or from Parquet rows (history). */
export interface SpanRow {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  kind: string;
  /** Milliseconds since the epoch (fractional: the model's nanoseconds, to a double's precision). */
  start: number;
  durationMs: number;
  status: 'Unset' | 'Ok' | 'Error';
  statusMessage: string;
  attributes: Record<string, string>;
  resource: Record<string, string>;
  events: { time: number; name: string; attributes: Record<string, string> }[];
  links: { traceId: string; spanId: string }[];
}

export interface LogRow {
  /** Arrival order in the live store (a tail's cursor); history rows have 0. */
  seq: number;
  time: number;
  severityText: string;
  severityNumber: number;
  body: string;
  service: string;
  traceId: string;
  spanId: string;
  attributes: Record<string, string>;
  /** The record's `event_name` (e.g. `cicd.test.flaky`); empty when it has none. */
  eventName?: string;
}

export interface MetricPoint {
  time: number;
  name: string;
  service: string;
  /** A number's value; a histogram's count. */
  value: number;
  attributes: Record<string, string>;
  /** The point's start time (ms): a cumulative series that restarted has a new one. */
  start: number;
  /** Sums and histograms: what `value` (and `buckets`) add up — since `start`, or since the previous point. */
  temporality: 'cumulative' | 'delta' | 'gauge';
  unit: string;
  /** The resource's attributes (one object shared by the points of a resource). */
  resource: Record<string, string>;
  /** Explicit-bucket histograms: upper bounds and the counts per bucket (one more than bounds). */
  bounds?: number[];
  buckets?: number[];
}

export const nsToMs = (ns: bigint) => Number(ns / 1000n) / 1000;
