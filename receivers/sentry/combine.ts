/**
 * What the items of one request became, as one batch per signal: entries with the same
 * resource (and scopes with the same scope) are merged, so the events of a project share one
 * resource entry however many items or envelopes carried them.
 */
import { anyValueAsString } from '../../pipeline/anyvalue.js';
import type { InstrumentationScope, Resource, Signal, SignalData } from '../../pipeline/model.js';

type AnyEntry = { resource: Resource; schemaUrl: string } & Record<string, unknown>;
type AnyScope = { scope: InstrumentationScope; schemaUrl: string } & Record<string, unknown>;

/** Field names of each signal's levels: resource entries, scope entries, items. */
const SHAPE: Record<Signal, [string, string, string]> = {
  logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
  traces: ['resourceSpans', 'scopeSpans', 'spans'],
  metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
};

// anyValueAsString writes kvlists with sorted keys, so equal attribute sets give equal keys
const resourceKey = (e: AnyEntry) => `${e.schemaUrl}\n${anyValueAsString(e.resource.attributes)}`;
const scopeKey = (s: AnyScope) => `${s.schemaUrl}\n${s.scope.name}\n${s.scope.version}\n${anyValueAsString(s.scope.attributes)}`;

export function combine<S extends Signal>(signal: S, parts: SignalData[S][]): SignalData[S] {
  const [entriesKey, scopesKey, itemsKey] = SHAPE[signal];
  const entries = new Map<string, { entry: AnyEntry; scopes: Map<string, AnyScope> }>();
  for (const part of parts) {
    for (const entry of (part as unknown as Record<string, AnyEntry[]>)[entriesKey]) {
      const key = resourceKey(entry);
      let target = entries.get(key);
      if (!target) entries.set(key, (target = { entry: { ...entry, [scopesKey]: [] }, scopes: new Map() }));
      for (const scope of entry[scopesKey] as AnyScope[]) {
        const existing = target.scopes.get(scopeKey(scope));
        if (existing) (existing[itemsKey] as unknown[]).push(...(scope[itemsKey] as unknown[]));
        else {
          const copy = { ...scope, [itemsKey]: [...(scope[itemsKey] as unknown[])] };
          target.scopes.set(scopeKey(scope), copy);
          (target.entry[scopesKey] as AnyScope[]).push(copy);
        }
      }
    }
  }
  return { [entriesKey]: [...entries.values()].map((e) => e.entry) } as unknown as SignalData[S];
}
