/**
 * CI/CD observability end to end, in a real `summit` process: GitHub's own example deliveries
 * (@octokit/webhooks-examples), signed, into the `github` receiver; JUnit reports uploaded to the
 * `junit` receiver; the `cicd` connector's metrics served by the `prometheus` exporter and
 * scraped by the real Prometheus server; spans and log records read back from `file` exporters.
 *
 * - a JUnit upload naming its GitHub run and job joins that run's trace under the job's span;
 * - two uploads for one commit, the test failing then passing: one flaky-test record with evidence;
 * - a known sequence of pushes, deployments and a new issue: the four DORA values, exactly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logs, Span, Traces } from '../pipeline/model.js';
import { decodeSignal } from '../pipeline/otlpjson/index.js';
import { deliverGithub, githubExample as example } from './github-deliveries.js';
import { ROOT, SummitProcess, freePort, tempDir, writeFile } from './helpers.js';
import { Prometheus, prometheusBinary, type Sample } from './prometheus-server.js';


const SECRET = 'webhook secret';
const TOKEN = 'upload token';
const T0 = Date.parse('2024-01-01T00:00:00Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString().replace('.000Z', 'Z');

let dir = '';
let summit: SummitProcess | undefined;
let prometheus: Prometheus | undefined;
const port = { github: 0, junit: 0, otlp: 0, metrics: 0, prometheus: 0 };

beforeAll(async () => {
  dir = tempDir('summit-cicd-');
  for (const k of Object.keys(port) as (keyof typeof port)[]) port[k] = await freePort();
  const config = writeFile(
    dir,
    'summit.yaml',
    `receivers:
  github:
    webhook:
      endpoint: 127.0.0.1:${port.github}
      secret: ${SECRET}
  junit:
    endpoint: 127.0.0.1:${port.junit}
    bearer_token: ${TOKEN}
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port.otlp}
connectors:
  cicd:
    storage_path: ${join(dir, 'cicd.sqlite')}
    metrics_flush_interval: 200ms
exporters:
  prometheus:
    endpoint: 127.0.0.1:${port.metrics}
  file/traces:
    path: ${join(dir, 'traces.jsonl')}
  file/logs:
    path: ${join(dir, 'logs.jsonl')}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [github, junit]
      exporters: [cicd, file/traces]
    logs:
      receivers: [junit, otlp]
      exporters: [cicd, file/logs]
    logs/flaky:
      receivers: [cicd]
      exporters: [file/logs]
    metrics:
      receivers: [cicd]
      exporters: [prometheus]
`,
  );
  summit = new SummitProcess(['--config', config], { cwd: ROOT });
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
      - targets: ['127.0.0.1:${port.metrics}']
`,
  );
  prometheus = new Prometheus(prometheusBinary(), port.prometheus, promConfig, join(dir, 'prometheus-data'));
  await prometheus.ready();
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await summit?.stop();
});

const deliver = (event: string, payload: unknown): Promise<Response> => deliverGithub(`http://127.0.0.1:${port.github}/events`, SECRET, event, payload);

async function upload(report: string, params: Record<string, string | number>): Promise<Response> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return fetch(`http://127.0.0.1:${port.junit}/junit?${query}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: report });
}

/** What a file exporter wrote so far, decoded with Summit's OTLP/JSON reader. */
function written<T extends 'traces' | 'logs'>(signal: T): (T extends 'traces' ? Traces : Logs)[] {
  const file = join(dir, `${signal}.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => decodeSignal(signal, JSON.parse(line)) as T extends 'traces' ? Traces : Logs);
}

async function eventually<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; summit log:\n${summit?.stderr.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const spansIn = (traceId: string): Span[] =>
  written('traces').flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))).filter((s) => s.traceId === traceId);

const junitReport = (test: string, failed: boolean) =>
  `<testsuites><testsuite name="cart" timestamp="2024-01-01T00:00:00"><testcase classname="cart" name="${test}" time="0.5">${failed ? '<failure message="expected 10, got 9">at cart.test.js:12</failure>' : ''}</testcase></testsuite></testsuites>`;

describe('CI/CD observability end to end', () => {
  it('a JUnit upload naming its GitHub run and job joins that run trace under the job span', async () => {
    const payload = example('workflow_job', (e) => e.workflow_job.conclusion === 'success');
    const job = payload.workflow_job;
    expect((await deliver('workflow_job', payload)).status).toBe(200);
    const res = await upload(readFileSync(join(ROOT, 'receivers', 'junit', 'testdata', 'pytest.xml'), 'utf8'), {
      provider: 'github',
      repository: payload.repository.full_name,
      commit: job.head_sha,
      run_id: job.run_id,
      run_attempt: job.run_attempt,
      job_id: job.id,
    });
    expect(res.status).toBe(200);
    const { trace_id } = (await res.json()) as { trace_id: string };
    const spans = await eventually(() => {
      const s = spansIn(trace_id);
      return s.some((x) => x.name === job.name) && s.some((x) => x.name === 'pytest') ? s : undefined;
    }, 'the job and the test suite in one trace');
    const jobSpan = spans.find((s) => s.name === job.name)!;
    const suite = spans.find((s) => s.name === 'pytest')!;
    expect(suite.parentSpanId).toBe(jobSpan.spanId);
    expect(spans.filter((s) => s.parentSpanId === suite.spanId).map((s) => s.name).sort()).toEqual([
      'tests.test_math.test_add',
      'tests.test_math.test_div',
      'tests.test_math.test_later',
    ]);
  });

  it('two uploads for one commit, failing then passing: the test is reported flaky once, with evidence', async () => {
    const run = { provider: 'github', repository: 'octo-org/shop', commit: 'f00dfeed0000000000000000000000000000cafe', run_attempt: 1 };
    expect((await upload(junitReport('totals', true), { ...run, run_id: 5001 })).status).toBe(200);
    expect((await upload(junitReport('totals', false), { ...run, run_id: 5002 })).status).toBe(200);
    expect((await upload(junitReport('totals', false), { ...run, run_id: 5003 })).status).toBe(200);
    const flaky = await eventually(() => {
      const records = written('logs').flatMap((l) => l.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)));
      const found = records.filter((r) => r.eventName === 'cicd.test.flaky');
      return found.length ? found : undefined;
    }, 'the flaky-test record');
    expect(flaky).toHaveLength(1);
    expect(flaky[0].body).toBe(`test cart.totals is flaky on commit ${run.commit}: it failed in run 5001 attempt 1 and passed in run 5002 attempt 1`);
    const failed = flaky[0].attributes.get('cicd.test.flaky.evidence.failed') as Map<string, unknown>;
    expect(failed.get('run_id')).toBe('5001');
    expect(flaky[0].traceId).toBe(failed.get('trace_id'));
    const gauge = await prometheus!.waitForQuery('cicd_test_flaky{vcs_repository_name="shop"}', (s) => s.length > 0);
    expect(gauge.map((s) => s.value)).toEqual([1]);
  });

  it('a known sequence of pushes, deployments and a new issue gives the four DORA values exactly', async () => {
    const repository = example('push', () => true).repository;
    repository.name = 'Hello-World';
    let nextId = 1;
    const push = (commits: [string, number][]) => {
      const p = example('push', (e) => e.commits.length > 0);
      p.repository = repository;
      p.ref = 'refs/heads/main';
      p.before = p.after;
      p.after = commits.at(-1)![0];
      p.commits = commits.map(([id, m]) => ({ ...p.commits[0], id, timestamp: iso(m) }));
      p.head_commit = p.commits.at(-1);
      p.repository.pushed_at = (T0 + commits.at(-1)![1] * 60_000) / 1000;
      return deliver('push', p);
    };
    const deploy = (sha: string, minutes: number, state: 'success' | 'failure', environment = 'production') => {
      const d = example('deployment_status', (e) => e.deployment_status.state === 'success');
      d.repository = repository;
      d.deployment = { ...d.deployment, id: nextId++, sha, environment, created_at: iso(minutes - 1) };
      d.deployment_status = { ...d.deployment_status, id: nextId++, state, environment, created_at: iso(minutes) };
      return deliver('deployment_status', d);
    };
    const sha = (n: number) => `${n}`.repeat(40).slice(0, 40);
    const steps: (() => Promise<Response>)[] = [
      () => push([[sha(1), 0], [sha(2), 60]]),
      () => deploy(sha(2), 120, 'success'), // lead times 7200 s and 3600 s
      () => push([[sha(3), 180]]),
      () => deploy(sha(3), 200, 'failure'), // a change failure, open from minute 200
      () => deploy(sha(3), 260, 'success'), // lead time 4800 s; recovered after 3600 s
      () => push([[sha(4), 300]]),
      () => deploy(sha(4), 330, 'success'), // lead time 1800 s
      () => deploy(sha(3), 360, 'success'), // a rollback: the deployment at 330 failed; recovered after 1800 s
      () => deploy(sha(4), 365, 'success', 'staging'), // not production
      () => push([[sha(5), 400]]),
      () => deploy(sha(5), 420, 'success'), // lead time 1200 s
      async () => {
        // grouping's mark on an error that opened a new issue in the release deployed at 420
        const log = {
          resourceLogs: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hello-world' } }, { key: 'service.version', value: { stringValue: sha(5).slice(0, 12) } }] },
              scopeLogs: [{ logRecords: [{ timeUnixNano: String(BigInt(T0 + 450 * 60_000) * 1_000_000n), attributes: [{ key: 'issue.new', value: { boolValue: true } }] }] }],
            },
          ],
        };
        return fetch(`http://127.0.0.1:${port.otlp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(log) });
      },
      () => push([[sha(6), 460]]),
      () => deploy(sha(6), 480, 'success'), // lead time 1200 s; recovered after 1800 s
    ];
    for (const step of steps) expect((await step()).status).toBe(200);

    const repo = 'vcs_repository_name="Hello-World",deployment_environment_name="production"';
    const value = async (q: string, expected: number): Promise<number> => {
      const samples: Sample[] = await prometheus!.waitForQuery(q, (s) => s.length === 1 && s[0].value === expected, 20_000, () => `summit log:\n${summit?.stderr.slice(-3000)}`);
      return samples[0].value;
    };
    // deployment frequency: 6 successful production deployments (1 failed)
    expect(await value(`dora_deployments_total{${repo},deployment_status="succeeded"}`, 6)).toBe(6);
    expect(await value(`dora_deployments_total{${repo},deployment_status="failed"}`, 1)).toBe(1);
    // change failure rate: the failed deployment, the one rolled back, the one that opened an issue
    expect(await value(`dora_change_failures_total{${repo}}`, 3)).toBe(3);
    expect(await value(`dora_change_failure_rate_ratio{${repo}}`, 3 / 7)).toBe(3 / 7);
    // lead time for changes: 7200 + 3600 + 4800 + 1800 + 1200 + 1200 s over 6 commits
    expect(await value(`dora_lead_time_for_changes_seconds_sum{${repo}}`, 19_800)).toBe(19_800);
    expect(await value(`dora_lead_time_for_changes_seconds_count{${repo}}`, 6)).toBe(6);
    // failed deployment recovery time: 3600 + 1800 + 1800 s over 3 failures
    expect(await value(`dora_failed_deployment_recovery_time_seconds_sum{${repo}}`, 7200)).toBe(7200);
    expect(await value(`dora_failed_deployment_recovery_time_seconds_count{${repo}}`, 3)).toBe(3);
  });
});
