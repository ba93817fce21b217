/**
 * Real data in, real reader out: the OpenTelemetry JS SDK sends spans, logs and metrics to a
 * running `summit` (otlp receiver → parquet exporter), and DuckDB reads the Parquet files back:
 * row counts, every id, exact nanosecond timestamps, attribute values of every type, metric
 * kinds, temporalities and buckets. Then: shutdown writes what is held, `kill -9` with the
 * persistent queue loses nothing acknowledged, a 4 MB resource attribute costs its size once
 * (not once per span), and `summit query` end to end.
 */
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT_CONTEXT, SpanKind as ApiSpanKind, SpanStatusCode, TraceFlags, ValueType, trace, type SpanContext } from '@opentelemetry/api';
import { SeverityNumber, type AnyValueMap } from '@opentelemetry/api-logs';
import { TraceState } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugin } from '../bin/builtin-plugin.js';
import { openDuckDB, readBack, tableSource, type PlacedRow } from '../exporters/parquet/readback.js';
import { anyValueAsString } from '../pipeline/anyvalue.js';
import { newSpan, tracesOf } from '../pipeline/builders.js';
import type { Metric } from '../pipeline/model.js';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { Sender, ensureStopped, sleep, startSummit, stream, until } from './delivery-helpers.js';
import { ROOT, freePort, runSummit, tempDir, writeFile, type SummitProcess } from './helpers.js';
import {
  AggregationTemporalityPreference,
  RecordingLogExporter,
  RecordingMetricExporter,
  RecordingSpanExporter,
  captureDiag,
  expectedLog,
  expectedMetric,
  expectedResource,
  expectedScope,
  expectedSpan,
  failedExports,
  hrNanos,
} from './otlp-interop-helpers.js';

const T0 = 1_700_000_000; // seconds; timestamps below carry nanosecond digits a double would lose
const running: SummitProcess[] = [];
const dirs: string[] = [];
const providers: { shutdown(): Promise<void> }[] = [];

afterEach(async () => {
  for (const s of running.splice(0)) await ensureStopped(s);
});
afterAll(async () => {
  for (const p of providers.splice(0)) await p.shutdown().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * The `plugins:` line that makes the `parquet` exporter available: none once it is built in,
 * otherwise a small plugin module (written into `dir`) that registers the built factory.
 */
function parquetPlugin(dir: string): string {
  if (builtinPlugin.factories.some((f) => f.kind === 'exporter' && f.type === 'parquet')) return '';
  const factory = pathToFileURL(join(ROOT, 'dist', 'exporters', 'parquet', 'index.js')).href;
  writeFile(dir, 'parquet-plugin.mjs', `import { parquetExporterFactory } from '${factory}';\nexport default { name: 'parquet-under-test', apiVersion: 1, factories: [parquetExporterFactory] };\n`);
  return 'plugins: [./parquet-plugin.mjs]\n';
}

function newDir(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}

/** Starts summit; unless `shared`, a process left running is killed after its test. */
async function start(dir: string, yaml: string, shared = false): Promise<SummitProcess> {
  const summit = await startSummit(dir, parquetPlugin(dir) + yaml);
  if (!shared) running.push(summit);
  return summit;
}

const parquetFiles = (root: string) =>
  existsSync(root)
    ? readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
        .map((e) => join(e.parentPath, e.name))
    : [];

/** A process's resident memory from /proc: now, and the peak since it started or since {@link resetPeakRss}. */
function rssOf(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const bytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { now: bytes('VmRSS'), peak: bytes('VmHWM') };
}

/** Resets the kernel's peak resident size (VmHWM) of a process this test started. */
const resetPeakRss = (pid: number) => writeFileSync(`/proc/${pid}/clear_refs`, '5');

async function spanIdsIn(dir: string): Promise<Set<string>> {
  if (parquetFiles(join(dir, 'traces')).length === 0) return new Set();
  const db = await openDuckDB();
  try {
    const rows = (await db.connection.runAndReadAll(`select span_id from ${tableSource(dir, 'traces')}`)).getRowObjects();
    return new Set(rows.map((r) => r.span_id as string));
  } finally {
    db.close();
  }
}

describe('OpenTelemetry JS SDK → summit → Parquet → DuckDB', () => {
  let dir: string;
  let data: string;
  let summit: SummitProcess;
  let grpcPort: number;
  let httpPort: number;
  let diag: string[];

  beforeAll(async () => {
    diag = captureDiag();
    dir = newDir('summit-parquet-e2e-');
    data = join(dir, 'data');
    [grpcPort, httpPort] = [await freePort(), await freePort()];
    summit = await start(
      dir,
      `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpcPort} }
      http: { endpoint: 127.0.0.1:${httpPort} }
exporters:
  parquet:
    path: ./data            # relative to this file
    max_age: 300ms
    partition_window: 0s    # the spans are from 2023: partition them by their own hour all the same
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [parquet] }
    logs: { receivers: [otlp], exporters: [parquet] }
    metrics: { receivers: [otlp], exporters: [parquet] }
`,
      true,
    );
  });

  afterAll(async () => {
    for (const p of providers.splice(0)) await p.shutdown().catch(() => {});
    if (summit) {
      const code = await summit.stop('SIGTERM');
      await ensureStopped(summit);
      expect(code, summit.stderr).toBe(0);
    }
  });

  const resourceAttributes = {
    'service.name': 'checkout',
    'service.namespace': 'shop',
    'deployment.environment.name': 'prod',
    'host.name': 'web-7',
    'service.instance.number': 7,
    'host.load': 0.75,
    'deployment.regions': ['eu-west-1', 'us-east-2'],
  };

  it('traces: every span, id, nanosecond timestamp and attribute value comes back exactly', async () => {
    const recorder = new RecordingSpanExporter(new OTLPTraceExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` }));
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes(resourceAttributes, { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }),
      spanProcessors: [new SimpleSpanProcessor(recorder)],
    });
    providers.push(provider);
    const tracer = provider.getTracer('parquet-tracer', '1.2.3');
    const attributes = {
      'attr.string': 'checkout',
      'attr.empty': '',
      'attr.int': 42,
      'attr.int.huge': 2 ** 62,
      'attr.negative': -42,
      'attr.double': 1.5,
      'attr.double.integral': 2.5e10 + 0.5,
      'attr.bool': false,
      'attr.strings': ['a', 'b', ''],
      'attr.ints': [1, 2, -3],
      'attr.doubles': [1.5, -0.5],
      'attr.bools': [true, false],
    };
    const root = tracer.startSpan('GET /checkout', { kind: ApiSpanKind.SERVER, startTime: [T0, 123_456_789], attributes }, ROOT_CONTEXT);
    root.addEvent('request.received', { 'event.bytes': 512, 'event.ratio': 0.25 }, [T0, 200_000_001]);
    const child = tracer.startSpan(
      'SELECT orders',
      {
        kind: ApiSpanKind.CLIENT,
        startTime: [T0, 300_000_003],
        links: [
          {
            context: { traceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', spanId: 'f0e1d2c3b4a59687', traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('v1=abc') },
            attributes: { 'link.kind': 'follows-from', 'link.int': 3 },
          },
        ],
      },
      trace.setSpan(ROOT_CONTEXT, root),
    );
    child.recordException({ name: 'ConnectionError', message: 'connection reset' }, [T0, 400_000_004]);
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset by peer' });
    child.end([T0, 500_000_005]);
    root.end([T0, 987_654_321]);
    const remote: SpanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('congo=t61rcWkgMzE') };
    const consumer = tracer.startSpan('orders process', { kind: ApiSpanKind.CONSUMER, startTime: [T0 + 3600, 1] }, trace.setSpanContext(ROOT_CONTEXT, remote));
    consumer.end([T0 + 3600, 999_999_999]);
    await provider.forceFlush();
    expect(failedExports(recorder.results)).toEqual([]);
    const sent = recorder.sent;
    expect(sent).toHaveLength(3);

    let placed: PlacedRow<import('../pipeline/model.js').Span>[] = [];
    const deadline = Date.now() + 10_000;
    while ((placed = parquetFiles(join(data, 'traces')).length ? await readBack(data, 'traces') : []).length < sent.length) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${sent.length} spans; have ${placed.length}\n${summit.stderr}`);
      await sleep(50);
    }
    expect(placed).toHaveLength(sent.length);
    const bySpanId = new Map(placed.map((p) => [p.item.spanId, p]));
    for (const span of sent) {
      const got = bySpanId.get(span.spanContext().spanId)!;
      expect(got.item, span.name).toEqual(expectedSpan(span));
      expect(got.resource).toEqual(expectedResource(span.resource.attributes));
      expect(got.resourceSchemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0');
      expect(got.scope).toEqual(expectedScope({ name: 'parquet-tracer', version: '1.2.3' }));
    }
    // the same facts spelled out, independent of the expected-value translation
    const rootOut = placed.find((p) => p.item.name === 'GET /checkout')!;
    expect(rootOut.item.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(rootOut.item.endTimeUnixNano).toBe(hrNanos([T0, 987_654_321]));
    expect(rootOut.item.attributes.get('attr.int.huge')).toBe(2n ** 62n);
    expect(rootOut.item.attributes.get('attr.double')).toBe(1.5);
    expect(rootOut.item.attributes.get('attr.ints')).toEqual([1n, 2n, -3n]);
    expect(rootOut.resource.attributes.get('service.instance.number')).toBe(7n);
    expect([rootOut.date, rootOut.hour]).toEqual(['2023-11-14', 22]);
    expect(placed.find((p) => p.item.name === 'orders process')).toMatchObject({ date: '2023-11-14', hour: 23 });

    // and through SQL, as a user would look
    const db = await openDuckDB();
    try {
      const q = async (sql: string) => (await db.connection.runAndReadAll(sql)).getRowObjectsJson();
      expect(
        await q(
          `select service_name, service_namespace, deployment_environment_name, host_name, epoch_ns(start_time) as start_ns, duration_ns, kind,
                  attributes['attr.int.huge']::BIGINT as huge, attribute_types['attr.int.huge'] as huge_type, parent_span_id
           from ${tableSource(data, 'traces')} where name = 'GET /checkout'`,
        ),
      ).toEqual([
        {
          service_name: 'checkout',
          service_namespace: 'shop',
          deployment_environment_name: 'prod',
          host_name: 'web-7',
          start_ns: '1700000000123456789',
          duration_ns: String(hrNanos([T0, 987_654_321]) - hrNanos([T0, 123_456_789])),
          kind: 'Server',
          huge: String(2n ** 62n),
          huge_type: 'Int',
          parent_span_id: null,
        },
      ]);
    } finally {
      db.close();
    }
    expect(diag.filter((m) => /export|otlp/i.test(m))).toEqual([]);
  });

  it('logs: every record, body type and attribute comes back exactly', async () => {
    const recorder = new RecordingLogExporter(new OTLPLogExporter({ url: `http://127.0.0.1:${httpPort}/v1/logs` }));
    const provider = new LoggerProvider({ resource: resourceFromAttributes(resourceAttributes), processors: [new SimpleLogRecordProcessor({ exporter: recorder })] });
    providers.push(provider);
    const logger = provider.getLogger('parquet-logger', '0.9.0', { attributes: { 'scope.int': 5 } });
    const bytes = new Uint8Array([0, 1, 2, 127, 128, 254, 255]);
    const mapBody: AnyValueMap = {
      string: 'text ✓',
      int: 42,
      huge: 2 ** 62,
      double: 3.25,
      bool: true,
      bytes,
      nothing: null,
      array: [1, 'two', 3.5, false, new Uint8Array([9, 8]), [1, [2, [3]]], { k: 'v' }],
      map: { inner: { deeper: [1.25, 'x'] }, emptyMap: {}, emptyList: [] },
    };
    const sampled: SpanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
    logger.emit({
      timestamp: [T0 + 10, 123_456_789],
      observedTimestamp: [T0 + 10, 987_654_321],
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      eventName: 'checkout.failed',
      body: mapBody,
      attributes: { 'attr.bytes': new Uint8Array([0xde, 0xad]), 'attr.int': 7, 'attr.map': { n: 1, list: [true, 'x'] } },
      context: trace.setSpanContext(ROOT_CONTEXT, sampled),
    });
    logger.emit({ timestamp: [T0 + 11, 1], observedTimestamp: [T0 + 11, 2], severityNumber: SeverityNumber.INFO, body: 'a plain string body — ünïcödé' });
    logger.emit({ timestamp: [T0 + 12, 3], observedTimestamp: [T0 + 12, 4], body: bytes });
    logger.emit({ timestamp: [T0 + 13, 5], observedTimestamp: [T0 + 13, 6], body: 12.5 });
    await provider.forceFlush();
    expect(failedExports(recorder.results)).toEqual([]);
    const sent = recorder.sent;
    let placed: PlacedRow<import('../pipeline/model.js').LogRecord>[] = [];
    const deadline = Date.now() + 10_000;
    while ((placed = parquetFiles(join(data, 'logs')).length ? await readBack(data, 'logs') : []).length < sent.length) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${sent.length} log records\n${summit.stderr}`);
      await sleep(50);
    }
    expect(placed).toHaveLength(sent.length);
    const byTime = new Map(placed.map((p) => [p.item.timeUnixNano, p]));
    for (const r of sent) {
      const got = byTime.get(hrNanos(r.hrTime))!;
      expect(got.item).toEqual(expectedLog(r));
      expect(got.scope).toEqual(expectedScope({ name: 'parquet-logger', version: '0.9.0', attributes: { 'scope.int': 5 } }));
    }
    const first = byTime.get(hrNanos([T0 + 10, 123_456_789]))!.item;
    expect((first.body as Map<string, unknown>).get('huge')).toBe(2n ** 62n);
    expect((first.body as Map<string, unknown>).get('bytes')).toEqual(bytes);
    expect(first.observedTimeUnixNano).toBe(1_700_000_010_987_654_321n);
    expect(first.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(byTime.get(hrNanos([T0 + 12, 3]))!.item.body).toEqual(bytes);
  });

  it('metrics: a row per data point with kind, temporality, histogram buckets and exact values', async () => {
    const recorder = new RecordingMetricExporter(new OTLPMetricExporter({ url: `http://127.0.0.1:${grpcPort}`, temporalityPreference: AggregationTemporalityPreference.DELTA }));
    const provider = new MeterProvider({
      resource: resourceFromAttributes(resourceAttributes),
      readers: [new PeriodicExportingMetricReader({ exporter: recorder, exportIntervalMillis: 3_600_000, exportTimeoutMillis: 10_000 })],
      views: [{ instrumentName: 'parquet.latency.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
    });
    providers.push(provider);
    const meter = provider.getMeter('parquet-meter', '3.2.1');
    const requests = meter.createCounter('parquet.requests', { description: 'requests served', unit: '{request}', valueType: ValueType.INT });
    requests.add(3, { route: '/a', 'http.status': 200 });
    requests.add(5_000_000_000, { route: '/b', 'http.status': 503, weight: 0.5 });
    const inflight = meter.createUpDownCounter('parquet.inflight', { valueType: ValueType.INT });
    inflight.add(-3, { queue: 'a' });
    const latency = meter.createHistogram('parquet.latency', { unit: 'ms', advice: { explicitBucketBoundaries: [0, 5, 10, 25, 50] } });
    for (const v of [0, 3, 7.5, 12, 60, 60]) latency.record(v, { route: '/a' });
    meter.createGauge('parquet.temperature', { unit: 'Cel' }).record(20, { room: 'b' });
    const exp = meter.createHistogram('parquet.latency.exp', { unit: 's' });
    for (const v of [0, 1.5, 2.5, 100, 1000]) exp.record(v, { route: '/a' });
    await provider.forceFlush();
    expect(failedExports(recorder.results)).toEqual([]);
    const [sent] = recorder.sent;
    const expected = sent.scopeMetrics[0].metrics.map(expectedMetric).flatMap((m) => m.data.dataPoints.map((p) => ({ ...m, data: { ...m.data, dataPoints: [p] } }) as Metric));
    expect(expected).toHaveLength(6);

    let placed: PlacedRow<Metric>[] = [];
    const deadline = Date.now() + 10_000;
    while ((placed = parquetFiles(join(data, 'metrics')).length ? await readBack(data, 'metrics') : []).length < expected.length) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${expected.length} data points\n${summit.stderr}`);
      await sleep(50);
    }
    expect(placed).toHaveLength(expected.length);
    const key = (m: Metric) => `${m.name} ${anyValueAsString(m.data.dataPoints[0].attributes)}`;
    const got = new Map(placed.map((p) => [key(p.item), p.item]));
    for (const m of expected) expect(got.get(key(m)), key(m)).toEqual(m);

    const db = await openDuckDB();
    try {
      const q = async (sql: string) => (await db.connection.runAndReadAll(sql)).getRowObjectsJson();
      const src = tableSource(data, 'metrics');
      expect(await q(`select metric_type, aggregation_temporality, is_monotonic, value_int, value from ${src} where metric_name = 'parquet.requests' order by value_int`)).toEqual([
        { metric_type: 'Sum', aggregation_temporality: 'Delta', is_monotonic: true, value_int: '3', value: 3 },
        { metric_type: 'Sum', aggregation_temporality: 'Delta', is_monotonic: true, value_int: '5000000000', value: 5_000_000_000 },
      ]);
      expect(await q(`select aggregation_temporality, value_int from ${src} where metric_name = 'parquet.inflight'`)).toEqual([{ aggregation_temporality: 'Cumulative', value_int: '-3' }]);
      expect(await q(`select count, sum, min, max, explicit_bounds, bucket_counts from ${src} where metric_name = 'parquet.latency'`)).toEqual([
        { count: '6', sum: 142.5, min: 0, max: 60, explicit_bounds: [0, 5, 10, 25, 50], bucket_counts: ['1', '1', '1', '1', '0', '2'] },
      ]);
      expect(await q(`select metric_type, value, value_int from ${src} where metric_name = 'parquet.temperature'`)).toEqual([{ metric_type: 'Gauge', value: 20, value_int: null }]);
      const [e] = await q(`select metric_type, count, zero_count, list_sum(positive_bucket_counts) as positives from ${src} where metric_name = 'parquet.latency.exp'`);
      expect(e).toEqual({ metric_type: 'ExponentialHistogram', count: '5', zero_count: '1', positives: '4' });
    } finally {
      db.close();
    }
  });

  // six `summit query` processes, each loading DuckDB: slow on a busy machine
  it('summit query: SQL over the views, in table, json and csv', { timeout: 60_000 }, async () => {
    await until(() => parquetFiles(join(data, 'traces')).length > 0, 'trace files');
    const table = await runSummit(['query', 'select service_name, count(*) as spans from traces group by 1', '--data', data]);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toBe(['service_name | spans', '-------------+------', 'checkout     |     3', '(1 row)', ''].join('\n'));

    const json = await runSummit(['query', `select span_id, epoch_ns(start_time) as ns, attributes['attr.int.huge'] as huge, attributes from traces where name = 'GET /checkout'`, '--data', data, '--format', 'json']);
    expect(json.code).toBe(0);
    const [row] = JSON.parse(json.stdout);
    expect(row.ns).toBe('1700000000123456789'); // beyond 2^53: a string, exact
    expect(row.huge).toBe(String(2n ** 62n));
    expect(row.attributes['attr.string']).toBe('checkout');
    expect(row.span_id).toMatch(/^[0-9a-f]{16}$/);

    const csv = await runSummit(['query', `select metric_name, count(*) as n from metrics group by 1 order by 1`, '--data', data, '-f', 'csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\r\n')).toEqual([
      'metric_name,n',
      'parquet.inflight,1',
      'parquet.latency,1',
      'parquet.latency.exp,1',
      'parquet.requests,2',
      'parquet.temperature,1',
      '',
    ]);

    const logs = await runSummit(['query', 'select count(*) as n from logs', '--data', data, '--format', 'json']);
    expect(JSON.parse(logs.stdout)).toEqual([{ n: 4 }]);

    const bad = await runSummit(['query', 'selec * from traces', '--data', data]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^summit query: Parser Error: syntax error at or near "selec"/);

    const [schema, unknown] = await Promise.all([
      runSummit(['query', '--schema', '--data', data]),
      runSummit(['query', 'select * from spans', '--data', data]),
    ]);
    expect(schema.code).toBe(0);
    expect(schema.stdout).toMatch(/^traces\n(  \S+  .+\n)*  span_id  VARCHAR\n/m);
    expect(schema.stdout).toMatch(/^logs\n/m);
    expect(unknown.stderr).toBe('summit query: there is no table "spans"; the tables are: traces, logs, metrics (their columns: summit query --schema)\n');

    const none = await runSummit(['query', 'select 1', '--data', join(dir, 'nothing-here')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no Parquet files under ${join(dir, 'nothing-here')}`);

    const usage = await runSummit(['query', 'select 1', '--format', 'xml']);
    expect(usage.code).toBe(2);
  });
});

describe('parquet exporter in a summit process', () => {
  it('shutdown (SIGTERM) writes every acknowledged span held in open files', async () => {
    const dir = newDir('summit-parquet-shutdown-');
    const port = await freePort();
    const summit = await start(
      dir,
      `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${port} } } }
exporters:
  parquet: { path: ./data, max_age: 1h }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [parquet] }
`,
    );
    const sender = new Sender(`http://127.0.0.1:${port}`, 20);
    for (let i = 0; i < 10; i++) expect((await sender.post()).status).toBe(200);
    await sleep(200);
    expect(parquetFiles(join(dir, 'data'))).toEqual([]); // held: max_age is an hour
    expect(await summit.stop('SIGTERM')).toBe(0);
    const ids = await spanIdsIn(join(dir, 'data'));
    expect([...sender.acked].filter((id) => !ids.has(id))).toEqual([]);
    expect(ids.size).toBe(200);
    expect(readdirSync(join(dir, 'data', '.tmp'))).toEqual([]);
  });

  it('kill -9 with the persistent queue: every acknowledged span is in Parquet after the restart', async () => {
    const dir = newDir('summit-parquet-crash-');
    const port = await freePort();
    const yaml = `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${port} } } }
extensions:
  file_storage/queue: { directory: ./queue, create_directory: true }
exporters:
  parquet:
    path: ./data
    max_age: 1h
    sending_queue: { storage: file_storage/queue }
service:
  extensions: [file_storage/queue]
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [parquet] }
`;
    const first = await start(dir, yaml);
    const sender = new Sender(`http://127.0.0.1:${port}`, 10);
    const load = stream(sender, { workers: 4, pauseMs: 0, maxRequests: 2000, maxMs: 8000 });
    await until(() => sender.count(200) >= 50, '50 acknowledged requests');
    first.child.kill('SIGKILL'); // requests are in flight right now
    await first.exited;
    await load.stop();
    expect(parquetFiles(join(dir, 'data'))).toEqual([]); // nothing was finished: everything acknowledged is only in the queue
    const acked = new Set(sender.acked);
    expect(acked.size).toBeGreaterThanOrEqual(500);

    const second = await start(dir, yaml);
    await second.waitForLog(/found \d+ batches \(\d+ spans\) in its persistent queue/);
    expect(await second.stop('SIGTERM')).toBe(0);
    const ids = await spanIdsIn(join(dir, 'data'));
    expect([...acked].filter((id) => !ids.has(id))).toEqual([]);
  });

  // two processes start (summit, then summit query with DuckDB): slow on a busy machine
  it('a 4 MB resource attribute on a 512-span request is held once, not per span: memory stays bounded, the value is cut and marked', { timeout: 60_000 }, async () => {
    const dir = newDir('summit-parquet-amplification-');
    const [port, metricsPort] = [await freePort(), await freePort()];
    const summit = await start(
      dir,
      `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${port} } } }
exporters:
  parquet: { path: ./data, max_age: 200ms }
service:
  telemetry: { metrics: { level: normal, address: 127.0.0.1:${metricsPort} } }
  pipelines:
    traces: { receivers: [otlp], exporters: [parquet] }
`,
    );
    // 4 MiB of UTF-8 in 3-byte characters: max_value_bytes (64 KiB) falls inside one
    const commandLine = `${'€'.repeat(1_398_101)}x`;
    const spans = Array.from({ length: 512 }, (_, i) =>
      newSpan({
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: (i + 1).toString(16).padStart(16, '0'),
        name: 'GET /items',
        startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(i),
        endTimeUnixNano: 1_700_000_000_100_000_000n,
      }),
    );
    const body = encodeSignal('traces', tracesOf(spans, { 'service.name': 'amplified', 'process.command_line': commandLine }));
    const pid = summit.child.pid!;
    const before = rssOf(pid).now;
    resetPeakRss(pid);
    // Copied onto every row, this one request took gigabytes (9 GB measured) and blocked the
    // event loop meanwhile: watch from here, and stop the process at the bound.
    const BOUND = 200 * 1024 * 1024;
    let grown = 0;
    const watch = setInterval(() => {
      if (summit.child.exitCode !== null || summit.child.signalCode !== null) return clearInterval(watch);
      grown = Math.max(grown, rssOf(pid).peak - before);
      if (grown > BOUND) {
        clearInterval(watch);
        void summit.stop('SIGKILL');
      }
    }, 20);
    const data = join(dir, 'data');
    let status: number | undefined;
    try {
      status = (await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(body) }).catch(() => undefined))?.status;
      const deadline = Date.now() + 30_000;
      while (status === 200 && parquetFiles(join(data, 'traces')).length === 0 && summit.child.exitCode === null && Date.now() < deadline) await sleep(20);
    } finally {
      clearInterval(watch);
    }
    expect(grown, 'resident memory grown while writing the request').toBeLessThan(BOUND);
    expect(status).toBe(200);
    expect(parquetFiles(join(data, 'traces'))).toHaveLength(1);
    expect(rssOf(pid).peak - before, 'resident memory grown while writing the request').toBeLessThan(BOUND);

    const marker = '…[truncated from 4194304 bytes]';
    const q = await runSummit(
      [
        'query',
        `select count(*) as spans, count(distinct resource_attributes['process.command_line']) as distinct_values,
                -- 65,535 bytes of whole characters (the next € would pass 64 KiB), then the marker
                bool_and(resource_attributes['process.command_line'] = repeat('€', 21845) || '${marker}') as cut_as_documented,
                any_value(strlen(resource_attributes['process.command_line'])) as bytes,
                any_value(resource_attribute_types['process.command_line']) as type,
                count(*) filter (where list_contains(map_values(resource_attribute_types), 'Truncated')) as marked,
                any_value(service_name) as service
         from traces`,
        '--data',
        data,
        '--format',
        'json',
      ],
    );
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual([
      { spans: 512, distinct_values: 1, cut_as_documented: true, bytes: 65_535 + Buffer.byteLength(marker), type: 'Truncated', marked: 512, service: 'amplified' },
    ]);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^otelcol_exporter_parquet_truncated_values_total\{exporter="parquet"\} 1$/m);
    expect(summit.stderr).toMatch(/texts longer than max_value_bytes \(65536 bytes\) are cut and marked/);
    expect(summit.stderr).not.toContain('€€€'); // never the content
    expect(await summit.stop('SIGTERM')).toBe(0);
  });

  it('the full config examples in exporters/parquet/README.md validate as written', async () => {
    const text = readFileSync(join(ROOT, 'exporters', 'parquet', 'README.md'), 'utf8');
    const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => /^service:/m.test(b));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const dir = newDir('summit-parquet-readme-');
      const r = await runSummit(['validate', '--config', writeFile(dir, 'example.yaml', parquetPlugin(dir) + block)]);
      expect(r.stderr).toContain('config is valid');
    }
  });

  it.each([
    ['timeout: 5s', /parquet.*timeout.*must be 0 \(no limit, the default\) or longer than max_age/],
    ['compression: lz4', /parquet.*compression/],
  ])('summit validate rejects %s, naming the key', async (line, message) => {
    const dir = newDir('summit-parquet-validate-');
    const file = writeFile(
      dir,
      'bad.yaml',
      `${parquetPlugin(dir)}receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:4318 } } }
exporters:
  parquet: { ${line} }
service:
  pipelines:
    traces: { receivers: [otlp], exporters: [parquet] }
`,
    );
    const r = await runSummit(['validate', '--config', file]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});
