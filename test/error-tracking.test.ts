/**
 * Error tracking end to end: a real Summit process on the default config's error path (sentry
 * receiver → redaction/sentry with Sentry's default scrubbing → grouping → issue_store, and
 * OTLP logs → grouping), fed by the real, unmodified @sentry/node SDK and by raw OTLP/HTTP
 * JSON, read back through the file exporter's output, the SQLite files and `summit issues`.
 *
 * memory_limiter and batch of the default config are left out: neither changes what is grouped
 * or stored, and without batch an SDK request is answered once its event is in the store and
 * the file, so what a flushed client sent can be read straight away.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import * as Sentry from '@sentry/node';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getIssue, IssueDatabase, listIssues, type IssueDetail, type IssueSummary } from '../extensions/issue_store/index.js';
import { renderStacktrace, type ExceptionValue } from '../pipeline/exceptions/index.js';
import { cleanedUpAfterEach, ensureStopped, sleep, startSummit, until } from './delivery-helpers.js';
import { freePort, ROOT, runSummit, tempDir, type SummitProcess } from './helpers.js';
import { authHeader, envelope } from './sentry-helpers.js';
import { recordingTransport } from './sentry-sdk.js';

/** One project per test, so each test's issues and releases are its own in the shared store. */
const PROJECTS = { orders: '11', logins: '12', releases: '13', secrets: '14', otel: '15', crash: '16', browser: '17', node: '18' } as const;
/** A key belongs to one project: each project's key is its id in 32 hex digits. */
const keyOf = (project: string) => project.padStart(32, '0');

function summitConfig(sentryPort: number, otlpPort: number): string {
  const projects = Object.entries(PROJECTS)
    .map(([name, id]) => `      - { id: ${id}, name: ${name}, keys: ["${keyOf(id)}"] }`)
    .join('\n');
  return `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlpPort}
  sentry:
    endpoint: 127.0.0.1:${sentryPort}
    projects:
${projects}
processors:
  redaction/sentry:
    allow_all_keys: true
    data_scrubbing: {}
  grouping:
    issue_store: issue_store
exporters:
  file:
    path: ./out.jsonl
    append: true
extensions:
  issue_store:
    path: ./state/issues.sqlite
service:
  extensions: [issue_store]
  telemetry:
    metrics: { level: none }
  pipelines:
    logs:
      receivers: [otlp]
      processors: [grouping]
      exporters: [file]
    traces:
      receivers: [otlp]
      processors: [grouping]
      exporters: [file]
    logs/sentry:
      receivers: [sentry]
      processors: [redaction/sentry, grouping]
      exporters: [file]
    traces/sentry:
      receivers: [sentry]
      processors: [redaction/sentry, grouping]
      exporters: [file]
`;
}

interface Running {
  dir: string;
  summit: SummitProcess;
  sentryAddress: string;
  otlpEndpoint: string;
  dbPath: string;
}

async function startErrorTracking(dir: string): Promise<Running> {
  const [sentryPort, otlpPort] = [await freePort(), await freePort()];
  const summit = await startSummit(dir, summitConfig(sentryPort, otlpPort));
  return { dir, summit, sentryAddress: `127.0.0.1:${sentryPort}`, otlpEndpoint: `http://127.0.0.1:${otlpPort}`, dbPath: join(dir, 'state', 'issues.sqlite') };
}

const dsn = (r: Running, project: string) => `http://${keyOf(project)}@${r.sentryAddress}/${project}`;

// ---------------------------------------------------------------- the SDK

/**
 * A @sentry/node client as an app sets one up (default transport, Node's stack parser), beside
 * the global one so each test has its own DSN and release.
 */
function sdkClient(dsnUrl: string, release?: string) {
  const log: Parameters<typeof recordingTransport>[0] = [];
  const client = new Sentry.NodeClient({ dsn: dsnUrl, release, transport: recordingTransport(log), stackParser: Sentry.defaultStackParser, integrations: [] });
  const scope = new Sentry.Scope();
  scope.setClient(client);
  client.init();
  return {
    scope,
    /** The events sent, each with the status it was answered. */
    get sent() {
      return log.flatMap(({ items, statusCode }) => items.filter(([type]) => type === 'event').map(([, event]) => ({ event: event as Record<string, unknown>, statusCode })));
    },
    /** Calls `fn`, captures what it throws, and waits until the SDK sent it. */
    async captureThrown(fn: () => void, scopeFn?: (s: Sentry.Scope) => void): Promise<void> {
      try {
        fn();
      } catch (err) {
        const s = scope.clone();
        scopeFn?.(s);
        s.captureException(err);
      }
      expect(await client.flush(5000)).toBe(true);
    },
    async captureMessage(message: string): Promise<void> {
      scope.captureMessage(message, 'error');
      expect(await client.flush(5000)).toBe(true);
    },
    close: () => client.close(2000),
  };
}

// Two code paths that fail with the same message shape but different ids.
function loadOrder(id: number): never {
  throw new Error(`order ${id} not found`);
}
function chargeOrder(id: number): never {
  throw new Error(`order ${id} not found`);
}
function checkout(cart: string): never {
  throw new TypeError(`cart ${cart} is empty`);
}


/**
 * A Node.js app (CommonJS, its packages from this repository) that reports one failure of
 * `checkout` through @sentry/node and another as an OpenTelemetry span exception, with the
 * resource the SDK's process detector finds.
 */
function nodeAppScript(dsnUrl: string, tracesUrl: string, project: string): string {
  return `const { createRequire } = require('node:module');
const need = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
const Sentry = need('@sentry/node');
const { BasicTracerProvider, SimpleSpanProcessor } = need('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = need('@opentelemetry/exporter-trace-otlp-http');
const { defaultResource, detectResources, processDetector, resourceFromAttributes } = need('@opentelemetry/resources');
const { checkout } = require('./src/orders.cjs');

/** Both reports fail at the same place, before any await, so the two stacks are the same calls. */
function attempt(cart, report) {
  try { checkout(cart); } catch (err) { report(err); }
}

async function main() {
  Sentry.init({
    dsn: ${JSON.stringify(dsnUrl)},
    release: 'shop@5.0.0',
    integrations: (defaults) => defaults.filter((i) => i.name !== 'ContextLines'),
  });
  const resource = defaultResource()
    .merge(detectResources({ detectors: [processDetector] }))
    .merge(resourceFromAttributes({ 'service.name': 'shop', 'service.version': 'shop@5.0.0', 'sentry.project.id': ${JSON.stringify(project)} }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: ${JSON.stringify(tracesUrl)} }))] });
  const span = provider.getTracer('shop').startSpan('POST /checkout');
  attempt(42, (err) => Sentry.captureException(err));
  attempt(7, (err) => { span.recordException(err); span.setStatus({ code: 2 }); });
  span.end();
  if (!(await Sentry.flush(5000))) throw new Error('the Sentry event was not sent');
  await provider.shutdown();
  await Sentry.close(2000);
}
main().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
`;
}

// ---------------------------------------------------------------- the browser SDK

/**
 * The packages @sentry/browser's ES modules import, mapped (an import map) to their files under
 * node_modules as each package's `exports` names them for `import`: the unmodified npm build
 * runs in the browser without a bundler.
 */
const BROWSER_SPECIFIERS = ['@sentry/browser', '@sentry/core', '@sentry/core/browser', '@sentry/browser-utils', '@sentry/conventions/attributes', '@sentry/conventions/metrics', '@sentry/conventions/op', '@sentry/feedback', '@sentry/replay', '@sentry/replay-canvas', 'web-vitals'];

function importTarget(specifier: string): string {
  const parts = specifier.split('/');
  const pkg = parts.splice(0, specifier.startsWith('@') ? 2 : 1).join('/');
  const sub = parts;
  const { exports } = JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  let target = exports[sub.length ? `./${sub.join('/')}` : '.'] as Record<string, unknown> | string;
  while (typeof target !== 'string') target = (target.import ?? target.default) as Record<string, unknown> | string;
  return `/node_modules/${pkg}/${target.replace(/^\.\//, '')}`;
}

/** A page that starts @sentry/browser with `dsn` and lets an error escape a handler, as an app would. */
function browserPage(dsnUrl: string): string {
  const imports = Object.fromEntries(BROWSER_SPECIFIERS.map((s) => [s, importTarget(s)]));
  return `<!doctype html><html><head><script type="importmap">${JSON.stringify({ imports })}</script>
<script type="module">
import * as Sentry from '@sentry/browser';
Sentry.init({ dsn: ${JSON.stringify(dsnUrl)}, release: 'web@1.0.0', environment: 'e2e' });
function renderCart(id) { throw new TypeError('cart ' + id + ' cannot be rendered'); }
window.renderCart = renderCart;
document.getElementById('go').addEventListener('click', () => renderCart(17));
window.sentryFlush = () => Sentry.flush(5000);
window.sdkReady = true;
</script></head><body><button id="go">go</button></body></html>`;
}

/** Serves the page and, read-only, the files under node_modules it imports. */
async function pageServer(html: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    if (/^\/node_modules\/(@sentry|web-vitals)\//.test(path) && !path.includes('..')) {
      try {
        return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(ROOT, path)));
      } catch {
        // not there: 404 below
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` };
}

// ---------------------------------------------------------------- reading what Summit wrote

function withDb<T>(path: string, read: (db: IssueDatabase) => T): T {
  const db = IssueDatabase.open(path, { create: false });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const issuesOf = (r: Running, project: string): IssueSummary[] => withDb(r.dbPath, (db) => listIssues(db, { project }));
const issueDetail = (r: Running, id: string): IssueDetail => withDb(r.dbPath, (db) => getIssue(db, id)!);

interface OutRecord {
  attributes: Record<string, unknown>;
  body: unknown;
}

/** Every log record in the file exporter's output (OTLP/JSON lines; span lines skipped), attributes as plain values. */
function outputRecords(r: Running): OutRecord[] {
  const plain = (v: Record<string, unknown>): unknown => Object.values(v)[0];
  return readFileSync(join(r.dir, 'out.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .flatMap((line) =>
      ((JSON.parse(line).resourceLogs ?? []) as { scopeLogs: { logRecords: { attributes?: { key: string; value: Record<string, unknown> }[]; body?: unknown }[] }[] }[]).flatMap((rl) =>
        rl.scopeLogs.flatMap((sl) => sl.logRecords.map((lr) => ({ attributes: Object.fromEntries((lr.attributes ?? []).map((a) => [a.key, plain(a.value)])), body: lr.body }))),
      ),
    );
}

const recordOfEvent = (r: Running, eventId: string) => outputRecords(r).find((rec) => rec.attributes['sentry.event_id'] === eventId);

// ---------------------------------------------------------------- tests

describe('error tracking in a running Summit, from the real Sentry SDK', () => {
  let r: Running;
  const clients: { close(): PromiseLike<boolean> }[] = [];

  beforeAll(async () => {
    r = await startErrorTracking(tempDir('summit-errors-'));
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await ensureStopped(r?.summit);
    if (r) rmSync(r.dir, { recursive: true, force: true });
  });

  function client(project: string, release?: string) {
    const c = sdkClient(dsn(r, project), release);
    clients.push(c);
    return c;
  }

  it('groups errors by code path, not by the ids in their messages', async () => {
    const app = client(PROJECTS.orders, 'orders@1.0.0');
    for (const id of [1234, 9876, 5555, 42]) await app.captureThrown(() => loadOrder(id));
    for (const id of [1234, 7777, 31337]) await app.captureThrown(() => chargeOrder(id));
    expect(app.sent.map((s) => s.statusCode)).toEqual(Array(7).fill(200));

    const issues = issuesOf(r, PROJECTS.orders);
    expect(issues.map((i) => i.events).sort()).toEqual([3, 4]);
    for (const issue of issues) {
      expect(issue.title).toMatch(/^Error: order \d+ not found$/);
      expect(issue.status).toBe('unresolved');
    }
    // which issue is which: the culprit names the function that threw
    expect(issues.find((i) => i.events === 4)!.culprit).toMatch(/^loadOrder\b/);
    expect(issues.find((i) => i.events === 3)!.culprit).toMatch(/^chargeOrder\b/);
  });

  it('groups messages whose numbers, addresses and ids vary into one issue', async () => {
    const app = client(PROJECTS.logins, 'auth@2.0.0');
    await app.captureMessage('user 42 logged in from 10.0.0.1');
    await app.captureMessage('user 77 logged in from 192.168.1.5');
    await app.captureMessage('user 1009 logged in from 172.16.254.3');
    expect(app.sent.map((s) => s.statusCode)).toEqual([200, 200, 200]);

    const issues = issuesOf(r, PROJECTS.logins);
    expect(issues).toHaveLength(1);
    expect(issues[0].events).toBe(3);
    const ids = new Set(app.sent.map((s) => recordOfEvent(r, s.event.event_id as string)!.attributes['issue.id']));
    expect([...ids]).toEqual([issues[0].id]);
  });

  it('a later release reopens an issue resolved in the next release, as a regression; the same release does not', async () => {
    const v1 = client(PROJECTS.releases, 'shop@1.0.0');
    await v1.captureThrown(() => checkout('c-1'));
    const [issue] = issuesOf(r, PROJECTS.releases);
    expect(issue.lastRelease).toBe('shop@1.0.0');

    const resolved = await runSummit(['issues', 'resolve', '--next-release', issue.id, '--db', r.dbPath]);
    expect(resolved.stderr).toBe('');
    expect(resolved.code).toBe(0);
    expect(issueDetail(r, issue.id)).toMatchObject({ status: 'resolved_in_next_release', resolvedInRelease: 'shop@1.0.0' });

    // the release it was resolved in: still resolved, no regression
    await v1.captureThrown(() => checkout('c-2'));
    expect(issueDetail(r, issue.id)).toMatchObject({ status: 'resolved_in_next_release', events: 2 });
    const sameRelease = recordOfEvent(r, v1.sent[1].event.event_id as string)!;
    expect(sameRelease.attributes['issue.id']).toBe(issue.id);
    expect(sameRelease.attributes['issue.regressed']).toBeUndefined();

    // a client of the next release: reopened, and that occurrence is marked
    const v2 = client(PROJECTS.releases, 'shop@1.1.0');
    await v2.captureThrown(() => checkout('c-3'));
    expect(issueDetail(r, issue.id)).toMatchObject({ status: 'unresolved', events: 3, lastRelease: 'shop@1.1.0' });
    const regression = recordOfEvent(r, v2.sent[0].event.event_id as string)!;
    expect(regression.attributes['issue.id']).toBe(issue.id);
    expect(regression.attributes['issue.regressed']).toBe(true);
    const json = await runSummit(['issues', '--db', r.dbPath, '--project', PROJECTS.releases, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject([{ id: issue.id, status: 'unresolved', events: 3 }]);
  });

  it('scrubs secrets before any exporter or the issue store sees them', async () => {
    const SECRETS = {
      card: '4111 1111 1111 1111',
      password: 'hunter2-correct-horse',
      bearer: 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LWJlYXJlcg',
      cookie: 'sessid-7f3a9c1e5b2d',
      breadcrumbToken: 'tok_live_9b8c7d6e5f4a',
    };
    const app = client(PROJECTS.secrets, 'vault@3.1.4');
    app.scope.addBreadcrumb({ category: 'auth', message: 'refreshed the session', data: { token: SECRETS.breadcrumbToken } });
    await app.captureThrown(
      () => {
        throw new Error('payment declined for basket b-5521');
      },
      (s) => {
        s.setExtra('card_on_file', SECRETS.card);
        s.setExtra('basket_colour', 'teal-harmless-extra');
        s.addEventProcessor((event) => ({
          ...event,
          request: {
            method: 'POST',
            url: 'http://shop.example/api/pay',
            data: { password: SECRETS.password, amount: 12 },
            headers: { Authorization: `Bearer ${SECRETS.bearer}`, Cookie: `session=${SECRETS.cookie}; theme=dark`, 'User-Agent': 'e2e-test' },
            cookies: { session: SECRETS.cookie, theme: 'dark' },
          },
        }));
      },
    );
    // the SDK did send every secret: what follows is Summit's doing
    const wire = JSON.stringify(app.sent[0].event);
    for (const secret of Object.values(SECRETS)) expect(wire).toContain(secret);
    expect(app.sent[0].statusCode).toBe(200);

    // SQLite writes through the WAL: the committed pages are in -wal until a checkpoint, so both files are read
    const files = [join(r.dir, 'out.jsonl'), r.dbPath, `${r.dbPath}-wal`];
    const stored = files.map((f) => readFileSync(f).toString('latin1')).join('\n');
    for (const [name, secret] of Object.entries(SECRETS)) expect(stored.includes(secret), `${name} is stored`).toBe(false);
    expect(stored).not.toContain('4111111111111111');
    const [issue] = issuesOf(r, PROJECTS.secrets);
    expect(issue.title).toBe('Error: payment declined for basket b-5521');
    const out = JSON.stringify(recordOfEvent(r, app.sent[0].event.event_id as string));
    const sample = JSON.stringify(issueDetail(r, issue.id).latestEvent!.event);
    for (const kept of [out, sample]) {
      expect(kept).toContain('payment declined for basket b-5521');
      expect(kept).toContain('teal-harmless-extra');
      expect(kept).toContain('refreshed the session');
    }
  });

  it('an OpenTelemetry error with the stack a Sentry event renders to lands in the same issue (Java)', async () => {
    // A Java error as a Sentry SDK sends it (a raw envelope: this file's SDK is JavaScript) and the
    // same error as an OpenTelemetry Java agent logs it, `exception.stacktrace` being the JVM's text
    // of those frames. The frames carry no in_app: OpenTelemetry has no notion of it, so only when
    // the server decides in-app for both (its built-in and configured stack trace rules) can they
    // group alike; a frame the SDK marked in-app and the OTel side cannot know of gives another hash.
    const exception: ExceptionValue = {
      type: 'IllegalStateException',
      module: 'java.lang',
      value: 'inventory 1234 is locked',
      stacktrace: {
        frames: [
          { module: 'java.lang.Thread', function: 'run', filename: 'Thread.java', lineno: 840 },
          { module: 'com.acme.shop.CheckoutService', function: 'reserve', filename: 'CheckoutService.java', lineno: 57 },
          { module: 'com.acme.shop.Inventory', function: 'lock', filename: 'Inventory.java', lineno: 112 },
        ],
      },
    };
    const eventId = 'c0ffee00c0ffee00c0ffee00c0ffee00';
    const event = { event_id: eventId, timestamp: Date.now() / 1000, platform: 'java', level: 'error', release: 'shop@5.0.0', exception: { values: [exception] } };
    const sentry = await fetch(`http://${r.sentryAddress}/api/${PROJECTS.otel}/envelope/`, {
      method: 'POST',
      headers: authHeader(keyOf(PROJECTS.otel)),
      body: new Uint8Array(envelope({ event_id: eventId }, [{ payload: event }])),
    });
    expect(sentry.status).toBe(200);

    const stacktrace = renderStacktrace([exception], 'java');
    expect(stacktrace.split('\n')[0]).toBe('java.lang.IllegalStateException: inventory 1234 is locked');
    const otlp = await fetch(`${r.otlpEndpoint}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceLogs: [
          {
            resource: {
              attributes: [
                { key: 'service.name', value: { stringValue: 'shop' } },
                { key: 'service.version', value: { stringValue: 'shop@5.0.0' } },
                { key: 'telemetry.sdk.language', value: { stringValue: 'java' } },
                // the project the service reports to in Sentry, so both land in one project's issues
                { key: 'sentry.project.id', value: { stringValue: PROJECTS.otel } },
              ],
            },
            scopeLogs: [
              {
                logRecords: [
                  {
                    timeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
                    severityNumber: 17,
                    severityText: 'ERROR',
                    attributes: [
                      { key: 'exception.type', value: { stringValue: 'java.lang.IllegalStateException' } },
                      { key: 'exception.message', value: { stringValue: 'inventory 9876 is locked' } },
                      { key: 'exception.stacktrace', value: { stringValue: stacktrace.replace('1234', '9876') } },
                      { key: 'otel.marker', value: { stringValue: 'from-otlp' } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(otlp.status).toBe(200);

    const records = outputRecords(r);
    const fromSentry = records.find((rec) => rec.attributes['sentry.event_id'] === eventId)!;
    const fromOtel = records.find((rec) => rec.attributes['otel.marker'] === 'from-otlp')!;
    expect(fromSentry.attributes['issue.id']).toMatch(/^[0-9a-f]{32}$/);
    expect(fromOtel.attributes['issue.id']).toBe(fromSentry.attributes['issue.id']);
    expect(fromOtel.attributes['issue.hash']).toBe(fromSentry.attributes['issue.hash']);
    const issues = issuesOf(r, PROJECTS.otel);
    expect(issues).toMatchObject([{ id: fromSentry.attributes['issue.id'], events: 2 }]);
  });

  it('a Node.js app with both SDKs: its OpenTelemetry span exception and its Sentry event land in the same issue', async () => {
    // @sentry/node names an app frame's module by its path under the entry script's directory
    // (`<app>/src/orders.cjs` → `src:orders`); Summit takes that directory from the resource's
    // `process.command`, which the OpenTelemetry SDK's process detector sets to the entry script.
    // The app leaves out the SDK's ContextLines integration: Sentry groups Node frames on their
    // source lines when an event has them, and a stack text has none (see the grouping README).
    const app = tempDir('summit-node-app-');
    try {
      mkdirSync(join(app, 'src'));
      writeFileSync(join(app, 'src', 'orders.cjs'), "exports.checkout = function checkout(cart) {\n  throw new TypeError('cart ' + cart + ' is empty');\n};\n");
      writeFileSync(join(app, 'main.cjs'), nodeAppScript(dsn(r, PROJECTS.node), `${r.otlpEndpoint}/v1/traces`, PROJECTS.node));
      const run = spawnSync(process.execPath, [join(app, 'main.cjs')], { encoding: 'utf8', timeout: 15_000 });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      await until(() => issuesOf(r, PROJECTS.node).reduce((n, i) => n + i.events, 0) === 2, 'both errors stored');
      const [issue] = issuesOf(r, PROJECTS.node);
      expect(issuesOf(r, PROJECTS.node)).toHaveLength(1);
      expect(issue).toMatchObject({ title: expect.stringMatching(/^TypeError: cart (42|7) is empty$/), events: 2 });
      const frames = (issueDetail(r, issue.id).latestEvent!.event as unknown as { exception: { values: ExceptionValue[] } }).exception.values[0].stacktrace!.frames;
      expect(frames.at(-1)).toMatchObject({ function: 'checkout', module: 'src:orders' });
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  it('takes an uncaught error from @sentry/browser in Chromium', async () => {
    const { server, url } = await pageServer(browserPage(dsn(r, PROJECTS.browser)));
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
      // the click handler's error is uncaught: the SDK's global handler reports it
      await page.click('#go');
      await page.evaluate(() => (window as unknown as { sentryFlush(): Promise<boolean> }).sentryFlush());
      await until(() => issuesOf(r, PROJECTS.browser).length > 0, 'the browser error in the store');
    } finally {
      await browser.close();
      server.close();
    }
    const [issue] = issuesOf(r, PROJECTS.browser);
    expect(issue).toMatchObject({ title: 'TypeError: cart 17 cannot be rendered', events: 1, platform: 'javascript', lastRelease: 'web@1.0.0' });
    expect(issue.culprit).toMatch(/^renderCart\b/);
  }, 30_000); // Chromium's start and the SDK's few hundred unbundled modules take seconds on a busy machine
});

describe('error tracking across kill -9', () => {
  const { running, dirs } = cleanedUpAfterEach();

  it('keeps exactly the acknowledged Sentry events of an issue across kill -9 and a restart', async () => {
    const dir = tempDir('summit-errors-crash-');
    dirs.push(dir);
    let r = await startErrorTracking(dir);
    running.push(r.summit);

    let seq = 0;
    let acked = 0;
    let unanswered = 0;
    const post = async (address: string): Promise<number> => {
      const id = (++seq).toString(16).padStart(32, '0');
      const event = {
        event_id: id,
        timestamp: Date.now() / 1000,
        platform: 'node',
        release: 'crash@1.0.0',
        exception: { values: [{ type: 'Error', value: `order ${seq} not found`, stacktrace: { frames: [{ function: 'loadOrder', filename: '/app/orders.js', lineno: 10, in_app: true }] } }] },
      };
      try {
        const res = await fetch(`http://${address}/api/${PROJECTS.crash}/envelope/`, {
          method: 'POST',
          headers: authHeader(keyOf(PROJECTS.crash)),
          body: new Uint8Array(envelope({ event_id: id }, [{ payload: event }])),
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (res.status === 200) acked++;
        else unanswered++;
        return res.status;
      } catch {
        unanswered++;
        return 0;
      }
    };

    let stop = false;
    const address = r.sentryAddress;
    const sending = (async () => {
      while (!stop) {
        await post(address);
        await sleep(2);
      }
    })();
    await until(() => acked >= 40, '40 acknowledged events');
    r.summit.child.kill('SIGKILL');
    await r.summit.exited;
    stop = true;
    await sending;

    // One request at a time, so at most one was in flight at the kill: Summit may have committed
    // it and died before answering (the SDK would retry it: at-least-once). Every other request
    // was either answered 200, and is in the store, or refused with the process gone.
    const storedEvents = () => {
      const issues = issuesOf(r, PROJECTS.crash);
      expect(issues).toHaveLength(1);
      return issues[0].events;
    };
    const afterKill = storedEvents();
    expect(afterKill).toBeGreaterThanOrEqual(acked);
    expect(afterKill).toBeLessThanOrEqual(acked + Math.min(unanswered, 1));

    r = await startErrorTracking(dir);
    running.push(r.summit);
    expect(storedEvents()).toBe(afterKill);
    for (let i = 0; i < 5; i++) expect(await post(r.sentryAddress)).toBe(200);
    expect(await r.summit.stop()).toBe(0);
    expect(storedEvents()).toBe(afterKill + 5);
  });
});
