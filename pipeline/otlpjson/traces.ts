import type { DecodeLimits } from '../decode-limits.js';
import type { Span, SpanEvent, SpanKind, SpanLink, StatusCode, Traces } from '../model.js';
import { decodeAttributes, decodeEnvelope, encodeAttributes, encodeEnvelope, type Envelope } from './common.js';
import { Msg, SPAN_ID, STRING, TRACE_ID, UINT32, UINT64, enumOf } from './reader.js';
import { int, list, str, u64 } from './writer.js';

const SPAN_KIND = enumOf([
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
]);
const STATUS_CODE = enumOf(['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR']);

function decodeEvent(m: Msg): SpanEvent {
  return {
    timeUnixNano: m.get('timeUnixNano', UINT64),
    name: m.get('name', STRING),
    attributes: decodeAttributes(m),
    droppedAttributesCount: m.get('droppedAttributesCount', UINT32),
  };
}

function encodeEvent(e: SpanEvent): object {
  return {
    timeUnixNano: u64(e.timeUnixNano),
    name: str(e.name),
    attributes: encodeAttributes(e.attributes),
    droppedAttributesCount: int(e.droppedAttributesCount),
  };
}

function decodeLink(m: Msg): SpanLink {
  return {
    traceId: m.get('traceId', TRACE_ID),
    spanId: m.get('spanId', SPAN_ID),
    traceState: m.get('traceState', STRING),
    attributes: decodeAttributes(m),
    droppedAttributesCount: m.get('droppedAttributesCount', UINT32),
    flags: m.get('flags', UINT32),
  };
}

function encodeLink(l: SpanLink): object {
  return {
    traceId: str(l.traceId),
    spanId: str(l.spanId),
    traceState: str(l.traceState),
    attributes: encodeAttributes(l.attributes),
    droppedAttributesCount: int(l.droppedAttributesCount),
    flags: int(l.flags),
  };
}

function decodeSpan(m: Msg): Span {
  const status = m.message('status');
  return {
    traceId: m.get('traceId', TRACE_ID),
    spanId: m.get('spanId', SPAN_ID),
    traceState: m.get('traceState', STRING),
    parentSpanId: m.get('parentSpanId', SPAN_ID),
    flags: m.get('flags', UINT32),
    name: m.get('name', STRING),
    kind: m.get('kind', SPAN_KIND) as SpanKind,
    startTimeUnixNano: m.get('startTimeUnixNano', UINT64),
    endTimeUnixNano: m.get('endTimeUnixNano', UINT64),
    attributes: decodeAttributes(m),
    droppedAttributesCount: m.get('droppedAttributesCount', UINT32),
    events: m.messages('events', 'items', decodeEvent),
    droppedEventsCount: m.get('droppedEventsCount', UINT32),
    links: m.messages('links', 'items', decodeLink),
    droppedLinksCount: m.get('droppedLinksCount', UINT32),
    status: { code: status.get('code', STATUS_CODE) as StatusCode, message: status.get('message', STRING) },
  };
}

function encodeSpan(s: Span): object {
  return {
    traceId: str(s.traceId),
    spanId: str(s.spanId),
    traceState: str(s.traceState),
    parentSpanId: str(s.parentSpanId),
    flags: int(s.flags),
    name: str(s.name),
    kind: int(s.kind),
    startTimeUnixNano: u64(s.startTimeUnixNano),
    endTimeUnixNano: u64(s.endTimeUnixNano),
    attributes: encodeAttributes(s.attributes),
    droppedAttributesCount: int(s.droppedAttributesCount),
    events: list(s.events, encodeEvent),
    droppedEventsCount: int(s.droppedEventsCount),
    links: list(s.links, encodeLink),
    droppedLinksCount: int(s.droppedLinksCount),
    status: { message: str(s.status.message), code: int(s.status.code) },
  };
}

const TRACES: Envelope<Span> = {
  resources: 'resourceSpans',
  scopes: 'scopeSpans',
  items: 'spans',
  decodeItem: decodeSpan,
  encodeItem: encodeSpan,
};

/** An ExportTraceServiceRequest as a JSON-ready object. */
export function encodeTraces(data: Traces): object {
  return encodeEnvelope(TRACES, data);
}

/** Parsed JSON (an ExportTraceServiceRequest or TracesData) to the model; throws OtlpJsonError. */
export function decodeTraces(json: unknown, limits?: DecodeLimits): Traces {
  return decodeEnvelope(TRACES, json, limits) as Traces;
}
