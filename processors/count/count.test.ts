import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import {
  AggregationTemporality,
  ConsumerError,
  SpanKind,
  attrs,
  gaugeOf,
  logsOf,
  metricsOf,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  type AnyValue,
  type Metric,
  type Metrics,
  type NumberDataPoint,
  type Signal,
  type SignalData,
  type Span,
  type Traces,
} from '../../pipeline/index.js';
import { testContext } from '../../pipeline/testing.js';
import { countConnectorFactory, createCountConnector, validateCountConfig, type CountConfig } from './index.js';

const NOW = 1_800_000_000_000_000_001n;

function setup(config: CountConfig = {}, signals: Signal[] = ['traces', 'metrics', 'logs']) {
  const received: Metrics[] = [];
  const ctx = testContext({ id: 'count', kind: 'connector', signals, outputSignals: ['metrics'] });
  const instance = createCountConnector(ctx, config, { metrics: { consume: async (m: Metrics) => void received.push(m) } }, { now: () => NOW });
  return {
    instance,
    received,
    consume: <S extends Signal>(signal: S, data: SignalData[S]) => (instance.consumers as Record<Signal, { consume(d: unknown): Promise<void> }>)[signal].consume(data),
  };
}

const metricsOfResource = (m: Metrics, i = 0): Metric[] => m.resourceMetrics[i].scopeMetrics[0].metrics;
const points = (m: Metric): NumberDataPoint[] => m.data.dataPoints as NumberDataPoint[];
const plain = (a: Map<string, AnyValue>) => Object.fromEntries(a);
/** name → [attributes, value] of every point */
function summary(m: Metrics, i = 0): Record<string, [Record<string, unknown>, bigint][]> {
  return Object.fromEntries(metricsOfResource(m, i).map((x) => [x.name, points(x).map((p) => [plain(p.attributes), p.value as bigint])]));
}

const ev = (name: string, t: bigint, a: Record<string, unknown> = {}) => ({ name, timeUnixNano: t, attributes: attrs(a), droppedAttributesCount: 0 });

function sampleTraces(): Traces {
  const s = (name: string, p: Partial<Span> = {}) => newSpan({ name, startTimeUnixNano: 100n, endTimeUnixNano: 200n, ...p });
  return {
    resourceSpans: [
      {
        resource: newResource({ 'service.name': 'checkout', env: 'prod' }),
        schemaUrl: '',
        scopeSpans: [
          {
            scope: { ...newScope('http'), attributes: attrs({ tier: 'web' }) },
            schemaUrl: '',
            spans: [
              s('GET /cart', { kind: SpanKind.Server, attributes: attrs({ 'http.route': '/cart', code: 200 }), events: [ev('exception', 150n, { 'exception.type': 'E' })] }),
              s('GET /cart', { kind: SpanKind.Server, attributes: attrs({ 'http.route': '/cart', code: 500 }), startTimeUnixNano: 50n, endTimeUnixNano: 300n }),
              s('SELECT', { kind: SpanKind.Client, events: [ev('retry', 160n), ev('retry', 170n)] }),
            ],
          },
        ],
      },
      { resource: newResource({ 'service.name': 'probe' }), schemaUrl: '', scopeSpans: [{ scope: newScope(), schemaUrl: '', spans: [s('ping')] }] },
    ],
  };
}

describe('factory', () => {
  it('declares the upstream identity and signal pairs', () => {
    expect(countConnectorFactory).toMatchObject({
      type: 'count',
      kind: 'connector',
      connects: [
        ['traces', 'metrics'],
        ['metrics', 'metrics'],
        ['logs', 'metrics'],
      ],
    });
  });

  it('has a closed schema with upstream keys', () => {
    const validate = new Ajv({ useDefaults: true, strict: false }).compile(countConnectorFactory.configSchema);
    const empty: Record<string, unknown> = {};
    expect(validate(empty)).toBe(true);
    expect(empty).toEqual({}); // no defaults filled in: an absent section means its default metric
    expect(
      validate({
        spans: { 'my.span.count': { description: 'd', conditions: ['name == "x"'], attributes: [{ key: 'env', default_value: 'none' }, { key: 'n', default_value: 3 }] } },
        spanevents: {},
        metrics: { m: {} },
        datapoints: { d: { attributes: [{ key: 'k' }] } },
        logs: { l: { conditions: [] } },
        profiles: { p: {} },
      }),
    ).toBe(true);
    expect(validate({ spans: { x: { condition: ['true'] } } })).toBe(false);
    expect(validate({ spans: { x: { attributes: [{ default_value: 'a' }] } } })).toBe(false);
    expect(validate({ traces: {} })).toBe(false);
  });

  it('wires a consumer for each input signal', () => {
    expect(Object.keys(setup({}, ['logs']).instance.consumers!)).toEqual(['logs']);
    expect(setup().instance.mutatesData).toBe(false);
  });
});

describe('validate', () => {
  it('reports every invalid condition by its config path, naming the metric', () => {
    const problems = validateCountConfig({
      spans: { ok: { conditions: ['name == "a"'] }, errors: { conditions: ['kind == SPAN_KIND_SERVER', 'status.code = STATUS_CODE_ERROR'] } },
      spanevents: { e: { conditions: ['nme == "x"'] } },
      logs: { l: { conditions: ['severity_number < SEVERITY_NUMBER_WARNING'] } },
      datapoints: { d: { conditions: ['HasAttrOnDatapoint("k", "v")'] } },
      metrics: { m: { conditions: ['IsMatch(name, "(")'], attributes: [{ key: 'k' }] } },
      profiles: { p: { conditions: ['attributes["x"] = 1'] } },
    });
    expect(problems.map((p) => p.path)).toEqual([
      'spans.errors.conditions.1',
      'spanevents.e.conditions.0',
      'metrics.m.conditions.0',
      'metrics.m.attributes',
      'datapoints.d.conditions.0',
      'logs.l.conditions.0',
      'profiles.p.conditions.0',
    ]);
    expect(problems[0].message).toBe(`metric "errors": condition 'status.code = STATUS_CODE_ERROR' at column 13: expected ==, !=, <, <=, >, >=, got "="`);
    expect(problems[1].message).toMatch(/unknown path "nme" in the spanevent context/);
    expect(problems[2].message).toMatch(/invalid regular expression/);
    expect(problems[3].message).toMatch(/attributes are not supported for metrics/);
    expect(problems[5].message).toMatch(/unknown enum SEVERITY_NUMBER_WARNING/);
  });

  it('accepts the default and valid configs', () => {
    expect(validateCountConfig({})).toEqual([]);
    expect(validateCountConfig({ logs: { 'error.count': { conditions: ['severity_number >= SEVERITY_NUMBER_ERROR'], attributes: [{ key: 'env' }] } } })).toEqual([]);
  });

  it('rejects an empty metric name', () => {
    expect(validateCountConfig({ spans: { '': {} } })).toEqual([{ path: 'spans', message: 'spans: metric name missing' }]);
  });

  it('makes create() throw on the same problems', () => {
    expect(() => setup({ spans: { x: { conditions: ['name = "x"'] } } })).toThrow(/count: spans\.x\.conditions\.0: metric "x": condition 'name = "x"' at column 6/);
  });
});

describe('default metrics', () => {
  it('counts spans and span events per resource', async () => {
    const h = setup();
    const input = sampleTraces();
    const copy = structuredClone(input);
    await h.consume('traces', input);
    expect(input).toEqual(copy);
    expect(h.received).toHaveLength(1);
    const m = h.received[0];
    expect(m.resourceMetrics.map((r) => plain(r.resource.attributes))).toEqual([{ 'service.name': 'checkout', env: 'prod' }, { 'service.name': 'probe' }]);
    expect(m.resourceMetrics[0].scopeMetrics[0].scope.name).toBe('otelcol/countconnector');
    const [spans, events] = metricsOfResource(m);
    expect(spans).toMatchObject({ name: 'trace.span.count', description: 'The number of spans observed.', unit: '' });
    expect(spans.data).toMatchObject({ type: 'sum', aggregationTemporality: AggregationTemporality.Delta, isMonotonic: true });
    expect(points(spans)).toEqual([{ attributes: new Map(), startTimeUnixNano: 50n, timeUnixNano: 300n, value: 3n, exemplars: [], flags: 0 }]);
    expect(events).toMatchObject({ name: 'trace.span.event.count', description: 'The number of span events observed.' });
    expect(points(events)[0]).toMatchObject({ value: 3n, startTimeUnixNano: 150n, timeUnixNano: 170n });
    // the second resource has a span but no events: no event metric there
    expect(summary(m, 1)).toEqual({ 'trace.span.count': [[{}, 1n]] });
  });

  it('counts metrics and data points of every type', async () => {
    const h = setup();
    const sum: Metric = {
      name: 'requests',
      description: '',
      unit: '',
      metadata: new Map(),
      data: {
        type: 'sum',
        aggregationTemporality: AggregationTemporality.Cumulative,
        isMonotonic: true,
        dataPoints: [1n, 2n].map((value, i) => ({ attributes: attrs({ i }), startTimeUnixNano: 0n, timeUnixNano: 10n + BigInt(i), value, exemplars: [], flags: 0 })),
      },
    };
    const hist: Metric = {
      name: 'latency',
      description: '',
      unit: 'ms',
      metadata: new Map(),
      data: {
        type: 'histogram',
        aggregationTemporality: AggregationTemporality.Delta,
        dataPoints: [{ attributes: new Map(), startTimeUnixNano: 0n, timeUnixNano: 20n, count: 1, sum: 1, bucketCounts: [1], explicitBounds: [], exemplars: [], flags: 0 }],
      },
    };
    const summaryMetric: Metric = {
      name: 'q',
      description: '',
      unit: '',
      metadata: new Map(),
      data: { type: 'summary', dataPoints: [{ attributes: new Map(), startTimeUnixNano: 0n, timeUnixNano: 5n, count: 1, sum: 1, quantileValues: [], flags: 0 }] },
    };
    await h.consume('metrics', metricsOf([gaugeOf('g', [1, 2, 3]), sum, hist, summaryMetric], { 'service.name': 's' }));
    const m = h.received[0];
    expect(summary(m)).toEqual({ 'metric.count': [[{}, 4n]], 'metric.datapoint.count': [[{}, 7n]] });
    expect(points(metricsOfResource(m)[1])[0]).toMatchObject({ startTimeUnixNano: 5n, timeUnixNano: 20n });
    expect(metricsOfResource(m)[0].description).toBe('The number of metrics observed.');
  });

  it('counts log records, using the observed time when a record has no time', async () => {
    const h = setup();
    await h.consume('logs', logsOf([newLogRecord({ timeUnixNano: 7n }), newLogRecord({ observedTimeUnixNano: 9n }), newLogRecord()], { 'service.name': 's' }));
    const [logs] = metricsOfResource(h.received[0]);
    expect(logs).toMatchObject({ name: 'log.record.count', description: 'The number of log records observed.' });
    expect(points(logs)).toEqual([{ attributes: new Map(), startTimeUnixNano: 7n, timeUnixNano: 9n, value: 3n, exemplars: [], flags: 0 }]);
  });

  it('stamps counts with the current time when items carry none', async () => {
    const h = setup();
    await h.consume('logs', logsOf([newLogRecord()]));
    expect(points(metricsOfResource(h.received[0])[0])[0]).toMatchObject({ startTimeUnixNano: NOW, timeUnixNano: NOW });
  });

  it('replaces a default metric as soon as its section is written, even empty', async () => {
    const h = setup({ spans: {} });
    await h.consume('traces', sampleTraces());
    expect(summary(h.received[0])).toEqual({ 'trace.span.event.count': [[{}, 3n]] });
  });

  it('sends nothing when nothing was counted', async () => {
    const h = setup({ spans: {}, spanevents: {} });
    await h.consume('traces', sampleTraces());
    await h.consume('traces', { resourceSpans: [] });
    expect(h.received).toHaveLength(0);
  });
});

describe('custom counts', () => {
  it('counts items matching any of the conditions', async () => {
    const h = setup({
      spans: {
        'server.count': { description: 'server spans', conditions: ['kind == SPAN_KIND_SERVER'] },
        'odd.count': { conditions: ['attributes["code"] == 500', 'name == "SELECT"'] },
        'all.count': {},
      },
      spanevents: { 'exception.count': { conditions: ['name == "exception" and span.name == "GET /cart"'] } },
    });
    await h.consume('traces', sampleTraces());
    expect(summary(h.received[0])).toEqual({
      'server.count': [[{}, 2n]],
      'odd.count': [[{}, 2n]],
      'all.count': [[{}, 3n]],
      'exception.count': [[{}, 1n]],
    });
    expect(metricsOfResource(h.received[0])[0].description).toBe('server spans');
    expect(summary(h.received[0], 1)).toEqual({ 'all.count': [[{}, 1n]] });
  });

  it('counts per attribute values, looked up on the item, then the scope, then the resource', async () => {
    const h = setup({
      spans: {
        'by.route': { attributes: [{ key: 'http.route' }] },
        'by.route.default': { attributes: [{ key: 'http.route', default_value: 'unknown' }] },
        'by.code': { attributes: [{ key: 'code' }, { key: 'tier' }, { key: 'env' }] },
        'by.missing.int': { attributes: [{ key: 'retries', default_value: 0 }] }, // 0 is no default, as upstream
        'by.int.default': { attributes: [{ key: 'retries', default_value: 3 }, { key: 'ratio', default_value: 0.5 }] },
      },
      spanevents: {},
    });
    await h.consume('traces', sampleTraces());
    expect(summary(h.received[0])).toEqual({
      'by.route': [[{ 'http.route': '/cart' }, 2n]], // SELECT has no route and no default: not counted
      'by.route.default': [
        [{ 'http.route': '/cart' }, 2n],
        [{ 'http.route': 'unknown' }, 1n],
      ],
      'by.code': [
        [{ code: 200n, tier: 'web', env: 'prod' }, 1n], // the int stays an int
        [{ code: 500n, tier: 'web', env: 'prod' }, 1n],
      ],
      'by.int.default': [[{ retries: 3n, ratio: 0.5 }, 3n]],
    });
  });

  it('counts data points by attribute and logs by condition and attribute', async () => {
    const h = setup({
      datapoints: { 'points.by.host': { conditions: ['metric.name == "cpu"'], attributes: [{ key: 'host' }] } },
      metrics: { 'cpu.metrics': { conditions: ['name == "cpu"'] } },
      logs: { 'error.count': { conditions: ['severity_number >= SEVERITY_NUMBER_ERROR'], attributes: [{ key: 'env', default_value: 'none' }] } },
    });
    await h.consume('metrics', metricsOf([gaugeOf('cpu', [1], { host: 'a' }), gaugeOf('cpu', [1, 2], { host: 'b' }), gaugeOf('mem', [1], { host: 'a' })]));
    expect(summary(h.received[0])).toEqual({
      'cpu.metrics': [[{}, 2n]],
      'points.by.host': [
        [{ host: 'a' }, 1n],
        [{ host: 'b' }, 2n],
      ],
    });
    await h.consume(
      'logs',
      logsOf([newLogRecord({ severityNumber: 17, attributes: attrs({ env: 'prod' }) }), newLogRecord({ severityNumber: 21 }), newLogRecord({ severityNumber: 9 })]),
    );
    expect(summary(h.received[1])).toEqual({ 'error.count': [[{ env: 'prod' }, 1n], [{ env: 'none' }, 1n]] });
  });

  it('uses the string form of attribute values that are neither strings nor numbers', async () => {
    const h = setup({ logs: { 'by.flag': { attributes: [{ key: 'flag' }] } } });
    await h.consume('logs', logsOf([newLogRecord({ attributes: attrs({ flag: true }) }), newLogRecord({ attributes: attrs({ flag: 'true' }) })]));
    expect(summary(h.received[0])).toEqual({ 'by.flag': [[{ flag: 'true' }, 2n]] });
  });

  it('fails the batch with a permanent error when a condition cannot be evaluated, as upstream', async () => {
    const h = setup({ spans: { bad: { conditions: ['attributes["http.route"]["x"] == "y"'] } } });
    const err = await h.consume('traces', sampleTraces()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect((err as ConsumerError).retryable).toBe(false);
    expect((err as Error).message).toMatch(/^count connector count: failed to evaluate condition 'attributes\["http.route"\]\["x"\] == "y"'.* \(and 1 more\)$/);
    expect(h.received).toHaveLength(0);
  });
});
