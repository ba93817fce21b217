/**
 * The web UI (plugins/ui, loaded as a plugin) end to end in a real Summit process: the real
 * @sentry/node SDK reports an error, the OpenTelemetry SDK sends a trace across two services
 * and logs, GitHub's own webhook deliveries make a CI run — then Chromium, driven by
 * Playwright, logs in, finds and opens the issue, sees its frame with source lines, opens the
 * linked trace's waterfall, resolves the issue, searches logs, sees the service map and RED
 * charts, and opens the CI run's Gantt chart. sentry-cli (npm @sentry/cli) lists and resolves
 * issues through the Sentry-compatible API; without a login nothing is served; a cross-site
 * POST is refused; a hostile message renders as text.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import * as Sentry from '@sentry/node';
import bcrypt from 'bcryptjs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSummit } from './delivery-helpers.js';
import { deliverGithub, githubExample as example } from './github-deliveries.js';
import { freePort, ROOT, tempDir, writeFile, type SummitProcess } from './helpers.js';
import { waitFor } from './otlp-interop-helpers.js';
import { logIn, screenshot, uiApi } from './ui-helpers.js';

const run = promisify(execFile);
const SENTRY_CLI = join(ROOT, 'node_modules', '@sentry', 'cli', 'bin', 'sentry-cli');

const PASSWORD = 'correct horse battery staple';
const API_TOKEN = 'summit-test-api-token-0123456789';
const WEBHOOK_SECRET = 'webhook secret';
const PROJECT = '7';
const KEY = PROJECT.padStart(32, '0');
const HOSTILE = '<img src=x onerror=alert(1)>';

let dir = '';
let summit: SummitProcess | undefined;
let browser: Browser | undefined;
let base = '';
const port = { ui: 0, otlp: 0, sentry: 0, github: 0 };
let traceId = '';
let runTraceId = '';

/** The app's code that fails, as a file on disk so the SDK reads its source lines. */
const APP_SOURCE = `export function applyCoupon(code) {
  const coupons = { SAVE10: 10 };
  if (!(code in coupons)) {
    throw new TypeError(${JSON.stringify(HOSTILE)});
  }
  return coupons[code];
}
`;

beforeAll(async () => {
  dir = tempDir('summit-ui-');
  for (const k of Object.keys(port) as (keyof typeof port)[]) port[k] = await freePort();
  base = `http://127.0.0.1:${port.ui}`;
  summit = await startSummit(
    dir,
    `plugins: [${join(ROOT, 'plugins', 'ui')}]
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
processors:
  grouping:
    issue_store: issue_store
exporters:
  ui:
    endpoint: 127.0.0.1:${port.ui}
    issue_store: issue_store
    lake: ""
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
      receivers: [otlp, github]
      processors: [grouping]
      exporters: [ui]
    logs:
      receivers: [otlp]
      processors: [grouping]
      exporters: [ui]
    logs/sentry:
      receivers: [sentry]
      processors: [grouping]
      exporters: [ui]
`,
  );
  await sendTelemetry();
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await summit?.stop();
});

/** A trace from shop-web calling payments, a log line in it, the SDK's error linked to it, a CI run. */
async function sendTelemetry(): Promise<void> {
  const providers = ['shop-web', 'payments'].map(
    (service) =>
      new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service }),
        spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${port.otlp}/v1/traces` }))],
      }),
  );
  const [web, payments] = providers.map((p) => p.getTracer('ui-test'));
  const root = web.startSpan('POST /checkout', { kind: SpanKind.SERVER });
  traceId = root.spanContext().traceId;
  const charge = payments.startSpan('charge card', { kind: SpanKind.SERVER }, trace.setSpan(context.active(), root));
  charge.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  charge.end();
  root.end();
  await Promise.all(providers.map((p) => p.forceFlush()));

  const logs = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'payments' }),
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `http://127.0.0.1:${port.otlp}/v1/logs` }) })],
  });
  logs.getLogger('ui-test').emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'payment declined for order 4711', context: trace.setSpan(context.active(), charge) });
  await logs.forceFlush();

  const appFile = writeFile(dir, 'coupons.mjs', APP_SOURCE);
  const { applyCoupon } = (await import(appFile)) as { applyCoupon(code: string): number };
  const client = new Sentry.NodeClient({
    dsn: `http://${KEY}@127.0.0.1:${port.sentry}/${PROJECT}`,
    release: 'shop@1.0.0',
    environment: 'production',
    transport: Sentry.makeNodeTransport,
    stackParser: Sentry.defaultStackParser,
    integrations: [Sentry.contextLinesIntegration()],
  });
  const scope = new Sentry.Scope();
  scope.setClient(client);
  client.init();
  scope.setPropagationContext({ traceId, sampleRand: 0.5 });
  scope.setUser({ id: 'user-42' });
  try {
    applyCoupon('FREE');
  } catch (err) {
    scope.captureException(err);
  }
  expect(await client.flush(5000)).toBe(true);

  const job = example('workflow_job', (e) => e.workflow_job.conclusion === 'success');
  const runPayload = example('workflow_run', (e) => e.workflow_run.conclusion === 'success');
  runPayload.workflow_run.id = job.workflow_job.run_id;
  runPayload.workflow_run.run_attempt = job.workflow_job.run_attempt;
  for (const [event, payload] of [['workflow_job', job], ['workflow_run', runPayload]] as const) {
    expect((await deliverGithub(`http://127.0.0.1:${port.github}/events`, WEBHOOK_SECRET, event, payload)).status).toBe(200);
  }
  runTraceId = await eventually(async () => ((await api('/ui/api/ci/runs')) as { runs: { traceId: string }[] }).runs[0]?.traceId, 'the CI run');
  await eventually(async () => ((await api('/ui/api/issues')) as { issues: unknown[] }).issues.length > 0 || undefined, 'the issue');
}

const api = (path: string): Promise<unknown> => uiApi(base, API_TOKEN, path);

/** The value `read` gives once it gives one (within 10 s). */
const eventually = <T>(read: () => Promise<T | undefined>, what: string): Promise<T> => waitFor(what, read, 10_000);


describe('web UI', () => {
  it('a user logs in, triages the issue from its stack and trace, searches logs, sees service health and a CI run', async () => {
    const page = await browser!.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
    await logIn(page, base, 'alice', PASSWORD);

    // the issue list: the hostile message is text, not markup
    const title = page.locator('a.title', { hasText: HOSTILE });
    await title.waitFor();
    expect(await title.textContent()).toBe(`TypeError: ${HOSTILE}`);
    expect(await page.locator('main img').count()).toBe(0);
    await screenshot(page, 'issues');

    // search narrows the list; keyboard opens the focused issue
    await page.getByLabel('Search issues').fill('is:unresolved release:shop@1.0.0 coupon');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=is%3Aunresolved/);
    await title.waitFor();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/issues\/[0-9a-f]{32}$/);

    // the detail: the in-app frame expanded with the line that threw and its neighbours
    const frame = page.locator('details.frame.in-app').filter({ has: page.locator('summary .fn', { hasText: /^applyCoupon$/ }) });
    await frame.waitFor();
    expect(await frame.locator('li.current').textContent()).toContain(`throw new TypeError(${JSON.stringify(HOSTILE)})`);
    expect(await frame.locator('ol.source li').allTextContents()).toContain('  const coupons = { SAVE10: 10 };');
    expect(await page.locator('.tag', { hasText: 'release' }).textContent()).toContain('shop@1.0.0');
    expect(await page.locator('main img').count()).toBe(0);
    await screenshot(page, 'issue');

    // the linked trace: a waterfall of both services' spans
    await page.getByRole('link', { name: 'Open trace' }).click();
    await page.waitForURL(`${base}/traces/${traceId}`);
    await page.locator('.span-row', { hasText: 'charge card' }).waitFor();
    expect(await page.locator('.span-row', { hasText: 'POST /checkout' }).count()).toBe(1);
    expect(await page.locator('.span-row .bar.error').count()).toBe(1);
    await screenshot(page, 'trace');
    // loaded as a page, the trace is fetched once, by the preload its HTML starts beside the script (the page takes it)
    await page.reload();
    await page.locator('.span-row', { hasText: 'charge card' }).waitFor();
    const traceFetches = await page.evaluate((id) => performance.getEntriesByType('resource').filter((e) => e.name.endsWith(`/ui/api/traces/${id}`)).map((e) => (e as PerformanceResourceTiming).initiatorType), traceId);
    expect(traceFetches).toEqual(['link']);
    await page.goBack();

    // resolve it
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.locator('.status.resolved').waitFor();
    await page.getByRole('button', { name: 'Reopen' }).waitFor();

    // logs: search finds the record, linked to its trace
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.getByLabel('Search logs').fill('declined');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.locator('table.logs tr', { hasText: 'payment declined for order 4711' });
    await row.waitFor();
    expect(await row.getByRole('link', { name: 'trace' }).getAttribute('href')).toBe(`/traces/${traceId}`);

    // service health: the map's edge between the services, golden signals, charts
    await page.getByRole('link', { name: 'Services' }).click();
    await page.locator('.service-map .edge').waitFor();
    expect(await page.locator('.service-map .node text').allTextContents()).toEqual(['payments', 'shop-web']);
    expect(await page.locator('.service-map .edge.failing text').textContent()).toContain('100.0% err');
    expect(await page.locator('table.golden tr.service').count()).toBe(2);
    expect(await page.locator('.golden-source').textContent()).toBe('the spans held'); // no spanmetrics connector here
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);
    await screenshot(page, 'services');

    // CI: the run and its Gantt chart of the job and its steps
    await page.getByRole('link', { name: 'CI' }).click();
    await page.locator(`a[href="/ci/${runTraceId}"]`).click();
    await page.locator('.gantt-row.job').first().waitFor();
    expect(await page.locator('.gantt-row.step').count()).toBeGreaterThan(0);
    await screenshot(page, 'ci-run');

    expect(dialogs).toEqual([]);
    await page.close();
  }, 60_000);

  it('sentry-cli lists and resolves issues with the API token', async () => {
    const cli = (...args: string[]) => run(SENTRY_CLI, ['--url', base, '--auth-token', API_TOKEN, 'issues', ...args, '-o', 'summit', '-p', PROJECT], { env: { ...process.env, SENTRY_LOG_LEVEL: 'error' } });
    await cli('unresolve', '--all');
    const listed = (await cli('list')).stdout;
    const row = listed.split('\n').find((l) => l.includes(HOSTILE))!;
    expect(row).toContain('unresolved');
    const id = row.split('|')[1].trim();
    expect(id).toMatch(/^\d+$/);
    expect((await cli('resolve', '-i', id)).stdout).toContain('resolved');
    expect((await cli('list', '--query', 'is:resolved')).stdout).toContain(id);
    expect((await cli('list', '--query', 'is:unresolved')).stdout).not.toContain(id);
    const refused = await run(SENTRY_CLI, ['--url', base, '--auth-token', 'not-the-token-000000000', 'issues', 'list', '-o', 'summit', '-p', PROJECT]).catch((e: { stderr: string }) => e);
    expect((refused as { stderr: string }).stderr).toMatch(/401|log in/i);
  });

  it('without a login every page redirects to the login and every API answers 401', async () => {
    for (const path of ['/', '/issues', `/traces/${traceId}`, '/logs', '/services', '/ci', '/releases']) {
      const res = await fetch(`${base}${path}`, { redirect: 'manual' });
      expect([path, res.status, res.headers.get('location')]).toEqual([path, 302, '/login']);
    }
    for (const path of ['/ui/api/issues', '/ui/api/session', `/ui/api/traces/${traceId}`, '/ui/api/logs', '/api/0/projects/summit/7/issues/']) {
      expect([path, (await fetch(`${base}${path}`)).status]).toEqual([path, 401]);
    }
    const post = await fetch(`${base}/ui/api/issues/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(401);
  });

  it('refuses a cross-site POST made with the logged-in user\'s cookie', async () => {
    const page = await browser!.newPage();
    await logIn(page, base, 'alice', PASSWORD);
    const { issues } = (await api('/ui/api/issues?q=')) as { issues: { id: string; status: string }[] };
    const before = issues[0];
    // another site (same host, other port: SameSite cookies are still sent) posts a form at the UI
    const attacker = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<form id=f method=POST action="${base}/ui/api/issues/status" enctype="text/plain"><input name='{"ids":["${before.id}"],"status":"ignored","x":"' value='"}'></form><script>f.submit()</script>`);
    });
    const attackerPort = await freePort();
    await new Promise<void>((r) => attacker.listen(attackerPort, '127.0.0.1', r));
    try {
      const answer = page.waitForResponse(`${base}/ui/api/issues/status`);
      await page.goto(`http://127.0.0.1:${attackerPort}/`);
      expect((await answer).status()).toBe(403);
    } finally {
      attacker.close();
    }
    const after = ((await api('/ui/api/issues?q=')) as { issues: { id: string; status: string }[] }).issues.find((i) => i.id === before.id)!;
    expect(after.status).toBe(before.status);
    await page.close();
  });
});
