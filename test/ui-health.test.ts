/**
 * The web UI's release, CI and service pages on what real components make, in a real Summit
 * process: @sentry/node's sessions and an error of a release through the sentry receiver;
 * GitHub's own signed webhook deliveries (a workflow run, a production deployment) and two JUnit
 * uploads of one commit (a test failing, then passing) through the github and junit receivers and
 * the cicd connector; traces from the OpenTelemetry SDK through the spanmetrics and servicegraph
 * connectors. The JSON API answers with the crash-free rates of sessions and users, the build of the release, the flaky
 * test with its evidence, DORA's deployments and RED/map from the connectors' metrics; Chromium,
 * driven by Playwright, sees them on the pages; after a restart the same numbers are read back from the lake.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import * as Sentry from '@sentry/node';
import bcrypt from 'bcryptjs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB, tableSource } from '../exporters/parquet/readback.js';
import { startSummit } from './delivery-helpers.js';
import { freePort, ROOT, tempDir, type SummitProcess } from './helpers.js';
import { deliverGithub, githubExample as example } from './github-deliveries.js';
import { waitFor } from './otlp-interop-helpers.js';
import { logIn, screenshot, uiApi } from './ui-helpers.js';


const PASSWORD = 'correct horse battery staple';
const API_TOKEN = 'summit-test-api-token-0123456789';
const WEBHOOK_SECRET = 'webhook secret';
const JUNIT_TOKEN = 'junit-upload-token';
const PROJECT = '7';
const KEY = PROJECT.padStart(32, '0');
const HOSTILE_TEST = '<img src=x onerror=alert(1)>';

const job = example('workflow_job', (e) => e.workflow_job.conclusion === 'success');
const runPayload = example('workflow_run', (e) => e.workflow_run.conclusion === 'success');
runPayload.workflow_run.id = job.workflow_job.run_id;
runPayload.workflow_run.run_attempt = job.workflow_job.run_attempt;
/** Moves every `…_at` time of a payload by `ms`, keeping their spacing. */
function shiftTimes(v: unknown, ms: number): void {
  if (typeof v !== 'object' || v === null) return;
  for (const [k, x] of Object.entries(v)) {
    if (k.endsWith('_at') && typeof x === 'string' && !Number.isNaN(Date.parse(x))) (v as Record<string, unknown>)[k] = new Date(Date.parse(x) + ms).toISOString();
    else shiftTimes(x, ms);
  }
}
// the run happened ten minutes ago: within the 30 days the CI page reads from the lake
const runShift = Date.now() - 600_000 - Date.parse(runPayload.workflow_run.run_started_at);
shiftTimes(runPayload, runShift);
shiftTimes(job, runShift);
const COMMIT: string = runPayload.workflow_run.head_sha;
/** A release named after the commit it was built from, as many teams name theirs. */
const RELEASE = `shop@${COMMIT.slice(0, 7)}`;

let dir = '';
let config = '';
let summit: SummitProcess | undefined;
let browser: Browser | undefined;
let base = '';
const port = { ui: 0, otlp: 0, sentry: 0, github: 0, junit: 0 };
let runTraceId = '';

beforeAll(async () => {
  dir = tempDir('summit-ui-health-');
  for (const k of Object.keys(port) as (keyof typeof port)[]) port[k] = await freePort();
  base = `http://127.0.0.1:${port.ui}`;
  config = `plugins: [${join(ROOT, 'plugins', 'ui')}]
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port.otlp}
  sentry:
    endpoint: 127.0.0.1:${port.sentry}
    projects:
      - { id: ${PROJECT}, name: shop, keys: ["${KEY}"] }
  github:
    webhook:
      endpoint: 127.0.0.1:${port.github}
      secret: ${WEBHOOK_SECRET}
  junit:
    endpoint: 127.0.0.1:${port.junit}
    bearer_token: ${JUNIT_TOKEN}
processors:
  grouping:
    issue_store: issue_store
connectors:
  spanmetrics:
    metrics_flush_interval: 200ms
  servicegraph:
    metrics_flush_interval: 0s
  cicd:
    metrics_flush_interval: 200ms
    storage_path: ./cicd.sqlite
exporters:
  parquet:
    path: ./lake
    max_age: 1s
  ui:
    endpoint: 127.0.0.1:${port.ui}
    issue_store: issue_store
    lake: ./lake
    admin_file: ./ui-admin.json
    users:
      - { name: alice, password_hash: "${bcrypt.hashSync(PASSWORD, 4)}" }
    api_token: ${API_TOKEN}
extensions:
  issue_store:
    path: ./issues.sqlite
service:
  extensions: [issue_store]
  telemetry:
    metrics: { level: none }
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [spanmetrics, servicegraph, ui]
    traces/ci:
      receivers: [github, junit]
      exporters: [cicd, ui, parquet]
    metrics:
      receivers: [spanmetrics, servicegraph, cicd, sentry]
      exporters: [ui, parquet]
    logs/ci:
      receivers: [cicd]
      exporters: [ui, parquet]
    logs/sentry:
      receivers: [sentry]
      processors: [grouping]
      exporters: [ui, parquet]
`;
  summit = await startSummit(dir, config);
  await Promise.all([sendTraces(), sendSentry(), sendCi()]);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await summit?.stop();
});

/** shop-web serves 4 checkouts, each calling payments (a client span and its server span); one charge fails. */
async function sendTraces(): Promise<void> {
  const providers = ['shop-web', 'payments'].map(
    (service) =>
      new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service }),
        spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${port.otlp}/v1/traces` }))],
      }),
  );
  const [web, payments] = providers.map((p) => p.getTracer('ui-health-test'));
  for (let i = 0; i < 4; i++) {
    const root = web.startSpan('POST /checkout', { kind: SpanKind.SERVER });
    const call = web.startSpan('POST /charge', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), root));
    const charge = payments.startSpan('POST /charge', { kind: SpanKind.SERVER }, trace.setSpan(context.active(), call));
    if (i === 0) {
      charge.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      call.setStatus({ code: SpanStatusCode.ERROR });
    }
    charge.end();
    call.end();
    root.end();
  }
  await Promise.all(providers.map((p) => p.forceFlush()));
}

/**
 * Five sessions of the release, as an app using the SDK's session API makes them, by four users:
 * ann twice, healthy once and with a handled error; bob and cid healthy; dan's crashed on an
 * unhandled error (both errors become issues). 80% of sessions and 75% of users are crash-free.
 */
async function sendSentry(): Promise<void> {
  const client = new Sentry.NodeClient({
    dsn: `http://${KEY}@127.0.0.1:${port.sentry}/${PROJECT}`,
    release: RELEASE,
    environment: 'production',
    transport: Sentry.makeNodeTransport,
    stackParser: Sentry.defaultStackParser,
    integrations: [],
  });
  Sentry.getCurrentScope().setClient(client);
  client.init();
  const session = (user: string, during: () => void, ends = true) => {
    Sentry.setUser({ id: user });
    Sentry.startSession();
    Sentry.captureSession();
    during();
    if (ends) Sentry.endSession();
  };
  for (const user of ['ann', 'bob', 'cid']) session(user, () => {});
  session('ann', () => Sentry.captureException(new RangeError('coupon expired')));
  // a crash: the SDK marks the session crashed and sends it with the error; the process is gone, nothing ends it
  session('dan', () => Sentry.captureException(new TypeError('cart is undefined'), { data: { mechanism: { type: 'onuncaughtexception', handled: false } } }), false);
  expect(await client.flush(5000)).toBe(true);
}

async function webhook(event: string, payload: unknown): Promise<void> {
  expect((await deliverGithub(`http://127.0.0.1:${port.github}/events`, WEBHOOK_SECRET, event, payload)).status).toBe(200);
}

async function junit(runId: string, outcome: 'pass' | 'fail'): Promise<void> {
  const testcase = `<testcase classname="cart" name=${JSON.stringify(HOSTILE_TEST.replace(/</g, '&lt;'))} time="0.01">${outcome === 'fail' ? '<failure message="expected 3">AssertionError</failure>' : ''}</testcase>`;
  const q = new URLSearchParams({ provider: 'github', repository: runPayload.repository.full_name, commit: COMMIT, branch: 'main', run_id: runId, run_attempt: '1' });
  const res = await fetch(`http://127.0.0.1:${port.junit}/junit?${q}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${JUNIT_TOKEN}`, 'content-type': 'application/xml' },
    body: `<testsuite name="cart" tests="1">${testcase}</testsuite>`,
  });
  expect(res.status).toBe(200);
}

/** The release's workflow run and job; the test failing in it and passing in a rerun; a push and its production deployment. */
async function sendCi(): Promise<void> {
  await webhook('workflow_job', job);
  await webhook('workflow_run', runPayload);
  await junit(String(runPayload.workflow_run.id), 'fail');
  await junit('999', 'pass');
  const deployment = example('deployment_status', (e) => e.deployment_status.state === 'success' && e.deployment.environment === 'production');
  // the deployed commit was pushed 90 s before the deployment's status: its lead time
  const push = example('push', (e) => e.ref === 'refs/heads/master' && e.commits.length === 1);
  push.after = push.head_commit.id = push.commits[0].id = deployment.deployment.sha;
  push.head_commit.timestamp = push.commits[0].timestamp = new Date(Date.parse(deployment.deployment_status.created_at) - 90_000).toISOString();
  await webhook('push', push);
  await webhook('deployment_status', deployment);
  runTraceId = await eventually(async () => (await api<{ runs: { traceId: string; commit: string }[] }>('/ui/api/ci/runs')).runs.find((r) => r.commit === COMMIT)?.traceId, 'the CI run');
}

const api = <T>(path: string): Promise<T> => uiApi<T>(base, API_TOKEN, path);

/** The value `read` gives once it gives one (within 15 s: the connectors flush on timers). */
const eventually = <T>(read: () => Promise<T | undefined>, what: string): Promise<T> => waitFor(what, read, 15_000);

interface ReleaseRow {
  release: string;
  newIssues: number;
  health: {
    sessions: number;
    errored: number;
    crashed: number;
    crashFreeSessions: number;
    healthySessions: number;
    users: { users: number; errored: number; crashed: number };
    crashFreeUsers: number;
  } | null;
  builds: { traceId: string; commit: string }[];
}

/** A new page of Chromium, logged in as alice. */
async function loggedIn(): Promise<Page> {
  const page = await browser!.newPage();
  await logIn(page, base, 'alice', PASSWORD, '/releases');
  return page;
}

/** The release's row on the Releases page. */
async function releaseCells(page: Page): Promise<Locator> {
  await page.getByRole('link', { name: 'Releases' }).click();
  const release = page.locator('table.releases tr', { hasText: RELEASE });
  await release.waitFor();
  return release;
}

describe('web UI: releases, CI and services from the connectors', () => {
  it('release health from @sentry/node sessions, and the CI run that built the release', async () => {
    const row = await eventually(async () => {
      const r = (await api<{ releases: ReleaseRow[] }>('/ui/api/releases')).releases.find((x) => x.release === RELEASE);
      return r && r.health?.crashed === 1 && r.health.users.crashed === 1 && r.newIssues === 2 ? r : undefined;
    }, 'the release with its sessions and issue');
    expect(row.health).toMatchObject({ sessions: 5, errored: 2, crashed: 1, crashFreeSessions: 0.8, healthySessions: 0.6 });
    expect(row.health).toMatchObject({ users: { users: 4, errored: 2, crashed: 1 }, crashFreeUsers: 0.75 });
    expect(row.builds.map((b) => [b.traceId, b.commit])).toEqual([[runTraceId, COMMIT]]);
  });

  it("crash-free sessions and users in the Parquet lake, by the sentry receiver README's SQL", async () => {
    const readme = readFileSync(join(ROOT, 'receivers', 'sentry', 'items', 'README.md'), 'utf8');
    const lake = tableSource(join(dir, 'lake'), 'metrics');
    /** The first SQL block of the README after `heading`, on the lake. */
    const sqlAfter = (heading: string) => {
      const block = readme.slice(readme.indexOf(heading)).split('```sql\n')[1].split('```')[0];
      return block.replace('FROM metrics', `FROM ${lake}`);
    };
    const [sessions, users] = ['**Crash-free rate.**', 'Crash-free users, from the distinct user hashes:'].map(sqlAfter);
    const db = await openDuckDB();
    const query = async (sql: string) => {
      try {
        const r = (await db.connection.runAndReadAll(sql)).getRowObjectsJson();
        return r.length ? r : undefined;
      } catch (err) {
        if (/No files found/.test(String(err))) return undefined; // the exporter finishes its first file within max_age
        throw err;
      }
    };
    try {
      expect(await eventually(() => query(users), 'the users in the lake')).toEqual([{ release: RELEASE, users: '4', crash_free_users: 0.75 }]);
      expect(await query(sessions)).toEqual([{ release: RELEASE, sessions: '5', crash_free_rate: 0.8, healthy_rate: 0.6 }]);
    } finally {
      db.close();
    }
  });

  it('the flaky test with its evidence, and the deployment in DORA', async () => {
    const [flaky] = await eventually(async () => {
      const { tests } = await api<{ tests: { test: string; commit: string; failed: { trace_id: string; run_id: string }; passed: { run_id: string } }[] }>('/ui/api/ci/flaky');
      return tests.length ? tests : undefined;
    }, 'the flaky test');
    expect(flaky).toMatchObject({ test: `cart.${HOSTILE_TEST}`, commit: COMMIT, failed: { trace_id: runTraceId, run_id: String(runPayload.workflow_run.id) }, passed: { run_id: '999' } });
    const days = await eventually(async () => {
      const { days } = await api<{ days: { deployments: number; changeFailureRate: number | null; leadTimeP50: number | null }[] }>('/ui/api/ci/dora?days=7');
      return days.at(-1)!.deployments > 0 ? days : undefined;
    }, 'the deployment');
    expect(days).toHaveLength(7);
    // 90 s falls in the connector's first lead-time bucket (0, 600 s]: its median is read as the bucket's middle
    expect(days.at(-1)).toMatchObject({ deployments: 1, changeFailureRate: 0, leadTimeP50: 300 });
    const bad = await fetch(`${base}/ui/api/ci/dora?days=0`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect([bad.status, ((await bad.json()) as { detail: string }).detail]).toEqual([400, 'days: expected a whole number from 1 to 35, got 0']);
  });

  it('service health and the map from spanmetrics and servicegraph metrics', async () => {
    const data = await eventually(async () => {
      const d = await api<{ sources: { golden: string; map: string }; golden: { service: string; operation: string; requests: number; errorRate: number; p50: number; p99: number }[]; map: { edges: { from: string; to: string; requests: number; errorRate: number }[] } }>(
        '/ui/api/services',
      );
      const counted = d.golden.filter((g) => g.operation === '*').every((g) => g.requests === 4) && d.map.edges.find((e) => e.to === 'payments')?.requests === 4;
      return d.sources.golden === 'spanmetrics' && d.sources.map === 'servicegraph' && d.golden.length && counted ? d : undefined;
    }, 'RED and the map from the connectors');
    expect(data.golden.filter((g) => g.operation === '*').map((g) => [g.service, g.requests, g.errorRate])).toEqual([
      ['payments', 4, 0.25],
      ['shop-web', 4, 0],
    ]);
    // read from the duration histogram's buckets: interpolated, within its bounds (2 ms … 15 s)
    expect(data.golden.every((g) => g.p50 > 0 && g.p99 <= 15_000)).toBe(true);
    expect(data.map.edges.map((e) => [e.from, e.to, e.requests, e.errorRate])).toContainEqual(['shop-web', 'payments', 4, 0.25]);
  });

  it('Chromium shows them: crash-free sessions and users and the build on Releases, DORA and the flaky test on CI, the sources on Services', async () => {
    const page = await loggedIn();
    const dialogs: string[] = [];
    page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
    const release = await releaseCells(page);
    expect(await release.locator('td.crash-free').textContent()).toBe('80.0%');
    expect(await release.locator('td.crash-free-users').textContent()).toBe('75.0%');
    await screenshot(page, 'releases');
    await release.locator(`td.builds a[href="/ci/${runTraceId}"]`).click();
    await page.waitForURL(`${base}/ci/${runTraceId}`);
    await page.locator('.gantt-row.job').first().waitFor();
    // and back: the run's page names the release it built, linked to the release's issues
    const built = page.locator('.built li', { hasText: RELEASE });
    await built.waitFor();
    expect(await built.textContent()).toContain('2 new issues');
    expect(await built.locator('a').getAttribute('href')).toBe(`/issues?q=${encodeURIComponent(`release:"${RELEASE}"`)}`);

    await page.getByRole('link', { name: 'CI' }).click();
    await page.locator('.dora b.deploys', { hasText: '1' }).waitFor();
    expect(await page.locator('.dora .chart canvas').count()).toBe(4);
    const flaky = page.locator('table.flaky tbody tr');
    await flaky.waitFor();
    expect(await flaky.locator('.test').textContent()).toBe(`cart.${HOSTILE_TEST}`);
    expect(await flaky.locator('td.failed a').getAttribute('href')).toBe(`/ci/${runTraceId}`);
    expect(await page.locator('main img').count()).toBe(0);
    await screenshot(page, 'ci');

    await page.getByRole('link', { name: 'Services' }).click();
    await page.locator('.golden-source', { hasText: 'spanmetrics' }).waitFor();
    expect(await page.locator('.map-source').textContent()).toBe('servicegraph metrics');
    await page.locator('.service-map .edge.failing').waitFor();
    expect(dialogs).toEqual([]);
    await page.close();
  }, 60_000);

  it('after a restart (nothing resent), release health, its users and build, DORA, the issues\' sparklines and service health read back from the lake: the same numbers, on the API and the page', async () => {
    const releaseOf = async () => {
      const r = (await api<{ releases: ReleaseRow[] }>('/ui/api/releases')).releases.find((x) => x.release === RELEASE)!;
      return { newIssues: r.newIssues, health: r.health, builds: r.builds.map((b) => [b.traceId, b.commit]) };
    };
    const dora = () => api<{ days: { deployments: number }[] }>('/ui/api/ci/dora?days=7');
    const sparks = async () =>
      Object.fromEntries((await api<{ issues: { id: string; spark24: number[]; spark14: number[] }[] }>('/ui/api/issues?q=')).issues.map((i) => [i.id, [i.spark24, i.spark14]]));
    type Series = [number, number, number, number][];
    type Map = { services: string[]; edges: { from: string }[] };
    /**
     * RED and the map over the page's longest window; of the per-minute series the minutes with
     * requests (the connectors also send unchanged totals). Without the map's `user` node: with
     * `metrics_flush_interval: 0s` servicegraph sends what its store expired (the entry points'
     * callers) with its next batch, here only at shutdown — into the lake, never to the live store.
     */
    const services = async () => {
      const d = await api<{ golden: { series: Series }[]; map: Map; sources: unknown }>('/ui/api/services?minutes=1440');
      const map = { services: d.map.services.filter((s) => s !== 'user'), edges: d.map.edges.filter((e) => e.from !== 'user') };
      return { ...d, map, golden: d.golden.map((g) => ({ ...g, series: g.series.filter((m) => m[1] > 0) })) };
    };
    // what the tests above saw (waited for here too, so this test also runs alone)
    await eventually(async () => ((await releaseOf()).health?.users.crashed === 1 && (await dora()).days.at(-1)!.deployments === 1) || undefined, 'the release health and the deployment');
    await eventually(async () => ((await services()).golden.length === 4 && Object.keys(await sparks()).length === 2) || undefined, 'RED and both issues');
    const before = { release: await releaseOf(), dora: await dora(), sparks: await sparks(), services: await services() };
    expect(before.release.builds).toHaveLength(1);
    // an event each, in the last hour and day
    expect(Object.values(before.sparks).map(([h24, d14]) => [h24.at(-1), d14.at(-1)])).toEqual([[1, 1], [1, 1]]);
    expect(before.services.sources).toEqual({ golden: 'spanmetrics', map: 'servicegraph' });
    expect(await summit!.stop()).toBe(0); // the parquet exporter finishes its open files
    summit = await startSummit(dir, config);
    expect({ release: await releaseOf(), dora: await dora(), sparks: await sparks(), services: await services() }).toEqual(before);
    // the cicd connector sends its restored DORA totals again meanwhile (every 200 ms): the same numbers still
    await new Promise((r) => setTimeout(r, 500));
    expect(await dora()).toEqual(before.dora);
    const page = await loggedIn();
    const release = await releaseCells(page);
    expect([await release.locator('td.crash-free').textContent(), await release.locator('td.crash-free-users').textContent()]).toEqual(['80.0%', '75.0%']);
    await page.close();
  }, 60_000);
});
