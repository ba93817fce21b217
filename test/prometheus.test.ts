/**
 * The `prometheus` exporter scraped by a real Prometheus server (the Debian package's
 * /usr/bin/prometheus): the OpenTelemetry JS SDK sends OTLP to a real `summit` process, Summit
 * serves /metrics, Prometheus scrapes it every second, and the test asks Prometheus's HTTP API
 * (/api/v1/query) for the series it expects, with their labels and values.
 *
 * Also end to end: SDK spans → `spanmetrics` connector → `prometheus` exporter → Prometheus, and
 * exemplars through OpenMetrics into Prometheus's exemplar storage.
 */
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, type HrTime } from '@opentelemetry/api';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attrs, metricsOf, newScope } from '../pipeline/builders.js';
import { AggregationTemporality, type Metrics } from '../pipeline/model.js';
import { encodeSignal } from '../pipeline/otlpjson/index.js';
import { ROOT, SummitProcess, freePort, runSummit, tempDir, writeFile } from './helpers.js';
import { MISSING, Prometheus, prometheusBinary, type Sample } from './prometheus-server.js';

// ---------------------------------------------------------------- the test bed

let prometheus: Prometheus | undefined;
let summit: SummitProcess | undefined;
let otlpPort = 0;
let failedSetup: unknown;

/** Polls a PromQL query until `accept` takes its result, with the Summit log in the failure. */
function waitForQuery(q: string, accept: (samples: Sample[]) => boolean, timeoutMs = 20_000): Promise<Sample[]> {
  return prometheus!.waitForQuery(q, accept, timeoutMs, () => `summit log:\n${summit?.stderr.slice(-3000)}`);
}

/** The series of a query keyed by the given labels, e.g. {"route=/a": 5}. */
function byLabels(samples: Sample[], ...labels: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) out[labels.map((l) => `${l}=${s.metric[l] ?? ''}`).join(',')] = s.value;
  return out;
}

async function registered(): Promise<Set<string>> {
  const r = await runSummit(['components']);
  return new Set(r.stdout.split('\n').map((l) => l.trim().split(/\s+/).slice(0, 2).join(' ')));
}

beforeAll(async () => {
  try {
    const binary = prometheusBinary();
    const dir = tempDir('summit-prometheus-');
    const [httpPort, promText, promOm, prometheusPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    otlpPort = httpPort;
    // Before the built-in plugin registers it, the exporter is loaded the way a vendor plugin is.
    const types = await registered();
    const needsPlugin = ![...types].some((t) => t.startsWith('prometheus') && t.endsWith('exporter'));
    const plugin = needsPlugin
      ? writeFile(
          dir,
          'prometheus-plugin.mjs',
          `import { prometheusExporterFactory } from ${JSON.stringify(join(ROOT, 'dist', 'exporters', 'prometheus', 'index.js'))};\n` +
            `export default { name: 'summit-prometheus-exporter (test)', apiVersion: 1, factories: [prometheusExporterFactory] };\n`,
        )
      : undefined;
    const config = writeFile(
      dir,
      'summit.yaml',
      `${plugin ? `plugins: [${JSON.stringify(plugin)}]\n` : ''}receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${httpPort}
connectors:
  spanmetrics:
    metrics_flush_interval: 200ms
    exemplars:
      enabled: true
exporters:
  prometheus:
    endpoint: 127.0.0.1:${promText}
  prometheus/openmetrics:
    endpoint: 127.0.0.1:${promOm}
    namespace: om
    enable_open_metrics: true
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [spanmetrics]
    metrics:
      receivers: [otlp, spanmetrics]
      exporters: [prometheus, prometheus/openmetrics]
`,
    );
    summit = new SummitProcess(['--config', config]);
    await summit.waitForLog(/Everything is ready/);
    const promConfig = writeFile(
      dir,
      'prometheus.yml',
      `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: summit
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:${promText}']
  - job_name: summit-openmetrics
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:${promOm}']
`,
    );
    prometheus = new Prometheus(binary, prometheusPort, promConfig, join(dir, 'tsdb'));
    await prometheus.ready();
  } catch (err) {
    failedSetup = err;
  }
}, 40_000);

afterAll(async () => {
  await Promise.all([prometheus?.stop(), summit?.stop()]);
});

/** Every test fails (none is skipped) when the bed could not be set up, e.g. without the prometheus binary. */
function bed(): Prometheus {
  if (failedSetup) throw failedSetup;
  return prometheus!;
}

const resource = (name: string, instance: string, extra: Record<string, string> = {}) =>
  resourceFromAttributes({ 'service.name': name, 'service.namespace': 'shop', 'service.instance.id': instance, ...extra });

const metricExporter = (temporalityPreference = AggregationTemporalityPreference.CUMULATIVE) =>
  new OTLPMetricExporter({ url: `http://127.0.0.1:${otlpPort}/v1/metrics`, temporalityPreference });

async function postJson(data: Metrics): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${otlpPort}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(encodeSignal('metrics', data)),
  });
  expect(res.status).toBe(200);
}

// ---------------------------------------------------------------- the tests

describe('prometheus exporter scraped by a real Prometheus', () => {
  it('the prometheus binary is installed (.ci/run installs the Debian package)', () => {
    expect(() => prometheusBinary(), MISSING).not.toThrow();
    bed();
  });

  it('every kind the SDK sends arrives with Prometheus names, labels and values; target_info carries the resource', async () => {
    bed();
    const provider = new MeterProvider({
      resource: resource('prom-e2e', 'i-1', { 'host.name': 'h1', 'deployment.environment.name': 'test' }),
      readers: [new PeriodicExportingMetricReader({ exporter: metricExporter(), exportIntervalMillis: 3_600_000 })],
      views: [{ instrumentName: 'e2e.payload', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
    });
    const meter = provider.getMeter('e2e-meter', '1.0.0');
    const requests = meter.createCounter('e2e.requests', { unit: '{request}', description: 'Requests served' });
    requests.add(5, { 'http.route': '/a', 'http.request.method': 'GET' });
    requests.add(2, { 'http.route': '/b', 'http.request.method': 'GET' });
    const depth = meter.createUpDownCounter('e2e.queue.depth', { unit: '{item}' });
    depth.add(7);
    depth.add(-3);
    const latency = meter.createHistogram('e2e.latency', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100, 1000] } });
    for (const v of [5, 50, 500, 5000]) latency.record(v, { 'http.route': '/a' });
    meter.createGauge('e2e.memory', { unit: 'By' }).record(1024, { pool: 'heap' });
    meter.createObservableGauge('e2e.cpu.utilization', { unit: '1' }).addCallback((r) => r.observe(0.25));
    const payload = meter.createHistogram('e2e.payload', { unit: 'By' });
    for (const v of [3, 3, 100]) payload.record(v);
    await provider.forceFlush();
    await provider.shutdown();

    const job = { job: 'shop/prom-e2e', instance: 'i-1', otel_scope_name: 'e2e-meter', otel_scope_version: '1.0.0' };
    const counters = await waitForQuery('e2e_requests_total', (r) => r.length === 2);
    expect(byLabels(counters, 'http_route')).toEqual({ 'http_route=/a': 5, 'http_route=/b': 2 });
    for (const c of counters) expect(c.metric).toMatchObject({ __name__: 'e2e_requests_total', http_request_method: 'GET', ...job });

    expect((await waitForQuery('e2e_queue_depth', (r) => r.length === 1))[0]).toMatchObject({ metric: job, value: 4 });

    const buckets = await waitForQuery('e2e_latency_milliseconds_bucket{http_route="/a"}', (r) => r.length === 4);
    expect(byLabels(buckets, 'le')).toEqual({ 'le=10': 1, 'le=100': 2, 'le=1000': 3, 'le=+Inf': 4 });
    expect((await prometheus!.query('e2e_latency_milliseconds_sum'))[0].value).toBe(5555);
    expect((await prometheus!.query('e2e_latency_milliseconds_count'))[0].value).toBe(4);
    // Prometheus can compute with them
    expect((await prometheus!.query('histogram_quantile(0.5, e2e_latency_milliseconds_bucket)'))[0].value).toBeCloseTo(100, 6);

    expect((await waitForQuery('e2e_memory_bytes', (r) => r.length === 1))[0]).toMatchObject({ metric: { pool: 'heap', ...job }, value: 1024 });
    expect((await waitForQuery('e2e_cpu_utilization_ratio', (r) => r.length === 1))[0].value).toBe(0.25);

    // the exponential histogram as classic buckets: 3, 3, 100
    const exp = await waitForQuery('e2e_payload_bytes_bucket', (r) => r.length > 2);
    const les = exp.map((s) => ({ le: s.metric.le === '+Inf' ? Infinity : Number(s.metric.le), v: s.value })).sort((a, b) => a.le - b.le);
    expect(les.at(-1)).toEqual({ le: Infinity, v: 3 });
    // the first bound at or above a value counts it; the last one below does not
    const at = (v: number) => les.find((b) => b.le >= v)!.v;
    const below = (v: number) => les.filter((b) => b.le < v).at(-1)?.v ?? 0;
    expect([below(3), at(3), below(100), at(100)]).toEqual([0, 2, 2, 3]);
    expect((await prometheus!.query('e2e_payload_bytes_sum'))[0].value).toBe(106);
    expect((await prometheus!.query('e2e_payload_bytes_count'))[0].value).toBe(3);

    const info = await waitForQuery('target_info{job="shop/prom-e2e"}', (r) => r.length === 1);
    expect(info[0]).toMatchObject({ metric: { job: 'shop/prom-e2e', instance: 'i-1', host_name: 'h1', deployment_environment_name: 'test' }, value: 1 });
    // the resource's attributes are on target_info, not on the series
    expect(counters[0].metric.host_name).toBeUndefined();
  }, 60_000);

  it('target_info for SDK data without service.instance.id (the SDK default), and # HELP from the description', async () => {
    bed();
    const provider = new MeterProvider({
      resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'no-instance' })),
      readers: [new PeriodicExportingMetricReader({ exporter: metricExporter(), exportIntervalMillis: 3_600_000 })],
    });
    provider.getMeter('m').createCounter('ni.jobs', { description: 'Jobs run' }).add(1);
    await provider.forceFlush();
    await provider.shutdown();
    const info = await waitForQuery('target_info{job="no-instance"}', (r) => r.length > 0);
    expect(info[0].metric).toMatchObject({ job: 'no-instance', telemetry_sdk_language: 'nodejs', telemetry_sdk_name: 'opentelemetry' });
    await waitForQuery('ni_jobs_total', (r) => r.length === 1);
    expect(await prometheus!.help('ni_jobs_total')).toBe('Jobs run');
  }, 30_000);

  it('delta counters and histograms from the SDK become cumulative series', async () => {
    bed();
    const provider = new MeterProvider({
      resource: resource('prom-delta', 'd-1'),
      readers: [new PeriodicExportingMetricReader({ exporter: metricExporter(AggregationTemporalityPreference.DELTA), exportIntervalMillis: 3_600_000 })],
    });
    const meter = provider.getMeter('delta-meter');
    const hits = meter.createCounter('delta.hits');
    const sizes = meter.createHistogram('delta.size', { unit: 'By', advice: { explicitBucketBoundaries: [10, 100] } });
    hits.add(3);
    sizes.record(5);
    await provider.forceFlush();
    hits.add(4);
    sizes.record(50);
    sizes.record(500);
    await provider.forceFlush();
    await provider.shutdown();

    expect((await waitForQuery('delta_hits_total{job="shop/prom-delta"}', (r) => r[0]?.value === 7))[0].metric).toMatchObject({ instance: 'd-1' });
    const buckets = await waitForQuery('delta_size_bytes_bucket', (r) => r.find((s) => s.metric.le === '+Inf')?.value === 3);
    expect(byLabels(buckets, 'le')).toEqual({ 'le=10': 1, 'le=100': 2, 'le=+Inf': 3 });
    expect((await prometheus!.query('delta_size_bytes_sum'))[0].value).toBe(555);
  }, 60_000);

  it('summaries (from Summit’s own OTLP/JSON encoder) become quantile series with _sum and _count', async () => {
    bed();
    const t = BigInt(Date.now()) * 1_000_000n;
    const data = metricsOf(
      [
        {
          name: 'rpc.server.latency',
          description: 'RPC latency',
          unit: 's',
          metadata: new Map(),
          data: {
            type: 'summary',
            dataPoints: [
              {
                attributes: attrs({ 'rpc.method': 'Get' }),
                startTimeUnixNano: t - 60_000_000_000n,
                timeUnixNano: t,
                count: 40,
                sum: 12.5,
                quantileValues: [
                  { quantile: 0.5, value: 0.2 },
                  { quantile: 0.99, value: 1.5 },
                ],
                flags: 0,
              },
            ],
          },
        },
      ],
      { 'service.name': 'prom-summary', 'service.instance.id': 's-1' },
      newScope('summary-lib'),
    );
    await postJson(data);
    const quantiles = await waitForQuery('rpc_server_latency_seconds{job="prom-summary"}', (r) => r.length === 2);
    expect(byLabels(quantiles, 'quantile')).toEqual({ 'quantile=0.5': 0.2, 'quantile=0.99': 1.5 });
    expect(quantiles[0].metric).toMatchObject({ rpc_method: 'Get', instance: 's-1', otel_scope_name: 'summary-lib' });
    expect((await waitForQuery('rpc_server_latency_seconds_sum', (r) => r.length === 1))[0].value).toBe(12.5);
    expect((await prometheus!.query('rpc_server_latency_seconds_count'))[0].value).toBe(40);
  }, 60_000);

  it('OpenMetrics: exemplars with trace_id and span_id reach Prometheus’s exemplar storage', async () => {
    bed();
    const t = BigInt(Date.now()) * 1_000_000n;
    const exemplar = (value: number, trace: string, span: string) => ({ filteredAttributes: new Map(), timeUnixNano: t, value, traceId: trace.repeat(16), spanId: span.repeat(8) });
    await postJson(
      metricsOf(
        [
          {
            name: 'ex.requests',
            description: '',
            unit: '',
            metadata: new Map(),
            data: {
              type: 'sum',
              isMonotonic: true,
              aggregationTemporality: AggregationTemporality.Cumulative,
              dataPoints: [{ attributes: new Map(), startTimeUnixNano: t - 1_000_000_000n, timeUnixNano: t, value: 9n, exemplars: [exemplar(1, 'ab', 'cd')], flags: 0 }],
            },
          },
          {
            name: 'ex.latency',
            description: '',
            unit: 's',
            metadata: new Map(),
            data: {
              type: 'histogram',
              aggregationTemporality: AggregationTemporality.Cumulative,
              dataPoints: [
                {
                  attributes: new Map(),
                  startTimeUnixNano: t - 1_000_000_000n,
                  timeUnixNano: t,
                  count: 2,
                  sum: 0.6,
                  bucketCounts: [1, 1, 0],
                  explicitBounds: [0.1, 1],
                  exemplars: [exemplar(0.05, '01', '02'), exemplar(0.55, '03', '04')],
                  flags: 0,
                },
              ],
            },
          },
        ],
        { 'service.name': 'prom-exemplars', 'service.instance.id': 'x-1' },
      ),
    );
    // the OpenMetrics exporter (namespace om) serves them; the text exporter has the same series without exemplars
    await waitForQuery('om_ex_requests_total', (r) => r[0]?.value === 9);
    await waitForQuery('ex_requests_total', (r) => r[0]?.value === 9);
    const deadline = Date.now() + 20_000;
    let found: { seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string>; value: string }[] }[] = [];
    while (Date.now() < deadline) {
      found = [...(await prometheus!.exemplars('om_ex_requests_total')), ...(await prometheus!.exemplars('om_ex_latency_seconds_bucket'))];
      if (found.length >= 3) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const seen = found.flatMap((s) => s.exemplars.map((e) => `${s.seriesLabels.__name__}${s.seriesLabels.le ? `{le=${s.seriesLabels.le}}` : ''} ${e.labels.trace_id.slice(0, 2)}/${e.labels.span_id.slice(0, 2)} ${e.value}`));
    expect(seen.sort()).toEqual(['om_ex_latency_seconds_bucket{le=0.1} 01/02 0.05', 'om_ex_latency_seconds_bucket{le=1.0} 03/04 0.55', 'om_ex_requests_total ab/cd 1']);
    expect(await prometheus!.exemplars('ex_requests_total')).toEqual([]);
  }, 60_000);

  it('spanmetrics: SDK spans → spanmetrics connector → prometheus exporter → RED metrics in Prometheus', async () => {
    bed();
    const types = await registered();
    expect(types.has('spanmetrics connector') || types.has('spanmetrics (=') || [...types].some((t) => t.startsWith('spanmetrics'))).toBe(true);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout-svc', 'service.instance.id': 'c-1' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${otlpPort}/v1/traces` }))],
    });
    const tracer = provider.getTracer('checkout');
    const base = Math.floor(Date.now() / 1000) - 5;
    const at = (ms: number): HrTime => [base + Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
    const span = (name: string, kind: SpanKind, durationMs: number, error = false) => {
      const s = tracer.startSpan(name, { kind, startTime: at(0) });
      if (error) s.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
      s.end(at(durationMs));
    };
    span('GET /cart', SpanKind.SERVER, 5);
    span('GET /cart', SpanKind.SERVER, 30);
    span('GET /cart', SpanKind.SERVER, 300);
    span('GET /cart', SpanKind.SERVER, 20, true);
    span('SELECT cart', SpanKind.CLIENT, 1);
    span('SELECT cart', SpanKind.CLIENT, 1);
    await provider.forceFlush();
    await provider.shutdown();

    const calls = await waitForQuery('traces_span_metrics_calls_total{service_name="checkout-svc"}', (r) => r.reduce((a, s) => a + s.value, 0) === 6);
    expect(byLabels(calls, 'span_name', 'span_kind', 'status_code')).toEqual({
      'span_name=GET /cart,span_kind=SPAN_KIND_SERVER,status_code=STATUS_CODE_UNSET': 3,
      'span_name=GET /cart,span_kind=SPAN_KIND_SERVER,status_code=STATUS_CODE_ERROR': 1,
      'span_name=SELECT cart,span_kind=SPAN_KIND_CLIENT,status_code=STATUS_CODE_UNSET': 2,
    });
    for (const c of calls) expect(c.metric).toMatchObject({ job: 'checkout-svc', instance: 'c-1', otel_scope_name: 'spanmetricsconnector' });

    const ok = 'service_name="checkout-svc",span_name="GET /cart",status_code="STATUS_CODE_UNSET"';
    const buckets = await waitForQuery(`traces_span_metrics_duration_milliseconds_bucket{${ok}}`, (r) => r.find((s) => s.metric.le === '+Inf')?.value === 3);
    const cum = byLabels(buckets, 'le');
    expect(cum).toMatchObject({ 'le=4': 0, 'le=6': 1, 'le=10': 1, 'le=50': 2, 'le=200': 2, 'le=400': 3, 'le=+Inf': 3 });
    expect(Object.keys(cum)).toHaveLength(17); // the 16 default buckets and +Inf
    expect((await prometheus!.query(`traces_span_metrics_duration_milliseconds_sum{${ok}}`))[0].value).toBeCloseTo(335, 9);
    expect((await prometheus!.query(`traces_span_metrics_duration_milliseconds_count{${ok}}`))[0].value).toBe(3);
    // error rate, as a dashboard asks for it
    const errorRatio = await prometheus!.query(
      'sum(traces_span_metrics_calls_total{span_name="GET /cart",status_code="STATUS_CODE_ERROR"}) / sum(traces_span_metrics_calls_total{span_name="GET /cart"})',
    );
    expect(errorRatio[0].value).toBe(0.25);
    // and the spans' trace ids as exemplars through the OpenMetrics exporter
    const deadline = Date.now() + 20_000;
    let exemplars: { exemplars: unknown[] }[] = [];
    while (Date.now() < deadline && exemplars.length === 0) {
      exemplars = await prometheus!.exemplars('om_traces_span_metrics_duration_milliseconds_bucket{service_name="checkout-svc"}');
      if (exemplars.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(exemplars.length).toBeGreaterThan(0);
  }, 60_000);
});
