/** `summit issues` as a user runs it, against a database the test filled through the store. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getIssue, IssueDatabase } from '../extensions/issue_store/index.js';
import { SqliteIssueStore } from '../extensions/issue_store/store.js';
import { sentryOccurrence, testIssueId } from '../extensions/issue_store/testing.js';
import { runSummit, tempDir, writeFile } from './helpers.js';

const NOW = Date.now();
const CRASH = '1'.repeat(32);
const TIMEOUT = '2'.repeat(32);
const crashId = testIssueId('shop', CRASH);
const timeoutId = testIssueId('api', TIMEOUT);

const crashEvent = {
  exception: {
    values: [
      {
        type: 'TypeError',
        value: "Cannot read properties of undefined (reading 'id')",
        stacktrace: {
          frames: [
            { function: 'main', filename: 'src/main.js', lineno: 3, colno: 1, in_app: true },
            {
              function: 'getUser',
              filename: 'src/users.js',
              lineno: 12,
              colno: 20,
              in_app: true,
              pre_context: ['function getUser(req) {', '  const session = req.session;'],
              context_line: '  return session.user.id;',
              post_context: ['}'],
            },
          ],
        },
      },
    ],
  },
  breadcrumbs: { values: [{ timestamp: NOW / 1000 - 5, category: 'http', level: 'info', message: 'GET /api/user', data: { status_code: 500 } }] },
};

let dir: string;
let db: string;

beforeAll(async () => {
  dir = tempDir('summit-issues-cli-');
  db = join(dir, 'data', 'issues.sqlite');
  const database = IssueDatabase.open(db, { create: true });
  const store = new SqliteIssueStore(database, { sampleEvents: 10, maxAgeMs: 0, maxIssues: 1000 });
  await store.recordOccurrences([
    sentryOccurrence({ hash: CRASH, title: "TypeError: Cannot read properties of undefined (reading 'id')", culprit: 'getUser(src/users.js)', release: 'shop@1.0', environment: 'prod', user: { id: 'u1' }, timeMs: NOW - 60_000, event: crashEvent }),
    sentryOccurrence({ hash: TIMEOUT, project: 'api', title: 'TimeoutError: upstream timed out', release: 'api@7', timeMs: NOW - 30_000 }),
    sentryOccurrence({ hash: CRASH, title: "TypeError: Cannot read properties of undefined (reading 'id')", culprit: 'getUser(src/users.js)', release: 'shop@1.1', environment: 'staging', user: { id: 'u2' }, tags: { browser: 'Firefox' }, timeMs: NOW - 10_000, event: crashEvent }),
  ]);
  database.close();
});

const issues = (...args: string[]) => runSummit(['issues', ...args]);
const state = (id: string) => {
  const d = IssueDatabase.open(db, { create: false });
  try {
    return getIssue(d, id)!;
  } finally {
    d.close();
  }
};

describe('summit issues', () => {
  it('lists issues as a table and as JSON, filtered and sorted', async () => {
    const [table, json, byEvents, api] = await Promise.all([
      issues('--db', db),
      issues('--db', db, '--format', 'json'),
      issues('--db', db, '--sort', 'events', '--limit', '1', '-f', 'json'),
      issues('--db', db, '--project', 'api', '--status', 'unresolved'),
    ]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +STATUS +EVENTS +USERS +LAST SEEN +FIRST SEEN +PROJECT +TITLE$/);
    // most recently seen first: the crash was seen last
    expect(lines[1]).toMatch(new RegExp(`^${crashId.slice(0, 12)} +unresolved +2 +2 .* shop +TypeError: Cannot read properties of undefined \\(reading 'id'\\)$`));
    expect(lines[2]).toMatch(new RegExp(`^${timeoutId.slice(0, 12)} +unresolved +1 +0 .* api +TimeoutError: upstream timed out$`));
    expect(lines[3]).toBe('(2 issues)');

    const list = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(list.map((i) => i.id)).toEqual([crashId, timeoutId]);
    expect(list[0]).toMatchObject({ project: 'shop', status: 'unresolved', events: 2, users: 2, firstRelease: 'shop@1.0', lastRelease: 'shop@1.1', lastSeen: new Date(NOW - 10_000).toISOString().replace(/\.\d+Z$/, 'Z') });

    expect((JSON.parse(byEvents.stdout) as { id: string }[]).map((i) => i.id)).toEqual([crashId]);
    expect(api.stdout).toContain(timeoutId.slice(0, 12));
    expect(api.stdout).not.toContain(crashId.slice(0, 12));
  });

  it('shows one issue: counts, releases, tags, and the latest event’s stack with source context and breadcrumbs', async () => {
    const r = await issues('show', crashId.slice(0, 6), '--db', db);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out.split('\n').slice(0, 2)).toEqual(["TypeError: Cannot read properties of undefined (reading 'id')", 'getUser(src/users.js)']);
    expect(out).toMatch(/status +unresolved/);
    expect(out).toMatch(/events +2 +users 2/);
    expect(out).toMatch(/releases +shop@1\.(1, shop@1\.0|0, shop@1\.1)/);
    expect(out).toMatch(/environments +(prod, staging|staging, prod)/);
    expect(out).toContain('browser: Firefox (1, 100%)');
    expect(out).toContain(
      [
        "TypeError: Cannot read properties of undefined (reading 'id')",
        '  at getUser (src/users.js:12:20)  [app]',
        '         10 | function getUser(req) {',
        '         11 |   const session = req.session;',
        '    >    12 |   return session.user.id;',
        '         13 | }',
        '  at main (src/main.js:3:1)  [app]',
      ].join('\n'),
    );
    expect(out).toMatch(/Breadcrumbs \(oldest first\)\n {2}\S+Z \[http\] info GET \/api\/user \{"status_code":500\}/);
    expect(out).toContain('Event tags\n  browser: Firefox');

    const json = JSON.parse((await issues('show', crashId, '--db', db, '--format', 'json')).stdout);
    expect(json).toMatchObject({ id: crashId, events: 2, environments: expect.arrayContaining(['prod', 'staging']), latestEvent: { event: { tags: { browser: 'Firefox' } } } });
  });

  it('resolves, ignores and reopens', async () => {
    const resolved = await issues('resolve', timeoutId.slice(0, 8), '--db', db);
    expect(resolved.stdout).toBe(`${timeoutId.slice(0, 12)} resolved: TimeoutError: upstream timed out\n`);
    expect(state(timeoutId).status).toBe('resolved');

    const next = await issues('resolve', crashId, '--next-release', '--db', db);
    expect(next.stdout).toContain('resolved in the next release (reopens for a release newer than shop@1.1)');
    expect(state(crashId)).toMatchObject({ status: 'resolved_in_next_release', resolvedInRelease: 'shop@1.1' });

    const ignored = await issues('ignore', crashId, '--count', '5', '--until', '1h', '--db', db, '--format', 'json');
    expect(JSON.parse(ignored.stdout)).toMatchObject({ id: crashId, status: 'ignored' });
    const ignore = state(crashId).ignore!;
    expect(ignore.events).toEqual({ count: 5, since: 0 });
    expect(ignore.untilMs! - Date.now()).toBeGreaterThan(3500_000);

    const reopened = await issues('reopen', crashId, '--db', db);
    expect(reopened.code).toBe(0);
    expect(state(crashId)).toMatchObject({ status: 'unresolved', ignore: null });
  });

  it('finds the database through the config’s issue_store, relative to the config file', async () => {
    const config = writeFile(
      dir,
      'summit.yaml',
      `receivers: { otlp: { protocols: { http: } } }
exporters: { nop: }
extensions: { issue_store/errors: { path: ./data/issues.sqlite } }
service:
  extensions: [issue_store/errors]
  pipelines: { logs: { receivers: [otlp], exporters: [nop] } }
`,
    );
    const r = await runSummit(['issues', '--config', config, '-f', 'json'], { cwd: tempDir() });
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(2);
  });

  it('says what is wrong: no database, no such issue, bad usage', async () => {
    const missing = join(tempDir(), 'nothing.sqlite');
    const [noDb, noIssue, badStatus, noId, badCount, wrongFlag] = await Promise.all([
      issues('--db', missing),
      issues('show', 'abcdef', '--db', db),
      issues('--status', 'open', '--db', db),
      issues('resolve', '--db', db),
      issues('ignore', crashId, '--count', '0', '--db', db),
      issues('reopen', crashId, '--until', '1h', '--db', db),
    ]);
    expect(noDb.code).toBe(1);
    expect(noDb.stderr).toBe(`summit issues: no issue database at ${missing}: the issue_store extension creates it when Summit starts with one configured\n`);
    expect(noIssue.code).toBe(1);
    expect(noIssue.stderr).toBe(`summit issues: no issue abcdef in ${db}\n`);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain('--status must be one of unresolved, resolved, resolved_in_next_release, ignored, not "open"');
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain('summit issues resolve needs an issue id');
    expect(badCount.code).toBe(2);
    expect(badCount.stderr).toContain('--count must be a whole number of at least 1, not "0"');
    expect(wrongFlag.code).toBe(2);
    expect(wrongFlag.stderr).toContain('--until belongs to ignore, not reopen');
  });
});
