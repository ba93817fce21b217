import type { InstrumentationScope, Resource, Span, Traces } from '../../pipeline/model.js';

/** Spans of one trace that arrived under the same resource and scope. */
export interface SpanGroup {
  resource: Resource;
  resourceSchemaUrl: string;
  scope: InstrumentationScope;
  scopeSchemaUrl: string;
  spans: Span[];
}

/**
 * What most policies need of a trace, gathered while its spans arrive (still decoded
 * objects), so a trace can be decided without decoding its held bytes again.
 */
export interface SpanSummary {
  spanCount: number;
  /** Bit `1 << code` set for each status code (Unset, Ok, Error) a span has. */
  statusCodes: number;
  /** Whether a span has the W3C sampled flag (flags bit 0). */
  sampledFlag: boolean;
  /** Whether a span has events (an `issue` policy has nothing to look at without). */
  hasEvents: boolean;
  /** Earliest span start and latest span end, undefined before the first span. */
  earliestStart: bigint | undefined;
  latestEnd: bigint | undefined;
}

/** What policies see of a trace: the summary, and its spans (decoded on first use). */
export interface TraceData extends SpanSummary {
  traceId: string;
  readonly groups: SpanGroup[];
  /** OTLP protobuf bytes of the spans. */
  bytes: number;
}

/** Adds spans to a summary. */
export function summarize(into: SpanSummary, spans: readonly Span[]): void {
  let { statusCodes, sampledFlag, hasEvents, earliestStart, latestEnd } = into;
  for (const s of spans) {
    const code = s.status.code;
    // a code outside the enum (possible on the wire) matches no status_code policy
    if (code >= 0 && code <= 2) statusCodes |= 1 << code;
    if (s.flags & 1) sampledFlag = true;
    if (s.events.length > 0) hasEvents = true;
    if (earliestStart === undefined || s.startTimeUnixNano < earliestStart) earliestStart = s.startTimeUnixNano;
    if (latestEnd === undefined || s.endTimeUnixNano > latestEnd) latestEnd = s.endTimeUnixNano;
  }
  into.spanCount += spans.length;
  into.statusCodes = statusCodes;
  into.sampledFlag = sampledFlag;
  into.hasEvents = hasEvents;
  into.earliestStart = earliestStart;
  into.latestEnd = latestEnd;
}

/**
 * What holding a trace costs besides its spans' bytes: its record, map entry and chunk list
 * (64-bit V8 as Node ships it); and each chunk of bytes: its entries in that list and slack in
 * its shared buffer. `bench/` compares the sum with the memory measured per buffered span.
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
