/** Metric conditions: window functions, histogram quantiles, absent, and AND/OR/NOT by group. */
import { describe, expect, it } from 'vitest';
import { compileCondition, type ConditionConfig } from './condition.js';
import { SeriesStore } from './series.js';
import { counter, histogram } from './testing.js';
import { quantileOf } from './window.js';

const S = 1000;

function storeWith(names: string[]) {
  return new SeriesStore(3_600_000, new Set(names));
}

describe('window functions', () => {
  it('p95 interpolates inside the bucket, from what the cumulative histogram gained in the window', () => {
    const store = storeWith(['latency']);
    // 100 observations before the window, all fast; then 100 more: 90 under 100 ms, 10 in (250, 500]
    store.ingest(histogram('latency', 'api', [100, 250, 500], [100, 0, 0, 0]), 0);
    store.ingest(histogram('latency', 'api', [100, 250, 500], [190, 0, 10, 0]), 5 * 60 * S);
    const hold = (threshold: number) => compileCondition({ metric: 'latency', function: 'p95', window: '5m', op: '>', threshold }, []).evaluate(store, 5 * 60 * S).holds;
    // rank 95 of 100 falls half way through the (250, 500] bucket: 375 ms
    expect(hold(300).get('')?.value).toBe(375);
    expect(hold(400).size).toBe(0);
    expect(quantileOf(0.5, { count: 4, sum: 0, counts: [2, 2], bounds: [10] })).toBe(10);
  });

  it('rate follows a cumulative counter through a restart', () => {
    const store = storeWith(['n']);
    [100, 160, 20, 80].forEach((v, i) => store.ingest(counter('n', 'a', [{ attrs: {}, value: v }]), i * 10 * S));
    const { holds } = compileCondition({ metric: 'n', function: 'increase', window: '1m', op: '>', threshold: 0 }, []).evaluate(store, 30 * S);
    // +60, restart counted from 0 (+20), +60
    expect(holds.get('')?.value).toBe(140);
  });

  it('increase of a gauge is its change (a new flaky test), not the sum of its values', () => {
    const store = storeWith(['flaky']);
    const gauge = (v: number) => ({
      resourceMetrics: [{ resource: { attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', metrics: [{ name: 'flaky', description: '', unit: '', metadata: new Map(), data: { type: 'gauge' as const, dataPoints: [{ attributes: new Map(), startTimeUnixNano: 0n, timeUnixNano: 0n, value: v, exemplars: [], flags: 0 }] } }] }] }],
    });
    [3, 3, 4].forEach((v, i) => store.ingest(gauge(v), i * 10 * S));
    const rising = compileCondition({ metric: 'flaky', function: 'increase', window: '1h', op: '>', threshold: 0 }, []);
    expect(rising.evaluate(store, 20 * S).holds.get('')?.value).toBe(1);
    store.ingest(gauge(4), 30 * S);
    // an hour after it rose, the window starts at 4 and stays there
    expect(rising.evaluate(store, 21 * S + 3_600_000).holds.size).toBe(0);
  });

  it('absent holds for a group that stopped reporting, and with no group when nothing ever came (dead man’s switch)', () => {
    const store = storeWith(['heartbeat']);
    const absent = (groupBy: string[]) => compileCondition({ metric: 'heartbeat', function: 'absent', window: '10m' }, groupBy);
    expect([...absent([]).evaluate(store, 0).holds.keys()]).toEqual(['']);
    store.ingest(counter('heartbeat', 'a', [{ attrs: {}, value: 1 }]), 0);
    store.ingest(counter('heartbeat', 'b', [{ attrs: {}, value: 1 }]), 9 * 60 * S);
    const holds = absent(['service.name']).evaluate(store, 11 * 60 * S).holds;
    expect([...holds.values()].map((g) => g.labels)).toEqual([{ 'service.name': 'a' }]);
  });
});

describe('all / any / not', () => {
  const store = storeWith(['errors', 'requests']);
  for (const [i, t] of [0, 60 * S].entries()) {
    store.ingest(counter('errors', 'a', [{ attrs: {}, value: i * 10 }]), t);
    store.ingest(counter('errors', 'b', [{ attrs: {}, value: i * 1 }]), t);
    store.ingest(counter('requests', 'a', [{ attrs: {}, value: i * 20 }]), t);
    store.ingest(counter('requests', 'b', [{ attrs: {}, value: i * 1000 }]), t);
  }
  const errors = (threshold: number): ConditionConfig => ({ metric: 'errors', function: 'increase', window: '2m', op: '>', threshold });
  const busy: ConditionConfig = { metric: 'requests', function: 'increase', window: '2m', op: '>', threshold: 100 };
  const services = (c: ConditionConfig) =>
    [...compileCondition(c, ['service.name']).evaluate(store, 60 * S).holds.values()].map((g) => g.labels['service.name']).sort();

  it('combines per group', () => {
    expect(services(errors(0))).toEqual(['a', 'b']);
    expect(services({ all: [errors(0), busy] })).toEqual(['b']);
    expect(services({ any: [errors(5), busy] })).toEqual(['a', 'b']);
    expect(services({ not: busy })).toEqual(['a']);
    expect(services({ all: [errors(0), { not: busy }] })).toEqual(['a']);
  });

  it('names the key path of a mistake', () => {
    expect(() => compileCondition({ all: [errors(0), { metric: 'x', function: 'avg', window: '5m' }] }, [])).toThrow('expr.all[1]: set op (one of > >= < <= == !=) and threshold');
    expect(() => compileCondition({ metric: 'x', function: 'avg', window: '5 minutes', op: '>', threshold: 1 }, [])).toThrow('expr.window: invalid duration "5 minutes"');
    expect(() => compileCondition({ metric: 'x', function: 'mean' as 'avg', window: '5m', op: '>', threshold: 1 }, [])).toThrow('expr.function: expected one of avg, sum');
  });
});
