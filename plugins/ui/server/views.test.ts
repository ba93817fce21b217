import { describe, expect, it } from 'vitest';
import type { SpanRow } from './rows.js';
import { ciGantt, ciRuns, durationHistogram, goldenSignals, serviceMap, spanMatches, traceResults } from './views.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');
let n = 0;
const span = (o: Partial<SpanRow>): SpanRow => ({
  traceId: 't1',
  spanId: `s${++n}`,
  parentSpanId: '',
  name: 'GET /',
  service: 'web',
  kind: 'Server',
  start: NOW - 1000,
  durationMs: 10,
  status: 'Unset',
  statusMessage: '',
  attributes: {},
  resource: {},
  events: [],
  links: [],
  ...o,
});

describe('views of spans', () => {
  it('golden signals per service and operation: rate, error rate, percentiles, Apdex', () => {
    const spans = [
      ...Array.from({ length: 98 }, () => span({ durationMs: 100 })),
      span({ durationMs: 1000, status: 'Error' }),
      span({ durationMs: 3000, name: 'POST /pay' }),
      span({ kind: 'Client', parentSpanId: 'x', durationMs: 99999 }), // not an entry span
    ];
    const [all, get, pay] = goldenSignals(spans, 60_000, 500, NOW);
    expect(all).toMatchObject({ service: 'web', operation: '*', requests: 100, rate: 100 / 60, errorRate: 0.01, p50: 100, p95: 100, p99: 1000 });
    // 98 satisfied, 1 tolerating (1000 ms ≤ 4 × 500), 1 frustrated
    expect(all.apdex).toBeCloseTo(98.5 / 100);
    expect(get).toMatchObject({ operation: 'GET /', requests: 99 });
    expect(pay).toMatchObject({ operation: 'POST /pay', requests: 1, apdex: 0 });
    expect(goldenSignals(spans, 60_000, 500, NOW + 120_000)).toEqual([]);
  });

  it('the service map: calls where a parent is in another service, with their rate and error rate', () => {
    const root = span({ service: 'web' });
    const spans = [root, span({ service: 'pay', parentSpanId: root.spanId, status: 'Error' }), span({ service: 'pay', parentSpanId: root.spanId }), span({ service: 'web', parentSpanId: root.spanId })];
    expect(serviceMap(spans, 60_000, NOW)).toEqual({ services: ['pay', 'web'], edges: [{ from: 'web', to: 'pay', requests: 2, rate: 2 / 60, errorRate: 0.5 }] });
  });

  it('trace results: one per trace, named by its root, newest first, with a duration histogram', () => {
    const spans = [span({ traceId: 'a', parentSpanId: 'p', name: 'child', start: NOW - 10, status: 'Error' }), span({ traceId: 'a', name: 'root', start: NOW - 20, durationMs: 300 }), span({ traceId: 'b', start: NOW })];
    const results = traceResults(spans, 10);
    expect(results.map((r) => [r.traceId, r.name, r.error])).toEqual([
      ['b', 'GET /', false],
      ['a', 'root', true],
    ]);
    expect(durationHistogram(results)).toEqual([
      { le: 16, count: 1 },
      { le: 512, count: 1 },
    ]);
    expect(traceResults(spans.filter((s) => spanMatches(s, { name: 'CHILD', status: 'Error' })), 10).map((r) => r.traceId)).toEqual(['a']);
  });

  it('CI runs and a run Gantt from the CI/CD span types', () => {
    const run = span({ traceId: 'r', name: 'CI', attributes: { 'summit.cicd.span.type': 'pipeline_run', 'cicd.pipeline.result': 'success', 'vcs.ref.head.name': 'main' } });
    const job = span({ traceId: 'r', name: 'build', parentSpanId: run.spanId, start: NOW - 500, attributes: { 'summit.cicd.span.type': 'job' } });
    const other = span({ traceId: 'r', name: 'unrelated', start: NOW - 900 });
    expect(ciRuns([run, job, other], 10)).toEqual([expect.objectContaining({ traceId: 'r', name: 'CI', status: 'success', branch: 'main' })]);
    expect(ciGantt([job, run, other]).map((b) => [b.name, b.type])).toEqual([
      ['CI', 'pipeline_run'],
      ['build', 'job'],
    ]);
  });
});
