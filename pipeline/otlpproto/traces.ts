/** Traces: opentelemetry.proto.trace.v1 Span, Span.Event, Span.Link, Status. */
import type { DecodeLimits } from '../decode-limits.js';
import type { Attributes, ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink, Traces } from '../model.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  readKeyValue,
  writeAttributes,
  writeFixed32Field,
  writeFixed64Field,
  writeInt32Field,
  writeMessageField,
  writeStringField,
  writeUint32Field,
  type Envelope,
} from './common.js';
import { I32, I64, LEN, Reader, VARINT } from './reader.js';
import { Writer } from './writer.js';

/** Event { time_unix_nano = 1 fixed64, name = 2, attributes = 3, dropped_attributes_count = 4 } */
function readEvent(r: Reader, end: number): SpanEvent {
  let timeUnixNano = 0n;
  let name = '';
  const attributes: Attributes = new Map();
  let droppedAttributesCount = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | I64:
        timeUnixNano = r.fixed64();
        break;
      case (2 << 3) | LEN:
        name = r.name(end);
        break;
      case (3 << 3) | LEN:
        readKeyValue(r, r.end(end), attributes);
        break;
      case (4 << 3) | VARINT:
        droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.done(end);
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

function writeEvent(w: Writer, e: SpanEvent): void {
  writeFixed64Field(w, 1, e.timeUnixNano);
  writeStringField(w, 2, e.name);
  writeAttributes(w, 3, e.attributes);
  writeUint32Field(w, 4, e.droppedAttributesCount);
}

/** Link { trace_id = 1, span_id = 2, trace_state = 3, attributes = 4, dropped = 5, flags = 6 fixed32 } */
function readLink(r: Reader, end: number): SpanLink {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  const attributes: Attributes = new Map();
  let droppedAttributesCount = 0;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | LEN:
        traceId = r.traceId(end);
        break;
      case (2 << 3) | LEN:
        spanId = r.spanId(end);
        break;
      case (3 << 3) | LEN:
        traceState = r.string(end);
        break;
      case (4 << 3) | LEN:
        readKeyValue(r, r.end(end), attributes);
        break;
      case (5 << 3) | VARINT:
        droppedAttributesCount = r.uint32();
        break;
      case (6 << 3) | I32:
        flags = r.fixed32();
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.done(end);
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

function writeLink(w: Writer, l: SpanLink): void {
  w.id((1 << 3) | LEN, l.traceId, 16, 'link trace id');
  w.id((2 << 3) | LEN, l.spanId, 8, 'link span id');
  writeStringField(w, 3, l.traceState);
  writeAttributes(w, 4, l.attributes);
  writeUint32Field(w, 5, l.droppedAttributesCount);
  writeFixed32Field(w, 6, l.flags);
}

/** Status { message = 2, code = 3 } (1 is reserved). */
function readStatus(r: Reader, end: number): Span['status'] {
  let code = 0;
  let message = '';
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === ((2 << 3) | LEN)) message = r.string(end);
    else if (tag === ((3 << 3) | VARINT)) code = r.int32();
    else r.skip(tag, end);
  }
  r.done(end);
  return { code, message };
}

function writeStatus(w: Writer, s: Span['status']): void {
  writeStringField(w, 2, s.message);
  writeInt32Field(w, 3, s.code);
}

/**
 * Span { trace_id = 1, span_id = 2, trace_state = 3, parent_span_id = 4, name = 5, kind = 6,
 * start_time_unix_nano = 7 fixed64, end_time_unix_nano = 8 fixed64, attributes = 9,
 * dropped_attributes_count = 10, events = 11, dropped_events_count = 12, links = 13,
 * dropped_links_count = 14, status = 15, flags = 16 fixed32 }
 */
function readSpan(r: Reader, end: number): Span {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  let parentSpanId = '';
  let flags = 0;
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  const attributes: Attributes = new Map();
  let droppedAttributesCount = 0;
  const events: SpanEvent[] = [];
  let droppedEventsCount = 0;
  const links: SpanLink[] = [];
  let droppedLinksCount = 0;
  let status: Span['status'] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | LEN:
        traceId = r.traceId(end);
        break;
      case (2 << 3) | LEN:
        spanId = r.spanId(end);
        break;
      case (3 << 3) | LEN:
        traceState = r.string(end);
        break;
      case (4 << 3) | LEN:
        parentSpanId = r.spanId(end);
        break;
      case (5 << 3) | LEN:
        name = r.name(end);
        break;
      case (6 << 3) | VARINT:
        kind = r.int32();
        break;
      case (7 << 3) | I64:
        startTimeUnixNano = r.fixed64();
        break;
      case (8 << 3) | I64:
        endTimeUnixNano = r.fixed64();
        break;
      case (9 << 3) | LEN:
        readKeyValue(r, r.end(end), attributes);
        break;
      case (10 << 3) | VARINT:
        droppedAttributesCount = r.uint32();
        break;
      case (11 << 3) | LEN:
        r.countItem();
        events.push(readEvent(r, r.end(end)));
        break;
      case (12 << 3) | VARINT:
        droppedEventsCount = r.uint32();
        break;
      case (13 << 3) | LEN:
        r.countItem();
        links.push(readLink(r, r.end(end)));
        break;
      case (14 << 3) | VARINT:
        droppedLinksCount = r.uint32();
        break;
      case (15 << 3) | LEN:
        status = readStatus(r, r.end(end));
        break;
      case (16 << 3) | I32:
        flags = r.fixed32();
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.done(end);
  return {
    traceId,
    spanId,
    traceState,
    parentSpanId,
    flags,
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
    status: status ?? { code: 0, message: '' },
  };
}

function writeSpan(w: Writer, s: Span): void {
  w.id((1 << 3) | LEN, s.traceId, 16, 'trace id');
  w.id((2 << 3) | LEN, s.spanId, 8, 'span id');
  writeStringField(w, 3, s.traceState);
  w.id((4 << 3) | LEN, s.parentSpanId, 8, 'parent span id');
  writeStringField(w, 5, s.name);
  writeInt32Field(w, 6, s.kind);
  writeFixed64Field(w, 7, s.startTimeUnixNano);
  writeFixed64Field(w, 8, s.endTimeUnixNano);
  writeAttributes(w, 9, s.attributes);
  writeUint32Field(w, 10, s.droppedAttributesCount);
  for (const e of s.events) writeMessageField(w, 11, e, writeEvent);
  writeUint32Field(w, 12, s.droppedEventsCount);
  for (const l of s.links) writeMessageField(w, 13, l, writeLink);
  writeUint32Field(w, 14, s.droppedLinksCount);
  if (s.status.code !== 0 || s.status.message !== '') writeMessageField(w, 15, s.status, writeStatus);
  writeFixed32Field(w, 16, s.flags);
}

const TRACES: Envelope<Traces, ResourceSpans, ScopeSpans, Span> = {
  readItem: readSpan,
  writeItem: writeSpan,
  data: (resourceSpans) => ({ resourceSpans }),
  resourceGroup: (resource, schemaUrl, scopeSpans) => ({ resource, schemaUrl, scopeSpans }),
  scopeGroup: (scope, schemaUrl, spans) => ({ scope, schemaUrl, spans }),
  resourcesOf: (d) => d.resourceSpans,
  scopesOf: (g) => g.scopeSpans,
  itemsOf: (g) => g.spans,
};

/** ExportTraceServiceRequest (or TracesData: same wire format) bytes to the model. */
export function decodeTraces(buf: Uint8Array, limits?: DecodeLimits): Traces {
  return decodeEnvelope(TRACES, buf, limits);
}

/** The model as ExportTraceServiceRequest bytes. */
export function encodeTraces(data: Traces): Uint8Array {
  return encodeEnvelope(TRACES, data);
}

/** A list this close to a buffer's end starts the next buffer instead: the last bytes of each are left unused. */
const MIN_ROOM = 4096;

/**
 * Spans as the bytes of ScopeSpans' repeated `spans` field (field 2) alone, encoded straight
 * into shared buffers: what a component holding spans for long keeps instead of the objects,
 * which the garbage collector would copy and mark over and over. One buffer holds the lists of
 * many calls (no copy, no object per list), and a buffer none of whose lists is held any more
 * is written again rather than allocated anew (allocating large buffers costs page faults and
 * zeroing, measured at ~1 ms per MiB on a loaded machine). A list that outgrows the room left
 * gets a buffer of its own. Lists concatenated decode as one.
 *
 * Every list appended must be {@link release}d once it is no longer read; its bytes may be
 * overwritten after that.
 */
export class SpanListBuffers {
  private readonly w: Writer;
  /** Lists held per buffer. */
  private readonly held = new Map<Uint8Array, number>();
  private readonly spare: Uint8Array[] = [];
  /** Where the last {@link append} put its list: `buffer` from `start` to `end`. */
  buffer: Uint8Array;
  start = 0;
  end = 0;

  /** `spareBuffers`: how many unused buffers are kept for reuse; more are left to the garbage collector. */
  constructor(
    private readonly bufferBytes = 256 * 1024,
    private readonly spareBuffers = 16,
  ) {
    this.w = new Writer(bufferBytes);
    this.buffer = this.w.buf;
  }

  append(spans: readonly Span[]): void {
    const w = this.w;
    if (w.buf.length - w.pos < MIN_ROOM) this.restart(this.bufferBytes);
    const buffer = w.buf;
    const start = w.pos;
    for (const s of spans) writeMessageField(w, 2, s, writeSpan);
    if (w.buf === buffer) {
      this.took(buffer, start, w.pos);
      return;
    }
    // it grew (into a copy of the whole buffer): move the list alone to a buffer of at least its size
    const grown = w.buf;
    const end = w.pos;
    w.buf = buffer; // the buffer it left is given up as usual by restart
    this.restart(end - start);
    w.buf.set(grown.subarray(start, end));
    w.pos = end - start;
    this.took(w.buf, 0, w.pos);
  }

  /** Gives back a list {@link append} wrote into `buffer`. */
  release(buffer: Uint8Array): void {
    const n = this.held.get(buffer)! - 1;
    if (n > 0) this.held.set(buffer, n);
    else {
      this.held.delete(buffer);
      if (buffer !== this.w.buf) this.recycle(buffer);
    }
  }

  private took(buffer: Uint8Array, start: number, end: number): void {
    this.held.set(buffer, (this.held.get(buffer) ?? 0) + 1);
    this.buffer = buffer;
    this.start = start;
    this.end = end;
  }

  /** Moves the writer to an unused buffer of at least `bytes`. */
  private restart(bytes: number): void {
    const left = this.w.buf;
    if (!this.held.has(left)) this.recycle(left);
    const reuse = bytes <= this.bufferBytes ? this.spare.pop() : undefined;
    this.w.restart(reuse ?? new Uint8Array(Math.max(bytes, this.bufferBytes)));
  }

  private recycle(buffer: Uint8Array): void {
    if (buffer.length === this.bufferBytes && this.spare.length < this.spareBuffers) this.spare.push(buffer);
  }
}

/** The spans of a list {@link SpanListBuffers} wrote, from `start` to `end` of `buf` (trusted: written by this process). */
export function decodeSpanList(buf: Uint8Array, start: number, end: number, into: Span[] = []): Span[] {
  const r = new Reader(new Uint8Array(buf.buffer, buf.byteOffset + start, end - start));
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === ((2 << 3) | LEN)) into.push(readSpan(r, r.end(r.len)));
    else r.skip(tag, r.len);
  }
  r.done(r.len);
  return into;
}
