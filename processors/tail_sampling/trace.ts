import type { InstrumentationScope, Resource, Span, Traces } from '../../pipeline/model.js';

/** Spans of one trace that arrived under the same resource and scope. */
export interface SpanGroup {
  resource: Resource;
  resourceSchemaUrl: string;
  scope: InstrumentationScope;
  scopeSchemaUrl: string;
  spans: Span[];
}

/** What policies see of a trace: its spans so far, how many, and their size. */
export interface TraceData {
  traceId: string;
  groups: SpanGroup[];
  spanCount: number;
  /** OTLP protobuf bytes of the spans. */
  bytes: number;
}

/**
 * What holding a trace costs besides its spans' bytes: its record, map entry and group (64-bit
 * V8 as Node ships it); and each chunk of bytes: its Uint8Array view and slack in its slab.
 * `bench/` compares the sum with the memory measured per buffered span.
 */
export const TRACE_OVERHEAD_BYTES = 400;
export const CHUNK_OVERHEAD_BYTES = 200;

/** Groups every span of a batch by trace id, keeping each span's resource and scope. */
export function splitByTrace(data: Traces): Map<string, SpanGroup[]> {
  const out = new Map<string, SpanGroup[]>();
  for (const rs of data.resourceSpans)
    for (const ss of rs.scopeSpans) {
      let last: { traceId: string; group: SpanGroup } | undefined;
      for (const span of ss.spans) {
        // Spans of one trace usually sit together in a batch: reuse the group just filled.
        if (last?.traceId === span.traceId) {
          last.group.spans.push(span);
          continue;
        }
        let groups = out.get(span.traceId);
        if (!groups) out.set(span.traceId, (groups = []));
        let group = groups.find((g) => g.scope === ss.scope && g.resource === rs.resource);
        if (!group) groups.push((group = { resource: rs.resource, resourceSchemaUrl: rs.schemaUrl, scope: ss.scope, scopeSchemaUrl: ss.schemaUrl, spans: [] }));
        group.spans.push(span);
        last = { traceId: span.traceId, group };
      }
    }
  return out;
}

/** One batch of the groups, sharing a ResourceSpans per resource and a ScopeSpans per scope. */
export function joinGroups(groups: Iterable<SpanGroup>): Traces {
  const byResource = new Map<Resource, Traces['resourceSpans'][number]>();
  for (const g of groups) {
    let rs = byResource.get(g.resource);
    if (!rs) byResource.set(g.resource, (rs = { resource: g.resource, schemaUrl: g.resourceSchemaUrl, scopeSpans: [] }));
    let ss = rs.scopeSpans.find((s) => s.scope === g.scope);
    if (!ss) rs.scopeSpans.push((ss = { scope: g.scope, schemaUrl: g.scopeSchemaUrl, spans: [] }));
    for (const s of g.spans) ss.spans.push(s);
  }
  return { resourceSpans: [...byResource.values()] };
}
