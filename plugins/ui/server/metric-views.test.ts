import { describe, expect, it } from 'vitest';
import { countAtMost, histogramQuantile, increases } from './metric-math.js';
import { buildsOf, doraTrends, flakyTests, releaseHealth, servicegraphMap, spanmetricsGolden } from './metric-views.js';
import type { LogRow, MetricPoint } from './rows.js';
import { SeriesHistory } from './series-history.js';
import type { CiRun } from './views.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const MIN = 60_000;
const point = (o: Partial<MetricPoint>): MetricPoint => ({ time: NOW, start: NOW - 10 * MIN, name: 'm', unit: '', service: 'svc', value: 0, attributes: {}, temporality: 'cumulative', resource: {}, ...o });

describe('metric arithmetic', () => {
  it('what each point added: delta values, cumulative differences, restarts, a baseline before the window', () => {
    const old = { start: NOW - 60 * MIN };
    const ps = [
      point({ ...old, time: NOW - 3 * MIN, value: 100 }), // baseline: the series began before the window
      point({ ...old, time: NOW - 2 * MIN, value: 130 }),
      point({ start: NOW - 90_000, time: NOW - MIN, value: 5 }), // restarted
      point({ name: 'fresh', start: NOW - 2 * MIN, time: NOW - MIN, value: 7 }), // began in the window: all of it
      point({ name: 'd', temporality: 'delta', time: NOW - MIN, value: 3 }),
      point({ name: 'g', temporality: 'gauge', value: 9 }),
    ];
    expect(increases(ps, NOW - 5 * MIN).map((i) => [i.point.name, i.value]).sort()).toEqual([['d', 3], ['fresh', 7], ['m', 30], ['m', 5]]);
  });

  it('points of one millisecond, held newest first, are not taken for restarts', () => {
    const ps = [3, 2, 1].map((value) => point({ start: NOW - 2 * MIN, time: NOW - MIN, value }));
    expect(increases(ps, NOW - 5 * MIN).reduce((n, i) => n + i.value, 0)).toBe(3);
  });

  it('histogram quantiles and counts below a threshold, interpolated within buckets', () => {
    const bounds = [10, 20, 40];
    const counts = [0, 10, 10, 0];
    expect(histogramQuantile(0.5, bounds, counts)).toBe(20);
    expect(histogramQuantile(0.95, bounds, counts)).toBe(38);
    expect(histogramQuantile(0.99, bounds, [0, 0, 0, 4])).toBe(40);
    expect(countAtMost(15, bounds, counts)).toBe(5);
    expect(countAtMost(40, bounds, counts)).toBe(20);
  });

  it('the hourly history sums delta points and keeps the latest cumulative point per hour', () => {
    const h = new SeriesHistory(3_600_000, 86_400_000, 10);
    h.add(point({ name: 'd', temporality: 'delta', time: NOW - 2 * MIN, value: 2 }), NOW);
    h.add(point({ name: 'd', temporality: 'delta', time: NOW - MIN, value: 3 }), NOW);
    h.add(point({ time: NOW - 2 * MIN, value: 10 }), NOW);
    h.add(point({ time: NOW - MIN, value: 12 }), NOW);
    h.add(point({ time: NOW - 2 * 86_400_000, value: 1 }), NOW); // too old
    expect([...h.points()].map((p) => [p.name, p.value])).toEqual([['d', 5], ['m', 12]]);
  });
});

describe('views of connector metrics', () => {
  const calls = (op: string, status: string, t: number, value: number) =>
    point({ name: 'traces.span.metrics.calls', time: t, value, attributes: { 'service.name': 'web', 'span.name': op, 'span.kind': 'SPAN_KIND_SERVER', 'status.code': status } });
  const duration = (op: string, t: number, buckets: number[]) =>
    point({ name: 'traces.span.metrics.duration', unit: 'ms', time: t, value: buckets.reduce((a, b) => a + b), bounds: [100, 1000, 4000], buckets, attributes: { 'service.name': 'web', 'span.name': op, 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_UNSET' } });

  it('golden signals from spanmetrics: rate, errors, percentiles and Apdex from the buckets, per minute', () => {
    const ps = [
      calls('GET /', 'STATUS_CODE_UNSET', NOW - 2 * MIN, 8),
      calls('GET /', 'STATUS_CODE_UNSET', NOW - MIN, 18),
      calls('GET /', 'STATUS_CODE_ERROR', NOW - MIN, 2),
      duration('GET /', NOW - 2 * MIN, [8, 0, 0, 0]),
      duration('GET /', NOW - MIN, [16, 2, 2, 0]),
      calls('internal', 'STATUS_CODE_UNSET', NOW - MIN, 99), // not an entry span
    ];
    ps[5].attributes['span.kind'] = 'SPAN_KIND_INTERNAL';
    const [all, get] = spanmetricsGolden(ps, 'traces.span.metrics', 60 * MIN, 500, NOW);
    expect(all).toMatchObject({ service: 'web', operation: '*', requests: 20, rate: 20 / 3600, errorRate: 0.1 });
    expect(get).toMatchObject({ operation: 'GET /', requests: 20 });
    // 16 ≤ 100 ms, 2 in (100, 1000], 2 in (1000, 4000]; T = 500: 16 + 2 × 400/900 satisfied, up to 2000: + the rest of (100,1000] + 2 × 1000/3000
    expect(all.p50).toBeCloseTo(100 * (10 / 16));
    expect(all.p95).toBeCloseTo(1000 + 3000 * (1 / 2));
    const satisfied = 16 + (2 * 400) / 900;
    const tolerating = 18 + (2 * 1000) / 3000 - satisfied;
    expect(all.apdex).toBeCloseTo((satisfied + tolerating / 2) / 20);
    expect(all.series.map((s) => s.slice(0, 3))).toEqual([
      [NOW - 2 * MIN, 8, 0],
      [NOW - MIN, 12, 2],
    ]);
    expect(spanmetricsGolden(ps, 'other', 60 * MIN, 500, NOW)).toEqual([]);
  });

  it('the service map from servicegraph request counters', () => {
    const edge = (name: string, t: number, value: number) => point({ name, time: t, value, attributes: { client: 'web', server: 'pay', connection_type: '' } });
    const ps = [edge('traces_service_graph_request_total', NOW - MIN, 10), edge('traces_service_graph_request_failed_total', NOW - MIN, 4)];
    expect(servicegraphMap(ps, 10 * MIN, NOW)).toEqual({ services: ['pay', 'web'], edges: [{ from: 'web', to: 'pay', requests: 10, rate: 10 / 600, errorRate: 0.4 }] });
    expect(servicegraphMap(ps, 10 * MIN, NOW + 20 * MIN)).toBeUndefined();
  });

  it('release health from sentry.sessions: crash-free and healthy sessions per release', () => {
    const s = (release: string, status: string, value: number) =>
      point({ name: 'sentry.sessions', temporality: 'delta', value, attributes: { 'session.status': status }, resource: { 'service.version': release, 'deployment.environment.name': 'production' } });
    const h = releaseHealth([s('1.0', 'init', 10), s('1.0', 'errored', 3), s('1.0', 'crashed', 1), s('1.0', 'init', 10), s('2.0', 'crashed', 1)]);
    expect(h.get('1.0')).toEqual({ release: '1.0', environments: ['production'], sessions: 20, errored: 3, crashed: 1, abnormal: 0, crashFreeSessions: 0.95, healthySessions: 0.85, users: { users: 0, errored: 0, crashed: 0, abnormal: 0 }, crashFreeUsers: null });
    expect(h.get('2.0')).toMatchObject({ sessions: 0, crashFreeSessions: null });
  });

  it('DORA per day from the cumulative dora metrics', () => {
    const day = 86_400_000;
    const start = NOW - 2 * day - MIN; // the connector started within the window: its first points count whole
    const dep = (t: number, status: string, value: number) => point({ name: 'dora.deployments', start, time: t, value, attributes: { 'deployment.status': status } });
    const ps = [
      dep(NOW - 2 * day, 'succeeded', 2),
      dep(NOW - 2 * day, 'failed', 0),
      dep(NOW, 'succeeded', 5),
      dep(NOW, 'failed', 1),
      point({ name: 'dora.change_failures', start, time: NOW, value: 2 }),
      point({ name: 'dora.lead_time_for_changes', start, time: NOW, value: 4, bounds: [600, 3600], buckets: [0, 4, 0] }),
    ];
    const days = doraTrends(ps, 3, undefined, NOW);
    expect(days.map((d) => [d.deployments, d.failedDeployments, d.changeFailureRate, d.leadTimeP50])).toEqual([
      [2, 0, 0, null],
      [0, 0, null, null],
      [3, 1, 0.5, 2100],
    ]);
  });

  it('flaky tests with their evidence, one per test and commit', () => {
    const r = (time: number): LogRow => ({
      seq: 0,
      time,
      severityText: 'WARN',
      severityNumber: 13,
      body: 'test t is flaky',
      service: 'ci',
      traceId: '',
      spanId: '',
      eventName: 'cicd.test.flaky',
      attributes: { 'vcs.repository.name': 'shop', 'test.case.name': 't', 'vcs.ref.head.revision': 'abc', 'cicd.test.flaky.evidence.failed': '{"run_id":"100"}', 'cicd.test.flaky.evidence.passed': 'not json' },
    });
    expect(flakyTests([r(2), r(1)])).toEqual([{ repository: 'shop', test: 't', suite: '', commit: 'abc', time: 2, message: 'test t is flaky', failed: { run_id: '100' }, passed: {} }]);
  });

  it('the CI runs that built a release: its sha or a 7+ digit prefix in the release name', () => {
    const run = (commit: string) => ({ commit }) as CiRun;
    const runs = [run('1a2b3c4d5e6f'), run('ffff000011112222')];
    expect(buildsOf('shop@1a2b3c4', runs)).toEqual([runs[0]]);
    expect(buildsOf('FFFF000011112222', runs)).toEqual([runs[1]]);
    expect(buildsOf('shop@1.0.0', runs)).toEqual([]);
    expect(buildsOf('1a2b3c', runs)).toEqual([]);
  });
});
