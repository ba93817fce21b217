import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  AggregationTemporality,
  ConsumerError,
  attrs,
  gaugeOf,
  logsOf,
  metricsOf,
  newLogRecord,
  newSpan,
  tracesOf,
  type HistogramDataPoint,
  type Logs,
  type Metric,
  type Metrics,
  type NumberDataPoint,
  type Signal,
  type SignalData,
  type Traces,
} from '../../pipeline/index.js';
import { SelfTelemetry } from '../../pipeline/telemetry.js';
import { transformProcessorFactory, type TransformConfig } from './index.js';

function setup(config: TransformConfig) {
  const received: { [S in Signal]: SignalData[S][] } = { traces: [], metrics: [], logs: [] };
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const next = {
    traces: { consume: async (d: Traces) => void received.traces.push(d) },
    metrics: { consume: async (d: Metrics) => void received.metrics.push(d) },
    logs: { consume: async (d: Logs) => void received.logs.push(d) },
  };
  const problems = transformProcessorFactory.validate!(config);
  if (problems.length) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  const ctx = { id: 'transform', kind: 'processor' as const, signals: ['traces', 'metrics', 'logs'] as Signal[], outputSignals: [], logger, telemetry: new SelfTelemetry(), configDir: '.' };
  const instance = transformProcessorFactory.create(ctx, config, next) as Awaited<ReturnType<typeof transformProcessorFactory.create>>;
  const consume = <S extends Signal>(signal: S, data: SignalData[S]) =>
    (instance.consumers as Record<Signal, { consume(d: unknown): Promise<void> }>)[signal].consume(data);
  return { received, logs, consume, instance };
}

const plain = (m: Map<string, unknown>): Record<string, unknown> => Object.fromEntries([...m].map(([k, v]) => [k, v instanceof Map ? plain(v) : v]));
const span0 = (t: Traces) => t.resourceSpans[0].scopeSpans[0].spans[0];
const log0 = (l: Logs) => l.resourceLogs[0].scopeLogs[0].logRecords[0];
const metrics0 = (m: Metrics) => m.resourceMetrics[0].scopeMetrics[0].metrics;

function sumOf(name: string, values: (number | bigint)[]): Metric {
  const g = gaugeOf(name, values);
  return { ...g, data: { type: 'sum', dataPoints: g.data.dataPoints as NumberDataPoint[], aggregationTemporality: AggregationTemporality.Cumulative, isMonotonic: true } };
}

function histogramOf(name: string, points: { attributes: Record<string, unknown>; count: number; sum?: number; bucketCounts: number[] }[]): Metric {
  return {
    name,
    description: 'latency',
    unit: 's',
    metadata: new Map(),
    data: {
      type: 'histogram',
      aggregationTemporality: AggregationTemporality.Delta,
      dataPoints: points.map(
        (p): HistogramDataPoint => ({
          attributes: attrs(p.attributes),
          startTimeUnixNano: 1n,
          timeUnixNano: 2n,
          count: p.count,
          sum: p.sum,
          bucketCounts: p.bucketCounts,
          explicitBounds: [0.5],
          exemplars: [],
          flags: 0,
        }),
      ),
    },
  };
}

describe('transform: upstream README basic config', () => {
  it('trace_statements: keep_keys, replace_pattern, limit, truncate_all', async () => {
    const h = setup({
      trace_statements: [
        'keep_keys(span.attributes, ["service.name", "service.namespace", "cloud.region", "process.command_line"])',
        'replace_pattern(span.attributes["process.command_line"], "password\\\\=[^\\\\s]*(\\\\s?)", "password=***")',
        'limit(span.attributes, 100, [])',
        'truncate_all(span.attributes, 4096)',
      ],
    });
    const t = tracesOf([
      newSpan({
        name: 's',
        attributes: attrs({ 'service.name': 'a', 'cloud.region': 'x'.repeat(5000), 'process.command_line': 'run --password=hunter2 --v', secret: 'drop me' }),
      }),
    ]);
    await h.consume('traces', t);
    expect(plain(span0(h.received.traces[0]).attributes)).toEqual({
      'service.name': 'a',
      'cloud.region': 'x'.repeat(4096),
      'process.command_line': 'run --password=***--v',
    });
  });

  it('metric_statements: keep_keys on the resource, set where, convert_sum_to_gauge, convert_gauge_to_sum', async () => {
    const h = setup({
      metric_statements: [
        'keep_keys(resource.attributes, ["host.name"])',
        'truncate_all(resource.attributes, 4096)',
        'set(metric.description, "Sum") where metric.type == "Sum"',
        'convert_sum_to_gauge() where metric.name == "system.processes.count"',
        'convert_gauge_to_sum("cumulative", false) where metric.name == "prometheus_metric"',
      ],
    });
    const m = metricsOf([sumOf('system.processes.count', [3n]), gaugeOf('prometheus_metric', [1.5]), sumOf('other', [1n])], { 'host.name': 'h1', 'os.type': 'linux' });
    await h.consume('metrics', m);
    const out = h.received.metrics[0];
    expect(plain(out.resourceMetrics[0].resource.attributes)).toEqual({ 'host.name': 'h1' });
    const [a, b, c] = metrics0(out);
    expect(a.data.type).toBe('gauge');
    expect(b.data).toMatchObject({ type: 'sum', aggregationTemporality: AggregationTemporality.Cumulative, isMonotonic: false });
    // metric.type is an int, so comparing it with "Sum" is false, as upstream: the description stays.
    expect(c.description).toBe('');
    expect(c.data.type).toBe('sum');
  });

  it('log_statements: set where body, replace_all_matches, replace_all_patterns, set body from an attribute', async () => {
    const h = setup({
      log_statements: [
        'set(log.severity_text, "FAIL") where log.body == "request failed"',
        'replace_all_matches(log.attributes, "/user/*/list/*", "/user/{userId}/list/{listId}")',
        'replace_all_patterns(log.attributes, "value", "/account/\\\\d{4}", "/account/{accountId}")',
        'set(log.body, log.attributes["http.route"])',
      ],
    });
    const l = logsOf([
      newLogRecord({ body: 'request failed', attributes: attrs({ 'http.route': '/user/12/list/7', path: '/account/1234/x' }) }),
      newLogRecord({ body: 'ok', attributes: attrs({}) }),
    ]);
    await h.consume('logs', l);
    const [first, second] = h.received.logs[0].resourceLogs[0].scopeLogs[0].logRecords;
    expect(first.severityText).toBe('FAIL');
    expect(plain(first.attributes)).toEqual({ 'http.route': '/user/{userId}/list/{listId}', path: '/account/{accountId}/x' });
    expect(first.body).toBe('/user/{userId}/list/{listId}');
    // No http.route: setting nil does nothing.
    expect(second.severityText).toBe('');
    expect(second.body).toBe('ok');
  });
});

describe('transform: upstream README advanced config and context inference', () => {
  it('groups with conditions and their own error_mode', async () => {
    const h = setup({
      error_mode: 'ignore',
      metric_statements: [{ error_mode: 'propagate', conditions: ['metric.type == METRIC_DATA_TYPE_SUM'], statements: ['set(metric.description, "Sum")'] }],
      log_statements: [{ conditions: ['IsMap(log.body) and log.body["object"] != nil'], statements: ['set(log.body, log.attributes["http.route"])'] }],
    });
    await h.consume('metrics', metricsOf([sumOf('s', [1n]), gaugeOf('g', [1])]));
    expect(metrics0(h.received.metrics[0]).map((m) => m.description)).toEqual(['Sum', '']);
    await h.consume(
      'logs',
      logsOf([
        newLogRecord({ body: new Map([['object', 'x']]), attributes: attrs({ 'http.route': '/a' }) }),
        newLogRecord({ body: new Map([['other', 'x']]), attributes: attrs({ 'http.route': '/b' }) }),
        newLogRecord({ body: 'text', attributes: attrs({ 'http.route': '/c' }) }),
      ]),
    );
    expect(h.received.logs[0].resourceLogs[0].scopeLogs[0].logRecords.map((r) => r.body)).toEqual(['/a', new Map([['other', 'x']]), 'text']);
  });

  it('infers datapoint from metric and datapoint prefixes', async () => {
    const h = setup({ metric_statements: ['set(metric.description, "test passed") where datapoint.attributes["test"] == "pass"'] });
    const pass = gaugeOf('a', [1], { test: 'pass' });
    const fail = gaugeOf('b', [1], { test: 'fail' });
    await h.consume('metrics', metricsOf([pass, fail]));
    expect(metrics0(h.received.metrics[0]).map((m) => m.description)).toEqual(['test passed', '']);
  });

  it('infers metric for resource and metric prefixes, resource for resource alone', async () => {
    const h = setup({ metric_statements: ['set(resource.attributes["test"], "passed")', 'set(metric.description, "test passed")'] });
    await h.consume('metrics', metricsOf([gaugeOf('a', [1])]));
    const out = h.received.metrics[0];
    expect(out.resourceMetrics[0].resource.attributes.get('test')).toBe('passed');
    expect(metrics0(out)[0].description).toBe('test passed');
  });

  it('rejects a group mixing a metric-only editor with datapoint paths, and accepts them split', () => {
    const bad: TransformConfig = {
      metric_statements: [{ statements: ['convert_sum_to_gauge() where metric.name == "system.processes.count"', 'limit(datapoint.attributes, 100, ["host.name"])'] }],
    };
    const problems = transformProcessorFactory.validate!(bad);
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('metric_statements[0].statements[0]');
    expect(problems[0].message).toMatch(/convert_sum_to_gauge is only available in the metric context/);
    const good: TransformConfig = {
      metric_statements: [
        { statements: ['convert_sum_to_gauge() where metric.name == "system.processes.count"'] },
        { statements: ['limit(datapoint.attributes, 100, ["host.name"])'] },
      ],
    };
    expect(transformProcessorFactory.validate!(good)).toEqual([]);
  });

  it('reports paths of another signal and bad statements with their place in the config', () => {
    const problems = transformProcessorFactory.validate!({
      log_statements: ['set(span.attributes["x"], "y")', 'set(log.attributes["x"] "y")'],
      trace_statements: [{ context: 'log', statements: ['set(attributes["x"], "y")'] }],
    });
    expect(problems.map((p) => p.path)).toEqual(['trace_statements[0]', 'log_statements[0]', 'log_statements[1]']);
    expect(problems[0].message).toMatch(/unknown context "log"; trace_statements takes resource, scope, span, spanevent/);
    expect(problems[1].message).toMatch(/path prefix "span" cannot be used here/);
    expect(problems[2].message).toMatch(/^statement 'set\(log.attributes\["x"\] "y"\)' at column 25: expected "," or "\)"/);
  });

  it('still runs explicit-context groups with unprefixed paths (pre-0.120 configs)', async () => {
    const h = setup({ trace_statements: [{ context: 'span', statements: ['set(attributes["env"], "prod") where name == "a"'] }] });
    await h.consume('traces', tracesOf([newSpan({ name: 'a' }), newSpan({ name: 'b' })]));
    expect(h.received.traces[0].resourceSpans[0].scopeSpans[0].spans.map((s) => s.attributes.get('env') ?? null)).toEqual(['prod', null]);
  });
});

describe('transform: upstream README examples', () => {
  it('sets an attribute only when it does not exist', async () => {
    const h = setup({ trace_statements: ['set(span.attributes["test"], "pass") where span.attributes["test"] == nil'] });
    await h.consume('traces', tracesOf([newSpan({ attributes: attrs({ test: 'keep' }) }), newSpan()]));
    expect(h.received.traces[0].resourceSpans[0].scopeSpans[0].spans.map((s) => s.attributes.get('test'))).toEqual(['keep', 'pass']);
  });

  it('renames an attribute with set + delete_key, and with replace_all_patterns on keys', async () => {
    for (const statements of [
      ['set(resource.attributes["namespace"], resource.attributes["k8s.namespace.name"])', 'delete_key(resource.attributes, "k8s.namespace.name")'],
      ['replace_all_patterns(resource.attributes, "key", "k8s\\\\.namespace\\\\.name", "namespace")'],
    ]) {
      const h = setup({ trace_statements: statements });
      await h.consume('traces', tracesOf([newSpan()], { 'k8s.namespace.name': 'shop', other: 1n }));
      expect(plain(h.received.traces[0].resourceSpans[0].resource.attributes)).toEqual({ namespace: 'shop', other: 1n });
    }
  });

  it('moves the body to an attribute', async () => {
    const h = setup({ log_statements: ['set(log.attributes["body"], log.body)'] });
    await h.consume('logs', logsOf([newLogRecord({ body: new Map([['a', 1n]]) })]));
    const r = log0(h.received.logs[0]);
    expect(r.attributes.get('body')).toEqual(new Map([['a', 1n]]));
    // A copy, not the same map: changing one must not change the other.
    expect(r.attributes.get('body')).not.toBe(r.body);
  });

  it('combines two attributes with Concat', async () => {
    const h = setup({ trace_statements: ['set(resource.attributes["test"], Concat([resource.attributes["foo"], resource.attributes["bar"]], " "))'] });
    await h.consume('traces', tracesOf([newSpan()], { foo: 'a', bar: 'b' }));
    expect(h.received.traces[0].resourceSpans[0].resource.attributes.get('test')).toBe('a b');
  });

  it('parses JSON logs through the cache', async () => {
    const h = setup({
      log_statements: [
        {
          statements: [
            'merge_maps(log.cache, ParseJSON(log.body), "upsert") where IsMatch(log.body, "^\\\\{")',
            'set(log.attributes["attr1"], log.cache["attr1"])',
            'set(log.attributes["attr2"], log.cache["attr2"])',
            'set(log.attributes["nested.attr3"], log.cache["nested"]["attr3"])',
          ],
        },
      ],
    });
    const body = JSON.stringify({ name: 'log', attr1: 'foo', attr2: 'bar', nested: { attr3: 'example' } });
    await h.consume('logs', logsOf([newLogRecord({ body }), newLogRecord({ body: 'not json' })]));
    const [json, text] = h.received.logs[0].resourceLogs[0].scopeLogs[0].logRecords;
    expect(plain(json.attributes)).toEqual({ attr1: 'foo', attr2: 'bar', 'nested.attr3': 'example' });
    // The cache does not leak from one record to the next.
    expect(plain(text.attributes)).toEqual({});
  });

  it('overrides the error mode per group: ignore skips a failing statement, propagate fails the batch', async () => {
    const config = (mode: 'ignore' | 'propagate' | 'silent'): TransformConfig => ({
      error_mode: 'propagate',
      log_statements: [
        { error_mode: mode, statements: ['merge_maps(log.cache, ParseJSON(log.body), "upsert") where IsMatch(log.body, "^\\\\{")', 'set(log.attributes["attr1"], log.cache["attr1"])'] },
        { statements: ['set(log.attributes["namespace"], log.attributes["k8s.namespace.name"])'] },
      ],
    });
    const batch = () => logsOf([newLogRecord({ body: '{broken', attributes: attrs({ 'k8s.namespace.name': 'ns' }) })]);
    const ignore = setup(config('ignore'));
    await ignore.consume('logs', batch());
    expect(plain(log0(ignore.received.logs[0]).attributes)).toEqual({ 'k8s.namespace.name': 'ns', namespace: 'ns' });
    const warning = ignore.logs.find((l) => l.msg === 'transform statements failed; skipped');
    expect(warning).toMatchObject({ errors: 1 });
    expect(String(warning!.first)).toMatch(/failed to execute statement 'merge_maps.*ParseJSON/);
    expect(String(warning!.first)).not.toContain('{broken');

    const silent = setup(config('silent'));
    await silent.consume('logs', batch());
    expect(silent.logs.find((l) => l.msg === 'transform statements failed; skipped')).toBeUndefined();

    const propagate = setup(config('propagate'));
    const err = await propagate.consume('logs', batch()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect((err as ConsumerError).retryable).toBe(false);
    expect(propagate.received.logs).toHaveLength(0);
  });

  it('finds the severity of an unstructured body with IsMatch', async () => {
    const h = setup({
      log_statements: [
        'set(log.severity_number, SEVERITY_NUMBER_INFO) where IsString(log.body) and IsMatch(log.body, "\\\\sINFO\\\\s")',
        'set(log.severity_number, SEVERITY_NUMBER_WARN) where IsString(log.body) and IsMatch(log.body, "\\\\sWARN\\\\s")',
        'set(log.severity_number, SEVERITY_NUMBER_ERROR) where IsString(log.body) and IsMatch(log.body, "\\\\sERROR\\\\s")',
      ],
    });
    await h.consume(
      'logs',
      logsOf([newLogRecord({ body: '[2023-09-22 07:38:22,570] INFO [Something]: some interesting log' }), newLogRecord({ body: '[x] ERROR [y]: z' }), newLogRecord({ body: 5n })]),
    );
    expect(h.received.logs[0].resourceLogs[0].scopeLogs[0].logRecords.map((r) => r.severityNumber)).toEqual([9, 17, 0]);
  });

  it('copies attributes matching a regex to a separate location', async () => {
    const h = setup({
      trace_statements: [
        {
          statements: [
            'set(resource.cache["attrs"], resource.attributes)',
            'keep_matching_keys(resource.cache["attrs"], "pod_labels_.*")',
            'set(resource.attributes["kubernetes.labels"], resource.cache["attrs"])',
          ],
        },
      ],
    });
    await h.consume('traces', tracesOf([newSpan()], { pod_labels_app: 'web', pod_labels_tier: 'front', host: 'h' }));
    expect(plain(h.received.traces[0].resourceSpans[0].resource.attributes)).toEqual({
      pod_labels_app: 'web',
      pod_labels_tier: 'front',
      host: 'h',
      'kubernetes.labels': { pod_labels_app: 'web', pod_labels_tier: 'front' },
    });
  });
});

describe('transform: metric functions', () => {
  it('extract_sum_metric and extract_count_metric add sums next to a histogram; the new ones pass through later statements', async () => {
    const h = setup({
      metric_statements: [
        { statements: ['extract_sum_metric(true)', 'extract_count_metric(false, ".count")', 'set(metric.unit, "new") where metric.name == "lat_sum"'] },
      ],
    });
    await h.consume('metrics', metricsOf([histogramOf('lat', [{ attributes: { a: 'x' }, count: 4, sum: 2.5, bucketCounts: [3, 1] }])]));
    const [hist, sum, count] = metrics0(h.received.metrics[0]);
    expect(hist.name).toBe('lat');
    expect(sum).toMatchObject({ name: 'lat_sum', unit: 'new', description: 'latency', data: { type: 'sum', isMonotonic: true, aggregationTemporality: AggregationTemporality.Delta } });
    expect((sum.data.dataPoints[0] as NumberDataPoint).value).toBe(2.5);
    expect(plain(sum.data.dataPoints[0].attributes)).toEqual({ a: 'x' });
    expect(count).toMatchObject({ name: 'lat.count', data: { type: 'sum', isMonotonic: false } });
    expect((count.data.dataPoints[0] as NumberDataPoint).value).toBe(4n);
  });

  it('scale_metric multiplies values and sets the unit', async () => {
    const h = setup({ metric_statements: ['scale_metric(1000.0, "ms") where metric.name == "d"'] });
    await h.consume('metrics', metricsOf([gaugeOf('d', [0.5, 2n])]));
    const [m] = metrics0(h.received.metrics[0]);
    expect(m.unit).toBe('ms');
    expect((m.data.dataPoints as NumberDataPoint[]).map((p) => p.value)).toEqual([500, 2000n]);
  });

  it('aggregate_on_attributes groups points on the kept attributes', async () => {
    const g = gaugeOf('mem', []);
    const point = (state: string, cpu: string, v: bigint): NumberDataPoint => ({ attributes: attrs({ state, cpu }), startTimeUnixNano: 0n, timeUnixNano: 1n, value: v, exemplars: [], flags: 0 });
    g.data.dataPoints = [point('used', '0', 1n), point('used', '1', 2n), point('free', '0', 5n)];
    const h = setup({ metric_statements: ['aggregate_on_attributes("sum", ["state"]) where metric.name == "mem"'] });
    await h.consume('metrics', metricsOf([g]));
    const pts = metrics0(h.received.metrics[0])[0].data.dataPoints as NumberDataPoint[];
    expect(pts.map((p) => [plain(p.attributes), p.value])).toEqual([
      [{ state: 'used' }, 3n],
      [{ state: 'free' }, 5n],
    ]);
  });
});

describe('transform: regexes cannot backtrack catastrophically', () => {
  it('runs nested quantifiers against a hostile value to completion', async () => {
    // (a+)+$ against "aaaa…!" takes exponential steps in a backtracking engine; RE2 is linear.
    const hostile = 'a'.repeat(20_000) + '!';
    const h = setup({
      log_statements: ['replace_pattern(log.attributes["v"], "(a+)+$", "x")', 'set(log.attributes["m"], true) where IsMatch(log.attributes["v"], "^(a|aa)+$")'],
    });
    await h.consume('logs', logsOf([newLogRecord({ attributes: attrs({ v: hostile }) })]));
    const out = log0(h.received.logs[0]).attributes;
    expect(out.get('v')).toBe(hostile);
    expect(out.has('m')).toBe(false);
  });
});
