/**
 * The `cicd` connector fed CI/CD spans as the github and junit receivers make them: DORA values
 * from a known sequence of pushes and deployments, exactly; flaky tests from two uploads and from
 * retries; each run counted once; and what must outlive a restart read back from its SQLite file.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { attrs, logsOf, newLogRecord, newSpan, tracesOf } from '../../pipeline/builders.js';
import type { HistogramDataPoint, Logs, Metric, Metrics, NumberDataPoint, Span } from '../../pipeline/model.js';
import { testContext } from '../../pipeline/testing.js';
import { tempDir } from '../../test/helpers.js';
import { createCicdConnector, type CicdConnector, type CicdConnectorConfig } from './index.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const at = (minutes: number) => BigInt(T0 + minutes * 60_000) * 1_000_000n;
const REPO = { 'service.name': 'shop', 'vcs.repository.name': 'shop' };

function push(commits: [string, number][]): Span {
  return newSpan({
    traceId: 'a'.repeat(32),
    spanId: commits[0][0].padEnd(16, '0').slice(0, 16),
    name: 'push main',
    startTimeUnixNano: at(commits.at(-1)![1]),
    endTimeUnixNano: at(commits.at(-1)![1]),
    attributes: attrs({ 'summit.cicd.span.type': 'push', 'vcs.ref.head.revision': commits.at(-1)![0] }),
    events: commits.map(([sha, m]) => ({ timeUnixNano: at(m), name: 'vcs.commit', attributes: attrs({ 'vcs.ref.head.revision': sha }), droppedAttributesCount: 0 })),
  });
}

function deploy(id: string, sha: string, minutes: number, status: 'succeeded' | 'failed', environment = 'production'): Span {
  return newSpan({
    traceId: 'b'.repeat(32),
    spanId: id.padStart(16, '0'),
    name: `deploy ${environment}`,
    startTimeUnixNano: at(minutes - 1),
    endTimeUnixNano: at(minutes),
    attributes: attrs({
      'summit.cicd.span.type': 'deployment',
      'deployment.id': id,
      'deployment.status': status,
      'deployment.environment.name': environment,
      'vcs.ref.head.revision': sha,
    }),
  });
}

function testCase(name: string, outcome: 'pass' | 'fail', spanId: string, attempt?: number): Span {
  return newSpan({
    traceId: 'c'.repeat(32),
    spanId,
    name,
    startTimeUnixNano: at(0),
    endTimeUnixNano: at(0) + 5_000_000n,
    attributes: attrs({
      'summit.cicd.span.type': 'test_case',
      'test.case.name': name,
      'test.suite.name': 'cart',
      'test.case.result.status': outcome,
      ...(attempt ? { 'test.case.attempt': attempt } : {}),
    }),
  });
}

interface Harness {
  connector: CicdConnector;
  metrics: Metrics[];
  logs: Logs[];
}

let open: CicdConnector[] = [];
afterEach(async () => {
  for (const c of open) await c.shutdown?.();
  open = [];
});

async function connector(dir: string, config: CicdConnectorConfig = {}, nowMs = T0 + 1000 * 60_000): Promise<Harness> {
  const metrics: Metrics[] = [];
  const logs: Logs[] = [];
  const c = createCicdConnector(
    testContext({ id: 'cicd', kind: 'connector' }),
    { storage_path: join(dir, 'cicd.sqlite'), metrics_flush_interval: '1h', ...config },
    { metrics: { consume: async (m) => void metrics.push(m) }, logs: { consume: async (l) => void logs.push(l) } },
    { now: () => nowMs },
  );
  await c.start?.({} as never);
  open.push(c);
  return { connector: c, metrics, logs };
}

async function latest(h: Harness): Promise<Map<string, Metric>> {
  h.metrics.length = 0;
  await h.connector.flush();
  return new Map((h.metrics.at(-1)?.resourceMetrics[0].scopeMetrics[0].metrics ?? []).map((m) => [m.name, m]));
}

const points = (m: Metric | undefined) => (m?.data.dataPoints ?? []) as (NumberDataPoint & HistogramDataPoint)[];
const send = (h: Harness, spans: Span[], resource: Record<string, unknown> = REPO) => h.connector.consumers!.traces!.consume(tracesOf(spans, resource));
const newIssue = (h: Harness, minutes: number, version: string) =>
  h.connector.consumers!.logs!.consume(logsOf([newLogRecord({ timeUnixNano: at(minutes), attributes: attrs({ 'issue.id': 'i1', 'issue.new': true }) })], { 'service.name': 'shop', 'service.version': version }));

describe('cicd connector: DORA', () => {
  it('computes the four DORA values exactly from a known sequence', async () => {
    const h = await connector(tempDir());
    await send(h, [push([['c1', 0], ['c2', 60]])]);
    await send(h, [deploy('1', 'c2', 120, 'succeeded')]); // lead times 7200 s, 3600 s
    await send(h, [push([['c3', 180]])]);
    await send(h, [deploy('2', 'c3', 200, 'failed')]); // a change failure, open from minute 200
    await send(h, [deploy('3', 'c3', 260, 'succeeded')]); // lead time 4800 s; recovery 3600 s
    await send(h, [push([['c4', 300]])]);
    await send(h, [deploy('4', 'c4', 330, 'succeeded')]); // lead time 1800 s
    await send(h, [deploy('5', 'c3', 360, 'succeeded')]); // a rollback: deployment 4 failed; recovery 1800 s
    await send(h, [deploy('s1', 'c4', 365, 'succeeded', 'staging')]); // not production
    await send(h, [push([['c5', 400]])]);
    await send(h, [deploy('6', 'c5', 420, 'succeeded')]); // lead time 1200 s
    await newIssue(h, 450, 'c5'); // a new issue in that release: deployment 6 failed, open from 450
    await send(h, [push([['c6', 460]])]);
    await send(h, [deploy('7', 'c6', 480, 'succeeded')]); // lead time 1200 s; recovery 1800 s
    await send(h, [deploy('7', 'c6', 480, 'succeeded')]); // redelivered: counted once

    const m = await latest(h);
    const labels = { 'vcs.repository.name': 'shop', 'deployment.environment.name': 'production' };
    const deployments = points(m.get('dora.deployments')).map((p) => [p.attributes.get('deployment.status'), p.value]);
    expect(deployments).toEqual([['succeeded', 6n], ['failed', 1n]]);
    expect(points(m.get('dora.change_failures')).map((p) => p.value)).toEqual([3n]);
    expect(points(m.get('dora.change_failure_rate')).map((p) => p.value)).toEqual([3 / 7]);
    const [lead] = points(m.get('dora.lead_time_for_changes'));
    expect([lead.count, lead.sum, lead.min, lead.max]).toEqual([6, 19800, 1200, 7200]);
    expect(Object.fromEntries(lead.attributes)).toEqual(labels);
    const [recovery] = points(m.get('dora.failed_deployment_recovery_time'));
    expect([recovery.count, recovery.sum]).toEqual([3, 7200]);
  });

  it('keeps commits, deployments and open failures across a restart', async () => {
    const dir = tempDir();
    const before = await connector(dir);
    await send(before, [push([['c1', 0]])]);
    await send(before, [deploy('1', 'c0', 10, 'failed')]);
    const [firstStart] = points((await latest(before)).get('dora.deployments')).map((p) => p.startTimeUnixNano);
    await before.connector.shutdown?.();
    open = [];

    const after = await connector(dir, {}, T0 + 2000 * 60_000); // started later
    await send(after, [deploy('2', 'c1', 60, 'succeeded')]);
    const m = await latest(after);
    // the totals continue one series: the start time is the first run's, not a reset
    const starts = (metric: string) => points(m.get(metric)).map((p) => p.startTimeUnixNano);
    expect(starts('dora.deployments')).toEqual([firstStart, firstStart]);
    expect(starts('dora.lead_time_for_changes')).toEqual([firstStart]);
    expect(points(m.get('dora.lead_time_for_changes')).map((p) => p.sum)).toEqual([3600]);
    expect(points(m.get('dora.failed_deployment_recovery_time')).map((p) => p.sum)).toEqual([3000]);
    expect(points(m.get('dora.change_failure_rate')).map((p) => p.value)).toEqual([0.5]);
  });

  it('counts a new issue against a deployment only for its own release and within the window', async () => {
    const h = await connector(tempDir(), { dora: { failure: { new_issue_window: '1h' } } });
    const sha = '0123456789abcdef0123456789abcdef01234567';
    await send(h, [deploy('1', sha, 100, 'succeeded')]);
    await newIssue(h, 110, 'fedcba9876543'); // another release
    await newIssue(h, 200, sha.slice(0, 7)); // this release, but after the window
    expect(points((await latest(h)).get('dora.change_failures')).map((p) => p.value)).toEqual([0n]);
    await newIssue(h, 120, sha.slice(0, 7));
    expect(points((await latest(h)).get('dora.change_failures')).map((p) => p.value)).toEqual([1n]);
  });

  it('takes what counts as production and as a failure from the config', async () => {
    const h = await connector(tempDir(), { dora: { production_environments: ['live'], failure: { failed_deployments: false, rollbacks: false } } });
    await send(h, [deploy('1', 'c1', 10, 'succeeded', 'production'), deploy('2', 'c1', 20, 'failed', 'Live'), deploy('3', 'c2', 30, 'succeeded', 'live'), deploy('4', 'c1', 40, 'succeeded', 'live')]);
    const m = await latest(h);
    expect(points(m.get('dora.deployments')).map((p) => [p.attributes.get('deployment.environment.name'), p.attributes.get('deployment.status'), p.value])).toEqual([
      ['live', 'succeeded', 2n],
      ['live', 'failed', 1n],
    ]);
    expect(points(m.get('dora.change_failures')).map((p) => p.value)).toEqual([0n]);
  });
});

describe('cicd connector: tests', () => {
  it('finds a test flaky from two uploads for one commit, once, with the evidence', async () => {
    const h = await connector(tempDir());
    const upload = (run: string, outcome: 'pass' | 'fail', spanId: string) =>
      send(h, [testCase('cart.totals', outcome, spanId)], { ...REPO, 'vcs.ref.head.revision': 'abc123', 'cicd.pipeline.run.id': run, 'github.workflow.run.attempt': '1' });
    await upload('100', 'fail', '1000000000000001');
    expect(h.logs).toEqual([]);
    await upload('101', 'pass', '1000000000000002');
    await upload('102', 'pass', '1000000000000003');
    await upload('103', 'fail', '1000000000000004');
    expect(h.logs).toHaveLength(1);
    const record = h.logs[0].resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(record.eventName).toBe('cicd.test.flaky');
    expect(record.body).toBe('test cart.totals is flaky on commit abc123: it failed in run 100 attempt 1 and passed in run 101 attempt 1');
    expect(record.spanId).toBe('1000000000000001');
    expect((record.attributes.get('cicd.test.flaky.evidence.passed') as Map<string, unknown>).get('span_id')).toBe('1000000000000002');
    const m = await latest(h);
    expect(points(m.get('cicd.test.flaky')).map((p) => [p.attributes.get('vcs.repository.name'), p.value])).toEqual([['shop', 1n]]);
    const runs = points(m.get('cicd.test.case.runs')).map((p) => [p.attributes.get('test.case.result.status'), p.value]);
    expect(runs).toEqual([['fail', 2n], ['pass', 2n]]);
  });

  it('finds a test flaky within one run from its retries, and not on different commits', async () => {
    const h = await connector(tempDir());
    await send(h, [testCase('cart.discount', 'fail', '2000000000000001', 1), testCase('cart.discount', 'pass', '2000000000000002', 2)], { ...REPO, 'vcs.ref.head.revision': 'def456' });
    await send(h, [testCase('cart.add', 'fail', '2000000000000003')], { ...REPO, 'vcs.ref.head.revision': 'c1' });
    await send(h, [testCase('cart.add', 'pass', '2000000000000004')], { ...REPO, 'vcs.ref.head.revision': 'c2' });
    expect(h.logs.flatMap((l) => l.resourceLogs.map((rl) => rl.scopeLogs[0].logRecords[0].attributes.get('test.case.name')))).toEqual(['cart.discount']);
  });
});

describe('cicd connector: builds', () => {
  it('records run, job, queue and step durations by result, each run once', async () => {
    const h = await connector(tempDir());
    const resource = { ...REPO, 'cicd.pipeline.name': 'CI', 'vcs.ref.head': 'main', 'cicd.pipeline.run.status': 'failure', 'cicd.pipeline.worker.name': 'runner-1' };
    const run = newSpan({ traceId: 'd'.repeat(32), spanId: '3000000000000001', startTimeUnixNano: at(0), endTimeUnixNano: at(10), attributes: attrs({ 'summit.cicd.span.type': 'pipeline_run' }) });
    const job = newSpan({ traceId: 'd'.repeat(32), spanId: '3000000000000002', name: 'build', startTimeUnixNano: at(1), endTimeUnixNano: at(9), attributes: attrs({ 'summit.cicd.span.type': 'job', 'cicd.pipeline.task.name': 'build' }) });
    const queue = newSpan({ traceId: 'd'.repeat(32), spanId: '3000000000000003', name: 'queue-build', startTimeUnixNano: at(1), endTimeUnixNano: at(2), attributes: attrs({ 'summit.cicd.span.type': 'queue' }) });
    await send(h, [run, job, queue], resource);
    await send(h, [run, job, queue], resource);
    const m = await latest(h);
    const [runs] = points(m.get('cicd.pipeline.run.duration'));
    expect([runs.count, runs.sum, runs.attributes.get('cicd.pipeline.result'), runs.attributes.get('vcs.ref.head.name')]).toEqual([1, 600, 'failure', 'main']);
    const [jobs] = points(m.get('cicd.pipeline.task.run.duration'));
    expect([jobs.count, jobs.sum, jobs.attributes.get('cicd.worker.name')]).toEqual([1, 480, 'runner-1']);
    expect(points(m.get('cicd.pipeline.task.run.queue.duration')).map((p) => p.sum)).toEqual([60]);
  });
});
