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
}

export interface MetricPoint {
  time: number;
  name: string;
  service: string;
  value: number;
  attributes: Record<string, string>;
}

export const nsToMs = (ns: bigint) => Number(ns / 1000n) / 1000;
