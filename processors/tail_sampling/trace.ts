import type { AnyValue, Attributes, InstrumentationScope, Resource, Span, Traces } from '../../pipeline/model.js';

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
  /** OTLP protobuf bytes of the spans, as estimated by {@link spanBytes}. */
  bytes: number;
}

function valueBytes(v: AnyValue): number {
  switch (typeof v) {
    case 'string':
      return v.length + 3;
    case 'boolean':
      return 3;
    case 'bigint':
    case 'number':
      return 10;
    case 'object':
      if (v === null) return 2;
      if (v instanceof Uint8Array) return v.length + 3;
      if (Array.isArray(v)) return v.reduce<number>((s, x) => s + valueBytes(x) + 2, 3);
      return attributesBytes(v) + 3;
  }
  return 2;
}

function attributesBytes(a: Attributes): number {
  let n = 0;
  for (const [k, v] of a) n += k.length + valueBytes(v) + 6;
  return n;
}

/**
 * Roughly the bytes a span takes in an OTLP protobuf message (ids, times and field tags are
 * fixed; strings and attributes by length). Computing the exact encoding would cost more than
 * the sampling itself; the budget needs the order of magnitude, and the same number everywhere.
 */
export function spanBytes(s: Span): number {
  let n = 70 + s.name.length + s.traceState.length + s.status.message.length + (s.parentSpanId ? 18 : 0) + attributesBytes(s.attributes);
  for (const e of s.events) n += 16 + e.name.length + attributesBytes(e.attributes);
  for (const l of s.links) n += 40 + l.traceState.length + attributesBytes(l.attributes);
  return n;
}

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
