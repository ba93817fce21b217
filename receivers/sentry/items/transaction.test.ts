import { createServer } from 'node:http';
import { context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, StatusCode, type Span, type Traces } from '../../../pipeline/model.js';
import { decodeSignal } from '../../../pipeline/otlpjson/index.js';
import { Sentry, contextFor, itemsOfType, nsFromText, numberTexts, sdkItems, type SdkItem , mapperError } from '../../../test/sentry-sdk.js';
import { mapTransaction } from './transaction.js';
import { type ItemContext } from './types.js';

const ctx: ItemContext = { projectId: '42', projectName: 'checkout', receivedAtMs: 0, envelopeHeader: {}, itemHeader: { type: 'transaction' } };

function spansOf(traces: Traces | undefined): Span[] {
  return traces!.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
}

const errorOf = (payload: unknown) => mapperError(mapTransaction, payload, ctx);

/** The smallest transaction Relay takes, with `patch` applied. */
function transaction(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'transaction',
    transaction: 'GET /cart',
    start_timestamp: 1700000000.5,
    timestamp: 1700000001.25,
    contexts: { trace: { trace_id: '4c79f60c11214eb38604f4ae0781bfb2', span_id: 'fa90fdead5f74052', op: 'http.server', status: 'ok' } },
    ...patch,
  };
}

describe('transaction items from @sentry/node', () => {
  let item: SdkItem;
  let sentryTrace = '';

  beforeAll(async () => {
    const items = await sdkItems({ tracesSampleRate: 1, traceLifecycle: 'static', serverName: 'web-7' }, () => {
      Sentry.startSpan({ name: 'GET /users', op: 'http.server', attributes: { 'http.request.method': 'GET' } }, () => {
        Sentry.setTag('region', 'eu');
        Sentry.setMeasurement('memory', 123, 'byte');
        sentryTrace = Sentry.getTraceData()['sentry-trace'] ?? '';
        Sentry.startSpan({ name: 'SELECT users', op: 'db' }, () => {
          Sentry.startSpan({ name: 'render', op: 'function' }, (span) => span.setStatus({ code: 2, message: 'not_found' }));
        });
      });
    });
    [item] = itemsOfType(items, 'transaction');
  });

  it('maps the transaction to a root span and each child to a span under its parent', () => {
    const event = item.payload as { contexts: { trace: { trace_id: string; span_id: string } }; spans: { span_id: string }[] };
    const [root, db, render, ...rest] = spansOf(mapTransaction(item.payload, contextFor(item)).traces);
    expect(rest).toEqual([]);

    expect(root.traceId).toBe(event.contexts.trace.trace_id);
    expect(root.spanId).toBe(event.contexts.trace.span_id);
    expect(root.parentSpanId).toBe('');
    expect(root.name).toBe('GET /users');
    expect(root.kind).toBe(SpanKind.Server);
    expect(root.status).toEqual({ code: StatusCode.Ok, message: '' });
    expect(root.attributes.get('http.request.method')).toBe('GET');
    expect(root.attributes.get('sentry.op')).toBe('http.server');
    expect(root.attributes.get('sentry.tag.region')).toBe('eu');
    expect(root.attributes.get('sentry.measurement.memory')).toBe(123);
    expect(root.attributes.get('sentry.measurement.memory.unit')).toBe('byte');

    expect([db.name, db.kind, db.parentSpanId, db.traceId]).toEqual(['SELECT users', SpanKind.Client, root.spanId, root.traceId]);
    expect(db.spanId).toBe(event.spans.find((s) => s.span_id === db.spanId)?.span_id);
    expect(db.status.code).toBe(StatusCode.Ok);
    expect([render.name, render.kind, render.parentSpanId]).toEqual(['render', SpanKind.Internal, db.spanId]);
    expect(render.status).toEqual({ code: StatusCode.Error, message: 'not_found' });
    expect(render.attributes.get('sentry.op')).toBe('function');
  });

  it('keeps every timestamp to the digit the SDK wrote', () => {
    const [root, ...children] = spansOf(mapTransaction(item.payload, contextFor(item)).traces);
    // the event's own start_timestamp/timestamp come last in the SDK's JSON, after its spans'
    const starts = numberTexts(item.text, 'start_timestamp');
    const ends = numberTexts(item.text, 'timestamp');
    expect(starts).toHaveLength(3);
    expect(root.startTimeUnixNano).toBe(nsFromText(starts[2]));
    expect(root.endTimeUnixNano).toBe(nsFromText(ends[2]));
    expect(children.map((s) => [s.startTimeUnixNano, s.endTimeUnixNano])).toEqual(
      [0, 1].map((i) => [nsFromText(starts[i]), nsFromText(ends[i])]),
    );
    // the SDK writes sub-millisecond digits; none are lost
    expect(starts.some((t) => (t.split('.')[1] ?? '').length > 3)).toBe(true);
  });

  it('puts release, environment, SDK and project on the resource', () => {
    const { resource } = mapTransaction(item.payload, contextFor(item)).traces!.resourceSpans[0];
    expect(Object.fromEntries(resource.attributes)).toEqual({
      'service.name': 'checkout',
      'service.version': 'checkout@2.4.1',
      'deployment.environment.name': 'production',
      'sentry.project.id': '42',
      'telemetry.sdk.name': 'sentry.javascript.node',
      'telemetry.sdk.version': expect.stringMatching(/^11\./),
      'host.name': 'web-7',
    });
  });

  it('joins the OpenTelemetry spans of the same trace', async () => {
    // the sentry-trace header the SDK propagates is `<trace id>-<span id>-<sampled>`
    const [traceIdHex, parentSpanId] = sentryTrace.split('-');
    let body = '';
    const server = createServer((req, res) => {
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` }))],
    });
    try {
      const carrier = { traceparent: `00-${traceIdHex}-${parentSpanId}-01` };
      const parent = new W3CTraceContextPropagator().extract(context.active(), carrier, { get: (c, k) => c[k as 'traceparent'], keys: (c) => Object.keys(c) });
      provider.getTracer('downstream').startSpan('GET /inventory', {}, parent).end();
      await provider.forceFlush();
    } finally {
      await provider.shutdown();
      server.close();
    }
    const [otelSpan] = spansOf(decodeSignal('traces', JSON.parse(body)));
    const sentrySpans = spansOf(mapTransaction(item.payload, contextFor(item)).traces);
    expect(otelSpan.traceId).toBe(sentrySpans[0].traceId);
    expect(otelSpan.parentSpanId).toBe(sentrySpans[0].spanId);
  });
});

describe('transaction mapping', () => {
  it('reads RFC 3339 timestamps and fractional seconds exactly', () => {
    const [root] = spansOf(
      mapTransaction(transaction({ start_timestamp: '2024-03-01T12:00:00.123456Z', timestamp: '2024-03-01T13:00:00.5+01:00' }), ctx).traces,
    );
    expect(root.startTimeUnixNano).toBe(1709294400123456000n);
    expect(root.endTimeUnixNano).toBe(1709294400500000000n);
    const [micro] = spansOf(mapTransaction(transaction({ start_timestamp: 1700000000.000001, timestamp: 1700000000.000002 }), ctx).traces);
    expect([micro.startTimeUnixNano, micro.endTimeUnixNano]).toEqual([1700000000000001000n, 1700000000000002000n]);
  });

  it('maps statuses: none → Unset, ok → Ok, any other → Error with the status', () => {
    const statusOf = (status: unknown) =>
      spansOf(mapTransaction(transaction({ contexts: { trace: { trace_id: 'ab'.repeat(16), span_id: 'cd'.repeat(8), status } } }), ctx).traces)[0].status;
    expect(statusOf(undefined)).toEqual({ code: StatusCode.Unset, message: '' });
    expect(statusOf('ok')).toEqual({ code: StatusCode.Ok, message: '' });
    expect(statusOf('internal_error')).toEqual({ code: StatusCode.Error, message: 'internal_error' });
    expect(statusOf('unknown_error')).toEqual({ code: StatusCode.Error, message: 'unknown_error' });
  });

  it('takes the kind the SDK recorded before deriving it from the operation', () => {
    const kindOf = (span: Record<string, unknown>) =>
      spansOf(mapTransaction(transaction({ spans: [{ span_id: '1'.repeat(16), start_timestamp: 1700000000.5, timestamp: 1700000000.6, ...span }] }), ctx).traces)[1].kind;
    expect(kindOf({ op: 'db.sql.query' })).toBe(SpanKind.Client);
    expect(kindOf({ op: 'dbx' })).toBe(SpanKind.Internal);
    expect(kindOf({ op: 'http.client' })).toBe(SpanKind.Client);
    expect(kindOf({ op: 'queue.publish' })).toBe(SpanKind.Producer);
    expect(kindOf({ op: 'queue.process' })).toBe(SpanKind.Consumer);
    expect(kindOf({ op: 'http.client', data: { 'otel.kind': 'SERVER' } })).toBe(SpanKind.Server);
    expect(kindOf({ op: 'function', data: { 'sentry.kind': 'producer' } })).toBe(SpanKind.Producer);
    expect(kindOf({ op: 'function', kind: 'consumer' })).toBe(SpanKind.Consumer);
  });

  it('takes tags as an object or as the list of pairs older SDKs send', () => {
    const tagsOf = (tags: unknown) => Object.fromEntries([...spansOf(mapTransaction(transaction({ tags }), ctx).traces)[0].attributes].filter(([k]) => k.startsWith('sentry.tag.')));
    expect(tagsOf({ region: 'eu', retries: 3, cached: false })).toEqual({ 'sentry.tag.region': 'eu', 'sentry.tag.retries': '3', 'sentry.tag.cached': 'false' });
    expect(tagsOf([['region', 'eu'], ['tier', 'gold']])).toEqual({ 'sentry.tag.region': 'eu', 'sentry.tag.tier': 'gold' });
    expect(errorOf(transaction({ tags: [['region', 'eu'], ['lonely']] })).path).toBe('tags[1]');
  });

  it('hangs a child without ids of its own under its transaction', () => {
    const [root, child] = spansOf(mapTransaction(transaction({ spans: [{ span_id: '2'.repeat(16), start_timestamp: 1700000000.6, timestamp: 1700000000.7, description: 'work' }] }), ctx).traces);
    expect([child.traceId, child.parentSpanId, child.name]).toEqual([root.traceId, root.spanId, 'work']);
  });

  it('lowercases ids, keeps a parent span id from an incoming trace, and maps links', () => {
    const [root] = spansOf(
      mapTransaction(
        transaction({
          contexts: {
            trace: {
              trace_id: '4C79F60C11214EB38604F4AE0781BFB2',
              span_id: 'FA90FDEAD5F74052',
              parent_span_id: 'aaaaaaaaaaaaaaaa',
              links: [{ trace_id: 'ab'.repeat(16), span_id: 'cd'.repeat(8), sampled: true, attributes: { 'sentry.link.type': 'previous_trace' } }],
            },
          },
        }),
        ctx,
      ).traces,
    );
    expect([root.traceId, root.spanId, root.parentSpanId]).toEqual(['4c79f60c11214eb38604f4ae0781bfb2', 'fa90fdead5f74052', 'aaaaaaaaaaaaaaaa']);
    expect(root.links).toEqual([
      { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceState: '', flags: 1, attributes: new Map([['sentry.link.type', 'previous_trace']]), droppedAttributesCount: 0 },
    ]);
  });

  it('names the service after the OpenTelemetry resource an OTel-based SDK reports', () => {
    const nameOf = (resource: Record<string, unknown>) =>
      mapTransaction(transaction({ contexts: { ...(transaction().contexts as object), otel: { resource } } }), ctx).traces!.resourceSpans[0].resource.attributes;
    expect(nameOf({ 'service.name': 'cart-api', 'k8s.pod.name': 'cart-1' }).get('service.name')).toBe('cart-api');
    expect(nameOf({ 'service.name': 'cart-api', 'k8s.pod.name': 'cart-1' }).get('k8s.pod.name')).toBe('cart-1');
    expect(nameOf({ 'service.name': 'unknown_service:node' }).get('service.name')).toBe('checkout');
  });

  it('refuses what Relay refuses, naming the field', () => {
    const cases: [unknown, string][] = [
      ['not an object', '(payload)'],
      [transaction({ contexts: {} }), 'contexts.trace'],
      [transaction({ contexts: { trace: { span_id: 'fa90fdead5f74052' } } }), 'contexts.trace.trace_id'],
      [transaction({ contexts: { trace: { trace_id: 'abc', span_id: 'fa90fdead5f74052' } } }), 'contexts.trace.trace_id'],
      [transaction({ contexts: { trace: { trace_id: '0'.repeat(32), span_id: 'fa90fdead5f74052' } } }), 'contexts.trace.trace_id'],
      [transaction({ contexts: { trace: { trace_id: 'ab'.repeat(16), span_id: 'xyz0123456789abc' } } }), 'contexts.trace.span_id'],
      [transaction({ contexts: { trace: { trace_id: 'ab'.repeat(16), span_id: 'cd'.repeat(8), parent_span_id: 7 } } }), 'contexts.trace.parent_span_id'],
      [transaction({ start_timestamp: undefined }), 'start_timestamp'],
      [transaction({ timestamp: 'yesterday' }), 'timestamp'],
      [transaction({ timestamp: '2024-02-30T00:00:00Z' }), 'timestamp'],
      [transaction({ timestamp: -1 }), 'timestamp'],
      [transaction({ timestamp: 1600000000 }), 'timestamp'],
      [transaction({ spans: {} }), 'spans'],
      [transaction({ spans: [{ span_id: '1'.repeat(16), start_timestamp: 1700000000.6, timestamp: 1700000000.7 }, { span_id: 'bad', start_timestamp: 1700000000.6, timestamp: 1700000000.7 }] }), 'spans[1].span_id'],
      [transaction({ spans: [{ span_id: '1'.repeat(16), timestamp: 1700000000.7 }] }), 'spans[0].start_timestamp'],
      [transaction({ spans: [{ span_id: '1'.repeat(16), start_timestamp: 1700000000.6, timestamp: 1700000000.7, trace_id: 'nope' }] }), 'spans[0].trace_id'],
      [transaction({ measurements: { lcp: { value: 'fast' } } }), 'measurements.lcp.value'],
      [transaction({ release: 3 }), 'release'],
    ];
    for (const [payload, path] of cases) expect(errorOf(payload).path, JSON.stringify(payload)).toBe(path);
    expect(errorOf(transaction({ contexts: { trace: { trace_id: 'abc', span_id: 'fa90fdead5f74052' } } })).message).toBe(
      'contexts.trace.trace_id: expected a trace id of 32 hex digits, got a string of 3 characters',
    );
  });
});
