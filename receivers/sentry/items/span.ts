/**
 * `span` items → spans. Sentry's v2 spans (content type `application/vnd.sentry.items.span.v2+json`,
 * a container `{version: 2, items: [...]}`) are what SDKs send when they stream spans instead of
 * wrapping them in transactions — @sentry/node 11 does by default (`traceLifecycle: 'stream'`).
 * They are nearly OTel spans already: ids, name, times and typed attributes map one to one.
 */
import { newSpan } from '../../../pipeline/builders.js';
import { StatusCode, type Span, type SpanLink } from '../../../pipeline/model.js';
import { ByService, Fields, fieldPath, idAt, sdkOf, sentryResource, spanId, traceId, typedAttributes, type ServiceFields, sentryScope } from './payload.js';
import { spanKindOf } from './transaction.js';
import { ItemError, type ItemMapper } from './types.js';

/** Where v2 spans keep an error's message: it becomes the status message. */
const STATUS_MESSAGE = 'sentry.status.message';

function links(f: Fields): SpanLink[] {
  return (f.arr('links') ?? []).map((raw, i) => {
    const link = Fields.of(raw, fieldPath(f.at('links'), i));
    return {
      traceId: traceId(link.raw('trace_id'), link.at('trace_id')),
      spanId: spanId(link.raw('span_id'), link.at('span_id')),
      traceState: '',
      attributes: typedAttributes(link.object('attributes'), {}),
      droppedAttributesCount: 0,
      flags: link.bool('sampled') === true ? 1 : 0,
    };
  });
}

function mapSpan(raw: unknown, path: string, envelopeSdk: ServiceFields): { span: Span; service: ServiceFields } {
  const f = Fields.of(raw, path);
  const service: ServiceFields = { ...envelopeSdk };
  const attributes = typedAttributes(f.object('attributes'), service);
  const start = f.reqTime('start_timestamp');
  const end = f.reqTime('end_timestamp');
  if (end < start) throw new ItemError(f.at('end_timestamp'), 'ends before start_timestamp');

  // v2 statuses are `ok` and `error`; an error's text is an attribute
  let status: Span['status'] = { code: StatusCode.Unset, message: '' };
  const statusText = f.str('status');
  const message = attributes.get(STATUS_MESSAGE);
  attributes.delete(STATUS_MESSAGE);
  if (statusText === 'ok') status = { code: StatusCode.Ok, message: '' };
  else if (statusText !== undefined) status = { code: StatusCode.Error, message: typeof message === 'string' ? message : statusText };

  const op = attributes.get('sentry.op');
  const span = newSpan({
    traceId: idAt(f, 'trace_id', traceId),
    spanId: idAt(f, 'span_id', spanId),
    parentSpanId: idAt(f, 'parent_span_id', spanId, ''),
    name: f.str('name') ?? (typeof op === 'string' ? op : ''),
    kind: spanKindOf([attributes.get('sentry.kind'), attributes.get('otel.kind')], typeof op === 'string' ? op : undefined),
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes,
    links: links(f),
    status,
  });
  return { span, service };
}

export const mapSpans: ItemMapper = (payload, ctx) => {
  const container = Fields.of(payload, '');
  const items = container.arr('items');
  if (items === undefined) throw new ItemError('items', 'missing: a span container holds its spans in `items`');
  const envelopeSdk = sdkOf(undefined, ctx);
  const byService = new ByService<Span>();
  items.forEach((raw, i) => {
    const { span, service } = mapSpan(raw, fieldPath('items', i), envelopeSdk);
    byService.add(service, span);
  });
  if (byService.size === 0) return {};
  const resourceSpans = byService.map((service, spans) => ({
    resource: sentryResource(ctx, service),
    schemaUrl: '',
    scopeSpans: [{ scope: sentryScope(), schemaUrl: '', spans }],
  }));
  return { traces: { resourceSpans } };
};
