/**
 * Three services instrumented with the OpenTelemetry JS SDK send their spans over OTLP/HTTP to a
 * running summit whose servicegraph connector feeds a file exporter: the edges and counts in
 * what the exporter writes are the requests the services made to each other.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SummitProcess, freePort, tempDir, writeFile } from '../../test/helpers.js';

const REQUESTS = 5;
let summit: SummitProcess;
let metricsFile: string;
let httpPort: number;

beforeAll(async () => {
  const dir = tempDir('summit-servicegraph-');
  httpPort = await freePort();
  metricsFile = join(dir, 'metrics.jsonl');
  const config = writeFile(
    dir,
    'summit.yaml',
    `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${httpPort}
connectors:
  servicegraph:
    store: { ttl: 500ms, max_items: 100 }
    store_expiration_loop: 100ms
    metrics_flush_interval: 100ms
    dimensions: [deployment.environment]
exporters:
  file:
    path: ${metricsFile}
    flush_interval: 10ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [servicegraph]
    metrics:
      receivers: [servicegraph]
      exporters: [file]
`,
  );
  summit = new SummitProcess(['--config', config]);
  await summit.waitForLog(/Everything is ready/, 40_000);
}, 45_000);

afterAll(async () => {
  await summit?.stop();
});

function service(name: string): { tracer: Tracer; provider: BasicTracerProvider } {
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': name, 'deployment.environment': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { tracer: provider.getTracer('servicegraph-test'), provider };
}

/** A span started as the child of `parent` (or a root span), as instrumentation would after extracting context. */
function child(tracer: Tracer, name: string, kind: SpanKind, parent?: Span, attributes: Record<string, string> = {}): Span {
  const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
  return tracer.startSpan(name, { kind, attributes }, ctx);
}

interface Point {
  attributes: Record<string, unknown>;
  value: number;
}

/** The request_total / request_failed_total points of the newest flush in the exporter's output. */
function latest(metric: string): Point[] {
  if (!existsSync(metricsFile)) return [];
  const lines = readFileSync(metricsFile, 'utf8').split('\n').filter((l) => l.endsWith('}'));
  for (const line of lines.reverse()) {
    const batch = JSON.parse(line);
    const metrics = batch.resourceMetrics.flatMap((rm: any) => rm.scopeMetrics.flatMap((sm: any) => sm.metrics));
    if (!metrics.some((m: any) => m.name === 'traces_service_graph_request_total')) continue;
    const found = metrics.find((m: any) => m.name === metric);
    if (!found) return [];
    const points = found.sum?.dataPoints ?? found.histogram.dataPoints;
    return points.map((p: any) => ({
      attributes: Object.fromEntries(p.attributes.map((kv: any) => [kv.key, Object.values(kv.value)[0]])),
      value: Number(p.asInt ?? p.count),
    }));
  }
  return [];
}

const edge = (client: string, server: string, connection_type: string, failed: boolean, extra: Record<string, string> = {}) => ({
  client,
  server,
  connection_type,
  failed,
  ...extra,
});
const env = (sides: ('client' | 'server')[]) => Object.fromEntries(sides.map((s) => [`${s}_deployment.environment`, 'test']));

describe('servicegraph with the OpenTelemetry JS SDK', () => {
  it('three services: edges, counts, failures, a database and virtual nodes', async () => {
    const frontend = service('frontend');
    const cart = service('cart');
    const payment = service('payment');

    for (let i = 0; i < REQUESTS; i++) {
      const root = child(frontend.tracer, 'GET /checkout', SpanKind.SERVER); // from a browser: no parent span
      const toCart = child(frontend.tracer, 'POST /cart', SpanKind.CLIENT, root);
      const cartServer = child(cart.tracer, 'POST /cart', SpanKind.SERVER, toCart);
      const toDb = child(cart.tracer, 'GET cart:items', SpanKind.CLIENT, cartServer, { 'db.system': 'redis', 'db.name': 'cart-db' });
      toDb.end();
      const toPayment = child(cart.tracer, 'POST /charge', SpanKind.CLIENT, cartServer);
      const paymentServer = child(payment.tracer, 'POST /charge', SpanKind.SERVER, toPayment);
      if (i === 0) paymentServer.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      paymentServer.end();
      toPayment.end();
      cartServer.end();
      toCart.end();
      // an uninstrumented service: only the client span exists, named by peer.service
      child(frontend.tracer, 'GET /ads', SpanKind.CLIENT, root, { 'peer.service': 'ads' }).end();
      root.end();
    }
    await Promise.all([frontend.provider.forceFlush(), cart.provider.forceFlush(), payment.provider.forceFlush()]);

    const expected = [
      { attributes: edge('frontend', 'cart', '', false, env(['client', 'server'])), value: REQUESTS },
      { attributes: edge('cart', 'payment', '', false, env(['client', 'server'])), value: REQUESTS - 1 },
      { attributes: edge('cart', 'payment', '', true, env(['client', 'server'])), value: 1 },
      { attributes: edge('cart', 'cart-db', 'database', false, env(['client'])), value: REQUESTS },
      // root server spans expire unpaired: requests from the virtual node "user"
      { attributes: edge('user', 'frontend', 'virtual_node', false, env(['server'])), value: REQUESTS },
      // client spans nobody answered: requests to the virtual node their peer.service names
      { attributes: edge('frontend', 'ads', 'virtual_node', false, env(['client'])), value: REQUESTS },
    ];
    const sortKey = (p: Point) => JSON.stringify(p.attributes);
    const sorted = (ps: Point[]) => [...ps].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && JSON.stringify(sorted(latest('traces_service_graph_request_total'))) !== JSON.stringify(sorted(expected))) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sorted(latest('traces_service_graph_request_total'))).toEqual(sorted(expected));
    expect(latest('traces_service_graph_request_failed_total')).toEqual([{ attributes: edge('cart', 'payment', '', true, env(['client', 'server'])), value: 1 }]);
    // one duration observation per request, on both histograms
    for (const name of ['traces_service_graph_request_server', 'traces_service_graph_request_client']) {
      expect(sorted(latest(name))).toEqual(sorted(expected));
    }
    await Promise.all([frontend.provider.shutdown(), cart.provider.shutdown(), payment.provider.shutdown()]);
  }, 45_000);
});
