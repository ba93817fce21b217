import { request } from 'node:http';
import { crc32, gunzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { attrs, metricsOf, newScope } from '../../pipeline/builders.js';
import {
  AggregationTemporality,
  type Exemplar,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type Metric,
  type MetricData,
  type Metrics,
  type NumberDataPoint,
  type SummaryDataPoint,
} from '../../pipeline/model.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { resolvePrometheusConfig, type PrometheusExporterConfig } from './config.js';
import {
  acceptsGzip,
  createPrometheusExporter,
  Format,
  negotiate,
  OPENMETRICS_CONTENT_TYPE,
  prometheusExporterFactory,
  PrometheusStore,
  TEXT_CONTENT_TYPE,
  type PrometheusExporter,
} from './index.js';
import { crc32Combine, deflatePiece, gzipOf } from './gzip.js';
import { expToClassic } from './store.js';

// ---------------------------------------------------------------- a small exposition parser

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  raw: string;
  timestamp?: string;
  exemplar?: { labels: Record<string, string>; value: number; timestamp?: string };
}

interface Exposition {
  types: Record<string, string>;
  help: Record<string, string>;
  samples: Sample[];
  eof: boolean;
}

function parseLabels(s: string, at: number): { labels: Record<string, string>; end: number } {
  // s[at] === '{'
  const labels: Record<string, string> = {};
  let i = at + 1;
  while (s[i] !== '}') {
    const eq = s.indexOf('=', i);
    const name = s.slice(i, eq);
    if (s[eq + 1] !== '"') throw new Error(`expected " at ${eq + 1} in ${s}`);
    let j = eq + 2;
    let value = '';
    while (s[j] !== '"') {
      if (s[j] === '\\') {
        const c = s[j + 1];
        value += c === 'n' ? '\n' : c;
        j += 2;
      } else value += s[j++];
    }
    if (name in labels) throw new Error(`duplicate label ${name} in ${s}`);
    labels[name] = value;
    i = j + 1;
    if (s[i] === ',') i++;
  }
  return { labels, end: i + 1 };
}

const parseNumber = (v: string) => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));

function parseExposition(text: string): Exposition {
  const out: Exposition = { types: {}, help: {}, samples: [], eof: false };
  expect(text.endsWith('\n') || text === '').toBe(true);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (out.eof) throw new Error(`content after # EOF: ${line}`);
    if (line === '# EOF') {
      out.eof = true;
      continue;
    }
    let m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (m) {
      const table = m[1] === 'TYPE' ? out.types : out.help;
      if (m[2] in table) throw new Error(`second ${m[1]} for ${m[2]}`);
      table[m[2]] = m[3];
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!m) throw new Error(`bad line: ${line}`);
    const name = m[1];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i));
    const [sampleText, exemplarText] = line.slice(i).split(' # ');
    const [value, timestamp, extra] = sampleText.trim().split(' ');
    if (extra !== undefined) throw new Error(`bad sample: ${line}`);
    const sample: Sample = { name, labels, value: parseNumber(value), raw: value, ...(timestamp ? { timestamp } : {}) };
    if (exemplarText !== undefined) {
      const ex = parseLabels(exemplarText, 0);
      const [ev, ets] = exemplarText.slice(ex.end).trim().split(' ');
      sample.exemplar = { labels: ex.labels, value: parseNumber(ev), ...(ets ? { timestamp: ets } : {}) };
    }
    out.samples.push(sample);
  }
  return out;
}

/** The samples of one metric name (after dropping the scope labels every test would repeat). */
function series(e: Exposition, name: string, keep: string[] = []): { labels: Record<string, string>; value: number }[] {
  return e.samples
    .filter((s) => s.name === name)
    .map((s) => {
      const labels = { ...s.labels };
      for (const k of ['otel_scope_name', 'otel_scope_version', 'otel_scope_schema_url']) if (!keep.includes(k)) delete labels[k];
      return { labels, value: s.value };
    });
}

// ---------------------------------------------------------------- building OTLP input

const T0 = 1_700_000_000_000_000_000n;
const SEC = 1_000_000_000n;

function metric(name: string, unit: string, data: MetricData, description = ''): Metric {
  return { name, description, unit, metadata: new Map(), data };
}

function num(value: number | bigint, a: Record<string, unknown> = {}, p: Partial<NumberDataPoint> = {}): NumberDataPoint {
  return { attributes: attrs(a), startTimeUnixNano: T0, timeUnixNano: T0 + SEC, value, exemplars: [], flags: 0, ...p };
}

function hist(bounds: number[], counts: number[], sum: number, a: Record<string, unknown> = {}, p: Partial<HistogramDataPoint> = {}): HistogramDataPoint {
  return {
    attributes: attrs(a),
    startTimeUnixNano: T0,
    timeUnixNano: T0 + SEC,
    count: counts.reduce((x, y) => x + y, 0),
    sum,
    bucketCounts: counts,
    explicitBounds: bounds,
    exemplars: [],
    flags: 0,
    ...p,
  };
}

function expHist(p: Partial<ExponentialHistogramDataPoint>): ExponentialHistogramDataPoint {
  const base: ExponentialHistogramDataPoint = {
    attributes: new Map(),
    startTimeUnixNano: T0,
    timeUnixNano: T0 + SEC,
    count: 0,
    sum: 0,
    scale: 0,
    zeroCount: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    flags: 0,
    exemplars: [],
    zeroThreshold: 0,
    ...p,
  };
  if (p.count === undefined) base.count = base.zeroCount + base.positive.bucketCounts.reduce((a, b) => a + b, 0) + base.negative.bucketCounts.reduce((a, b) => a + b, 0);
  return base;
}

function summary(count: number, sum: number, q: [number, number][], a: Record<string, unknown> = {}): SummaryDataPoint {
  return {
    attributes: attrs(a),
    startTimeUnixNano: T0,
    timeUnixNano: T0 + SEC,
    count,
    sum,
    quantileValues: q.map(([quantile, value]) => ({ quantile, value })),
    flags: 0,
  };
}

const gauge = (points: NumberDataPoint[]): MetricData => ({ type: 'gauge', dataPoints: points });
const sum = (points: NumberDataPoint[], monotonic = true, temporality = AggregationTemporality.Cumulative): MetricData => ({
  type: 'sum',
  dataPoints: points,
  isMonotonic: monotonic,
  aggregationTemporality: temporality,
});
const histogram = (points: HistogramDataPoint[], temporality = AggregationTemporality.Cumulative): MetricData => ({
  type: 'histogram',
  dataPoints: points,
  aggregationTemporality: temporality,
});
const exponential = (points: ExponentialHistogramDataPoint[], temporality = AggregationTemporality.Cumulative): MetricData => ({
  type: 'exponentialHistogram',
  dataPoints: points,
  aggregationTemporality: temporality,
});

const SERVICE = { 'service.name': 'checkout', 'service.namespace': 'shop', 'service.instance.id': 'pod-1' };

function store(config: Partial<PrometheusExporterConfig> = {}): PrometheusStore {
  return new PrometheusStore(resolvePrometheusConfig({ endpoint: '127.0.0.1:0', ...config }), pino({ level: 'silent' }));
}

const text = (s: PrometheusStore, nowMs?: number) => parseExposition(s.render(Format.Text, nowMs).toString());
const om = (s: PrometheusStore, nowMs?: number) => parseExposition(s.render(Format.OpenMetrics, nowMs).toString());

// ---------------------------------------------------------------- the translation

describe('prometheus exporter: OTLP in, exposition out', () => {
  it('every metric kind: names, suffixes, types, values', () => {
    const s = store();
    s.accumulate(
      metricsOf(
        [
          metric('memory.usage', 'By', gauge([num(2048, { state: 'used' }), num(1.5, { state: 'free' })]), 'Memory in use'),
          metric('cpu.utilization', '1', gauge([num(0.25)])),
          metric('http.server.requests', '{request}', sum([num(7n, { 'http.method': 'GET' })])),
          metric('queue.length', '{item}', sum([num(-3n)], false)),
          metric('http.server.duration', 'ms', histogram([hist([5, 10, 50], [1, 2, 3, 4], 321.5, { route: '/a' })])),
          metric('payload.size', 'By', exponential([expHist({ scale: 0, positive: { offset: 0, bucketCounts: [1, 2] }, zeroCount: 1, sum: 7 })])),
          metric('rpc.latency', 's', { type: 'summary', dataPoints: [summary(10, 4.5, [[0.99, 1.2], [0.5, 0.3]])] }),
        ],
        SERVICE,
        newScope('my.lib', '1.2.3'),
      ),
    );
    const e = text(s);
    expect(e.types).toEqual({
      memory_usage_bytes: 'gauge',
      cpu_utilization_ratio: 'gauge',
      http_server_requests_total: 'counter',
      queue_length: 'gauge',
      http_server_duration_milliseconds: 'histogram',
      payload_size_bytes: 'histogram',
      rpc_latency_seconds: 'summary',
      target_info: 'gauge',
    });
    expect(e.help.memory_usage_bytes).toBe('Memory in use');
    const job = { job: 'shop/checkout', instance: 'pod-1' };
    expect(series(e, 'memory_usage_bytes')).toEqual([
      { labels: { state: 'used', ...job }, value: 2048 },
      { labels: { state: 'free', ...job }, value: 1.5 },
    ]);
    expect(series(e, 'cpu_utilization_ratio')).toEqual([{ labels: job, value: 0.25 }]);
    expect(series(e, 'http_server_requests_total')).toEqual([{ labels: { http_method: 'GET', ...job }, value: 7 }]);
    expect(series(e, 'queue_length')).toEqual([{ labels: job, value: -3 }]);
    expect(series(e, 'http_server_duration_milliseconds_bucket')).toEqual([
      { labels: { route: '/a', ...job, le: '5' }, value: 1 },
      { labels: { route: '/a', ...job, le: '10' }, value: 3 },
      { labels: { route: '/a', ...job, le: '50' }, value: 6 },
      { labels: { route: '/a', ...job, le: '+Inf' }, value: 10 },
    ]);
    expect(series(e, 'http_server_duration_milliseconds_sum')).toEqual([{ labels: { route: '/a', ...job }, value: 321.5 }]);
    expect(series(e, 'http_server_duration_milliseconds_count')).toEqual([{ labels: { route: '/a', ...job }, value: 10 }]);
    // exponential, scale 0: bucket 0 = (1, 2], bucket 1 = (2, 4]; zero bucket at threshold 0
    expect(series(e, 'payload_size_bytes_bucket')).toEqual([
      { labels: { ...job, le: '0' }, value: 1 },
      { labels: { ...job, le: '2' }, value: 2 },
      { labels: { ...job, le: '4' }, value: 4 },
      { labels: { ...job, le: '+Inf' }, value: 4 },
    ]);
    expect(series(e, 'payload_size_bytes_sum')).toEqual([{ labels: job, value: 7 }]);
    expect(series(e, 'rpc_latency_seconds')).toEqual([
      { labels: { ...job, quantile: '0.5' }, value: 0.3 },
      { labels: { ...job, quantile: '0.99' }, value: 1.2 },
    ]);
    expect(series(e, 'rpc_latency_seconds_sum')).toEqual([{ labels: job, value: 4.5 }]);
    expect(series(e, 'rpc_latency_seconds_count')).toEqual([{ labels: job, value: 10 }]);
    // every series carries the scope
    for (const sample of e.samples.filter((x) => x.name !== 'target_info')) {
      expect(sample.labels).toMatchObject({ otel_scope_name: 'my.lib', otel_scope_version: '1.2.3', otel_scope_schema_url: '' });
    }
  });

  it('HELP text is escaped (\\ and newline; OpenMetrics also ")', () => {
    const s = store();
    s.accumulate(metricsOf([metric('h', '', gauge([num(1)]), 'line one\nC:\\dir "x"')]));
    expect(s.render(Format.Text).toString()).toContain('# HELP h line one\\nC:\\\\dir "x"\n');
    expect(s.render(Format.OpenMetrics).toString()).toContain('# HELP h line one\\nC:\\\\dir \\"x\\"\n');
  });

  it('int64 values stay exact', () => {
    const s = store();
    s.accumulate(metricsOf([metric('big', '', gauge([num(2n ** 62n + 1n)]))]));
    expect(s.render(Format.Text).toString()).toContain(`big{otel_scope_name="",otel_scope_schema_url="",otel_scope_version=""} ${2n ** 62n + 1n}\n`);
  });

  it('target_info: resource attributes with job and instance, also for a resource without service.instance.id (as upstream)', () => {
    const s = store();
    s.accumulate(metricsOf([metric('up', '', gauge([num(1)]))], { ...SERVICE, 'host.name': 'h1', 'k8s.pod.uid': 'abc', 'service.version': '2.0' }));
    s.accumulate(metricsOf([metric('up', '', gauge([num(1)]))], { 'service.name': 'no-instance', 'telemetry.sdk.language': 'nodejs' }));
    s.accumulate(metricsOf([metric('up', '', gauge([num(1)]))], { 'host.name': 'nameless' }));
    const e = text(s);
    expect(e.help.target_info).toBe('Target metadata');
    expect(series(e, 'target_info')).toEqual([
      { labels: { host_name: 'h1', instance: 'pod-1', job: 'shop/checkout', k8s_pod_uid: 'abc', service_version: '2.0' }, value: 1 },
      { labels: { job: 'no-instance', telemetry_sdk_language: 'nodejs' }, value: 1 },
    ]);
    // resource attributes are not on the series themselves (without resource_to_telemetry_conversion)
    expect(series(e, 'up')).toEqual([
      { labels: { instance: 'pod-1', job: 'shop/checkout' }, value: 1 },
      { labels: { job: 'no-instance' }, value: 1 },
      { labels: {}, value: 1 },
    ]);
  });

  it('# HELP is the description, or the metric name until a description comes', () => {
    const s = store();
    s.accumulate(metricsOf([metric('queue', '', gauge([num(1)]))], SERVICE));
    expect(text(s).help.queue).toBe('queue');
    s.accumulate(metricsOf([{ ...metric('queue', '', gauge([num(2)])), description: 'Items waiting' }], SERVICE));
    expect(text(s).help.queue).toBe('Items waiting');
  });

  it('resource_to_telemetry_conversion copies resource attributes onto every series', () => {
    const s = store({ resource_to_telemetry_conversion: { enabled: true, exclude_service_attributes: false } });
    s.accumulate(metricsOf([metric('up', '', gauge([num(1, { 'host.name': 'from-point' })]))], { ...SERVICE, 'host.name': 'h1' }));
    expect(series(text(s), 'up')).toEqual([
      { labels: { host_name: 'h1', instance: 'pod-1', job: 'shop/checkout', service_name: 'checkout', service_namespace: 'shop', service_instance_id: 'pod-1' }, value: 1 },
    ]);
    const x = store({ resource_to_telemetry_conversion: { enabled: true, exclude_service_attributes: true } });
    x.accumulate(metricsOf([metric('up', '', gauge([num(1)]))], { ...SERVICE, 'host.name': 'h1' }));
    expect(series(text(x), 'up')).toEqual([{ labels: { host_name: 'h1', instance: 'pod-1', job: 'shop/checkout' }, value: 1 }]);
  });

  it('labels: names translated, values escaped (\\\\, \\", \\n) and read back intact, colliding names joined with ;', () => {
    const s = store();
    const nasty = 'C:\\path "quoted"\nnext line';
    s.accumulate(metricsOf([metric('esc', '', gauge([num(1, { 'file.path': nasty, _private: 'p', '0day': 'z', 'a.b': 'dot', a_b: 'under', n: 5, f: 1.5, ok: true, list: [1, 'x'] })]))]));
    const raw = s.render(Format.Text).toString();
    expect(raw).toContain('file_path="C:\\\\path \\"quoted\\"\\nnext line"');
    expect(series(parseExposition(raw), 'esc')).toEqual([
      { labels: { file_path: nasty, key_private: 'p', key_0day: 'z', a_b: 'dot;under', n: '5', f: '1.5', ok: 'true', list: '[1,"x"]' }, value: 1 },
    ]);
  });

  it('scope attributes become otel_scope_* labels; without_scope_info drops all scope labels', () => {
    const scope = newScope('lib', 'v1');
    scope.attributes = attrs({ 'scope.tier': 'gold' });
    const batch = (): Metrics => {
      const m = metricsOf([metric('up', '', gauge([num(1)]))], {}, scope);
      m.resourceMetrics[0].scopeMetrics[0].schemaUrl = 'https://opentelemetry.io/schemas/1.26.0';
      return m;
    };
    const s = store();
    s.accumulate(batch());
    expect(series(text(s), 'up', ['otel_scope_name', 'otel_scope_version', 'otel_scope_schema_url'])).toEqual([
      {
        labels: { otel_scope_name: 'lib', otel_scope_version: 'v1', otel_scope_schema_url: 'https://opentelemetry.io/schemas/1.26.0', otel_scope_scope_tier: 'gold' },
        value: 1,
      },
    ]);
    const w = store({ without_scope_info: true });
    w.accumulate(batch());
    expect(w.render(Format.Text).toString()).toContain('\nup 1\n');
  });

  it('const_labels on every series (not on target_info), namespace on every name', () => {
    const s = store({ namespace: 'summit', const_labels: { region: 'eu', 'env': 'prod' } });
    s.accumulate(metricsOf([metric('requests', '1', sum([num(3)])), metric('temp', 'Cel', gauge([num(21)]))], SERVICE));
    const e = text(s);
    expect(Object.keys(e.types).sort()).toEqual(['summit_requests_total', 'summit_target_info', 'summit_temp_celsius']);
    expect(series(e, 'summit_requests_total')).toEqual([{ labels: { env: 'prod', instance: 'pod-1', job: 'shop/checkout', region: 'eu' }, value: 3 }]);
    expect(series(e, 'summit_temp_celsius')[0].labels).toMatchObject({ env: 'prod', region: 'eu' });
    expect(series(e, 'summit_target_info')).toEqual([{ labels: { instance: 'pod-1', job: 'shop/checkout' }, value: 1 }]);
  });

  it('add_metric_suffixes: false and translation_strategy', () => {
    const batch = metricsOf([metric('http.duration', 's', histogram([hist([1], [1, 0], 0.5)])), metric('reqs', '1', sum([num(1)]))]);
    const plain = store({ add_metric_suffixes: false });
    plain.accumulate(batch);
    expect(Object.keys(text(plain).types).sort()).toEqual(['http_duration', 'reqs']);
    const strategy = store({ add_metric_suffixes: false, translation_strategy: 'UnderscoreEscapingWithSuffixes' });
    strategy.accumulate(batch);
    expect(Object.keys(text(strategy).types).sort()).toEqual(['http_duration_seconds', 'reqs_total']);
    const without = store({ translation_strategy: 'UnderscoreEscapingWithoutSuffixes' });
    without.accumulate(batch);
    expect(Object.keys(text(without).types).sort()).toEqual(['http_duration', 'reqs']);
    // UTF-8 names are escaped for a scraper that cannot take them (Summit never negotiates UTF-8)
    const utf8 = store({ translation_strategy: 'NoUTF8EscapingWithSuffixes' });
    utf8.accumulate(batch);
    expect(Object.keys(text(utf8).types).sort()).toEqual(['http_duration_seconds', 'reqs_total']);
  });

  it('a series with a name or label value over the length limits is not served, warned once with the name cut short', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => lines.push(l) });
    const s = new PrometheusStore(resolvePrometheusConfig({ endpoint: '127.0.0.1:0', max_label_name_length: 32, max_label_value_length: 64 }), logger);
    const long = (n: number) => 'x'.repeat(n);
    const wide = (n: number) => 'é'.repeat(n); // two bytes each: the limits count bytes
    const scope = newScope(long(65));
    for (let round = 0; round < 3; round++) {
      s.accumulate(
        metricsOf(
          [
            metric('ok', '', gauge([num(1, { a: long(64) }), num(2, { a: long(65) }), num(3, { [long(33)]: 'v' }), num(4, { a: wide(33) })])),
            metric(long(65), '', gauge([num(5)])),
            metric('unit', long(65), gauge([num(6)])),
          ],
          { ...SERVICE, big: long(65) },
        ),
      );
      s.accumulate(metricsOf([metric('from_scope', '', gauge([num(7)]))], {}, scope));
    }
    const e = text(s);
    expect(Object.keys(e.types).sort()).toEqual(['ok']); // no target_info (a resource attribute too long), no from_scope, no unit
    expect(series(e, 'ok')).toEqual([{ labels: { a: long(64), instance: 'pod-1', job: 'shop/checkout' }, value: 1 }]);
    const warnings = lines.map((l) => JSON.parse(l).msg as string);
    expect(warnings).toHaveLength(new Set(warnings).size); // once each
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/dropping a data point of "ok": value of label "a" "x{64}… \(65 bytes\)" is longer than max_label_value_length \(64 bytes\)/),
        expect.stringMatching(/dropping a data point of "ok": label name "x{64}"|label name "x{33}" is longer than max_label_name_length \(32 bytes\)/),
        expect.stringMatching(/value of label "a" "é{32}… \(66 bytes\)" is longer than max_label_value_length/),
        expect.stringMatching(/dropping metric: metric name "x{64}… \(65 bytes\)" is longer than max_label_value_length/),
        expect.stringMatching(/dropping metric: unit "x{64}… \(65 bytes\)"/),
        expect.stringMatching(/not serving target_info of job "shop\/checkout": value of label "big"/),
        expect.stringMatching(/dropping the data points of "from_scope": value of label "otel_scope_name"/),
      ]),
    );
    expect(lines.every((l) => l.length < 600)).toBe(true);
  });

  it('a name whose type changes keeps the first type; the conflicting points are dropped', () => {
    const s = store();
    s.accumulate(metricsOf([metric('x', '', gauge([num(1)]))]));
    s.accumulate(metricsOf([metric('x', '', sum([num(5)], false)), metric('x', '', histogram([hist([1], [1, 1], 2)]))]));
    const e = text(s);
    expect(e.types).toEqual({ x: 'gauge' });
    // the non-monotonic sum is a gauge too, so it is the same series and replaces the value
    expect(series(e, 'x')).toEqual([{ labels: {}, value: 5 }]);
  });
});

// ---------------------------------------------------------------- accumulation

describe('prometheus exporter: accumulation as upstream', () => {
  it('delta sums become cumulative while the points are contiguous; a gap restarts', () => {
    const s = store();
    const delta = (v: bigint, from: bigint, to: bigint) => metricsOf([metric('hits', '', sum([num(v, { k: 'a' }, { startTimeUnixNano: from, timeUnixNano: to })], true, AggregationTemporality.Delta))]);
    s.accumulate(delta(3n, T0, T0 + SEC));
    s.accumulate(delta(4n, T0 + SEC, T0 + 2n * SEC));
    s.accumulate(delta(5n, T0 + 2n * SEC, T0 + 3n * SEC));
    expect(series(text(s), 'hits_total')).toEqual([{ labels: { k: 'a' }, value: 12 }]);
    // not starting where the last one ended: a reset, as upstream
    s.accumulate(delta(2n, T0 + 10n * SEC, T0 + 11n * SEC));
    expect(series(text(s), 'hits_total')).toEqual([{ labels: { k: 'a' }, value: 2 }]);
    // an older point is ignored
    s.accumulate(delta(100n, T0, T0 + SEC));
    expect(series(text(s), 'hits_total')).toEqual([{ labels: { k: 'a' }, value: 2 }]);
  });

  it('delta doubles add up as doubles', () => {
    const s = store();
    s.accumulate(metricsOf([metric('d', '', sum([num(0.5, {}, { startTimeUnixNano: T0, timeUnixNano: T0 + SEC })], true, AggregationTemporality.Delta))]));
    s.accumulate(metricsOf([metric('d', '', sum([num(0.25, {}, { startTimeUnixNano: T0 + SEC, timeUnixNano: T0 + 2n * SEC })], true, AggregationTemporality.Delta))]));
    expect(series(text(s), 'd_total')).toEqual([{ labels: {}, value: 0.75 }]);
  });

  it('delta non-monotonic sums and sums of unspecified temporality are dropped (as upstream)', () => {
    const s = store();
    s.accumulate(metricsOf([metric('updown', '', sum([num(1)], false, AggregationTemporality.Delta)), metric('unspec', '', sum([num(1)], true, AggregationTemporality.Unspecified))]));
    expect(s.render(Format.Text).toString()).toBe('');
  });

  it('cumulative and gauge points: the latest wins, an older one is ignored', () => {
    const s = store();
    s.accumulate(metricsOf([metric('g', '', gauge([num(5, {}, { timeUnixNano: T0 + 5n * SEC })]))]));
    s.accumulate(metricsOf([metric('g', '', gauge([num(4, {}, { timeUnixNano: T0 + 4n * SEC })]))]));
    s.accumulate(metricsOf([metric('c', '', sum([num(10, {}, { timeUnixNano: T0 + 5n * SEC })]))]));
    s.accumulate(metricsOf([metric('c', '', sum([num(11, {}, { timeUnixNano: T0 + 6n * SEC })]))]));
    const e = text(s);
    expect(series(e, 'g')).toEqual([{ labels: {}, value: 5 }]);
    expect(series(e, 'c_total')).toEqual([{ labels: {}, value: 11 }]);
  });

  it('delta histograms add up bucket by bucket; misaligned points are dropped or restart', () => {
    const s = store();
    const delta = (counts: number[], total: number, from: bigint, to: bigint, bounds = [1, 2]) =>
      metricsOf([metric('lat', 's', histogram([hist(bounds, counts, total, {}, { startTimeUnixNano: from, timeUnixNano: to })], AggregationTemporality.Delta))]);
    s.accumulate(delta([1, 0, 0], 0.5, T0, T0 + SEC));
    s.accumulate(delta([0, 2, 1], 6, T0 + SEC, T0 + 2n * SEC));
    let e = text(s);
    expect(series(e, 'lat_seconds_bucket').map((x) => [x.labels.le, x.value])).toEqual([['1', 1], ['2', 3], ['+Inf', 4]]);
    expect(series(e, 'lat_seconds_sum')[0].value).toBe(6.5);
    expect(series(e, 'lat_seconds_count')[0].value).toBe(4);
    // starts before the stored point ended: a second writer, dropped
    s.accumulate(delta([5, 5, 5], 100, T0 + SEC, T0 + 3n * SEC));
    expect(series(text(s), 'lat_seconds_count')[0].value).toBe(4);
    // starts after it: a restart
    s.accumulate(delta([0, 0, 1], 9, T0 + 5n * SEC, T0 + 6n * SEC));
    e = text(s);
    expect(series(e, 'lat_seconds_count')[0].value).toBe(1);
    // contiguous but with new bounds: the newer point replaces
    s.accumulate(delta([1, 1], 3, T0 + 6n * SEC, T0 + 7n * SEC, [10]));
    e = text(s);
    expect(series(e, 'lat_seconds_bucket').map((x) => [x.labels.le, x.value])).toEqual([['10', 1], ['+Inf', 2]]);
  });

  it('histogram bounds are deduplicated and sorted as upstream', () => {
    const s = store();
    s.accumulate(metricsOf([metric('h', '', histogram([hist([5, 1, 1], [1, 2, 3, 4], 0)]))]));
    expect(series(text(s), 'h_bucket').map((x) => [x.labels.le, x.value])).toEqual([['1', 2], ['5', 3], ['+Inf', 10]]);
  });

  it('delta exponential histograms merge at the coarser scale', () => {
    const s = store();
    const delta = (p: Partial<ExponentialHistogramDataPoint>, from: bigint, to: bigint) =>
      metricsOf([metric('e', '', exponential([expHist({ ...p, startTimeUnixNano: from, timeUnixNano: to })], AggregationTemporality.Delta))]);
    // scale 1: bucket i = (2^(i/2), 2^((i+1)/2)]; offset 2 → (2, 2.83], (2.83, 4]
    s.accumulate(delta({ scale: 1, positive: { offset: 2, bucketCounts: [1, 1] }, sum: 6 }, T0, T0 + SEC));
    // scale 0: bucket 1 = (2, 4], bucket 2 = (4, 8]
    s.accumulate(delta({ scale: 0, positive: { offset: 1, bucketCounts: [3, 1] }, sum: 16 }, T0 + SEC, T0 + 2n * SEC));
    const e = text(s);
    expect(series(e, 'e_bucket').map((x) => [x.labels.le, x.value])).toEqual([['4', 5], ['8', 6], ['+Inf', 6]]);
    expect(series(e, 'e_sum')[0].value).toBe(22);
    expect(series(e, 'e_count')[0].value).toBe(6);
  });

  it('exponential → classic buckets: negative, zero and positive ranges, cumulative', () => {
    const r = expToClassic({ scale: 0, zeroCount: 2, zeroThreshold: 0.001, positive: { offset: -1, counts: [1, 0, 4] }, negative: { offset: 0, counts: [3, 1] } });
    // negative bucket 1 = [-4, -2), bucket 0 = [-2, -1); zero; positive -1 = (0.5, 1], 0 = (1, 2], 1 = (2, 4]
    expect(r.bounds).toEqual([-2, -1, 0.001, 1, 2, 4]);
    expect(r.cumulative).toEqual([1, 4, 6, 7, 7, 11]);
    const fine = expToClassic({ scale: 3, zeroCount: 0, zeroThreshold: 0, positive: { offset: 8, counts: [1] }, negative: { offset: 0, counts: [] } });
    expect(fine.bounds[0]).toBeCloseTo(Math.pow(2, 9 / 8), 12);
  });

  it('a point flagged "no recorded value" ends its series', () => {
    const s = store();
    s.accumulate(metricsOf([metric('g', '', gauge([num(1, { a: 1 }), num(2, { a: 2 })]))]));
    s.accumulate(metricsOf([metric('g', '', gauge([num(0, { a: 1 }, { flags: 1 })]))]));
    expect(series(text(s), 'g')).toEqual([{ labels: { a: '2' }, value: 2 }]);
  });

  it('metric_expiration drops series not updated for that long, then their family', () => {
    const s = store({ metric_expiration: '1m' });
    const now = Date.now();
    s.accumulate(metricsOf([metric('old', '', gauge([num(1)]))], SERVICE), now);
    s.accumulate(metricsOf([metric('fresh', '', gauge([num(1, { k: 1 })]))]), now + 50_000);
    expect(Object.keys(text(s, now + 59_000).types).sort()).toEqual(['fresh', 'old', 'target_info']);
    const later = text(s, now + 61_000);
    expect(Object.keys(later.types)).toEqual(['fresh']);
    expect(s.stats()).toEqual({ families: 1, series: 1 });
    // the sweeper does the same without a scrape
    expect(s.expire(now + 111_000)).toBe(1);
    expect(s.stats()).toEqual({ families: 0, series: 0 });
    expect(s.render(Format.Text).toString()).toBe('');
  });

  it('send_timestamps puts each point’s time on its samples (ms in text, s in OpenMetrics)', () => {
    const s = store({ send_timestamps: true });
    s.accumulate(metricsOf([metric('g', '', gauge([num(1, {}, { timeUnixNano: T0 + 1_500_000_000n })])), metric('h', '', histogram([hist([1], [1, 0], 1)]))]));
    const e = text(s);
    expect(e.samples.find((x) => x.name === 'g')!.timestamp).toBe('1700000001500');
    expect(new Set(e.samples.filter((x) => x.name.startsWith('h_')).map((x) => x.timestamp))).toEqual(new Set(['1700000001000']));
    expect(om(s).samples.find((x) => x.name === 'g')!.timestamp).toBe('1700000001.5');
  });

  it('renders only what changed: unchanged series come from the cache', () => {
    const s = store();
    s.accumulate(metricsOf([metric('g', '', gauge([num(1, { a: 1 }), num(2, { a: 2 })]))]));
    const first = s.render(Format.Text).toString();
    expect(s.render(Format.Text).toString()).toBe(first);
    s.accumulate(metricsOf([metric('g', '', gauge([num(3, { a: 2 }, { timeUnixNano: T0 + 2n * SEC })]))]));
    expect(series(text(s), 'g').map((x) => x.value)).toEqual([1, 3]);
    // switching formats re-renders
    expect(om(s).eof).toBe(true);
    expect(text(s).eof).toBe(false);
  });
});

// ---------------------------------------------------------------- OpenMetrics and exemplars

describe('prometheus exporter: OpenMetrics', () => {
  const exemplar = (value: number, traceByte: string, spanByte: string, t = T0 + 500_000_000n): Exemplar => ({
    filteredAttributes: new Map(),
    timeUnixNano: t,
    value,
    traceId: traceByte.repeat(16),
    spanId: spanByte.repeat(8),
  });

  it('counters as family + _total, exemplars on counters and buckets, # EOF', () => {
    const s = store({ enable_open_metrics: true });
    s.accumulate(
      metricsOf([
        metric('requests', '1', sum([num(7n, { a: 'x' }, { exemplars: [exemplar(1, 'aa', 'bb'), exemplar(2, 'cc', 'dd')] })]), 'All requests'),
        metric('latency', 's', histogram([hist([0.1, 1], [1, 1, 1], 2.3, {}, { exemplars: [exemplar(0.05, '01', '02'), exemplar(0.5, '03', '04'), exemplar(7, '05', '06')] })])),
        metric('g', '', gauge([num(1, {}, { exemplars: [exemplar(1, 'ee', 'ff')] })])),
      ]),
    );
    const raw = s.render(Format.OpenMetrics).toString();
    const e = parseExposition(raw);
    expect(e.eof).toBe(true);
    expect(e.types).toEqual({ requests: 'counter', latency_seconds: 'histogram', g: 'gauge' });
    expect(e.help.requests).toBe('All requests');
    const counter = e.samples.find((x) => x.name === 'requests_total')!;
    expect(counter.value).toBe(7);
    // one exemplar per counter: the last, as client_golang
    expect(counter.exemplar).toEqual({ labels: { trace_id: 'cc'.repeat(16), span_id: 'dd'.repeat(8) }, value: 2, timestamp: '1700000000.5' });
    const buckets = e.samples.filter((x) => x.name === 'latency_seconds_bucket');
    expect(buckets.map((b) => [b.labels.le, b.value, b.exemplar?.labels.trace_id.slice(0, 2)])).toEqual([
      ['0.1', 1, '01'],
      ['1.0', 2, '03'],
      ['+Inf', 3, '05'],
    ]);
    expect(e.samples.find((x) => x.name === 'g')!.exemplar).toBeUndefined();
    // the text format never carries exemplars
    expect(text(s).samples.every((x) => x.exemplar === undefined)).toBe(true);
  });

  it('summaries and quantile labels in OpenMetrics form', () => {
    const s = store({ enable_open_metrics: true });
    s.accumulate(metricsOf([metric('s', '', { type: 'summary', dataPoints: [summary(2, 3, [[1, 9]])] })]));
    const e = om(s);
    expect(e.types).toEqual({ s: 'summary' });
    expect(series(e, 's')).toEqual([{ labels: { quantile: '1.0' }, value: 9 }]);
  });
});

// ---------------------------------------------------------------- HTTP

describe('prometheus exporter: HTTP endpoint', () => {
  let exporter: PrometheusExporter | undefined;
  afterEach(async () => {
    await exporter?.shutdown?.();
    exporter = undefined;
  });

  async function started(config: Partial<PrometheusExporterConfig> = {}): Promise<PrometheusExporter> {
    exporter = createPrometheusExporter(testContext({ id: 'prometheus', kind: 'exporter', signals: ['metrics'] }), {
      ...resolvedDefaults(),
      endpoint: '127.0.0.1:0',
      ...config,
    });
    await exporter.start!(testHost());
    return exporter;
  }

  function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: exporter!.port(), path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  const consume = (e: PrometheusExporter, data: Metrics) => e.consumers!.metrics!.consume(data);

  it('serves /metrics as text 0.0.4; 404 elsewhere; 405 for POST', async () => {
    const e = await started();
    await consume(e, metricsOf([metric('up', '', gauge([num(1)]))], SERVICE));
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(TEXT_CONTENT_TYPE);
    expect(series(parseExposition(r.body.toString()), 'up')).toEqual([{ labels: { instance: 'pod-1', job: 'shop/checkout' }, value: 1 }]);
    expect((await get('/metrics?x=1')).status).toBe(200);
    expect((await get('/')).status).toBe(404);
    expect((await get('/metricsx')).status).toBe(404);
    expect((await get('/metrics', {}, 'POST')).status).toBe(405);
    const head = await get('/metrics', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(r.body.length);
  });

  it('gzip when the scraper accepts it', async () => {
    const e = await started();
    await consume(e, metricsOf([metric('up', '', gauge(Array.from({ length: 200 }, (_, i) => num(i, { i }))))]));
    const plain = await get('/metrics');
    const zipped = await get('/metrics', { 'accept-encoding': 'gzip' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
    expect(gunzipSync(zipped.body).toString()).toBe(plain.body.toString());
    // one family changes: only it is compressed again, and the stream still decodes to the text
    await consume(e, metricsOf([metric('other', '', gauge([num(1)])), metric('up', '', gauge([num(-1, { i: 7 }, { timeUnixNano: T0 + 9n * SEC })]))]));
    const plain2 = await get('/metrics');
    const zipped2 = await get('/metrics', { 'accept-encoding': 'gzip' });
    expect(plain2.body.toString()).toContain('up{i="7",');
    expect(gunzipSync(zipped2.body).toString()).toBe(plain2.body.toString());
    expect(Number(zipped2.headers['content-length'])).toBe(zipped2.body.length);
    expect(acceptsGzip('deflate, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
  });

  it('gzip reuses compressed runs of unchanged families and stays exact as families change, come and go', async () => {
    const e = await started({ metric_expiration: '1h' });
    const pad = 'x'.repeat(300);
    const family = (i: number, v: number) => metric(`fam_${String(i).padStart(3, '0')}`, '', gauge(Array.from({ length: 100 }, (_, j) => num(v, { j, pad }, { timeUnixNano: T0 + BigInt(v) * SEC }))));
    await consume(e, metricsOf(Array.from({ length: 40 }, (_, i) => family(i, 1))));
    const check = async () => {
      const plain = (await get('/metrics')).body.toString();
      const zipped = await get('/metrics', { 'accept-encoding': 'gzip' });
      expect(gunzipSync(zipped.body).toString()).toBe(plain);
      return zipped.body.length;
    };
    const first = await check();
    expect(first).toBeGreaterThan(1000);
    const total = e.store.compressedBytes;
    expect(total).toBeGreaterThan(40 * 100 * 300);
    await check();
    expect(e.store.compressedBytes).toBe(total); // nothing changed: all reused
    await consume(e, metricsOf([family(5, 2)])); // one family changes
    await check();
    // only its run (about 1 MiB of the 1.5) was compressed again
    expect(e.store.compressedBytes - total).toBeLessThan(total * 0.8);
    await consume(e, metricsOf([family(5, 3), family(33, 2)]));
    await check();
    await consume(e, metricsOf([metric('fam_005a', '', gauge([num(1)]))])); // a new family between two others
    await check();
    await consume(e, metricsOf([family(39, 3), family(0, 3)]));
    await check();
  });

  it('gzip from separately compressed pieces is one valid stream (CRC-32 combined)', async () => {
    const parts = [Buffer.from('a'.repeat(1000)), Buffer.alloc(0), Buffer.from('hello\nworld\n'), Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7919) % 251))];
    const whole = Buffer.concat(parts);
    let crc = 0;
    for (const p of parts) crc = crc32Combine(crc, crc32(p), p.length);
    expect(crc).toBe(crc32(whole));
    const pieces = await Promise.all(parts.map((p) => deflatePiece(p, 1)));
    expect(gunzipSync(Buffer.concat(gzipOf(pieces)))).toEqual(whole);
  });

  it('OpenMetrics only when enabled and asked for', async () => {
    const prometheusAccept = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const e = await started({ enable_open_metrics: true });
    await consume(e, metricsOf([metric('c', '', sum([num(1)]))]));
    const r = await get('/metrics', { accept: prometheusAccept });
    expect(r.headers['content-type']).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(r.body.toString().endsWith('# EOF\n')).toBe(true);
    const zipped = await get('/metrics', { accept: prometheusAccept, 'accept-encoding': 'gzip' });
    expect(gunzipSync(zipped.body).toString()).toBe(r.body.toString());
    expect((await get('/metrics')).headers['content-type']).toBe(TEXT_CONTENT_TYPE);
    expect(negotiate(prometheusAccept, false).format).toBe(Format.Text);
    expect(negotiate('text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5', true).format).toBe(Format.Text);
    expect(negotiate('application/openmetrics-text;version=0.0.1', true).contentType).toContain('version=0.0.1');
    expect(negotiate('application/openmetrics-text;version=2.0.0', true).format).toBe(Format.Text);
  });

  it('port in use fails start with a clear error', async () => {
    const e = await started();
    const second = createPrometheusExporter(testContext({ id: 'prometheus/2', kind: 'exporter' }), { ...resolvedDefaults(), endpoint: `127.0.0.1:${e.port()}` });
    await expect(second.start!(testHost())).rejects.toThrow(/already in use/);
    await second.shutdown!();
  });
});

// ---------------------------------------------------------------- config

function resolvedDefaults(): PrometheusExporterConfig {
  const c = {};
  new Ajv({ useDefaults: true, strict: true }).validate(prometheusExporterFactory.configSchema, c);
  return c as PrometheusExporterConfig;
}

describe('prometheus exporter: config', () => {
  it('upstream keys and defaults (Summit binds localhost:8889 unless told otherwise)', () => {
    expect(prometheusExporterFactory).toMatchObject({ type: 'prometheus', kind: 'exporter', signals: ['metrics'], stability: 'beta' });
    expect(resolvedDefaults()).toEqual({
      endpoint: 'localhost:8889',
      read_timeout: '5m',
      read_header_timeout: '1m',
      write_timeout: '30s',
      idle_timeout: '1m',
      max_connections: 100,
      namespace: '',
      const_labels: {},
      send_timestamps: false,
      metric_expiration: '5m',
      resource_to_telemetry_conversion: { enabled: false, exclude_service_attributes: false },
      enable_open_metrics: false,
      without_scope_info: false,
      add_metric_suffixes: true,
      max_label_name_length: 1024,
      max_label_value_length: 2048,
    });
    const ajv = new Ajv({ useDefaults: true, strict: true });
    expect(ajv.validate(prometheusExporterFactory.configSchema, { translation_strategy: 'NoTranslation' })).toBe(true);
    expect(ajv.validate(prometheusExporterFactory.configSchema, { translation_strategy: 'Bogus' })).toBe(false);
    expect(ajv.validate(prometheusExporterFactory.configSchema, { metric_expiration: '5 minutes' })).toBe(false);
    expect(ajv.validate(prometheusExporterFactory.configSchema, { sending_queue: {} })).toBe(false);
  });

  it('checks endpoint, const label names and TLS pairs', () => {
    const c = { ...resolvedDefaults(), endpoint: 'nohost', const_labels: { ok: 'x', 'bad-name': 'y', __reserved: 'z' }, tls: { cert_file: 'a.pem' } };
    expect(prometheusExporterFactory.validate!(c).map((p) => p.path).sort()).toEqual(['const_labels.__reserved', 'const_labels.bad-name', 'endpoint', 'tls']);
    expect(prometheusExporterFactory.validate!(resolvedDefaults())).toEqual([]);
  });
});
