/**
 * `node dist/bench/run.js ui`: the web UI exporter (plugins/ui) in a real Summit process over an
 * issue store of 100,000 issues and 1,000,000 events — request latency (p50 / p95, measured at
 * the client over loopback, so it bounds the server time) of the issue list, a search, a
 * filter and an issue's detail, against the same queries run in-process on the database (the
 * floor); and the process's memory at idle and under a 5,000 spans/s feed. The trace pages are
 * the `ui-traces` suite.
 * Targets (issue 13): list p95 ≤ 100 ms, detail p95 ≤ 150 ms.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IssueDatabase } from '../extensions/issue_store/db.js';
import { getIssue, listIssues } from '../extensions/issue_store/queries.js';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { generateLoad } from './loadgen.js';
import { freePort, procStatusMiB, startProcess, stopProcess } from './processes.js';
import { syntheticTraces } from './synthetic.js';

const ISSUES = 100_000;
const EVENTS = 1_000_000;
const REQUESTS = 100;
const TOKEN = 'bench-ui-token-0123456789';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SUMMIT = join(ROOT, 'dist', 'bin', 'summit.js');

const hex = (n: number) => n.toString(16).padStart(32, '0');

/** An issue database of ISSUES issues sharing EVENTS events, each with its tags and one sample event. */
function seed(path: string): void {
  const db = IssueDatabase.open(path, { create: true });
  const issue = db.sqlite.prepare(`INSERT INTO issues (issue_id, project, hash, title, culprit, platform, level, status, first_seen, last_seen, times_seen, users_seen, first_release, last_release)
    VALUES (?, '1', ?, ?, ?, 'node', ?, ?, ?, ?, ?, ?, ?, ?)`);
  const tag = db.sqlite.prepare(`INSERT INTO issue_tag_values (issue_id, tag_key, tag_value, times_seen, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)`);
  const event = db.sqlite.prepare(`INSERT INTO issue_events (issue_id, event_id, is_first, event_time, received, body) VALUES (?, ?, 1, ?, ?, ?)`);
  const now = Date.now();
  db.sqlite.transaction(() => {
    for (let i = 0; i < ISSUES; i++) {
      const id = hex(i + 1);
      const events = Math.max(1, Math.round((EVENTS / ISSUES) * (i % 19 === 0 ? 5 : 0.8)));
      const last = now - (i % 10_000) * 60_000;
      const release = `shop@1.${i % 40}.0`;
      const title = `${['TypeError', 'RangeError', 'Error'][i % 3]}: order ${i} cannot be processed`;
      issue.run(id, `h${i}`, title, `processOrder(src/orders/${i % 500}.js)`, i % 7 === 0 ? 'fatal' : 'error', i % 5 === 0 ? 'resolved' : 'unresolved', last - 86_400_000, last, events, events % 50, release, release);
      tag.run(id, 'release', release, events, last - 86_400_000, last);
      tag.run(id, 'environment', i % 2 ? 'production' : 'staging', events, last - 86_400_000, last);
      tag.run(id, 'level', 'error', events, last - 86_400_000, last);
      event.run(id, `e${i}`, last, last, JSON.stringify({ exception: { values: [{ type: 'TypeError', value: title, stacktrace: { frames: Array.from({ length: 12 }, (_, f) => ({ function: `fn${f}`, filename: `src/f${f}.js`, lineno: f, in_app: true })) } }] } }));
    }
  })();
  db.close();
}

async function latencies(fn: () => Promise<unknown> | unknown): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 10; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.ceil(0.5 * ms.length) - 1], p95: ms[Math.ceil(0.95 * ms.length) - 1] };
}

export async function uiSuite(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-ui-'));
  const dbPath = join(dir, 'issues.sqlite');
  const seedStart = performance.now();
  seed(dbPath);
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const [ui, otlp] = [await freePort(), await freePort()];
  const config = join(dir, 'summit.yaml');
  writeFileSync(
    config,
    `plugins: [${join(ROOT, 'plugins', 'ui')}]
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${otlp} } } }
exporters:
  ui: { endpoint: 127.0.0.1:${ui}, issue_store: issue_store, lake: "", api_token: ${TOKEN}, admin_file: ${join(dir, 'ui-admin.json')} }
extensions:
  issue_store: { path: ${dbPath}, retention: { max_age: 0, max_issues: ${ISSUES * 2} } }
service:
  extensions: [issue_store]
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [ui] }
`,
  );
  const child = await startProcess([SUMMIT, '--config', config], /Everything is ready/);
  const rows: string[] = [];
  try {
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${ui}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.arrayBuffer();
    };
    const local = IssueDatabase.open(dbPath, { create: false });
    const cases: [string, string, () => unknown][] = [
      ['issue list (is:unresolved, last seen)', '/ui/api/issues', () => listIssues(local, { status: 'unresolved', limit: 51 })],
      ['issue list sorted by events', '/ui/api/issues?sort=events', () => listIssues(local, { status: 'unresolved', sort: 'events', limit: 51 })],
      ['search: text + release + environment', `/ui/api/issues?q=${encodeURIComponent('is:unresolved release:shop@1.7.0 environment:production order 4')}`, () => listIssues(local, { status: 'unresolved', text: 'order 4', tags: [{ key: 'release', value: 'shop@1.7.0' }, { key: 'environment', value: 'production' }], limit: 51 })],
      ['issue detail', `/ui/api/issues/${hex(4711)}`, () => getIssue(local, hex(4711))],
      ['Sentry API issue list (sentry-cli)', '/api/0/projects/summit/1/issues/?query=is:unresolved', () => listIssues(local, { status: 'unresolved', project: '1', limit: 101 })],
    ];
    rows.push('| case | HTTP p50 | HTTP p95 | in-process query p95 |', '|---|---|---|---|');
    for (const [name, path, query] of cases) {
      const http = await latencies(() => get(path));
      const direct = await latencies(query);
      rows.push(`| ${name} | ${http.p50.toFixed(1)} ms | ${http.p95.toFixed(1)} ms | ${direct.p95.toFixed(1)} ms |`);
    }
    local.close();
    const idle = procStatusMiB(child.pid!, 'VmRSS');
    const body = encodeSignal('traces', syntheticTraces(100));
    const load = await generateLoad({ endpoint: `http://127.0.0.1:${otlp}`, protocol: 'http', durationMs: 10_000, rate: 50, concurrency: 4, body, spansPerRequest: 100 });
    const fed = procStatusMiB(child.pid!, 'VmRSS');
    rows.push(
      '',
      `Memory (RSS) of the Summit process with the ui exporter: ${idle?.toFixed(0)} MiB at idle over the 100k-issue store; ` +
        `${fed?.toFixed(0)} MiB after 10 s of ${(load.acceptedSpans / load.seconds).toFixed(0)} spans/s (live store: up to 100,000 spans).`,
    );
  } finally {
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  }
  return [`### ui (${ISSUES.toLocaleString('en')} issues, ${EVENTS.toLocaleString('en')} events; seeded in ${seedSeconds.toFixed(0)} s; ${REQUESTS} sequential requests per case)`, '', ...rows, ''].join('\n');
}
