import type { InstrumentationScope, Resource, Span } from '../../pipeline/model.js';
import { decodeSpanList, type SpanListBuffers } from '../../pipeline/otlpproto/index.js';
import { summarize, CHUNK_OVERHEAD_BYTES, TRACE_OVERHEAD_BYTES, type SpanGroup, type TraceData } from './trace.js';

/** The resource and scope spans came under: one for all the traces of a batch that share them. */
export interface Origin {
  resource: Resource;
  resourceSchemaUrl: string;
  scope: InstrumentationScope;
  scopeSchemaUrl: string;
}

/**
 * A pending trace: its summary, and its spans as OTLP bytes in shared buffers (one chunk per
 * resource, scope and batch they came in), which are decoded only when a policy reads whole
 * spans or the trace is sampled. A few objects a trace instead of a dozen a span, so buffering
 * seconds of spans does not make every garbage collection copy and mark them.
 */
export class HeldTrace implements TraceData {
  spanCount = 0;
  statusCodes = 0;
  sampledFlag = false;
  hasEvents = false;
  earliestStart: bigint | undefined = undefined;
  latestEnd: bigint | undefined = undefined;
  /** OTLP bytes of its spans. */
  bytes = 0;
  /** What memory_budget_bytes counts: the bytes and what holding them costs besides. */
  memoryBytes = TRACE_OVERHEAD_BYTES;
  /** The first chunk in fields (most traces arrive in one batch); the others flat in `more`, four entries each. */
  private origin: Origin | undefined = undefined;
  private buffer: Uint8Array | undefined = undefined;
  private start = 0;
  private end = 0;
  private more: (Origin | Uint8Array | number)[] | undefined = undefined;
  private decoded?: SpanGroup[];

  constructor(
    readonly traceId: string,
    readonly arrivedMs: number,
  ) {}

  /** Holds spans that arrived under `origin`; returns the memory they add. */
  hold(origin: Origin, spans: Span[], lists: SpanListBuffers): number {
    summarize(this, spans);
    lists.append(spans);
    if (this.buffer === undefined) {
      this.origin = origin;
      this.buffer = lists.buffer;
      this.start = lists.start;
      this.end = lists.end;
    } else (this.more ??= []).push(origin, lists.buffer, lists.start, lists.end);
    const length = lists.end - lists.start;
    this.bytes += length;
    this.memoryBytes += length + CHUNK_OVERHEAD_BYTES;
    return length + CHUNK_OVERHEAD_BYTES;
  }

  /** Gives its bytes back (their buffers are written again): its spans are read before. */
  release(lists: SpanListBuffers): void {
    this.eachChunk((_, buffer) => lists.release(buffer));
    this.origin = this.buffer = this.more = undefined;
  }

  private eachChunk(use: (origin: Origin, buffer: Uint8Array, start: number, end: number) => void): void {
    if (this.buffer === undefined) return;
    use(this.origin!, this.buffer, this.start, this.end);
    const m = this.more;
    if (m) for (let i = 0; i < m.length; i += 4) use(m[i] as Origin, m[i + 1] as Uint8Array, m[i + 2] as number, m[i + 3] as number);
  }

  get groups(): SpanGroup[] {
    return (this.decoded ??= this.decode());
  }

  private decode(): SpanGroup[] {
    const groups: SpanGroup[] = [];
    this.eachChunk((origin, buffer, start, end) => {
      let g = groups.find((x) => x.resource === origin.resource && x.scope === origin.scope);
      if (!g) groups.push((g = { ...origin, spans: [] }));
      decodeSpanList(buffer, start, end, g.spans);
    });
    return groups;
  }
}
