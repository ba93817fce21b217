import { Ajv } from 'ajv';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AggregationTemporality,
  SpanKind,
  StatusCode,
  attrs,
  newResource,
  newScope,
  newSpan,
  tracesOf,
  type AnyValue,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type ComponentFactory,
  type Metric,
  type Metrics,
  type NextConsumers,
  type NumberDataPoint,
  type Span,
  type Traces,
} from '../../pipeline/index.js';
import { Service } from '../../pipeline/service.js';
import { testContext } from '../../pipeline/testing.js';
import { lowerBoundary } from './expohisto.js';
import { createSpanMetricsConnector, spanMetricsConnectorFactory, validateSpanMetricsConfig, type SpanMetricsConfig } from './index.js';

const MS = 1_000_000n;
/** A start time beyond 2^53 ns, to show timestamps stay exact. */
const T0 = 1_700_000_000_000_000_123n;

function setup(config: SpanMetricsConfig = {}) {
  const clock = { now: T0 };
  const received: Metrics[] = [];
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const ctx = testContext({ id: 'spanmetrics', kind: 'connector', signals: ['traces'], outputSignals: ['metrics'], logger });
  const next = { metrics: { consume: async (m: Metrics) => void received.push(m) } };
  const connector = createSpanMetricsConnector(ctx, config, next, { now: () => clock.now });
  return {
    connector,
    received,
    logs,
    clock,
    send: (t: Traces) => connector.consumers!.traces!.consume(t),
    /** Advances the clock and flushes; returns what was sent (undefined when nothing). */
    async flushAt(t: bigint): Promise<Metrics | undefined> {
      clock.now = t;
      const before = received.length;
      await connector.flush();
      return received.length > before ? received[received.length - 1] : undefined;
    },
  };
}

/** A span of the given duration in ms, ending at T0. */
function span(name: string, ms: number, p: Partial<Span> = {}): Span {
  const ns = BigInt(Math.round(ms * 1e6));
  return newSpan({ name, kind: SpanKind.Server, startTimeUnixNano: T0 - ns, endTimeUnixNano: T0, ...p });
}

const svc = (name: string, extra: Record<string, unknown> = {}) => ({ 'service.name': name, ...extra });

function metric(m: Metrics | undefined, name: string, resource = 0): Metric | undefined {
  return m?.resourceMetrics[resource]?.scopeMetrics[0].metrics.find((x) => x.name === name);
}

function plain(a: Map<string, AnyValue>): Record<string, unknown> {
  return Object.fromEntries(a);
}

/** Data points of a metric keyed by span.name (or the given attribute). */
function pointsBy<P extends { attributes: Map<string, AnyValue> }>(m: Metric | undefined, key = 'span.name'): Record<string, P> {
  const points = (m?.data.dataPoints ?? []) as unknown as P[];
  return Object.fromEntries(points.map((p) => [String(p.attributes.get(key) ?? '(none)'), p]));
}

const calls = (m: Metrics | undefined, key?: string) => pointsBy<NumberDataPoint>(metric(m, 'traces.span.metrics.calls'), key);
const durations = (m: Metrics | undefined, key?: string) => pointsBy<HistogramDataPoint>(metric(m, 'traces.span.metrics.duration'), key);

afterEach(() => {
  vi.useRealTimers();
});

describe('factory', () => {
  it('declares the upstream identity', () => {
    expect(spanMetricsConnectorFactory).toMatchObject({
      type: 'spanmetrics',
      aliases: ['span_metrics'],
      kind: 'connector',
      connects: [['traces', 'metrics']],
      stability: 'alpha',
    });
  });

  it('fills in upstream defaults and accepts every upstream key', () => {
    const validate = new Ajv({ useDefaults: true, strict: false }).compile(spanMetricsConnectorFactory.configSchema);
    const config: Record<string, unknown> = {};
    expect(validate(config)).toBe(true);
    expect(config).toMatchObject({
      aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
      metrics_flush_interval: '60s',
      metrics_expiration: '0',
      namespace: 'traces.span.metrics',
      resource_metrics_cache_size: 1000,
      aggregation_cardinality_limit: 0,
      max_value_bytes: 1024,
      histogram: { disable: false, unit: 'ms', dimensions: [] },
      exemplars: { enabled: false, max_per_data_point: 5 },
      events: { enabled: false, dimensions: [] },
      dimensions: [],
      exclude_dimensions: [],
    });
    expect(validateSpanMetricsConfig(config)).toEqual([]);
    const full = {
      dimensions: [{ name: 'http.method', default: 'GET' }, { name: 'http.status_code' }],
      calls_dimensions: [{ name: 'http.route' }],
      exclude_dimensions: ['status.code'],
      dimensions_cache_size: 1000,
      resource_metrics_cache_size: 500,
      resource_metrics_key_attributes: ['service.name'],
      aggregation_temporality: 'AGGREGATION_TEMPORALITY_DELTA',
      histogram: { disable: false, unit: 's', explicit: { buckets: ['100us', '1ms', '2ms', '6ms', '10ms', '100ms', '250ms'] }, dimensions: [{ name: 'x' }] },
      metrics_flush_interval: '15s',
      metrics_expiration: '5m',
      metric_timestamp_cache_size: 100,
      namespace: 'span.metrics',
      exemplars: { enabled: true, max_per_data_point: 10 },
      events: { enabled: true, dimensions: [{ name: 'exception.type' }] },
      include_instrumentation_scope: ['express'],
      aggregation_cardinality_limit: 100,
      add_resource_attributes: true,
    };
    expect(validate(full)).toBe(true);
    expect(validateSpanMetricsConfig(full)).toEqual([]);
  });

  it('rejects a bad temporality value with the valid choices', () => {
    const validate = new Ajv({ useDefaults: true, strict: false }).compile(spanMetricsConnectorFactory.configSchema);
    expect(validate({ aggregation_temporality: 'DELTA' })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/aggregation_temporality', keyword: 'enum' });
    // and create() refuses it even when the schema was bypassed
    expect(validateSpanMetricsConfig({ aggregation_temporality: 'DELTA' })).toEqual([
      { path: 'aggregation_temporality', message: 'invalid value "DELTA"; valid values: AGGREGATION_TEMPORALITY_CUMULATIVE, AGGREGATION_TEMPORALITY_DELTA' },
    ]);
  });

  it('reports cross-field problems by key path, all at once', () => {
    const problems = validateSpanMetricsConfig({
      histogram: { explicit: { buckets: ['10ms', '5ms'] }, exponential: { max_size: 1 } },
      dimensions: [{ name: 'http.method' }, { name: 'span.kind' }, { name: 'http.method' }],
      events: { enabled: true },
      metrics_flush_interval: '0s',
      metrics_expiration: '-1s',
    });
    expect(problems.map((p) => p.path)).toEqual([
      'dimensions.1.name',
      'dimensions.2.name',
      'histogram',
      'histogram.explicit.buckets.1',
      'histogram.exponential.max_size',
      'metrics_flush_interval',
      'metrics_expiration',
      'events.dimensions',
    ]);
    expect(problems[0].message).toBe('duplicate dimension name span.kind');
    expect(problems[2].message).toBe('use either `explicit` or `exponential` buckets histogram, not both');
    expect(problems[3].message).toMatch(/increasing order/);
    expect(problems[7].message).toMatch(/no dimensions configured for events/);
  });

  it('accepts `explicit:` written without a value (null) as the default buckets', () => {
    expect(validateSpanMetricsConfig({ histogram: { explicit: null } })).toEqual([]);
    expect(validateSpanMetricsConfig({ histogram: { explicit: null, exponential: null } })[0].path).toBe('histogram');
  });

  it('makes create() throw on the same problems', () => {
    expect(() => setup({ histogram: { explicit: {}, exponential: {} } })).toThrow(/spanmetrics: histogram: use either `explicit` or `exponential`/);
  });
});

describe('calls and duration', () => {
  it('counts calls and fills the default histogram buckets exactly, per dimension set', async () => {
    const h = setup();
    // bounds (ms): 2 4 6 8 10 50 100 200 400 800 1000 1400 2000 5000 10000 15000
    const get = [1, 2, 2.000001, 3, 15000, 20000].map((ms) => span('GET /a', ms));
    const err = span('GET /a', 7, { status: { code: StatusCode.Error, message: 'boom' } });
    const client = span('SELECT', 0.5, { kind: SpanKind.Client });
    await h.send(tracesOf([...get, err, client], svc('shop', { 'host.name': 'h1' }), newScope('lib')));
    const m = await h.flushAt(T0 + 10n * MS);

    expect(m!.resourceMetrics).toHaveLength(1);
    const rm = m!.resourceMetrics[0];
    expect(plain(rm.resource.attributes)).toEqual({ 'service.name': 'shop', 'host.name': 'h1' });
    expect(rm.scopeMetrics[0].scope.name).toBe('spanmetricsconnector');
    expect(rm.scopeMetrics[0].metrics.map((x) => [x.name, x.unit, x.data.type])).toEqual([
      ['traces.span.metrics.calls', '', 'sum'],
      ['traces.span.metrics.duration', 'ms', 'histogram'],
    ]);
    const callsMetric = metric(m, 'traces.span.metrics.calls')!;
    expect(callsMetric.data).toMatchObject({ aggregationTemporality: AggregationTemporality.Cumulative, isMonotonic: true });

    const byStatus = pointsBy<NumberDataPoint>(callsMetric, 'status.code');
    expect(Object.keys(byStatus).sort()).toEqual(['STATUS_CODE_ERROR', 'STATUS_CODE_UNSET']);
    const points = callsMetric.data.dataPoints as NumberDataPoint[];
    expect(points.map((p) => [plain(p.attributes), p.value])).toEqual([
      [{ 'service.name': 'shop', 'span.name': 'GET /a', 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_UNSET' }, 6n],
      [{ 'service.name': 'shop', 'span.name': 'GET /a', 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_ERROR' }, 1n],
      [{ 'service.name': 'shop', 'span.name': 'SELECT', 'span.kind': 'SPAN_KIND_CLIENT', 'status.code': 'STATUS_CODE_UNSET' }, 1n],
    ]);

    const hist = (metric(m, 'traces.span.metrics.duration')!.data.dataPoints as HistogramDataPoint[])[0];
    expect(hist.explicitBounds).toEqual([2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000]);
    // 1 and 2 (upper bound inclusive) in (,2]; 2.000001 and 3 in (2,4]; 15000 in (10000,15000]; 20000 above
    expect(hist.bucketCounts).toEqual([2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(hist.count).toBe(6);
    expect(hist.sum).toBeCloseTo(1 + 2 + 2.000001 + 3 + 15000 + 20000, 6);
    expect([hist.min, hist.max]).toEqual([1, 20000]);
    const errHist = (metric(m, 'traces.span.metrics.duration')!.data.dataPoints as HistogramDataPoint[])[1];
    expect(errHist.bucketCounts[3]).toBe(1); // 7ms in (6,8]
  });

  it('keeps timestamps exact: start at the first span, time at the flush, in nanoseconds', async () => {
    const h = setup();
    await h.send(tracesOf([span('a', 1)], svc('s')));
    const m = await h.flushAt(T0 + 1n);
    const p = calls(m).a;
    expect(p.startTimeUnixNano).toBe(T0);
    expect(p.timeUnixNano).toBe(T0 + 1n);
  });

  it('counts a span that ends before it starts as 0 ms', async () => {
    const h = setup();
    await h.send(tracesOf([newSpan({ name: 'odd', startTimeUnixNano: T0, endTimeUnixNano: T0 - 5n * MS })], svc('s')));
    const p = durations(await h.flushAt(T0)).odd;
    expect(p.sum).toBe(0);
    expect(p.bucketCounts[0]).toBe(1);
  });

  it('uses seconds with histogram.unit s, for the default and configured buckets', async () => {
    const h = setup({ histogram: { unit: 's' } });
    await h.send(tracesOf([span('a', 1500)], svc('s')));
    const p = durations(await h.flushAt(T0)).a;
    expect(p.explicitBounds.slice(0, 3)).toEqual([0.002, 0.004, 0.006]);
    expect(p.sum).toBe(1.5);
    expect(metric(await h.flushAt(T0), 'traces.span.metrics.duration')!.unit).toBe('s');

    const c = setup({ histogram: { unit: 's', explicit: { buckets: ['100us', '250ms', '1s', '1m'] } } });
    await c.send(tracesOf([span('a', 300)], svc('s')));
    const q = durations(await c.flushAt(T0)).a;
    expect(q.explicitBounds).toEqual([0.0001, 0.25, 1, 60]);
    expect(q.bucketCounts).toEqual([0, 0, 1, 0, 0]);
  });

  it('emits no histogram with histogram.disable, and honours namespace', async () => {
    const h = setup({ histogram: { disable: true }, namespace: 'red' });
    await h.send(tracesOf([span('a', 1)], svc('s')));
    const m = await h.flushAt(T0);
    expect(m!.resourceMetrics[0].scopeMetrics[0].metrics.map((x) => x.name)).toEqual(['red.calls']);
    const bare = setup({ namespace: '' });
    await bare.send(tracesOf([span('a', 1)], svc('s')));
    expect((await bare.flushAt(T0))!.resourceMetrics[0].scopeMetrics[0].metrics.map((x) => x.name)).toEqual(['calls', 'duration']);
  });

  it('ignores resources without service.name, as upstream', async () => {
    const h = setup();
    await h.send(tracesOf([span('a', 1)], { 'host.name': 'x' }));
    expect(await h.flushAt(T0)).toBeUndefined();
  });

  it('does not modify its input and hands out fresh objects on every flush', async () => {
    const h = setup();
    const input = tracesOf([span('a', 1, { attributes: attrs({ k: 'v' }) })], svc('s'));
    const copy = structuredClone(input);
    await h.send(input);
    expect(input).toEqual(copy);
    const first = await h.flushAt(T0);
    calls(first).a.attributes.set('span.name', 'mutated downstream');
    first!.resourceMetrics[0].resource.attributes.clear();
    const second = await h.flushAt(T0 + 1n);
    expect(calls(second).a.attributes.get('span.name')).toBe('a');
    expect(plain(second!.resourceMetrics[0].resource.attributes)).toEqual({ 'service.name': 's' });
  });
});

describe('dimensions', () => {
  it('looks a dimension up on the span, then the resource, then uses its default; omits it otherwise', async () => {
    const h = setup({ dimensions: [{ name: 'http.method', default: 'GET' }, { name: 'region' }, { name: 'http.status_code' }] });
    await h.send(
      tracesOf(
        [
          span('from-span', 1, { attributes: attrs({ 'http.method': 'POST', region: 'span-eu', 'http.status_code': 200 }) }),
          span('from-resource', 1),
          span('default', 1),
        ],
        svc('s', { region: 'res-us' }),
      ),
    );
    await h.send(tracesOf([span('default', 1)], svc('other')));
    const m = await h.flushAt(T0);
    const p = calls(m);
    expect(plain(p['from-span'].attributes)).toMatchObject({ 'http.method': 'POST', region: 'span-eu', 'http.status_code': 200n }); // int stays int
    expect(plain(p['from-resource'].attributes)).toMatchObject({ 'http.method': 'GET', region: 'res-us' });
    expect(p['from-resource'].attributes.has('http.status_code')).toBe(false);
    expect([...p.default.attributes.keys()]).toEqual(['service.name', 'span.name', 'span.kind', 'status.code', 'http.method', 'region']);
    const other = calls(m, 'service.name');
    expect(other.other).toBeUndefined(); // a second resource is a second ResourceMetrics
    expect(calls({ resourceMetrics: [m!.resourceMetrics[1]] }).default.attributes.has('region')).toBe(false);
  });

  it('keeps values of different types apart and groups equal values', async () => {
    const h = setup({ dimensions: [{ name: 'code' }] });
    await h.send(
      tracesOf(
        [
          span('a', 1, { attributes: attrs({ code: 200 }) }),
          span('a', 1, { attributes: attrs({ code: '200' }) }),
          span('a', 1, { attributes: attrs({ code: 200 }) }),
          span('a', 1, { attributes: new Map<string, AnyValue>([['code', new Uint8Array([1, 2])]]) }),
          span('a', 1, { attributes: new Map<string, AnyValue>([['code', new Uint8Array([1, 2])]]) }),
        ],
        svc('s'),
      ),
    );
    const points = metric(await h.flushAt(T0), 'traces.span.metrics.calls')!.data.dataPoints as NumberDataPoint[];
    expect(points.map((p) => [p.attributes.get('code'), p.value])).toEqual([
      [200n, 2n],
      ['200', 1n],
      [new Uint8Array([1, 2]), 2n],
    ]);
  });

  it('leaves out excluded default dimensions', async () => {
    const h = setup({ exclude_dimensions: ['status.code', 'span.kind'] });
    await h.send(tracesOf([span('a', 1), span('a', 1, { kind: SpanKind.Client, status: { code: StatusCode.Error, message: '' } })], svc('s')));
    const points = metric(await h.flushAt(T0), 'traces.span.metrics.calls')!.data.dataPoints as NumberDataPoint[];
    expect(points.map((p) => [plain(p.attributes), p.value])).toEqual([[{ 'service.name': 's', 'span.name': 'a' }, 2n]]);
  });

  it('warns about exclude_dimensions that name no default dimension', () => {
    const h = setup({ exclude_dimensions: ['status_code'] });
    expect(h.logs.some((l) => l.level === 40 && /exclude_dimensions/.test(String(l.msg)))).toBe(true);
  });

  it('adds calls_dimensions to calls only and histogram.dimensions to the duration only', async () => {
    const h = setup({ dimensions: [{ name: 'env' }], calls_dimensions: [{ name: 'http.route' }], histogram: { dimensions: [{ name: 'size' }] } });
    await h.send(
      tracesOf(
        [span('a', 1, { attributes: attrs({ env: 'prod', 'http.route': '/x', size: 'L' }) }), span('a', 3, { attributes: attrs({ env: 'prod', 'http.route': '/y', size: 'L' }) })],
        svc('s'),
      ),
    );
    const m = await h.flushAt(T0);
    const c = metric(m, 'traces.span.metrics.calls')!.data.dataPoints as NumberDataPoint[];
    expect(c.map((p) => [p.attributes.get('env'), p.attributes.get('http.route'), p.attributes.has('size'), p.value])).toEqual([
      ['prod', '/x', false, 1n],
      ['prod', '/y', false, 1n],
    ]);
    const d = metric(m, 'traces.span.metrics.duration')!.data.dataPoints as HistogramDataPoint[];
    expect(d.map((p) => [p.attributes.get('env'), p.attributes.get('size'), p.attributes.has('http.route'), p.count])).toEqual([['prod', 'L', false, 2]]);
  });

  it('adds the instrumentation scope for include_instrumentation_scope', async () => {
    const h = setup({ include_instrumentation_scope: ['express'] });
    const data: Traces = {
      resourceSpans: [
        {
          resource: newResource(svc('s')),
          schemaUrl: '',
          scopeSpans: [
            { scope: newScope('express', '4.1'), schemaUrl: '', spans: [span('a', 1)] },
            { scope: newScope('http', '1.0'), schemaUrl: '', spans: [span('a', 1)] },
          ],
        },
      ],
    };
    await h.send(data);
    const points = metric(await h.flushAt(T0), 'traces.span.metrics.calls')!.data.dataPoints as NumberDataPoint[];
    expect(points.map((p) => plain(p.attributes))).toEqual([
      { 'service.name': 's', 'span.name': 'a', 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_UNSET', 'span.instrumentation.scope.name': 'express', 'span.instrumentation.scope.version': '4.1' },
      { 'service.name': 's', 'span.name': 'a', 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_UNSET' },
    ]);
  });
});

describe('resources', () => {
  it('groups by every resource attribute, or only resource_metrics_key_attributes', async () => {
    const all = setup();
    const keyed = setup({ resource_metrics_key_attributes: ['service.name'] });
    for (const h of [all, keyed]) {
      await h.send(tracesOf([span('a', 1)], svc('s', { 'process.pid': 1 })));
      await h.send(tracesOf([span('a', 1)], svc('s', { 'process.pid': 2 })));
    }
    expect((await all.flushAt(T0))!.resourceMetrics).toHaveLength(2);
    const m = await keyed.flushAt(T0);
    expect(m!.resourceMetrics).toHaveLength(1);
    expect(plain(m!.resourceMetrics[0].resource.attributes)).toEqual({ 'service.name': 's', 'process.pid': 1n }); // the first resource seen
    expect(calls(m).a.value).toBe(2n);
  });

  it('keeps at most resource_metrics_cache_size resources, flushing an evicted one a last time', async () => {
    const h = setup({ resource_metrics_cache_size: 1 });
    await h.send(tracesOf([span('a', 1)], svc('one')));
    await h.send(tracesOf([span('a', 1)], svc('two')));
    const first = await h.flushAt(T0);
    expect(first!.resourceMetrics.map((r) => r.resource.attributes.get('service.name'))).toEqual(['one', 'two']);
    const second = await h.flushAt(T0 + 1n);
    expect(second!.resourceMetrics.map((r) => r.resource.attributes.get('service.name'))).toEqual(['two']);
  });
});

describe('temporality', () => {
  it('cumulative: counts grow across flushes from a fixed start; idle series keep being reported', async () => {
    const h = setup();
    await h.send(tracesOf([span('a', 1), span('b', 1)], svc('s')));
    const f1 = await h.flushAt(T0 + 100n * MS);
    h.clock.now = T0 + 150n * MS;
    await h.send(tracesOf([span('a', 3)], svc('s')));
    const f2 = await h.flushAt(T0 + 200n * MS);

    expect(calls(f1).a).toMatchObject({ value: 1n, startTimeUnixNano: T0, timeUnixNano: T0 + 100n * MS });
    expect(calls(f2).a).toMatchObject({ value: 2n, startTimeUnixNano: T0, timeUnixNano: T0 + 200n * MS });
    expect(calls(f2).b).toMatchObject({ value: 1n, startTimeUnixNano: T0 });
    expect(durations(f2).a).toMatchObject({ count: 2, startTimeUnixNano: T0 });
    expect(durations(f2).a.bucketCounts.slice(0, 2)).toEqual([1, 1]);
    expect(metric(f2, 'traces.span.metrics.calls')!.data).toMatchObject({ aggregationTemporality: AggregationTemporality.Cumulative });
  });

  it('delta: each flush covers the window since the previous one and sends only series that saw spans', async () => {
    const h = setup({ aggregation_temporality: 'AGGREGATION_TEMPORALITY_DELTA' });
    await h.send(tracesOf([span('a', 1), span('a', 1), span('b', 1)], svc('s')));
    const f1 = await h.flushAt(T0 + 100n * MS);
    h.clock.now = T0 + 150n * MS;
    await h.send(tracesOf([span('a', 3)], svc('s')));
    const f2 = await h.flushAt(T0 + 200n * MS);
    h.clock.now = T0 + 250n * MS;
    await h.send(tracesOf([span('b', 3)], svc('s')));
    const f3 = await h.flushAt(T0 + 300n * MS);

    expect(metric(f1, 'traces.span.metrics.calls')!.data).toMatchObject({ aggregationTemporality: AggregationTemporality.Delta, isMonotonic: true });
    expect(calls(f1).a).toMatchObject({ value: 2n, startTimeUnixNano: T0, timeUnixNano: T0 + 100n * MS });
    expect(calls(f2).a).toMatchObject({ value: 1n, startTimeUnixNano: T0 + 100n * MS, timeUnixNano: T0 + 200n * MS });
    expect(calls(f2).b).toBeUndefined();
    expect(durations(f2).a).toMatchObject({ count: 1, sum: 3 });
    // b was idle for a whole window: it starts again at its first new span
    expect(calls(f3).b).toMatchObject({ value: 1n, startTimeUnixNano: T0 + 250n * MS, timeUnixNano: T0 + 300n * MS });
    expect(calls(f3).a).toBeUndefined();
    expect(await h.flushAt(T0 + 400n * MS)).toBeUndefined();
    expect(h.connector.aggregator.seriesCount()).toBe(0);
  });
});

describe('exponential histogram', () => {
  it('records durations in base-2 buckets within max_size', async () => {
    const h = setup({ histogram: { exponential: { max_size: 8 } } });
    const values = [0, 1, 2, 3, 10, 100, 1000, 12345];
    await h.send(tracesOf(values.map((ms) => span('a', ms)), svc('s')));
    const m = await h.flushAt(T0);
    const d = metric(m, 'traces.span.metrics.duration')!;
    expect(d.unit).toBe('ms');
    expect(d.data).toMatchObject({ type: 'exponentialHistogram', aggregationTemporality: AggregationTemporality.Cumulative });
    const p = d.data.dataPoints[0] as ExponentialHistogramDataPoint;
    expect(p.count).toBe(values.length);
    expect(p.zeroCount).toBe(1);
    expect(p.sum).toBeCloseTo(values.reduce((a, b) => a + b, 0), 6);
    expect([p.min, p.max]).toEqual([0, 12345]);
    expect(p.positive.bucketCounts.length).toBeLessThanOrEqual(8);
    expect(p.positive.bucketCounts.reduce((a, b) => a + b, 0)).toBe(values.length - 1);
    expect(p.negative.bucketCounts).toEqual([]);
    // every value lies in the bucket that counts it: (lower(i), lower(i+1)]
    for (const v of values.slice(1)) {
      const i = p.positive.bucketCounts.findIndex((_, j) => {
        const index = p.positive.offset + j;
        return v > lowerBoundary(index, p.scale) && v <= lowerBoundary(index + 1, p.scale);
      });
      expect(i, `bucket of ${v}`).toBeGreaterThanOrEqual(0);
      expect(p.positive.bucketCounts[i]).toBeGreaterThan(0);
    }
  });

  it('defaults to 160 buckets and the finest scale that fits', async () => {
    const h = setup({ histogram: { exponential: null } });
    await h.send(tracesOf([span('a', 1), span('a', 1)], svc('s')));
    const p = metric(await h.flushAt(T0), 'traces.span.metrics.duration')!.data.dataPoints[0] as ExponentialHistogramDataPoint;
    expect(p.scale).toBe(20);
    expect(p.positive).toEqual({ offset: -1, bucketCounts: [2] }); // exactly 1 is the upper bound of bucket -1
  });
});

describe('metrics_expiration', () => {
  it('drops series that saw no span for the expiration, then the resource', async () => {
    const h = setup({ metrics_expiration: '1s' });
    h.clock.now = T0;
    await h.send(tracesOf([span('old', 1), span('kept', 1)], svc('s')));
    h.clock.now = T0 + 900n * MS;
    await h.send(tracesOf([span('kept', 1)], svc('s')));
    const f1 = await h.flushAt(T0 + 1500n * MS);
    expect(Object.keys(calls(f1))).toEqual(['kept']);
    expect(calls(f1).kept.value).toBe(2n);
    const f2 = await h.flushAt(T0 + 2000n * MS);
    expect(f2).toBeUndefined();
    expect(h.connector.aggregator.seriesCount()).toBe(0);
    expect(h.connector.aggregator.resourceCount()).toBe(0);
    // a series coming back starts afresh
    h.clock.now = T0 + 3000n * MS;
    await h.send(tracesOf([span('old', 1)], svc('s')));
    expect(calls(await h.flushAt(T0 + 3100n * MS)).old).toMatchObject({ value: 1n, startTimeUnixNano: T0 + 3000n * MS });
  });

  it('never expires with the default 0', async () => {
    const h = setup();
    await h.send(tracesOf([span('a', 1)], svc('s')));
    expect(calls(await h.flushAt(T0 + 10n ** 15n)).a.value).toBe(1n);
  });
});

describe('aggregation_cardinality_limit', () => {
  it('bounds series per resource and counts the rest in one overflow series', async () => {
    const h = setup({ aggregation_cardinality_limit: 3, exemplars: { enabled: true } });
    const names = Array.from({ length: 50 }, (_, i) => `op-${i}`);
    await h.send(tracesOf(names.map((n) => span(n, 1, { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) })), svc('s')));
    await h.send(tracesOf([span('op-1', 1)], svc('s'))); // a known combination still counts as itself
    expect(h.connector.aggregator.seriesCount()).toBe(4);
    const m = await h.flushAt(T0);
    const points = metric(m, 'traces.span.metrics.calls')!.data.dataPoints as NumberDataPoint[];
    expect(points.map((p) => [plain(p.attributes), p.value])).toEqual([
      [expect.objectContaining({ 'span.name': 'op-0' }), 1n],
      [expect.objectContaining({ 'span.name': 'op-1' }), 2n],
      [expect.objectContaining({ 'span.name': 'op-2' }), 1n],
      [{ 'otel.metric.overflow': true }, 47n],
    ]);
    const hist = metric(m, 'traces.span.metrics.duration')!.data.dataPoints as HistogramDataPoint[];
    expect(hist.map((p) => p.count)).toEqual([1, 2, 1, 47]);
    expect(h.logs.filter((l) => /aggregation_cardinality_limit/.test(String(l.msg)))).toHaveLength(1);
    // the limit is per resource
    await h.send(tracesOf([span('x', 1)], svc('other')));
    expect(h.connector.aggregator.seriesCount()).toBe(5);
  });
});

describe('max_value_bytes', () => {
  it('cuts long span names, dimension values and resource attributes, so a series holds no more than that; equal long values stay one series', async () => {
    const h = setup({ max_value_bytes: 16, dimensions: [{ name: 'http.route' }] });
    const long = 'x'.repeat(20_000);
    const cut = `${'x'.repeat(16)}…[truncated from 20000 bytes]`;
    await h.send(tracesOf([span(long, 1, { attributes: attrs({ 'http.route': `/${long}` }) }), span(long, 2, { attributes: attrs({ 'http.route': `/${long}` }) })], svc('s', { 'host.name': long })));
    expect(h.connector.aggregator.seriesCount()).toBe(1);
    const m = await h.flushAt(T0);
    const [point] = metric(m, 'traces.span.metrics.calls')!.data.dataPoints as NumberDataPoint[];
    expect(plain(point.attributes)).toMatchObject({ 'span.name': cut, 'http.route': `/${'x'.repeat(15)}…[truncated from 20001 bytes]` });
    expect(point.value).toBe(2n);
    expect(plain(m!.resourceMetrics[0].resource.attributes)).toEqual({ 'service.name': 's', 'host.name': cut });
    // values within the limit are untouched
    await h.send(tracesOf([span('short', 1)], svc('s')));
    const next = await h.flushAt(T0 + 1n);
    expect(Object.keys(pointsBy(metric(next, 'traces.span.metrics.calls', 1)))).toEqual(['short']);
  });
});

describe('exemplars', () => {
  it('attach trace and span ids to calls and duration, up to max_per_data_point, for one flush', async () => {
    const h = setup({ exemplars: { enabled: true, max_per_data_point: 2 } });
    const ids = ['01', '02', '03'].map((n) => ({ traceId: n.repeat(16), spanId: n.repeat(8) }));
    await h.send(tracesOf([...ids.map((id, i) => span('a', i + 1, id)), span('no-trace', 1)], svc('s')));
    const f1 = await h.flushAt(T0 + 5n);
    const ex = calls(f1).a.exemplars;
    expect(ex).toEqual([
      { filteredAttributes: new Map(), timeUnixNano: T0, value: 1, traceId: '01'.repeat(16), spanId: '01'.repeat(8) },
      { filteredAttributes: new Map(), timeUnixNano: T0, value: 2, traceId: '02'.repeat(16), spanId: '02'.repeat(8) },
    ]);
    expect(durations(f1).a.exemplars).toEqual(ex);
    expect(durations(f1).a.exemplars[0]).not.toBe(ex[0]); // separate objects per data point
    expect(calls(f1)['no-trace'].exemplars).toEqual([]);
    const f2 = await h.flushAt(T0 + 6n);
    expect(calls(f2).a.exemplars).toEqual([]);
  });

  it('are off by default', async () => {
    const h = setup();
    await h.send(tracesOf([span('a', 1, { traceId: '01'.repeat(16), spanId: '01'.repeat(8) })], svc('s')));
    expect(calls(await h.flushAt(T0)).a.exemplars).toEqual([]);
  });
});

describe('events', () => {
  it('counts span events per dimension, looked up on the span, the event, then the resource', async () => {
    const h = setup({ events: { enabled: true, dimensions: [{ name: 'exception.type' }, { name: 'zone', default: 'none' }] } });
    const ev = (type: string) => ({ name: 'exception', timeUnixNano: T0, attributes: attrs({ 'exception.type': type }), droppedAttributesCount: 0 });
    await h.send(
      tracesOf(
        [
          span('a', 1, { events: [ev('TypeError'), ev('TypeError'), ev('RangeError')] }),
          span('b', 1, { events: [ev('TypeError')], attributes: attrs({ 'exception.type': 'FromSpan' }) }),
          span('c', 1),
        ],
        svc('s', { zone: 'z1' }),
      ),
    );
    const m = await h.flushAt(T0);
    expect(m!.resourceMetrics[0].scopeMetrics[0].metrics.map((x) => x.name)).toEqual([
      'traces.span.metrics.calls',
      'traces.span.metrics.duration',
      'traces.span.metrics.events',
    ]);
    const e = metric(m, 'traces.span.metrics.events')!;
    expect(e.data).toMatchObject({ type: 'sum', isMonotonic: true });
    expect((e.data.dataPoints as NumberDataPoint[]).map((p) => [p.attributes.get('span.name'), p.attributes.get('exception.type'), p.attributes.get('zone'), p.value])).toEqual([
      ['a', 'TypeError', 'z1', 2n],
      ['a', 'RangeError', 'z1', 1n],
      ['b', 'FromSpan', 'z1', 1n],
    ]);
    // calls are unaffected by event dimensions
    expect(calls(m).a.attributes.has('exception.type')).toBe(false);
  });
});

describe('lifecycle', () => {
  it('flushes what it holds into the metrics pipeline on shutdown', async () => {
    const h = setup();
    await h.connector.start!({} as never);
    await h.send(tracesOf([span('a', 1)], svc('s')));
    expect(h.received).toHaveLength(0);
    await h.connector.shutdown!();
    expect(h.received).toHaveLength(1);
    expect(calls(h.received[0]).a.value).toBe(1n);
    // data arriving after shutdown is sent at once rather than held forever
    await h.send(tracesOf([span('late', 1)], svc('s')));
    expect(calls(h.received[1]).late.value).toBe(1n);
  });

  it('flushes on an unref’d timer every metrics_flush_interval', async () => {
    vi.useFakeTimers();
    const h = setup({ metrics_flush_interval: '2s' });
    await h.connector.start!({} as never);
    await h.send(tracesOf([span('a', 1)], svc('s')));
    await vi.advanceTimersByTimeAsync(1999);
    expect(h.received).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.received).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.received).toHaveLength(2); // cumulative: reported again
    await h.connector.shutdown!();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.received).toHaveLength(3); // the shutdown flush, then no more ticks
  });

  it('logs a failed send and keeps running', async () => {
    const logs: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const ctx = testContext({ id: 'spanmetrics', kind: 'connector', signals: ['traces'], outputSignals: ['metrics'], logger });
    let fail = true;
    const got: Metrics[] = [];
    const c = createSpanMetricsConnector(ctx, {}, { metrics: { consume: async (m) => (fail ? Promise.reject(new Error('down')) : void got.push(m)) } });
    await c.consumers!.traces!.consume(tracesOf([span('a', 1)], svc('s')));
    await c.flush();
    expect(logs.some((l) => l.level === 50 && l.err === 'down')).toBe(true);
    fail = false;
    await c.flush();
    expect(calls(got[0]).a.value).toBe(1n); // cumulative: nothing lost
  });

  it('needs a metrics consumer', () => {
    const ctx = testContext({ id: 'spanmetrics', kind: 'connector', signals: ['traces'], outputSignals: [] });
    expect(() => createSpanMetricsConnector(ctx, {}, {})).toThrow(/no next consumer for metrics/);
  });
});

describe('in a running pipeline', () => {
  it('takes spans from a traces pipeline and feeds a metrics pipeline, flushing on shutdown', async () => {
    let intake: NextConsumers = {};
    const exported: Metrics[] = [];
    const receiver: ComponentFactory = {
      type: 'rcv', kind: 'receiver', signals: ['traces'], stability: 'development', configSchema: {},
      create: (_ctx, _c, next) => ((intake = next), {}),
    };
    const exporter: ComponentFactory = {
      type: 'rec', kind: 'exporter', signals: ['metrics'], stability: 'development', configSchema: {},
      create: () => ({ consumers: { metrics: { consume: async (m: Metrics) => void exported.push(m) } } }),
    };
    const spec = (id: string, factory: ComponentFactory, config: unknown = {}) => new Map([[id, { id, factory, config, configDir: '.' }]]);
    const service = new Service({
      spec: {
        receivers: spec('rcv', receiver),
        processors: new Map(),
        exporters: spec('rec', exporter),
        connectors: spec('span_metrics', spanMetricsConnectorFactory, { dimensions: [{ name: 'http.route' }] }),
        extensions: new Map(),
        pipelines: [
          { id: 'traces', signal: 'traces', receivers: ['rcv'], processors: [], exporters: ['span_metrics'] },
          { id: 'metrics', signal: 'metrics', receivers: ['span_metrics'], processors: [], exporters: ['rec'] },
        ],
        serviceExtensions: [],
      },
      logger: pino({ level: 'silent' }),
      shutdownTimeoutMs: 2000,
      metricsAddress: null,
    });
    await service.start();
    await intake.traces!.consume(tracesOf([span('GET', 1, { attributes: attrs({ 'http.route': '/a' }) })], svc('web')));
    expect(exported).toHaveLength(0); // held until the flush interval (60s) or shutdown
    await service.shutdown();
    expect(exported).toHaveLength(1);
    expect(plain(calls(exported[0]).GET.attributes)).toMatchObject({ 'service.name': 'web', 'http.route': '/a' });
  });
});
