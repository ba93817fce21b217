/**
 * `transaction` items → spans. The transaction is the local root span of its segment (its ids
 * from `contexts.trace`), each of its `spans[]` a child span; trace and span ids are kept as the
 * SDK propagated them (`sentry-trace` carries the W3C trace and span id), so the spans join the
 * OpenTelemetry spans of the same trace. See README.md for the field-by-field mapping.
 */
import { newSpan } from '../../../pipeline/builders.js';
import { SpanKind, StatusCode, type Attributes, type Span, type SpanLink } from '../../../pipeline/model.js';
import { Fields, expected, fieldPath, idAt, jsonObjectToAttributes, sdkOf, sentryResource, spanId, traceId, sentryScope } from './payload.js';
import { ItemError, type ItemMapper } from './types.js';

/** Relay's name for a transaction that has none. */
const UNLABELED_TRANSACTION = '<unlabeled transaction>';
const UNLABELED_SPAN = '<unlabeled span>';

const KIND_BY_NAME: Record<string, SpanKind> = {
  server: SpanKind.Server,
  client: SpanKind.Client,
  producer: SpanKind.Producer,
  consumer: SpanKind.Consumer,
  internal: SpanKind.Internal,
};

/** Sentry span operations (and the operations under them, `db.sql.query` under `db`) with a kind. */
const KIND_BY_OP: [string, SpanKind][] = [
  ['http.server', SpanKind.Server],
  ['http.client', SpanKind.Client],
  ['db', SpanKind.Client],
  ['cache', SpanKind.Client],
  ['grpc.server', SpanKind.Server],
  ['grpc.client', SpanKind.Client],
  ['queue.publish', SpanKind.Producer],
  ['queue.submit', SpanKind.Producer],
  ['queue.process', SpanKind.Consumer],
  ['queue.task', SpanKind.Consumer],
];

/**
 * A span's kind: the one the SDK recorded — `kind` on the span, or `sentry.kind` / `otel.kind` in
 * its data (OpenTelemetry-based SDKs) — else derived from its operation, else Internal.
 */
export function spanKindOf(recorded: unknown[], op: string | undefined): SpanKind {
  for (const r of recorded) {
    if (typeof r === 'string') {
      const kind = KIND_BY_NAME[r.toLowerCase()];
      if (kind !== undefined) return kind;
    }
  }
  if (op !== undefined) {
    for (const [prefix, kind] of KIND_BY_OP) if (op === prefix || op.startsWith(`${prefix}.`)) return kind;
  }
  return SpanKind.Internal;
}

/**
 * Sentry's span status → OTel's: none → Unset; `ok` (and its early spelling `success`) → Ok; any
 * other status (`not_found`, `internal_error`, `unknown_error` ...) → Error, with the status as
 * message — as Relay's span conversion does.
 */
function spanStatus(f: Fields): Span['status'] {
  const status = f.str('status');
  if (status === undefined) return { code: StatusCode.Unset, message: '' };
  if (status === 'ok' || status === 'success') return { code: StatusCode.Ok, message: '' };
  return { code: StatusCode.Error, message: status };
}

/** Tags as `[key, value]` pairs: an object, or the list of pairs older SDKs send (Relay takes both). */
function tagPairs(f: Fields): [string, unknown][] {
  const tags = f.raw('tags');
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) return Object.entries(Fields.of(tags, f.at('tags')).obj);
  return tags.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
      throw expected(fieldPath(f.at('tags'), i), 'a [key, value] pair', pair);
    }
    return [pair[0], pair[1]];
  });
}

/** Tags are strings in Sentry; SDKs also send numbers and booleans, kept as their text. */
function addTags(f: Fields, into: Attributes): void {
  for (const [k, v] of tagPairs(f)) {
    if (v === null || v === undefined) continue;
    into.set(`sentry.tag.${k}`, typeof v === 'string' ? v : JSON.stringify(v));
  }
}

/** `measurements: {lcp: {value, unit}}` → `sentry.measurement.lcp` (a double) and `sentry.measurement.lcp.unit`. */
function addMeasurements(f: Fields, into: Attributes): void {
  const measurements = f.object('measurements');
  if (!measurements) return;
  for (const name of Object.keys(measurements.obj)) {
    const m = measurements.object(name);
    if (!m) continue;
    const value = m.num('value');
    if (value === undefined) throw m.missing('value', 'a number');
    into.set(`sentry.measurement.${name}`, value);
    const unit = m.str('unit');
    if (unit) into.set(`sentry.measurement.${name}.unit`, unit);
  }
}

function links(f: Fields): SpanLink[] {
  return (f.arr('links') ?? []).map((raw, i) => {
    const link = Fields.of(raw, fieldPath(f.at('links'), i));
    const attributes = link.object('attributes');
    return {
      traceId: traceId(link.raw('trace_id'), link.at('trace_id')),
      spanId: spanId(link.raw('span_id'), link.at('span_id')),
      traceState: '',
      attributes: attributes ? jsonObjectToAttributes(attributes.obj, attributes.path) : new Map(),
      droppedAttributesCount: 0,
      // W3C trace flags: the sampled bit
      flags: link.bool('sampled') === true ? 1 : 0,
    };
  });
}

function checkOrder(start: bigint, end: bigint, endPath: string): void {
  if (end < start) throw new ItemError(endPath, 'ends before start_timestamp');
}

/** What a transaction's trace context and each of its spans have in common. */
function spanFrom(f: Fields, ids: { traceId: string; parentSpanId: string }, name: string, start: bigint, end: bigint): Span {
  const data = f.object('data');
  const attributes: Attributes = data ? jsonObjectToAttributes(data.obj, data.path) : new Map();
  addTags(f, attributes);
  addMeasurements(f, attributes);
  const op = f.str('op');
  if (op !== undefined) attributes.set('sentry.op', op);
  const origin = f.str('origin');
  if (origin !== undefined) attributes.set('sentry.origin', origin);
  return newSpan({
    traceId: ids.traceId,
    spanId: idAt(f, 'span_id', spanId),
    parentSpanId: ids.parentSpanId,
    name,
    kind: spanKindOf([f.raw('kind'), data?.raw('sentry.kind'), data?.raw('otel.kind')], op),
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes,
    links: links(f),
    status: spanStatus(f),
  });
}

function childSpan(raw: unknown, path: string, root: Span): Span {
  const f = Fields.of(raw, path);
  // a child is in its transaction's trace and segment: without ids of its own it takes those
  const childTrace = idAt(f, 'trace_id', traceId, root.traceId);
  const parent = idAt(f, 'parent_span_id', spanId, root.spanId);
  const name = f.str('description') || f.str('op') || UNLABELED_SPAN;
  const start = f.reqTime('start_timestamp');
  const end = f.reqTime('timestamp');
  checkOrder(start, end, f.at('timestamp'));
  return spanFrom(f, { traceId: childTrace, parentSpanId: parent }, name, start, end);
}

/** An OTel-based SDK reports its OpenTelemetry resource in `contexts.otel.resource`. */
function otelResource(contexts: Fields | undefined): Attributes | undefined {
  const resource = contexts?.object('otel')?.object('resource');
  return resource ? jsonObjectToAttributes(resource.obj, resource.path) : undefined;
}

export const mapTransaction: ItemMapper = (payload, ctx) => {
  const event = Fields.of(payload, '');
  const contexts = event.object('contexts');
  const trace = contexts?.object('trace');
  if (!trace) throw new ItemError('contexts.trace', 'missing: a transaction needs a trace context');
  const traceIdHex = idAt(trace, 'trace_id', traceId);

  // the transaction's own fields are on the event; its span's are in the trace context
  const start = event.reqTime('start_timestamp');
  const end = event.reqTime('timestamp');
  checkOrder(start, end, 'timestamp');
  const ids = { traceId: traceIdHex, parentSpanId: idAt(trace, 'parent_span_id', spanId, '') };
  const root = spanFrom(trace, ids, event.str('transaction') || UNLABELED_TRANSACTION, start, end);
  addTags(event, root.attributes);
  addMeasurements(event, root.attributes);

  const children = (event.arr('spans') ?? []).map((s, i) => childSpan(s, fieldPath('spans', i), root));

  const resource = sentryResource(
    ctx,
    { release: event.str('release'), environment: event.str('environment'), ...sdkOf(event.object('sdk'), ctx) },
    otelResource(contexts),
  );
  const serverName = event.str('server_name');
  if (serverName) resource.attributes.set('host.name', serverName);

  return {
    traces: { resourceSpans: [{ resource, schemaUrl: '', scopeSpans: [{ scope: sentryScope(), schemaUrl: '', spans: [root, ...children] }] }] },
  };
};
