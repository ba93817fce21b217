/** One view of the resource → scope → items nesting, so renderers are written once for all signals. */
import type { InstrumentationScope, LogRecord, Metric, Resource, Signal, SignalData, Span } from '../../pipeline/model.js';

export interface ItemOf {
  traces: Span;
  metrics: Metric;
  logs: LogRecord;
}

export interface ScopeGroup<T> {
  scope: InstrumentationScope;
  schemaUrl: string;
  items: T[];
}

export interface ResourceGroup<T> {
  resource: Resource;
  schemaUrl: string;
  scopes: ScopeGroup<T>[];
}

const KEYS: Record<Signal, [resources: string, scopes: string, items: string]> = {
  traces: ['resourceSpans', 'scopeSpans', 'spans'],
  metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
  logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
};

type Loose = Record<string, unknown> & { resource: Resource; scope: InstrumentationScope; schemaUrl: string };

export function groupsOf<S extends Signal>(signal: S, data: SignalData[S]): ResourceGroup<ItemOf[S]>[] {
  const [resources, scopes, items] = KEYS[signal];
  return ((data as unknown as Record<string, Loose[]>)[resources] ?? []).map((r) => ({
    resource: r.resource,
    schemaUrl: r.schemaUrl,
    scopes: (r[scopes] as Loose[]).map((s) => ({ scope: s.scope, schemaUrl: s.schemaUrl, items: s[items] as ItemOf[S][] })),
  }));
}
