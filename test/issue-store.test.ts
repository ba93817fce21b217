/**
 * The issue store in a running Summit: errors over OTLP/HTTP → grouping → issue_store. What
 * Summit acknowledged is counted in SQLite across kill -9; other processes read the database,
 * and triage it, while Summit writes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attrs, logsOf, newLogRecord } from '../pipeline/builders.js';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { IssueDatabase, listIssues, type IssueSummary } from '../extensions/issue_store/index.js';
import { cleanedUpAfterEach, sleep, startSummit, until } from './delivery-helpers.js';
import { freePort, runSummit, tempDir } from './helpers.js';

const { running, dirs } = cleanedUpAfterEach();

/** Distinct errors (distinct types group apart); one request carries one record of each. */
const ERROR_TYPES = ['CartError', 'PaymentError', 'StockError'];

function errorsRequest(seq: number): Uint8Array {
  const records = ERROR_TYPES.map((type) =>
    newLogRecord({
      timeUnixNano: BigInt(Date.now()) * 1_000_000n,
      severityText: 'ERROR',
      attributes: attrs({
        'exception.type': type,
        'exception.message': `request ${seq} failed`,
        'exception.stacktrace': `${type}: request ${seq} failed\n    at handle (/app/src/${type}.js:10:5)\n    at main (/app/src/main.js:3:1)`,
        'user.id': `user-${seq % 7}`,
      }),
    }),
  );
  return encodeSignal('logs', logsOf(records, { 'service.name': 'shop', 'service.version': '1.0.0' }));
}

/** Posts error requests one after another and counts the records of every request answered 200. */
class ErrorSender {
  acked = 0;
  /** Requests that got no answer or a refusal: their records may or may not have been recorded. */
  unanswered = 0;
  private seq = 0;
  private stopped = false;
  private loop?: Promise<void>;

  constructor(private readonly endpoint: string) {}

  async post(): Promise<number> {
    const seq = ++this.seq;
    try {
      const res = await fetch(`${this.endpoint}/v1/logs`, {
        method: 'POST',
        body: Buffer.from(errorsRequest(seq)),
        headers: { 'content-type': 'application/x-protobuf' },
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
      if (res.status === 200) this.acked += ERROR_TYPES.length;
      else this.unanswered++;
      return res.status;
    } catch {
      this.unanswered++;
      return 0;
    }
  }

  start(pauseMs = 5): void {
    this.stopped = false;
    this.loop = (async () => {
      while (!this.stopped) {
        await this.post();
        await sleep(pauseMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

async function summitWithStore(dir: string, port: number, exporter = 'nop') {
  const yaml = `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
processors:
  grouping:
    issue_store: issue_store
exporters:
  nop:
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
      exporters: [${exporter}]
`;
  const summit = await startSummit(dir, yaml);
  running.push(summit);
  return summit;
}

function readIssues(path: string): IssueSummary[] {
  const db = IssueDatabase.open(path, { create: false });
  try {
    return listIssues(db);
  } finally {
    db.close();
  }
}

const totalEvents = (issues: IssueSummary[]) => issues.reduce((n, i) => n + i.events, 0);

describe('issue_store in a running Summit', () => {
  it('keeps every acknowledged error across kill -9 and a restart', async () => {
    const dir = tempDir('summit-issues-');
    dirs.push(dir);
    const port = await freePort();
    const dbPath = join(dir, 'state', 'issues.sqlite');
    const sender = new ErrorSender(`http://127.0.0.1:${port}`);

    let summit = await summitWithStore(dir, port);
    sender.start();
    await until(() => sender.acked >= 60, '60 acknowledged errors');
    summit.child.kill('SIGKILL');
    await summit.exited;
    await sender.stop();
    const ackedBeforeKill = sender.acked;
    const unansweredAtKill = sender.unanswered;

    // What a crash leaves: at least everything acknowledged, at most also the one request in flight.
    const afterKill = readIssues(dbPath);
    expect(afterKill).toHaveLength(ERROR_TYPES.length);
    expect(totalEvents(afterKill)).toBeGreaterThanOrEqual(ackedBeforeKill);
    expect(totalEvents(afterKill)).toBeLessThanOrEqual(ackedBeforeKill + unansweredAtKill * ERROR_TYPES.length);

    summit = await summitWithStore(dir, port);
    for (let i = 0; i < 10; i++) expect(await sender.post()).toBe(200);
    await summit.stop();
    const final = readIssues(dbPath);
    expect(totalEvents(final)).toBe(totalEvents(afterKill) + 10 * ERROR_TYPES.length);
    for (const issue of final) {
      expect(issue.events).toBe(totalEvents(final) / ERROR_TYPES.length);
      expect(issue.users).toBe(7);
      expect(issue.lastRelease).toBe('1.0.0');
    }
  });

  it('is read and triaged by other processes while Summit writes; the next error after resolve is a regression', async () => {
    const dir = tempDir('summit-issues-');
    dirs.push(dir);
    const port = await freePort();
    const dbPath = join(dir, 'state', 'issues.sqlite');
    const sender = new ErrorSender(`http://127.0.0.1:${port}`);
    const summit = await summitWithStore(dir, port, 'file');
    sender.start(2);
    try {
      let last = 0;
      for (let i = 0; i < 3; i++) {
        await until(() => sender.acked > last + 30, 'more acknowledged errors');
        const r = await runSummit(['issues', '--db', dbPath, '--format', 'json']);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const events = totalEvents(JSON.parse(r.stdout) as IssueSummary[]);
        expect(events).toBeGreaterThan(last);
        last = events;
      }
      const id = readIssues(dbPath).find((i) => i.title.startsWith('CartError'))!.id;
      const resolved = await runSummit(['issues', 'resolve', id, '--db', dbPath]);
      expect(resolved.stderr).toBe('');
      expect(resolved.stdout).toContain(`${id.slice(0, 12)} resolved: CartError`);
      await until(() => readIssues(dbPath).find((i) => i.id === id)!.status === 'unresolved', 'the resolved issue to reopen');
    } finally {
      await sender.stop();
    }
    expect(await summit.stop()).toBe(0);

    const records = readFileSync(join(dir, 'out.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .flatMap((line) => JSON.parse(line).resourceLogs[0].scopeLogs[0].logRecords as { attributes: { key: string; value: Record<string, unknown> }[] }[]);
    const flagged = (key: string, type: string) =>
      records.filter((r) => r.attributes.some((a) => a.key === key) && r.attributes.some((a) => a.key === 'exception.type' && a.value.stringValue === type)).length;
    for (const type of ERROR_TYPES) expect(flagged('issue.new', type), type).toBe(1);
    expect(flagged('issue.regressed', 'CartError')).toBe(1);
    expect(flagged('issue.regressed', 'StockError')).toBe(0);
  });
});
