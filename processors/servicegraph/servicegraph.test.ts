import { describe, expect, it } from 'vitest';
import { attrs, newSpan, tracesOf } from '../../pipeline/builders.js';
import { SpanKind, StatusCode, type HistogramDataPoint, type Metrics, type NumberDataPoint, type Span, type Traces } from '../../pipeline/model.js';
import { testContext } from '../../pipeline/testing.js';
import { recorder } from '../internal/testing.js';
import { resolveServiceGraphConfig, type ServiceGraphConfig } from './config.js';
import { createServiceGraphConnector } from './index.js';

const T0 = 1_700_000_000_000;

function connector(config: ServiceGraphConfig) {
  let now = T0;
  const down = recorder<'metrics'>();
  const ctx = testContext({ id: 'servicegraph', kind: 'connector', signals: ['traces'], outputSignals: ['metrics'] });
  const c = createServiceGraphConnector(ctx, config, { metrics: down.consumer }, { nowMs: () => now });
  return {
    c,
    ctx,
    received: down.received,
    advance: (ms: number) => (now += ms),
    consume: (t: Traces) => c.consumers!.traces!.consume(t),
    last: () => down.received[down.received.length - 1],
  };
}

const ms = (n: number) => BigInt(n) * 1_000_000n;
let nextId = 1;
const spanId = () => (nextId++).toString(16).padStart(16, '0');

function pair(trace: string, opts: { clientMs?: number; serverMs?: number; serverError?: boolean; clientAttrs?: Record<string, unknown> } = {}): { client: Span; server: Span } {
  const client = newSpan({ traceId: trace, spanId: spanId(), kind: SpanKind.Client, startTimeUnixNano: 0n, endTimeUnixNano: ms(opts.clientMs ?? 30), attributes: attrs(opts.clientAttrs ?? {}) });
  const server = newSpan({
    traceId: trace,
    spanId: spanId(),
    parentSpanId: client.spanId,
    kind: SpanKind.Server,
    startTimeUnixNano: 0n,
    endTimeUnixNano: ms(opts.serverMs ?? 20),
    status: { code: opts.serverError ? StatusCode.Error : StatusCode.Unset, message: '' },
  });
  return { client, server };
}

const from = (service: string, spans: Span[], extra: Record<string, unknown> = {}) => tracesOf(spans, { 'service.name': service, ...extra });

function points(m: Metrics | undefined, name: string): (NumberDataPoint | HistogramDataPoint)[] {
  const metric = m?.resourceMetrics[0].scopeMetrics[0].metrics.find((x) => x.name === name);
  return (metric?.data.dataPoints ?? []) as (NumberDataPoint | HistogramDataPoint)[];
}

const labels = (p: { attributes: Map<string, unknown> }) => Object.fromEntries(p.attributes);

describe('servicegraph connector', () => {
  it('pairs a client and a server span in either order; durations into upstream-inclusive buckets', async () => {
    const g = connector({ latency_histogram_buckets: ['10ms', '25ms', '50ms'] });
    const a = pair('a'.repeat(32), { clientMs: 30, serverMs: 25 });
    const b = pair('b'.repeat(32), { clientMs: 60, serverMs: 5 });
    await g.consume(from('web', [a.client]));
    await g.consume(from('api', [a.server, b.server]));
    await g.consume(from('web', [b.client]));
    await g.c.flush();
    const m = g.last();
    expect(m.resourceMetrics[0].scopeMetrics[0].scope.name).toBe('traces_service_graph');
    const [total] = points(m, 'traces_service_graph_request_total') as NumberDataPoint[];
    expect(labels(total)).toEqual({ client: 'web', server: 'api', connection_type: '', failed: false });
    expect(total.value).toBe(2n);
    const [server] = points(m, 'traces_service_graph_request_server') as HistogramDataPoint[];
    expect(server.explicitBounds).toEqual([0.01, 0.025, 0.05]);
    expect(server.bucketCounts).toEqual([1, 1, 0, 0]); // 5ms, 25ms (bounds are inclusive)
    expect(server.sum).toBeCloseTo(0.03);
    const [client] = points(m, 'traces_service_graph_request_client') as HistogramDataPoint[];
    expect(client.bucketCounts).toEqual([0, 0, 1, 1]);
    expect(points(m, 'traces_service_graph_request_failed_total')).toEqual([]);
    expect(g.c.graph.store.size).toBe(0);
  });

  it('an error on either side fails the request; dimensions from resource then span', async () => {
    const g = connector({ dimensions: ['region', 'http.route'] });
    const p = pair('c'.repeat(32), { serverError: true, clientAttrs: { 'http.route': '/pay' } });
    await g.consume(from('web', [p.client], { region: 'eu' }));
    await g.consume(from('pay', [p.server], { region: 'us' }));
    await g.c.flush();
    const [failed] = points(g.last(), 'traces_service_graph_request_failed_total') as NumberDataPoint[];
    expect(labels(failed)).toEqual({ client: 'web', server: 'pay', connection_type: '', failed: true, client_region: 'eu', server_region: 'us', 'client_http.route': '/pay' });
    expect(failed.value).toBe(1n);
  });

  it('producer/consumer pairs are messaging_system edges; database client spans complete at once', async () => {
    const g = connector({});
    const producer = newSpan({ traceId: 'd'.repeat(32), spanId: spanId(), kind: SpanKind.Producer });
    const consumer = newSpan({ traceId: 'd'.repeat(32), spanId: spanId(), parentSpanId: producer.spanId, kind: SpanKind.Consumer });
    const sql = newSpan({ traceId: 'd'.repeat(32), spanId: spanId(), kind: SpanKind.Client, attributes: attrs({ 'db.name': 'orders', 'db.system': 'postgresql' }) });
    const redis = newSpan({ traceId: 'd'.repeat(32), spanId: spanId(), kind: SpanKind.Client, attributes: attrs({ 'db.system': 'redis', 'server.address': 'cache-1' }) });
    await g.consume(from('orders', [producer, sql, redis]));
    await g.consume(from('mailer', [consumer]));
    await g.c.flush();
    const got = (points(g.last(), 'traces_service_graph_request_total') as NumberDataPoint[]).map((p) => [labels(p).client, labels(p).server, labels(p).connection_type, p.value]);
    expect(got).toEqual(
      expect.arrayContaining([
        ['orders', 'mailer', 'messaging_system', 1n],
        ['orders', 'orders', 'database', 1n],
        ['orders', 'cache-1', 'database', 1n],
      ]),
    );
    expect(got).toHaveLength(3);
  });

  it('expired edges are counted and become virtual nodes; virtual_node_extra_label says which side', async () => {
    const g = connector({ virtual_node_extra_label: true, store: { ttl: '1s' } });
    const root = newSpan({ traceId: 'e'.repeat(32), spanId: spanId(), kind: SpanKind.Server }); // no parent: the entry point
    const orphanServer = newSpan({ traceId: 'e'.repeat(32), spanId: spanId(), parentSpanId: 'ffffffffffffffff', kind: SpanKind.Server });
    const toAds = newSpan({ traceId: 'e'.repeat(32), spanId: spanId(), kind: SpanKind.Client, attributes: attrs({ 'peer.service': 'ads' }) });
    const toNobody = newSpan({ traceId: 'e'.repeat(32), spanId: spanId(), kind: SpanKind.Client });
    await g.consume(from('web', [root, orphanServer, toAds, toNobody]));
    g.c.expire();
    expect(g.c.graph.store.size).toBe(4); // not expired yet
    g.advance(1001);
    g.c.expire();
    await g.c.flush();
    const got = (points(g.last(), 'traces_service_graph_request_total') as NumberDataPoint[]).map(labels);
    expect(got).toEqual(
      expect.arrayContaining([
        { client: 'user', server: 'web', connection_type: 'virtual_node', failed: false, virtual_node: 'client' },
        { client: 'web', server: 'ads', connection_type: 'virtual_node', failed: false, virtual_node: 'server' },
        { client: 'web', server: 'unknown', connection_type: 'virtual_node', failed: false, virtual_node: 'server' },
      ]),
    );
    // the server span whose client was never seen, but which had a parent, makes no edge
    expect(got).toHaveLength(3);
    const telemetry = await g.ctx.telemetry.exposition();
    expect(telemetry).toMatch(/otelcol_connector_servicegraph_expired_edges_total\{connector="servicegraph"\} 4/);
    expect(telemetry).toMatch(/otelcol_connector_servicegraph_total_edges_total\{connector="servicegraph"\} 4/);
  });

  it('no virtual nodes when virtual_node_peer_attributes is empty', async () => {
    const g = connector({ virtual_node_peer_attributes: [], store: { ttl: '1s' } });
    await g.consume(from('web', [newSpan({ traceId: 'f'.repeat(32), spanId: spanId(), kind: SpanKind.Client, attributes: attrs({ 'peer.service': 'ads' }) })]));
    g.advance(2000);
    g.c.expire();
    await g.c.flush();
    expect(g.received).toHaveLength(0);
  });

  it('a full store drops new spans while none has expired', async () => {
    const g = connector({ store: { ttl: '10s', max_items: 2 } });
    const clients = [1, 2, 3].map(() => newSpan({ traceId: '1'.repeat(32), spanId: spanId(), kind: SpanKind.Client }));
    await g.consume(from('web', clients));
    expect(g.c.graph.store.size).toBe(2);
    expect(await g.ctx.telemetry.exposition()).toMatch(/otelcol_connector_servicegraph_dropped_spans_total\{connector="servicegraph"\} 1/);
    g.advance(10_001);
    // the oldest expired edge makes room
    await g.consume(from('web', [newSpan({ traceId: '2'.repeat(32), spanId: spanId(), kind: SpanKind.Client })]));
    expect(g.c.graph.store.size).toBe(2);
  });

  it('metrics_flush_interval 0 sends after every batch; totals are cumulative from the start', async () => {
    const g = connector({ metrics_flush_interval: '0s' });
    for (let i = 0; i < 2; i++) {
      const p = pair(`${i}`.repeat(32));
      await g.consume(from('web', [p.client]));
      await g.consume(from('api', [p.server]));
    }
    expect(g.received.length).toBeGreaterThanOrEqual(2);
    const [total] = points(g.last(), 'traces_service_graph_request_total') as NumberDataPoint[];
    expect(total.value).toBe(2n);
    expect(total.startTimeUnixNano).toBe(BigInt(T0) * 1_000_000n);
  });

  it('spans of a resource without service.name are skipped', async () => {
    const g = connector({});
    const p = pair('9'.repeat(32));
    await g.consume(tracesOf([p.client]));
    await g.consume(from('api', [p.server]));
    expect(g.c.graph.store.size).toBe(1);
  });

  it('config errors name the key', () => {
    expect(resolveServiceGraphConfig({ latency_histogram_buckets: ['10ms', '5ms'], exponential_histogram_max_size: 160, store: { ttl: '0s' } }).problems).toEqual([
      { path: 'exponential_histogram_max_size', message: expect.stringMatching(/not supported/) },
      { path: 'latency_histogram_buckets.1', message: 'buckets must be increasing: 5ms is not greater than 10ms' },
      { path: 'store.ttl', message: 'must be a positive duration' },
    ]);
  });
});
