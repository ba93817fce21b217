import type {
  InstrumentationScope,
  LogRecord,
  Logs,
  Metric,
  Metrics,
  PipelineSignal,
  Profiles,
  Resource,
  Signal,
  SignalData,
  Span,
  Traces,
} from './model.js';

/** What processors see as one entry of a signal: the thing carrying attributes at item level. */
export interface Entry {
  traces: Span;
  logs: LogRecord;
  /** For metrics, the entry is the metric; its data points carry the attributes. */
  metrics: Metric;
}

export type EntryVisitor<S extends Signal> = (entry: Entry[S], resource: Resource, scope: InstrumentationScope) => void;

/** Calls fn for every span, log record or metric, with the resource and scope it belongs to. */
export function forEachEntry<S extends Signal>(signal: S, data: SignalData[S], fn: EntryVisitor<S>): void {
  if (signal === 'traces') {
    const f = fn as EntryVisitor<'traces'>;
    for (const rs of (data as Traces).resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) f(s, rs.resource, ss.scope);
  } else if (signal === 'logs') {
    const f = fn as EntryVisitor<'logs'>;
    for (const rl of (data as Logs).resourceLogs) for (const sl of rl.scopeLogs) for (const r of sl.logRecords) f(r, rl.resource, sl.scope);
  } else {
    const f = fn as EntryVisitor<'metrics'>;
    for (const rm of (data as Metrics).resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) f(m, rm.resource, sm.scope);
  }
}

/** Calls fn for the resource of every ResourceSpans / ResourceLogs / ResourceMetrics / ResourceProfiles. */
export function forEachResource<S extends PipelineSignal>(signal: S, data: SignalData[S], fn: (resource: Resource) => void): void {
  const list =
    signal === 'traces'
      ? (data as Traces).resourceSpans
      : signal === 'logs'
        ? (data as Logs).resourceLogs
        : signal === 'profiles'
          ? (data as Profiles).resourceProfiles
          : (data as Metrics).resourceMetrics;
  for (const r of list) fn(r.resource);
}
