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

/** A string's heap: V8's header and one byte a character, 8-aligned ('' is shared). */
const stringHeap = (s: string) => (s.length === 0 ? 0 : 16 + ((s.length + 7) & ~7));

function valueHeap(v: AnyValue): number {
  switch (typeof v) {
    case 'string':
      return stringHeap(v);
    case 'bigint':
      return 24;
    case 'number':
      return Number.isInteger(v) ? 0 : 16;
    case 'object':
      if (v === null) return 0;
      if (v instanceof Uint8Array) return 96 + v.length;
      if (Array.isArray(v)) return v.reduce<number>((n, x) => n + 8 + valueHeap(x), 48);
      return mapHeap(v);
  }
  return 0;
}

/**
 * A Map's object and hash table (capacity 4, doubling; three words an entry and a bucket per
 * two) and its values. Keys count nothing: the decoders share short names between spans.
 */
function mapHeap(a: Attributes): number {
  let capacity = 4;
  while (capacity < a.size) capacity *= 2;
  let n = 48 + 8 * (3 + capacity / 2 + 3 * capacity);
  for (const v of a.values()) n += valueHeap(v);
  return n;
}

/**
 * The heap a decoded span holds (64-bit V8 as Node ships it, without pointer compression): the
 * span object with its status, BigInt times and event and link arrays, its strings and its
 * attributes. This is what the memory budget counts: {@link spanBytes} (the OTLP size) is a
 * third to a half of it. `bench/` compares it with the heap measured per buffered span.
 */
export function spanHeapBytes(s: Span): number {
  let n = 240 + stringHeap(s.traceId) + stringHeap(s.spanId) + stringHeap(s.parentSpanId) + stringHeap(s.name) + stringHeap(s.traceState) + stringHeap(s.status.message);
  n += mapHeap(s.attributes);
  for (const e of s.events) n += 88 + stringHeap(e.name) + mapHeap(e.attributes);
  for (const l of s.links) n += 80 + stringHeap(l.traceId) + stringHeap(l.spanId) + stringHeap(l.traceState) + mapHeap(l.attributes);
  return n;
}

/** What holding one more trace costs besides its spans: its entry, record, group and arrays. */
export const TRACE_HEAP_BYTES = 400;

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
