/**
 * The `prometheus` exporter's scrape: GET /metrics over loopback with 100,000 series held
 * (1,000 metrics × 100 label sets, half counters, half gauges, each series with the labels a
 * Collector's prometheus exporter gives it), against prom-client — the Node.js Prometheus
 * library — serving the same series with the same labels from its registry.
 */
import { createServer, request, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { createPrometheusExporter, type PrometheusExporter } from '../exporters/prometheus/index.js';
import { NAME_LIMITS } from '../exporters/prometheus/naming.js';
import { attrs, newScope } from '../pipeline/builders.js';
import { AggregationTemporality, type Metric, type Metrics } from '../pipeline/model.js';
import { SelfTelemetry } from '../pipeline/telemetry.js';
import { testHost } from '../pipeline/testing.js';
import { measure, median, table, type BenchCase } from './harness.js';

const METRICS = 1000;
const LABEL_SETS = 100;
const SERIES = METRICS * LABEL_SETS;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const RESOURCE = { 'service.name': 'checkout', 'service.namespace': 'shop', 'service.instance.id': 'checkout-7d9f8-abcde' };
const SCOPE = { name: 'io.opentelemetry.http', version: '1.2.0' };

function labelSet(j: number) {
  return { 'http.route': `/api/v1/items/${j}`, 'http.request.method': METHODS[j % 4], 'http.response.status_code': 200 + (j % 5) };
}

/** One OTLP batch holding every series. */
function batch(round: number, time: bigint): Metrics {
  const metrics: Metric[] = [];
  for (let i = 0; i < METRICS; i++) {
    const counter = i % 2 === 0;
    const dataPoints = Array.from({ length: LABEL_SETS }, (_, j) => ({
      attributes: attrs(labelSet(j)),
      startTimeUnixNano: 1_700_000_000_000_000_000n,
      timeUnixNano: time,
      value: counter ? BigInt(round * 1000 + j) : (round + j) * 0.5,
      exemplars: [],
      flags: 0,
    }));
    metrics.push({
      name: `app.metric_${i}`,
      description: `Synthetic metric ${i}`,
      unit: counter ? '{request}' : 'By',
      metadata: new Map(),
      data: counter
        ? { type: 'sum', isMonotonic: true, aggregationTemporality: AggregationTemporality.Cumulative, dataPoints }
        : { type: 'gauge', dataPoints },
    });
  }
  const scope = newScope(SCOPE.name, SCOPE.version);
  return { resourceMetrics: [{ resource: { attributes: attrs(RESOURCE), droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics: [{ scope, schemaUrl: '', metrics }] }] };
}

const agent = new Agent({ keepAlive: true });

/** GET /metrics; the body is kept only when asked for (a scraper parses it, a bench need not copy it). */
function get(port: number, gzip: boolean, keep: true): Promise<Buffer>;
function get(port: number, gzip: boolean): Promise<number>;
function get(port: number, gzip: boolean, keep = false): Promise<Buffer | number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent, headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep) chunks.push(c);
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(keep ? Buffer.concat(chunks) : bytes) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** prom-client the way an application serves it: node:http answering with registry.metrics(). */
async function promClientServer(): Promise<{ server: Server; port: number; setAll(round: number): void }> {
  const registry = new Registry();
  const labelNames = ['http_request_method', 'http_response_status_code', 'http_route', 'instance', 'job', 'otel_scope_name', 'otel_scope_schema_url', 'otel_scope_version'];
  const fixed = { instance: RESOURCE['service.instance.id'], job: 'shop/checkout', otel_scope_name: SCOPE.name, otel_scope_schema_url: '', otel_scope_version: SCOPE.version };
  const labels = Array.from({ length: LABEL_SETS }, (_, j) => {
    const l = labelSet(j);
    return { http_request_method: l['http.request.method'], http_response_status_code: String(l['http.response.status_code']), http_route: l['http.route'], ...fixed };
  });
  const metrics = Array.from({ length: METRICS }, (_, i) =>
    i % 2 === 0
      ? new Counter({ name: `app_metric_${i}_total`, help: `Synthetic metric ${i}`, labelNames, registers: [registry] })
      : new Gauge({ name: `app_metric_${i}_bytes`, help: `Synthetic metric ${i}`, labelNames, registers: [registry] }),
  );
  const setAll = (round: number) => {
    for (let i = 0; i < METRICS; i++) {
      const m = metrics[i];
      for (let j = 0; j < LABEL_SETS; j++) {
        if (m instanceof Counter) m.inc(labels[j], 1);
        else m.set(labels[j], (round + j) * 0.5);
      }
    }
  };
  setAll(0);
  const server = createServer((req, res) => {
    registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port, setAll };
}

export async function prometheusSuite(): Promise<string> {
  const logger = pino({ level: 'silent' });
  const exporter: PrometheusExporter = createPrometheusExporter(
    { id: 'prometheus', kind: 'exporter', signals: ['metrics'], outputSignals: [], logger, telemetry: new SelfTelemetry(), configDir: '.' },
    {
      endpoint: '127.0.0.1:0',
      namespace: '',
      const_labels: {},
      send_timestamps: false,
      metric_expiration: '1h',
      resource_to_telemetry_conversion: { enabled: false, exclude_service_attributes: false },
      enable_open_metrics: false,
      without_scope_info: false,
      add_metric_suffixes: true,
      ...NAME_LIMITS,
    },
  );
  await exporter.start!(testHost());
  const summitPort = exporter.port()!;
  const consume = (m: Metrics) => exporter.consumers!.metrics!.consume(m);
  let round = 0;
  let time = 1_700_000_001_000_000_000n;
  const update = batch(0, time);
  const points = update.resourceMetrics[0].scopeMetrics[0].metrics.flatMap((m) => m.data.dataPoints as { timeUnixNano: bigint; value: number | bigint }[]);
  /** Every point gets a new time and value (a 100k-element loop, ~1 ms): the next consume changes every series. */
  const advance = () => {
    round++;
    time += 1_000_000_000n;
    for (const p of points) {
      p.timeUnixNano = time;
      p.value = typeof p.value === 'bigint' ? p.value + 1n : p.value + 0.5;
    }
    return update;
  };
  await consume(advance());
  const peer = await promClientServer();

  // Both serve the same 100k series (plus Summit's target_info); check before timing anything.
  const summitText = (await get(summitPort, false, true)).toString();
  const peerText = (await get(peer.port, false, true)).toString();
  const series = (t: string) =>
    t.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('target_info')).map((l) => l.slice(0, l.lastIndexOf(' '))).sort();
  const [ours, theirs] = [series(summitText), series(peerText)];
  if (ours.length !== SERIES || ours.some((s, i) => s !== theirs[i])) {
    throw new Error(`the two do not serve the same series: summit ${ours.length}, prom-client ${theirs.length}; e.g. ${ours.find((s, i) => s !== theirs[i])}`);
  }

  // Consume alone, so the "consume + GET" row can be split into its parts.
  const consumeRuns: number[] = [];
  for (let i = 0; i < 9; i++) {
    const u = advance();
    const start = process.hrtime.bigint();
    await consume(u);
    consumeRuns.push(Number(process.hrtime.bigint() - start) / 1e6);
  }

  const peerName = 'prom-client registry.metrics() over node:http (peer)';
  // In each round the cases run in this order, so the "nothing changed" rows scrape state the
  // row before them has already rendered and compressed.
  const changedThenScrape = (gzip: boolean) => async () => {
    await consume(advance());
    await get(summitPort, gzip);
    return SERIES;
  };
  const cases: BenchCase[] = [
    { name: peerName, run: async () => ((await get(peer.port, false)), SERIES) },
    { name: 'summit consume 100k changed points + GET /metrics (gzip)', run: changedThenScrape(true) },
    { name: 'summit GET /metrics (gzip), nothing changed since the last scrape', run: async () => ((await get(summitPort, true)), SERIES) },
    { name: 'summit GET /metrics, nothing changed since the last scrape', run: async () => ((await get(summitPort, false)), SERIES) },
    { name: 'summit consume 100k changed points + GET /metrics', run: changedThenScrape(false) },
    {
      name: 'prom-client set all 100k + registry.metrics()',
      run: async () => {
        peer.setAll(++round);
        await get(peer.port, false);
        return SERIES;
      },
    },
  ];
  const results = await measure(cases, { repeats: 7, warmups: 2 });

  const plainBytes = await get(summitPort, false);
  const gzipBytes = await get(summitPort, true);
  const peerBytes = await get(peer.port, false);
  const peerGzip = gzipSync(await get(peer.port, false, true), { level: 1 }).length;
  await exporter.shutdown!();
  await new Promise<void>((r) => peer.server.close(() => r()));
  agent.destroy();

  const ms = (r: { unitsPerSecond: number }) => ((SERIES / r.unitsPerSecond) * 1000).toFixed(1);
  const lines = results.map((r) => `- ${r.name}: ${ms(r)} ms per scrape`);
  const mib = (n: number) => `${(n / 1048576).toFixed(2)} MiB`;
  return [
    table(`prometheus exporter scrape (${SERIES.toLocaleString('en')} series = ${METRICS} metrics × ${LABEL_SETS} label sets)`, 'series', results, peerName),
    ...lines,
    `- summit consume of a 100k-point batch alone: ${median(consumeRuns).toFixed(1)} ms (median of ${consumeRuns.length})`,
    `- body: summit ${mib(plainBytes)} plain, ${mib(gzipBytes)} gzip (level 1); prom-client ${mib(peerBytes)} plain (${mib(peerGzip)} with gzip level 1)`,
    '',
  ].join('\n');
}
