/**
 * Interop with the real OpenTelemetry JS SDK: the SDK's own OTLP exporters (gRPC, HTTP/protobuf,
 * HTTP/JSON) point at a running `summit` unchanged, and what Summit's `file` exporter writes must
 * equal what the SDK exported, field by field and type by type (int stays int, double stays
 * double, bytes stay bytes, nanosecond timestamps stay exact beyond 2^53).
 *
 * "What was sent" is recorded by wrapping each OTLP exporter (otlp-interop-helpers.ts), so the
 * comparison is against exactly the records the OTLP exporter serialized; on top of that every
 * test asserts literal values, so a mistake shared by the SDK records and the expected-value
 * translation cannot hide a loss.
 *
 * Per transport: traces, logs, metrics (each in full), and one gzip-compressed export of each
 * signal. One Summit serves the whole file; each test picks its own items out of the shared
 * output files by the resource attribute `interop.transport`.
 */
import { ROOT_CONTEXT, SpanKind as ApiSpanKind, SpanStatusCode, TraceFlags, ValueType, trace, type Link, type SpanContext } from '@opentelemetry/api';
import { SeverityNumber, type AnyValueMap } from '@opentelemetry/api-logs';
import { TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExponentialHistogramDataPoint, HistogramDataPoint, Metric, NumberDataPoint, Span } from '../pipeline/model.js';
import {
  AggregationTemporalityPreference,
  MARKER,
  RecordingLogExporter,
  RecordingMetricExporter,
  RecordingSpanExporter,
  TRANSPORTS,
  captureDiag,
  expectedLog,
  expectedMetric,
  expectedResource,
  expectedScope,
  expectedSpan,
  failedExports,
  hrNanos,
  logsMarked,
  metricRequestsMarked,
  readLines,
  readRequests,
  spansMarked,
  startInteropSummit,
  waitFor,
  type InteropSummit,
} from './otlp-interop-helpers.js';

const RESOURCE_SCHEMA = 'https://opentelemetry.io/schemas/1.26.0';
const SCOPE_SCHEMA = 'https://opentelemetry.io/schemas/1.27.0';
const T0 = 1_700_000_000; // seconds; every timestamp below is [T0 + s, ns] with nanosecond digits

let s: InteropSummit;
let diagMessages: string[];
/** Providers to shut down before Summit stops, even when a test failed half-way. */
const providers: { shutdown(): Promise<void> }[] = [];

beforeAll(async () => {
  diagMessages = captureDiag();
  s = await startInteropSummit();
});

afterAll(async () => {
  // closes every exporter too: the gRPC channels, the HTTP agents
  for (const p of providers.splice(0)) await p.shutdown().catch(() => {});
  if (s) expect(await s.summit.stop('SIGTERM'), s.summit.stderr).toBe(0);
});

/** Diag messages from the SDK's exporters (partial_success, failed exports) since `from`. */
const exporterComplaints = (from: number) => diagMessages.slice(from).filter((m) => /export|partial|reject|otlp|grpc/i.test(m));

/** Attributes of every type an attribute value can have in the trace/metrics API. */
const API_ATTRIBUTES = {
  'attr.string': 'checkout',
  'attr.unicode': 'naïve café ✓ 日本語',
  'attr.empty': '', // a present-but-empty string must not become an empty AnyValue
  'attr.int': 42,
  'attr.zero': 0, // likewise a present zero int
  'attr.negative': -42,
  'attr.int.big': 5_000_000_000, // beyond 32 bits
  'attr.int.huge': 2 ** 62, // beyond 2^53, exactly representable
  'attr.double': 1.5,
  'attr.double.tiny': 0.1,
  'attr.bool': true,
  'attr.false': false,
  'attr.strings': ['a', 'b', ''],
  'attr.ints': [1, 2, -3],
  'attr.doubles': [1.5, 2.25, -0.5],
  'attr.bools': [true, false],
  'attr.strings.with.null': ['x', null, 'y'], // null elements are empty AnyValues
};

describe.each(TRANSPORTS)('OTLP from the OpenTelemetry JS SDK over $name', (transport) => {
  const idx = TRANSPORTS.indexOf(transport) + 1;
  const hexId = (len: number, tag: string) => (tag + idx.toString(16)).padStart(len, '0').slice(-len);

  it('traces: every span field reaches the file exporter exactly as the SDK exported it', async () => {
    const diagFrom = diagMessages.length;
    const resourceAttributes = {
      'service.name': 'interop-checkout',
      [MARKER]: transport.name,
      'service.instance.number': 7,
      'host.load': 0.75,
      'feature.enabled': true,
      'deployment.regions': ['eu-west-1', 'us-east-2'],
      'process.pids': [101, 202],
    };
    const recorder = new RecordingSpanExporter(transport.spanExporter(s));
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes(resourceAttributes, { schemaUrl: RESOURCE_SCHEMA }),
      spanProcessors: [new SimpleSpanProcessor(recorder)],
      // small limits so the "limits" span below has non-zero dropped counts
      spanLimits: { attributeCountLimit: 20, eventCountLimit: 3, linkCountLimit: 2, attributePerEventCountLimit: 4, attributePerLinkCountLimit: 4 },
    });
    providers.push(provider);
    const tracer = provider.getTracer('interop-tracer', '1.2.3', { schemaUrl: SCOPE_SCHEMA });

    const linkTraceState = new TraceState('vendor1=abc,vendor2=xyz');
    const remoteLink: Link = {
      context: { traceId: hexId(32, 'a1b2c3d4e5f60718293a4b5c6d7e8f9'), spanId: hexId(16, 'f0e1d2c3b4a5968'), traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: linkTraceState },
      attributes: { 'link.kind': 'follows-from', 'link.int': 3, 'link.double': 0.5, 'link.bool': true },
    };
    const root = tracer.startSpan(
      'GET /checkout',
      { kind: ApiSpanKind.SERVER, startTime: [T0, 123_456_789], attributes: { ...API_ATTRIBUTES, [MARKER]: transport.name } },
      ROOT_CONTEXT,
    );
    root.addEvent('request.received', { 'event.bytes': 512, 'event.ratio': 0.25, 'event.route': '/checkout', 'event.ok': false }, [T0, 200_000_001]);
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);

    const client = tracer.startSpan('SELECT orders', { kind: ApiSpanKind.CLIENT, startTime: [T0, 300_000_003], links: [remoteLink] }, rootContext);
    client.setAttribute('db.rows', 17);
    client.recordException({ name: 'ConnectionError', message: 'connection reset', stack: 'ConnectionError: connection reset\n    at db.js:1:1' }, [T0, 400_000_004]);
    client.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset by peer' });
    client.end([T0, 500_000_005]);

    const internal = tracer.startSpan('compute total', { kind: ApiSpanKind.INTERNAL, startTime: [T0, 600_000_006] }, rootContext);
    internal.setStatus({ code: SpanStatusCode.OK });
    internal.end([T0, 700_000_007]);
    root.end([T0, 987_654_321]);

    // a span continuing a remote trace: parent id, trace state and the is-remote flag come from it
    const remoteParent: SpanContext = {
      traceId: hexId(32, '0af7651916cd43dd8448eb211c80319'),
      spanId: hexId(16, 'b7ad6b716920333'),
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: new TraceState('congo=t61rcWkgMzE'),
    };
    const consumer = tracer.startSpan('orders process', { kind: ApiSpanKind.CONSUMER, startTime: [T0 + 1, 1] }, trace.setSpanContext(ROOT_CONTEXT, remoteParent));
    consumer.end([T0 + 1, 999_999_999]);

    // over every limit: dropped attribute, event, link and per-event/per-link attribute counts
    const limits = tracer.startSpan('orders publish', {
      kind: ApiSpanKind.PRODUCER,
      startTime: [T0 + 2, 5],
      attributes: Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`extra.${String(i).padStart(2, '0')}`, i])),
      links: [0, 1, 2].map((i) => ({
        context: { ...remoteLink.context, spanId: hexId(16, `c0ffee0000000${i}`) },
        attributes: { a: 1, b: 2.5, c: 'x', d: true, e: [i], f: 'dropped' },
      })),
    });
    for (let i = 0; i < 5; i++) limits.addEvent(`tick ${i}`, { i, a: 'x', b: 0.5, c: true, d: [1], e: 'dropped' }, [T0 + 2, 1_000 + i]);
    limits.end([T0 + 2, 999_000_000]);

    await provider.forceFlush();
    const sent = recorder.sent;
    expect(failedExports(recorder.results)).toEqual([]);
    expect(sent.map((x) => x.name).sort()).toEqual(['GET /checkout', 'SELECT orders', 'compute total', 'orders process', 'orders publish']);

    const placed = await waitFor(`${sent.length} ${transport.name} spans in ${s.files.traces}`, () => {
      const found = spansMarked(readRequests(s.files.traces, 'traces'), transport.name);
      return found.length >= sent.length ? found : undefined;
    });
    expect(placed).toHaveLength(sent.length);

    // resource and scope, on every span
    for (const p of placed) {
      expect(p.resource).toEqual(expectedResource(sent[0].resource.attributes));
      expect(p.resourceSchemaUrl).toBe(RESOURCE_SCHEMA);
      expect(p.scope).toEqual(expectedScope({ name: 'interop-tracer', version: '1.2.3' }));
      expect(p.scopeSchemaUrl).toBe(SCOPE_SCHEMA);
    }
    const resource = placed[0].resource.attributes;
    expect(resource.get('service.instance.number')).toBe(7n);
    expect(resource.get('host.load')).toBe(0.75);
    expect(resource.get('feature.enabled')).toBe(true);
    expect(resource.get('deployment.regions')).toEqual(['eu-west-1', 'us-east-2']);
    expect(resource.get('process.pids')).toEqual([101n, 202n]);

    // every span, every field, against what the SDK exported
    const got = new Map<string, Span>(placed.map((p) => [p.item.spanId, p.item]));
    expect(got.size).toBe(sent.length);
    for (const span of sent) expect(got.get(span.spanContext().spanId), span.name).toEqual(expectedSpan(span));

    // and the same facts spelled out, independent of the expected-value translation
    const byName = (name: string) => placed.find((p) => p.item.name === name)!.item;
    const [rootOut, clientOut, internalOut, consumerOut, limitsOut] = ['GET /checkout', 'SELECT orders', 'compute total', 'orders process', 'orders publish'].map(byName);
    expect(rootOut.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(rootOut.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(rootOut.traceId).toBe(root.spanContext().traceId);
    expect(rootOut.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(rootOut.endTimeUnixNano).toBe(1_700_000_000_987_654_321n);
    expect(rootOut.parentSpanId).toBe('');
    expect(rootOut.flags).toBe(0x101); // sampled + has-is-remote
    expect([rootOut.kind, clientOut.kind, internalOut.kind, consumerOut.kind, limitsOut.kind]).toEqual([2, 3, 1, 5, 4]);
    const a = rootOut.attributes;
    expect(a.get('attr.string')).toBe('checkout');
    expect(a.get('attr.unicode')).toBe('naïve café ✓ 日本語');
    expect(a.get('attr.empty')).toBe('');
    expect(a.get('attr.int')).toBe(42n); // int stays int …
    expect(a.get('attr.zero')).toBe(0n);
    expect(a.get('attr.negative')).toBe(-42n);
    expect(a.get('attr.int.big')).toBe(5_000_000_000n);
    expect(a.get('attr.int.huge')).toBe(4_611_686_018_427_387_904n);
    expect(a.get('attr.double')).toBe(1.5); // … and double stays double
    expect(a.get('attr.double.tiny')).toBe(0.1);
    expect(a.get('attr.bool')).toBe(true);
    expect(a.get('attr.false')).toBe(false);
    expect(a.get('attr.strings')).toEqual(['a', 'b', '']);
    expect(a.get('attr.ints')).toEqual([1n, 2n, -3n]);
    expect(a.get('attr.doubles')).toEqual([1.5, 2.25, -0.5]);
    expect(a.get('attr.bools')).toEqual([true, false]);
    expect(a.get('attr.strings.with.null')).toEqual(['x', null, 'y']);
    expect(rootOut.events).toEqual([
      {
        name: 'request.received',
        timeUnixNano: 1_700_000_000_200_000_001n,
        attributes: new Map<string, unknown>([['event.bytes', 512n], ['event.ratio', 0.25], ['event.route', '/checkout'], ['event.ok', false]]),
        droppedAttributesCount: 0,
      },
    ]);
    expect(rootOut.status).toEqual({ code: 0, message: '' });

    expect(clientOut.traceId).toBe(rootOut.traceId);
    expect(clientOut.parentSpanId).toBe(rootOut.spanId);
    expect(internalOut.parentSpanId).toBe(rootOut.spanId);
    expect(clientOut.status).toEqual({ code: 2, message: 'connection reset by peer' });
    expect(internalOut.status).toEqual({ code: 1, message: '' });
    expect(clientOut.attributes.get('db.rows')).toBe(17n);
    expect(clientOut.events.map((e) => [e.name, e.timeUnixNano, e.attributes.get('exception.type'), e.attributes.get('exception.message')])).toEqual([
      ['exception', 1_700_000_000_400_000_004n, 'ConnectionError', 'connection reset'],
    ]);
    expect(clientOut.links).toEqual([
      {
        traceId: remoteLink.context.traceId,
        spanId: remoteLink.context.spanId,
        traceState: linkTraceState.serialize(),
        attributes: new Map<string, unknown>([['link.kind', 'follows-from'], ['link.int', 3n], ['link.double', 0.5], ['link.bool', true]]),
        droppedAttributesCount: 0,
        flags: 0x301, // sampled + has-is-remote + is-remote
      },
    ]);

    expect(consumerOut.traceId).toBe(remoteParent.traceId);
    expect(consumerOut.parentSpanId).toBe(remoteParent.spanId);
    expect(consumerOut.traceState).toBe(remoteParent.traceState!.serialize());
    expect(consumerOut.flags).toBe(0x301);
    expect(consumerOut.startTimeUnixNano).toBe(1_700_000_001_000_000_001n);
    expect(consumerOut.endTimeUnixNano).toBe(1_700_000_001_999_999_999n);

    expect(limitsOut.attributes.size).toBe(20);
    expect(limitsOut.droppedAttributesCount).toBe(3);
    expect(limitsOut.events).toHaveLength(3);
    expect(limitsOut.droppedEventsCount).toBe(2);
    expect(limitsOut.events.map((e) => [e.timeUnixNano, e.attributes.size, e.droppedAttributesCount])).toEqual([
      [1_700_000_002_000_001_002n, 4, 2],
      [1_700_000_002_000_001_003n, 4, 2],
      [1_700_000_002_000_001_004n, 4, 2],
    ]);
    expect(limitsOut.links).toHaveLength(2);
    expect(limitsOut.droppedLinksCount).toBe(1);
    expect(limitsOut.links.map((l) => [l.spanId, l.attributes.size, l.droppedAttributesCount])).toEqual([
      [hexId(16, 'c0ffee00000001'), 4, 2],
      [hexId(16, 'c0ffee00000002'), 4, 2],
    ]);

    // the file itself carries the exact decimal string, not a rounded number
    const rootLine = readLines(s.files.traces).find((l) => l.includes(`"spanId":"${rootOut.spanId}"`))!;
    expect(rootLine).toContain('"startTimeUnixNano":"1700000000123456789"');

    expect(exporterComplaints(diagFrom)).toEqual([]);
  });

  it('logs: every log record field reaches the file exporter exactly as the SDK exported it', async () => {
    const diagFrom = diagMessages.length;
    const recorder = new RecordingLogExporter(transport.logExporter(s));
    const provider = new LoggerProvider({
      resource: resourceFromAttributes(
        { 'service.name': 'interop-logs', [MARKER]: transport.name, 'resource.int': 3, 'resource.double': 2.5, 'resource.bool': false, 'resource.list': ['x', 'y'] },
        { schemaUrl: RESOURCE_SCHEMA },
      ),
      processors: [new SimpleLogRecordProcessor({ exporter: recorder })],
      logRecordLimits: { attributeCountLimit: 20 },
    });
    providers.push(provider);
    const logger = provider.getLogger('interop-logger', '0.9.0', { schemaUrl: SCOPE_SCHEMA, attributes: { 'scope.kind': 'interop', 'scope.int': 5 } });

    const bytes = new Uint8Array([0, 1, 2, 127, 128, 254, 255]);
    const mapBody: AnyValueMap = {
      string: 'text ✓',
      empty: '',
      int: 42,
      zero: 0,
      negative: -7,
      huge: 2 ** 62,
      double: 3.25,
      tiny: 1e-300,
      bool: true,
      no: false,
      bytes,
      nothing: null,
      array: [1, 'two', 3.5, false, new Uint8Array([9, 8]), [1, [2, [3]]], { k: 'v', n: 1 }, null],
      map: { inner: { deeper: { deepest: [1.25, 'x'] } }, bytes: new Uint8Array([255]), emptyMap: {}, emptyList: [] },
    };
    const attributes: AnyValueMap = {
      [MARKER]: transport.name,
      'attr.string': 'checkout',
      'attr.int': 42,
      'attr.negative': -42,
      'attr.int.huge': 2 ** 62,
      'attr.double': 1.5,
      'attr.bool': true,
      'attr.bytes': new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
      'attr.strings': ['a', 'b'],
      'attr.ints': [1, 2, 3],
      'attr.doubles': [0.5, 1.5],
      'attr.map': { nested: { n: 1 }, list: [true, 'x'] },
    };
    const sampled: SpanContext = { traceId: hexId(32, '4bf92f3577b34da6a3ce929d0e0e473'), spanId: hexId(16, '00f067aa0ba902b'), traceFlags: TraceFlags.SAMPLED };
    const unsampled: SpanContext = { ...sampled, spanId: hexId(16, '53995c3f42cd8ad'), traceFlags: TraceFlags.NONE };

    logger.emit({
      timestamp: [T0 + 10, 123_456_789],
      observedTimestamp: [T0 + 10, 987_654_321],
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      eventName: 'checkout.failed',
      body: mapBody,
      attributes,
      context: trace.setSpanContext(ROOT_CONTEXT, sampled),
    });
    logger.emit({
      timestamp: [T0 + 11, 1],
      observedTimestamp: [T0 + 11, 2],
      severityNumber: SeverityNumber.INFO2,
      severityText: 'info',
      body: 'a plain string body — ünïcödé',
      attributes: { [MARKER]: transport.name },
      context: trace.setSpanContext(ROOT_CONTEXT, unsampled),
    });
    logger.emit({
      timestamp: [T0 + 12, 999_999_999],
      observedTimestamp: [T0 + 12, 999_999_999],
      severityNumber: SeverityNumber.WARN,
      body: ['array', 'body', 1, 2.5],
      attributes: { [MARKER]: transport.name },
      exception: { name: 'TypeError', message: 'x is undefined', stack: 'TypeError: x is undefined\n    at y.js:2:3' },
    });
    logger.emit({
      timestamp: [T0 + 13, 5],
      observedTimestamp: [T0 + 13, 6],
      body: new Uint8Array([1, 2, 3]),
      attributes: Object.fromEntries([[MARKER, transport.name], ...Array.from({ length: 22 }, (_, i) => [`extra.${i}`, i])]),
    });

    await provider.forceFlush();
    const sent = recorder.sent;
    expect(failedExports(recorder.results)).toEqual([]);
    expect(sent).toHaveLength(4);

    const placed = await waitFor(`${sent.length} ${transport.name} log records in ${s.files.logs}`, () => {
      const found = logsMarked(readRequests(s.files.logs, 'logs'), transport.name);
      return found.length >= sent.length ? found : undefined;
    });
    expect(placed).toHaveLength(sent.length);
    for (const p of placed) {
      expect(p.resource).toEqual(expectedResource(sent[0].resource.attributes));
      expect(p.resourceSchemaUrl).toBe(RESOURCE_SCHEMA);
      expect(p.scope).toEqual(expectedScope(sent[0].instrumentationScope));
      expect(p.scopeSchemaUrl).toBe(SCOPE_SCHEMA);
    }
    expect(placed[0].scope).toEqual({ name: 'interop-logger', version: '0.9.0', attributes: new Map<string, unknown>([['scope.kind', 'interop'], ['scope.int', 5n]]), droppedAttributesCount: 0 });
    expect(placed[0].resource.attributes.get('resource.int')).toBe(3n);
    expect(placed[0].resource.attributes.get('resource.double')).toBe(2.5);

    // SimpleLogRecordProcessor exports one request per record, in emit order
    const got = placed.map((p) => p.item).sort((x, y) => (x.timeUnixNano < y.timeUnixNano ? -1 : 1));
    expect(got).toEqual(sent.map(expectedLog));

    const [structured, plain, withException, limited] = got;
    expect(structured.timeUnixNano).toBe(1_700_000_010_123_456_789n);
    expect(structured.observedTimeUnixNano).toBe(1_700_000_010_987_654_321n);
    expect(structured.severityNumber).toBe(17);
    expect(structured.severityText).toBe('ERROR');
    expect(structured.eventName).toBe('checkout.failed');
    expect(structured.traceId).toBe(sampled.traceId);
    expect(structured.spanId).toBe(sampled.spanId);
    expect(structured.flags).toBe(1);
    const bodyMap = (v: unknown) => v as Map<string, unknown>;
    const body = bodyMap(structured.body);
    expect(body).toBeInstanceOf(Map);
    expect(body.get('string')).toBe('text ✓');
    expect(body.get('empty')).toBe('');
    expect(body.get('int')).toBe(42n);
    expect(body.get('zero')).toBe(0n);
    expect(body.get('negative')).toBe(-7n);
    expect(body.get('huge')).toBe(4_611_686_018_427_387_904n);
    expect(body.get('double')).toBe(3.25);
    expect(body.get('tiny')).toBe(1e-300);
    expect(body.get('bool')).toBe(true);
    expect(body.get('no')).toBe(false);
    expect(body.get('bytes')).toBeInstanceOf(Uint8Array); // bytes, not a base64 string
    expect([...(body.get('bytes') as Uint8Array)]).toEqual([0, 1, 2, 127, 128, 254, 255]);
    expect(body.has('nothing')).toBe(true);
    expect(body.get('nothing')).toBeNull();
    expect(body.get('array')).toEqual([1n, 'two', 3.5, false, new Uint8Array([9, 8]), [1n, [2n, [3n]]], new Map<string, unknown>([['k', 'v'], ['n', 1n]]), null]);
    expect(body.get('map')).toEqual(
      new Map<string, unknown>([
        ['inner', new Map([['deeper', new Map([['deepest', [1.25, 'x']]])]])],
        ['bytes', new Uint8Array([255])],
        ['emptyMap', new Map()],
        ['emptyList', []],
      ]),
    );
    expect(structured.attributes.get('attr.int')).toBe(42n);
    expect(structured.attributes.get('attr.double')).toBe(1.5);
    expect(structured.attributes.get('attr.int.huge')).toBe(4_611_686_018_427_387_904n);
    expect(structured.attributes.get('attr.bytes')).toEqual(new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
    expect(structured.attributes.get('attr.ints')).toEqual([1n, 2n, 3n]);
    expect(structured.attributes.get('attr.map')).toEqual(new Map<string, unknown>([['nested', new Map([['n', 1n]])], ['list', [true, 'x']]]));

    expect(plain.body).toBe('a plain string body — ünïcödé');
    expect(plain.severityNumber).toBe(10);
    expect(plain.severityText).toBe('info');
    expect(plain.traceId).toBe(unsampled.traceId);
    expect(plain.spanId).toBe(unsampled.spanId);
    expect(plain.flags).toBe(0);
    expect(plain.eventName).toBe('');

    expect(withException.body).toEqual(['array', 'body', 1n, 2.5]);
    expect(withException.traceId).toBe('');
    expect(withException.spanId).toBe('');
    expect(withException.severityText).toBe('');
    expect(withException.attributes.get('exception.type')).toBe('TypeError');
    expect(withException.attributes.get('exception.stacktrace')).toBe('TypeError: x is undefined\n    at y.js:2:3');

    expect(limited.body).toEqual(new Uint8Array([1, 2, 3]));
    expect(limited.severityNumber).toBe(0);
    expect(limited.attributes.size).toBe(20);
    expect(limited.droppedAttributesCount).toBe(3);

    const line = readLines(s.files.logs).find((l) => l.includes(sampled.spanId))!;
    expect(line).toContain('"timeUnixNano":"1700000010123456789"');

    expect(exporterComplaints(diagFrom)).toEqual([]);
  });

  it('gzip-compressed exports of all three signals arrive intact', async () => {
    const diagFrom = diagMessages.length;
    const marker = `${transport.name}+gzip`;
    const resource = resourceFromAttributes({ 'service.name': 'interop-gzip', [MARKER]: marker, 'resource.int': 1 });
    const big = 'compressible '.repeat(2_000); // 26 kB: worth compressing

    const spans = new RecordingSpanExporter(transport.spanExporter(s, { gzip: true }));
    const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(spans)] });
    providers.push(tracerProvider);
    const span = tracerProvider
      .getTracer('interop-gzip', '1.0.0')
      .startSpan('gzip span', { kind: ApiSpanKind.SERVER, startTime: [T0 + 20, 123_456_789], attributes: { ...API_ATTRIBUTES, big } }, ROOT_CONTEXT);
    span.addEvent('gzip event', { n: 1, d: 0.5 }, [T0 + 20, 500_000_001]);
    span.end([T0 + 20, 987_654_321]);

    const logs = new RecordingLogExporter(transport.logExporter(s, { gzip: true }));
    const loggerProvider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: logs })] });
    providers.push(loggerProvider);
    loggerProvider.getLogger('interop-gzip', '1.0.0').emit({
      timestamp: [T0 + 21, 123_456_789],
      observedTimestamp: [T0 + 21, 987_654_321],
      severityNumber: SeverityNumber.DEBUG,
      body: { big, bytes: new Uint8Array([0, 255, 128]), int: 7, double: 7.5 },
      attributes: { 'attr.bytes': new Uint8Array([1, 2]), 'attr.int': -1 },
    });

    const metrics = new RecordingMetricExporter(transport.metricExporter(s, AggregationTemporalityPreference.CUMULATIVE, { gzip: true }));
    const meterProvider = new MeterProvider({ resource, readers: [new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 })] });
    providers.push(meterProvider);
    const meter = meterProvider.getMeter('interop-gzip', '1.0.0');
    meter.createCounter('gzip.count', { valueType: ValueType.INT }).add(41, { big });
    meter.createHistogram('gzip.histogram', { advice: { explicitBucketBoundaries: [1, 10] } }).record(5.5);

    await Promise.all([tracerProvider.forceFlush(), loggerProvider.forceFlush(), meterProvider.forceFlush()]);
    expect(failedExports([...spans.results, ...logs.results, ...metrics.results])).toEqual([]);
    expect([spans.sent.length, logs.sent.length, metrics.sent.length]).toEqual([1, 1, 1]);

    const [spanOut] = await waitFor(`the ${marker} span`, () => {
      const found = spansMarked(readRequests(s.files.traces, 'traces'), marker);
      return found.length > 0 ? found : undefined;
    });
    expect(spanOut.resource).toEqual(expectedResource(resource.attributes));
    expect(spanOut.item).toEqual(expectedSpan(spans.sent[0]));
    expect(spanOut.item.attributes.get('big')).toBe(big);
    expect(spanOut.item.startTimeUnixNano).toBe(1_700_000_020_123_456_789n);

    const [logOut] = await waitFor(`the ${marker} log record`, () => {
      const found = logsMarked(readRequests(s.files.logs, 'logs'), marker);
      return found.length > 0 ? found : undefined;
    });
    expect(logOut.item).toEqual(expectedLog(logs.sent[0]));
    expect((logOut.item.body as Map<string, unknown>).get('bytes')).toEqual(new Uint8Array([0, 255, 128]));

    const [metricsOut] = await waitFor(`the ${marker} metrics`, () => {
      const found = metricRequestsMarked(readRequests(s.files.metrics, 'metrics'), marker);
      return found.length > 0 ? found : undefined;
    });
    expect(metricsOut.resourceMetrics[0].scopeMetrics[0].metrics).toEqual(metrics.sent[0].scopeMetrics[0].metrics.map(expectedMetric));
    expect((metricsOut.resourceMetrics[0].scopeMetrics[0].metrics[0].data.dataPoints[0] as NumberDataPoint).value).toBe(41n);

    expect(exporterComplaints(diagFrom)).toEqual([]);
  });

  it('metrics: sums, gauges, histograms and exponential histograms arrive with kinds, temporality and values intact', async () => {
    const diagFrom = diagMessages.length;
    // cumulative over gRPC and HTTP/JSON, delta over HTTP/protobuf: both temporalities get through
    const delta = transport.name === 'http/protobuf';
    const recorder = new RecordingMetricExporter(
      transport.metricExporter(s, delta ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE),
    );
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'interop-metrics', [MARKER]: transport.name, 'resource.int': 9, 'resource.double': 0.5 }, { schemaUrl: RESOURCE_SCHEMA }),
      // an hour: only forceFlush exports
      readers: [new PeriodicExportingMetricReader({ exporter: recorder, exportIntervalMillis: 3_600_000, exportTimeoutMillis: 10_000 })],
      views: [{ instrumentName: 'interop.latency.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
    });
    providers.push(provider);
    const meter = provider.getMeter('interop-meter', '3.2.1', { schemaUrl: SCOPE_SCHEMA });

    const requests = meter.createCounter('interop.requests', { description: 'requests served', unit: '{request}', valueType: ValueType.INT });
    requests.add(1, { route: '/a', 'http.status': 200 });
    requests.add(2, { route: '/a', 'http.status': 200 });
    requests.add(5_000_000_000, { route: '/b', 'http.status': 503, retried: true, weight: 0.5 });
    const bytesIn = meter.createCounter('interop.bytes', { unit: 'By' }); // DOUBLE: integral values stay doubles
    bytesIn.add(1024, { direction: 'in' });
    const inflight = meter.createUpDownCounter('interop.inflight', { valueType: ValueType.INT });
    inflight.add(5, { queue: 'a' });
    inflight.add(-8, { queue: 'a' });
    const latency = meter.createHistogram('interop.latency', { unit: 'ms', description: 'latency', advice: { explicitBucketBoundaries: [0, 5, 10, 25, 50] } });
    for (const v of [0, 3, 7.5, 12, 60, 60]) latency.record(v, { route: '/a' });
    const temperature = meter.createGauge('interop.temperature', { unit: 'Cel' });
    temperature.record(21.5, { room: 'a' });
    temperature.record(20, { room: 'b' });
    const depth = meter.createObservableGauge('interop.queue.depth');
    depth.addCallback((r) => r.observe(0.75, { queue: 'a' }));
    const exp = meter.createHistogram('interop.latency.exp', { unit: 's' });
    for (const v of [0, 1.5, 2.5, 100, 1000]) exp.record(v, { route: '/a' });

    await provider.forceFlush();
    expect(failedExports(recorder.results)).toEqual([]);
    expect(recorder.sent).toHaveLength(1);
    const [sent] = recorder.sent;
    expect(sent.scopeMetrics).toHaveLength(1);

    const [request] = await waitFor(`${transport.name} metrics in ${s.files.metrics}`, () => {
      const found = metricRequestsMarked(readRequests(s.files.metrics, 'metrics'), transport.name);
      return found.length > 0 ? found : undefined;
    });
    expect(request.resourceMetrics).toHaveLength(1);
    const [rm] = request.resourceMetrics;
    expect(rm.resource).toEqual(expectedResource(sent.resource.attributes));
    expect(rm.resource.attributes.get('resource.int')).toBe(9n);
    expect(rm.resource.attributes.get('resource.double')).toBe(0.5);
    expect(rm.schemaUrl).toBe(RESOURCE_SCHEMA);
    expect(rm.scopeMetrics).toHaveLength(1);
    const [sm] = rm.scopeMetrics;
    expect(sm.scope).toEqual(expectedScope({ name: 'interop-meter', version: '3.2.1' }));
    expect(sm.schemaUrl).toBe(SCOPE_SCHEMA);

    // every metric, every data point, against what the SDK exported
    expect(sm.metrics.map((m) => m.name)).toEqual(sent.scopeMetrics[0].metrics.map((m) => m.descriptor.name));
    expect(sm.metrics).toEqual(sent.scopeMetrics[0].metrics.map(expectedMetric));

    // and spelled out
    const metric = (name: string): Metric => sm.metrics.find((m) => m.name === name)!;
    const points = <P>(name: string) => (metric(name).data as unknown as { dataPoints: P[] }).dataPoints;
    const cumulativeOrDelta = delta ? 1 : 2;

    const req = metric('interop.requests');
    expect(req.description).toBe('requests served');
    expect(req.unit).toBe('{request}');
    expect(req.data).toMatchObject({ type: 'sum', isMonotonic: true, aggregationTemporality: cumulativeOrDelta });
    expect(points<NumberDataPoint>('interop.requests').map((p) => [p.attributes, p.value])).toEqual([
      [new Map<string, unknown>([['route', '/a'], ['http.status', 200n]]), 3n], // int stays int
      [new Map<string, unknown>([['route', '/b'], ['http.status', 503n], ['retried', true], ['weight', 0.5]]), 5_000_000_000n],
    ]);
    const sentTimes = sent.scopeMetrics[0].metrics.find((m) => m.descriptor.name === 'interop.requests')!.dataPoints[0];
    expect(points<NumberDataPoint>('interop.requests')[0].timeUnixNano).toBe(hrNanos(sentTimes.endTime));
    expect(points<NumberDataPoint>('interop.requests')[0].startTimeUnixNano).toBe(hrNanos(sentTimes.startTime));
    expect(points<NumberDataPoint>('interop.requests')[0].timeUnixNano).toBeGreaterThan(2n ** 53n);

    expect(metric('interop.bytes').data).toMatchObject({ type: 'sum', isMonotonic: true, aggregationTemporality: cumulativeOrDelta });
    expect(points<NumberDataPoint>('interop.bytes').map((p) => p.value)).toEqual([1024]); // a double, though integral

    expect(metric('interop.inflight').data).toMatchObject({ type: 'sum', isMonotonic: false, aggregationTemporality: 2 }); // up-down counters stay cumulative
    expect(points<NumberDataPoint>('interop.inflight').map((p) => p.value)).toEqual([-3n]);

    expect(metric('interop.latency').data).toMatchObject({ type: 'histogram', aggregationTemporality: cumulativeOrDelta });
    const [h] = points<HistogramDataPoint>('interop.latency');
    expect(h).toMatchObject({ count: 6, sum: 142.5, min: 0, max: 60, explicitBounds: [0, 5, 10, 25, 50], bucketCounts: [1, 1, 1, 1, 0, 2] });

    expect(metric('interop.temperature').data.type).toBe('gauge');
    expect(points<NumberDataPoint>('interop.temperature').map((p) => [p.attributes.get('room'), p.value])).toEqual([
      ['a', 21.5],
      ['b', 20], // a double, though integral
    ]);
    expect(metric('interop.queue.depth').data.type).toBe('gauge');
    expect(points<NumberDataPoint>('interop.queue.depth').map((p) => p.value)).toEqual([0.75]);

    expect(metric('interop.latency.exp').data).toMatchObject({ type: 'exponentialHistogram', aggregationTemporality: cumulativeOrDelta });
    const [e] = points<ExponentialHistogramDataPoint>('interop.latency.exp');
    expect(e).toMatchObject({ count: 5, sum: 1104, min: 0, max: 1000, zeroCount: 1 });
    expect(e.positive.bucketCounts.reduce((x, y) => x + y, 0)).toBe(4);
    expect(e.positive.bucketCounts.length).toBeGreaterThan(1);
    expect(Number.isInteger(e.scale) && Number.isInteger(e.positive.offset)).toBe(true);

    expect(exporterComplaints(diagFrom)).toEqual([]);
  });
});
