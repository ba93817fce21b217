/**
 * Source maps end to end with the real tools: apps bundled and minified by esbuild, debug ids
 * injected and bundles uploaded by the real `sentry-cli` (the binary of npm's @sentry/cli),
 * errors captured by the real @sentry/node and @sentry/browser (in Chromium), into a real
 * Summit process (sentry receiver with uploads → symbolication → grouping → issue_store), read
 * back from the issue database and through `summit issues show` / `summit sourcemaps` (run in
 * this process, as their command functions; `summit sourcemaps token` as the binary).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { parse } from 'yaml';
import { strToU8, zipSync } from 'fflate';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuesCommand, type IssuesIo } from '../bin/issues.js';
import { sourcemapsCommand } from '../bin/sourcemaps.js';
import { IssueDatabase } from '../extensions/issue_store/index.js';
import type { Frame } from '../pipeline/exceptions/model.js';
import { ensureStopped, startSummit, until } from './delivery-helpers.js';
import { freePort, ROOT, runSummit, tempDir, type SummitProcess } from './helpers.js';
import { recordingTransport, Sentry } from './sentry-sdk.js';

const run = promisify(execFile);
const TOKEN = 'test-upload-token-0123456789abcdef';
const KEY = '0'.repeat(31) + '1';
/** The binary npm's @sentry/cli carries (its platform package, e.g. @sentry/cli-linux-x64). */
const SENTRY_CLI = (createRequire(join(ROOT, 'package.json'))('@sentry/cli') as { SentryCli: { getPath(): string } }).SentryCli.getPath();

/** Ten lines before and after the throw, so five lines of context each side are all real source. */
const MATH = `// arithmetic for the checkout
const LIMIT = 1000;

function check(n) {
  return n < LIMIT;
}

export function divide(a, b) {
  check(a);
  check(b);
  if (b === 0) {
    throw new Error('division by zero');
  }
  return a / b;
}

export function half(a) {
  return divide(a, 2);
}
`;
const THROW_LINE = 12;
const THROW_COLUMN = 11;
const MAIN = `import { divide } from './math.js';

export function computeTotal(values) {
  return values.map((v) => divide(v, v - v));
}
`;

let dir: string;
let summit: SummitProcess | undefined;
let sentryUrl: string;
let dbPath: string;

beforeAll(async () => {
  dir = tempDir('summit-sourcemaps-');
  const port = await freePort();
  sentryUrl = `http://127.0.0.1:${port}`;
  dbPath = join(dir, 'state', 'issues.sqlite');
  summit = await startSummit(
    dir,
    `
receivers:
  sentry:
    endpoint: 127.0.0.1:${port}
    projects: [{ id: 1, name: shop, keys: ["${KEY}"] }]
    uploads:
      artifact_store: issue_store
      token: ${TOKEN}
      max_upload_size: 5000000
processors:
  symbolication:
    artifact_store: issue_store
  grouping:
    issue_store: issue_store
exporters:
  nop:
extensions:
  issue_store:
    path: ./state/issues.sqlite
service:
  extensions: [issue_store]
  telemetry: { metrics: { level: none } }
  pipelines:
    logs:
      receivers: [sentry]
      processors: [symbolication, grouping]
      exporters: [nop]
`,
  );
});

afterAll(async () => {
  await ensureStopped(summit);
  rmSync(dir, { recursive: true, force: true });
});

/** src/ → dist/app.js (+ .map), minified CommonJS for Node.js or an IIFE for the browser. */
function buildApp(name: string, opts: { browser?: string } = {}): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'src'), { recursive: true });
  writeFileSync(join(root, 'src', 'math.js'), MATH);
  writeFileSync(join(root, 'src', 'main.js'), opts.browser ?? MAIN);
  buildSync({
    entryPoints: [join(root, 'src', 'main.js')],
    bundle: true,
    minify: true,
    sourcemap: true,
    ...(opts.browser ? { platform: 'browser', format: 'iife', nodePaths: [join(ROOT, 'node_modules')] } : { platform: 'node', format: 'cjs' }),
    outfile: join(root, 'dist', 'app.js'),
    logLevel: 'silent',
  });
  return root;
}

function sentryCli(args: string[], cwd: string, token = TOKEN) {
  return run(SENTRY_CLI, ['--url', sentryUrl, ...args], { cwd, env: { ...process.env, SENTRY_AUTH_TOKEN: token, SENTRY_LOG_LEVEL: 'warn' } });
}

/** Loads the minified app, calls it so it throws, and sends the error with @sentry/node. */
async function throwAndCapture(root: string, release: string): Promise<string> {
  const log: Parameters<typeof recordingTransport>[0] = [];
  const client = new Sentry.NodeClient({ dsn: `http://${KEY}@${sentryUrl.slice(7)}/1`, release, transport: recordingTransport(log), stackParser: Sentry.defaultStackParser, integrations: [] });
  const scope = new Sentry.Scope();
  scope.setClient(client);
  client.init();
  const app = createRequire(join(root, 'package.json'))('./dist/app.js') as { computeTotal(v: number[]): number[] };
  let eventId = '';
  try {
    app.computeTotal([1, 2]);
  } catch (err) {
    eventId = scope.captureException(err);
  }
  expect(await client.flush(5000)).toBe(true);
  await client.close(1000);
  expect(log.map((l) => l.statusCode)).toEqual([200]);
  return eventId;
}

/** A `summit` subcommand run in this process (the same code as the binary, without a process start per call). */
async function cli(command: (argv: string[], io: IssuesIo) => Promise<number>, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await command(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

function storedEvent(eventId: string): Record<string, unknown> | undefined {
  const db = IssueDatabase.open(dbPath, { create: false });
  try {
    const row = db.sqlite.prepare('SELECT body FROM issue_events WHERE event_id = ?').get(eventId) as { body: string } | undefined;
    return row && JSON.parse(row.body);
  } finally {
    db.close();
  }
}

function crashingFrame(event: Record<string, unknown>): Frame {
  const values = (event.exception as { values: { stacktrace: { frames: Frame[] } }[] }).values;
  return values[values.length - 1].stacktrace.frames.at(-1)!;
}

function issueIdOf(eventId: string): string {
  const db = IssueDatabase.open(dbPath, { create: false });
  try {
    return (db.sqlite.prepare('SELECT issue_id FROM issue_events WHERE event_id = ?').get(eventId) as { issue_id: string }).issue_id;
  } finally {
    db.close();
  }
}

function expectOriginal(frame: Frame, fileSuffix: string) {
  expect(frame.filename!.endsWith(fileSuffix)).toBe(true);
  expect(frame).toMatchObject({ lineno: THROW_LINE, colno: THROW_COLUMN, function: 'divide', in_app: true, context_line: "    throw new Error('division by zero');" });
  const lines = MATH.split('\n');
  expect(frame.pre_context).toEqual(lines.slice(THROW_LINE - 6, THROW_LINE - 1));
  expect(frame.post_context).toEqual(lines.slice(THROW_LINE, THROW_LINE + 5));
}

describe('sentry-cli uploads, @sentry/node errors', () => {
  it('resolves an error through a bundle with debug ids (sourcemaps inject + upload)', async () => {
    const root = buildApp('inject');
    await sentryCli(['sourcemaps', 'inject', 'dist'], root);
    const upload = await sentryCli(['sourcemaps', 'upload', '--org', 'acme', '--project', 'shop', '--release', 'shop@1.0.0', 'dist'], root);
    expect(upload.stdout).toContain('debug id');
    const eventId = await throwAndCapture(root, 'shop@1.0.0');
    await until(() => storedEvent(eventId) !== undefined, 'the event in the issue store');
    const event = storedEvent(eventId)!;
    const frame = crashingFrame(event);
    expectOriginal(frame, 'src/math.js');
    expect(frame.data).toMatchObject({ symbolicated: true, resolved_with: 'debug-id' });
    const caller = (event.exception as { values: { stacktrace: { frames: Frame[] } }[] }).values[0].stacktrace.frames.find((f) => f.filename?.endsWith('src/main.js'));
    expect(caller).toMatchObject({ lineno: 4, function: expect.stringMatching(/computeTotal|<anonymous>|map/) });

    const shown = await cli(issuesCommand, ['show', issueIdOf(eventId), '--db', dbPath]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/at divide \(.*src\/math\.js:12:11\)/);
    expect(shown.stdout).toContain(`>    12 |     throw new Error('division by zero');`);
    expect(shown.stdout).toContain(`     17 | export function half(a) {`);

    const explained = await cli(sourcemapsCommand, ['explain', issueIdOf(eventId).slice(0, 8), '--db', dbPath]);
    expect(explained.stdout).toMatch(/✓ debug-id: source map ~\/app\.js\.map/);
    expect(explained.stdout).toMatch(/→ divide \(.*src\/math\.js:12:11\)/);

    const ls = await cli(sourcemapsCommand, ['ls', '--release', 'shop@1.0.0', '--db', dbPath]);
    expect(ls.stdout).toMatch(/shop@1\.0\.0 +- +source_map +~\/app\.js\.map +[0-9a-f-]{36}/);
  });

  it('resolves through legacy release files (no debug ids), as older tools upload them', async () => {
    const root = buildApp('legacy');
    for (const name of ['app.js', 'app.js.map']) {
      const form = new FormData();
      form.append('file', new Blob([readFileSync(join(root, 'dist', name))]), name);
      form.append('name', `~/${name}`);
      const res = await fetch(`${sentryUrl}/api/0/projects/acme/shop/releases/shop@2.0.0/files/`, { method: 'POST', body: form, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(201);
    }
    const eventId = await throwAndCapture(root, 'shop@2.0.0');
    await until(() => storedEvent(eventId) !== undefined, 'the event in the issue store');
    const frame = crashingFrame(storedEvent(eventId)!);
    expectOriginal(frame, 'src/math.js');
    expect(frame.data).toMatchObject({ resolved_with: 'release', sourcemap: '~/app.js.map' });
  });

  it('re-symbolicates an error sent before its source maps were uploaded', async () => {
    const root = buildApp('late');
    const eventId = await throwAndCapture(root, 'shop@3.0.0');
    await until(() => storedEvent(eventId) !== undefined, 'the event in the issue store');
    const before = crashingFrame(storedEvent(eventId)!);
    expect(before.filename!.endsWith('dist/app.js')).toBe(true);
    expect(before.data).toMatchObject({ symbolicated: false, symbolication_error: { type: 'js_no_source' } });
    const shown = await cli(issuesCommand, ['show', issueIdOf(eventId), '--db', dbPath]);
    expect(shown.stdout).toMatch(/not source-mapped: no source map found for .*dist\/app\.js: .*release "shop@3\.0\.0" dist none: no file uploaded as/);
    const explained = await cli(sourcemapsCommand, ['explain', eventId, '--db', dbPath]);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/✗ debug-id: the event names no debug id/);
    expect(explained.stdout).toMatch(/✗ release: release "shop@3\.0\.0" dist none: no file uploaded as any of .*~\/app\.js/);

    await sentryCli(['sourcemaps', 'upload', '--org', 'acme', '--project', 'shop', '--release', 'shop@3.0.0', 'dist'], root);
    await until(() => crashingFrame(storedEvent(eventId)!).data?.symbolicated === true, 'the stored event re-symbolicated');
    expectOriginal(crashingFrame(storedEvent(eventId)!), 'src/math.js');
    const after = await cli(sourcemapsCommand, ['explain', eventId, '--db', dbPath]);
    expect(after.stdout).toMatch(/✓ release: source map ~\/app\.js\.map/);
    expect(after.stdout).toMatch(/→ divide \(.*src\/math\.js:12:11\)/);
  });
});

describe('@sentry/browser in Chromium', () => {
  it('resolves a browser error from a bundle served over loopback', async () => {
    const page = `import * as Sentry from '@sentry/browser';
import { divide } from './math.js';
Sentry.init({ dsn: ${JSON.stringify(`http://${KEY}@${sentryUrl.slice(7)}/1`)}, release: 'web@1.0.0' });
document.getElementById('go').addEventListener('click', () => divide(1, 0));
window.sentryFlush = () => Sentry.flush(5000);
window.sdkReady = true;
`;
    const root = buildApp('browser', { browser: page });
    await sentryCli(['sourcemaps', 'inject', 'dist'], root);
    await sentryCli(['sourcemaps', 'upload', '--org', 'acme', '--project', 'shop', '--release', 'web@1.0.0', '--url-prefix', '~/static', 'dist'], root);
    const server = await staticServer(join(root, 'dist'));
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const tab = await browser.newPage();
      await tab.goto(server.url);
      await tab.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
      await tab.click('#go');
      await tab.evaluate(() => (window as unknown as { sentryFlush(): Promise<boolean> }).sentryFlush());
    } finally {
      await browser.close();
      server.close();
    }
    const db = IssueDatabase.open(dbPath, { create: false });
    let event: Record<string, unknown> | undefined;
    await until(() => {
      const row = db.sqlite.prepare(`SELECT body FROM issue_events WHERE json_extract(body, '$.release') = 'web@1.0.0'`).get() as { body: string } | undefined;
      event = row && JSON.parse(row.body);
      return event !== undefined;
    }, 'the browser error in the store');
    db.close();
    const frame = crashingFrame(event!);
    expect(frame.abs_path).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/src\/math\.js$/);
    expect(frame).toMatchObject({ lineno: THROW_LINE, colno: THROW_COLUMN, function: 'divide', context_line: "    throw new Error('division by zero');" });
    expect(frame.data).toMatchObject({ resolved_with: 'debug-id' });
    const sdkFrames = ((event!.exception as { values: { stacktrace: { frames: Frame[] } }[] }).values[0].stacktrace.frames).filter((f) => f.filename?.includes('node_modules/@sentry'));
    expect(sdkFrames.every((f) => f.in_app === false)).toBe(true);
  });
});

describe('hostile uploads', () => {
  const api = (path: string) => `${sentryUrl}/api/0/organizations/acme/${path}`;
  const auth = { authorization: `Bearer ${TOKEN}` };

  /** Uploads `bundle` as sentry-cli does (one gzip chunk, then assemble) and returns the assemble answer. */
  async function uploadBundle(bundle: Uint8Array): Promise<{ state: string; detail?: string; missingChunks: string[] }> {
    const sha1 = createHash('sha1').update(bundle).digest('hex');
    const assemble = () => fetch(api('artifactbundle/assemble/'), { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ checksum: sha1, chunks: [sha1], projects: ['shop'], version: 'evil@1' }) });
    const first = (await (await assemble()).json()) as { state: string; missingChunks: string[] };
    expect(first).toEqual({ state: 'not_found', missingChunks: [sha1] });
    const form = new FormData();
    form.append('file_gzip', new Blob([gzipSync(bundle)]), sha1);
    expect((await fetch(api('chunk-upload/'), { method: 'POST', headers: auth, body: form })).status).toBe(200);
    return (await (await assemble()).json()) as { state: string; detail?: string; missingChunks: string[] };
  }

  const manifest = (files: Record<string, unknown>) => strToU8(JSON.stringify({ files, org: 'acme', release: 'evil@1' }));

  it('refuses a wrong token, as sentry-cli reports it', async () => {
    const root = buildApp('wrong-token');
    const failed = await sentryCli(['sourcemaps', 'upload', '--org', 'acme', '--project', 'shop', '--release', 'shop@9', 'dist'], root, 'not-the-token-0123456789').catch((err: { code: number; stderr: string }) => err);
    expect((failed as { code: number }).code).not.toBe(0);
    expect((failed as { stderr: string }).stderr).toMatch(/Invalid token|401/);
    const res = await fetch(api('chunk-upload/'));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
  });

  it('refuses a zip bomb with what it would unpack to', async () => {
    // 8 MB of zeros compress to ~8 KB; the test Summit accepts 5 MB per upload
    const bomb = zipSync({ 'manifest.json': manifest({ 'files/_/_/big.js': { type: 'minified_source', url: '~/big.js' } }), 'files/_/_/big.js': [new Uint8Array(8_000_000), { level: 6 }] });
    expect(bomb.length).toBeLessThan(100_000);
    const answer = await uploadBundle(bomb);
    expect(answer.state).toBe('error');
    expect(answer.detail).toMatch(/unpacks to more than the 5000000 bytes accepted for one upload \(max_upload_size\)/);
  });

  it('refuses a bundle whose paths escape it', async () => {
    const escape = zipSync({ 'manifest.json': manifest({}), '../../../../tmp/evil.js': strToU8('x') });
    const answer = await uploadBundle(escape);
    expect(answer).toMatchObject({ state: 'error', detail: expect.stringMatching(/"\.\.\/\.\.\/\.\.\/\.\.\/tmp\/evil\.js": its path escapes the bundle/) });
    const notMap = zipSync({ 'manifest.json': manifest({ 'files/_/_/a.js.map': { type: 'source_map', url: '~/a.js.map' } }), 'files/_/_/a.js.map': strToU8('<html>') });
    expect(await uploadBundle(notMap)).toMatchObject({ state: 'error', detail: expect.stringContaining('(~/a.js.map): not a source map') });
    const db = IssueDatabase.open(dbPath, { create: false });
    expect(db.sqlite.prepare(`SELECT count(*) AS n FROM artifacts WHERE release = 'evil@1'`).get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses a 2 GB chunk upload before reading it', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(api('chunk-upload/'), { method: 'POST', headers: { ...auth, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(2 * 1024 ** 3) } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write('--x\r\n');
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).detail).toMatch(/request body of 2147483648 bytes exceeds maxRequestSize of the chunk upload 33554432/);
  });
});

describe('the embedded default', () => {
  it('makes the upload token at first use, keeps it, and prints it', async () => {
    const cwd = tempDir('summit-sourcemaps-default-');
    const first = await runSummit(['sourcemaps', 'token'], { cwd });
    expect(first.code).toBe(0);
    const token = first.stdout.trim();
    expect(token).toMatch(/^summit_[0-9a-f]{64}$/);
    expect(readFileSync(join(cwd, 'data', 'sentry-upload-token'), 'utf8').trim()).toBe(token);
    expect(statSync(join(cwd, 'data', 'sentry-upload-token')).mode & 0o777).toBe(0o600);
    expect((await runSummit(['sourcemaps', 'token'], { cwd })).stdout.trim()).toBe(token);
    // the embedded config symbolicates before grouping and takes uploads into the issue store
    const embedded = parse(readFileSync(join(ROOT, 'config', 'default.yaml'), 'utf8')) as {
      receivers: { sentry: { uploads: unknown } };
      service: { pipelines: Record<string, { receivers: string[]; processors: string[] }> };
    };
    expect(embedded.receivers.sentry.uploads).toEqual({ artifact_store: 'issue_store' });
    for (const [name, p] of Object.entries(embedded.service.pipelines)) {
      if (p.processors.includes('grouping')) expect(p.processors.indexOf('symbolication'), name).toBe(p.processors.indexOf('grouping') - 1);
    }
    rmSync(cwd, { recursive: true, force: true });
  });
});

/** Serves `dir` under /static/ and a page loading /static/app.js. */
async function staticServer(root: string): Promise<{ server: Server; url: string; close(): void }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><button id="go">go</button><script src="/static/app.js"></script>');
    if (path === '/static/app.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(root, 'app.js')));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => server.close() };
}
