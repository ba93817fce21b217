/** What the trace, service and CI pages show, computed from span rows (live or from the lake). */
import { cicd } from 'summit';
import type { SpanRow } from './rows.js';

export interface TraceFilter {
  service?: string;
  name?: string;
  minMs?: number;
  maxMs?: number;
  status?: string;
  /** `key=value` attribute matches. */
  attributes?: [string, string][];
  from?: number;
  to?: number;
}

export function spanMatches(s: SpanRow, f: TraceFilter): boolean {
  return (
    (!f.service || s.service === f.service) &&
    (!f.name || s.name.toLowerCase().includes(f.name.toLowerCase())) &&
    (f.minMs === undefined || s.durationMs >= f.minMs) &&
    (f.maxMs === undefined || s.durationMs <= f.maxMs) &&
    (!f.status || s.status === f.status) &&
    (f.from === undefined || s.start >= f.from) &&
    (f.to === undefined || s.start <= f.to) &&
    (f.attributes ?? []).every(([k, v]) => s.attributes[k] === v || s.resource[k] === v)
  );
}

export interface TraceSummary {
  traceId: string;
  /** The span that matched (the root when it did): what a result row names. */
  service: string;
  name: string;
  start: number;
  durationMs: number;
  error: boolean;
}

/** One result per trace, newest first, from spans that matched the search: a trace's root when it matched, else its first match. */
export function traceResults(matched: Iterable<SpanRow>, limit: number): TraceSummary[] {
  const byTrace = new Map<string, TraceSummary>();
  for (const s of matched) {
    const seen = byTrace.get(s.traceId);
    if (seen && !(s.parentSpanId === '' && seen.start > s.start)) continue;
    if (!seen && byTrace.size >= limit) continue;
    byTrace.set(s.traceId, { traceId: s.traceId, service: s.service, name: s.name, start: s.start, durationMs: s.durationMs, error: s.status === 'Error' || seen?.error === true });
  }
  return [...byTrace.values()].sort((a, b) => b.start - a.start);
}

/** Counts per duration bucket (powers of two in ms) of the results, for the histogram above them. */
export function durationHistogram(results: TraceSummary[]): { le: number; count: number }[] {
  const counts = new Map<number, number>();
  for (const r of results) {
    const le = 2 ** Math.max(0, Math.ceil(Math.log2(Math.max(r.durationMs, 1))));
    counts.set(le, (counts.get(le) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
}

/** Nearest-rank quantile of sorted values. */
const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] : 0);

export interface Golden {
  service: string;
  operation: string;
  requests: number;
  /** Requests per second over the window. */
  rate: number;
  errorRate: number;
  p50: number;
  p95: number;
  p99: number;
  /** Apdex with threshold T: satisfied ≤ T, tolerating ≤ 4T. */
  apdex: number;
  /** Per minute: [minute start ms, requests, errors, p95 ms]. */
  series: [number, number, number, number][];
}

/**
 * The golden signals per service and operation (`*` = the whole service) of the entry spans
 * (server and consumer spans, and roots) started within the window.
 */
export function goldenSignals(spans: Iterable<SpanRow>, windowMs: number, apdexMs: number, now = Date.now()): Golden[] {
  const groups = new Map<string, SpanRow[]>();
  const add = (key: string, s: SpanRow) => {
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  };
  for (const s of spans) {
    if (s.start < now - windowMs) continue;
    if (!(s.kind === 'Server' || s.kind === 'Consumer' || s.parentSpanId === '')) continue;
    add(`${s.service}\u0000*`, s);
    add(`${s.service}\u0000${s.name}`, s);
  }
  const out: Golden[] = [];
  for (const [key, list] of groups) {
    const [service, operation] = key.split('\u0000');
    const durations = list.map((s) => s.durationMs).sort((a, b) => a - b);
    const errors = list.filter((s) => s.status === 'Error').length;
    const satisfied = durations.filter((d) => d <= apdexMs).length;
    const tolerating = durations.filter((d) => d > apdexMs && d <= 4 * apdexMs).length;
    const minutes = new Map<number, SpanRow[]>();
    for (const s of list) {
      const m = Math.floor(s.start / 60_000) * 60_000;
      minutes.set(m, [...(minutes.get(m) ?? []), s]);
    }
    const series = [...minutes]
      .sort((a, b) => a[0] - b[0])
      .map(([m, ss]): [number, number, number, number] => [m, ss.length, ss.filter((s) => s.status === 'Error').length, quantile(ss.map((s) => s.durationMs).sort((a, b) => a - b), 0.95)]);
    out.push({
      service,
      operation,
      requests: list.length,
      rate: list.length / (windowMs / 1000),
      errorRate: errors / list.length,
      p50: quantile(durations, 0.5),
      p95: quantile(durations, 0.95),
      p99: quantile(durations, 0.99),
      apdex: (satisfied + tolerating / 2) / list.length,
      series,
    });
  }
  return out.sort(compareGolden);
}

/** By service; within one, the whole service first, then its busiest operations. */
export const compareGolden = (a: Golden, b: Golden): number =>
  a.service.localeCompare(b.service) || (a.operation === '*' ? -1 : b.operation === '*' ? 1 : b.requests - a.requests);

export interface Edge {
  from: string;
  to: string;
  requests: number;
  rate: number;
  errorRate: number;
}

/** The service map: a span whose parent belongs to another service is a call between them. */
export function serviceMap(spans: Iterable<SpanRow>, windowMs: number, now = Date.now()): { services: string[]; edges: Edge[] } {
  const list = [...spans].filter((s) => s.start >= now - windowMs);
  const byId = new Map(list.map((s) => [s.spanId, s]));
  const edges = new Map<string, { requests: number; errors: number }>();
  const services = new Set<string>();
  for (const s of list) {
    services.add(s.service);
    const parent = byId.get(s.parentSpanId);
    if (!parent || parent.service === s.service) continue;
    const key = `${parent.service}\u0000${s.service}`;
    const e = edges.get(key) ?? { requests: 0, errors: 0 };
    e.requests++;
    if (s.status === 'Error') e.errors++;
    edges.set(key, e);
  }
  return {
    services: [...services].sort(),
    edges: [...edges].map(([key, e]) => {
      const [from, to] = key.split('\u0000');
      return { from, to, requests: e.requests, rate: e.requests / (windowMs / 1000), errorRate: e.errors / e.requests };
    }),
  };
}

export interface CiRun {
  traceId: string;
  name: string;
  status: string;
  start: number;
  durationMs: number;
  branch: string;
  commit: string;
  url: string;
}

const spanType = (s: SpanRow) => s.attributes[cicd.CICD_SPAN_TYPE];

/** Pipeline runs, from the root spans the github and gitlab receivers make, newest first. */
export function ciRuns(spans: Iterable<SpanRow>, limit: number): CiRun[] {
  const runs = new Map<string, CiRun>();
  for (const s of spans) {
    if (spanType(s) !== 'pipeline_run' || runs.has(s.traceId)) continue;
    const a = { ...s.resource, ...s.attributes };
    runs.set(s.traceId, {
      traceId: s.traceId,
      name: a[cicd.CICD_PIPELINE_NAME] || s.name || a[cicd.CICD_PIPELINE_RUN_ID] || s.traceId,
      status: a[cicd.CICD_PIPELINE_RESULT] ?? a[cicd.CICD_PIPELINE_RUN_STATUS] ?? s.status,
      start: s.start,
      durationMs: s.durationMs,
      branch: a[cicd.VCS_REF_HEAD_NAME] ?? a[cicd.VCS_REF_HEAD] ?? '',
      commit: a[cicd.VCS_REF_HEAD_REVISION] ?? '',
      url: a[cicd.CICD_PIPELINE_RUN_URL_FULL] ?? '',
    });
    if (runs.size >= limit) break;
  }
  return [...runs.values()].sort((a, b) => b.start - a.start);
}

export interface GanttBar {
  spanId: string;
  parentSpanId: string;
  name: string;
  type: string;
  start: number;
  durationMs: number;
  status: string;
}

/** A run's jobs, their queue time and steps, in start order, for the Gantt chart. */
export function ciGantt(traceSpans: SpanRow[]): GanttBar[] {
  return traceSpans
    .filter((s) => ['pipeline_run', 'stage', 'job', 'queue', 'step'].includes(spanType(s) ?? ''))
    .map((s) => ({
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      name: s.name,
      type: spanType(s)!,
      start: s.start,
      durationMs: s.durationMs,
      status: s.attributes[cicd.CICD_PIPELINE_TASK_RUN_RESULT] ?? s.attributes[cicd.CICD_PIPELINE_RESULT] ?? s.status,
    }))
    .sort((a, b) => a.start - b.start);
}
