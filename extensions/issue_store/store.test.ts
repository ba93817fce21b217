import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { attrs, newResource, newScope, newSpan } from '../../pipeline/builders.js';
import { ConsumerError } from '../../pipeline/errors.js';
import type { IssueOccurrence } from '../../pipeline/exceptions/issues.js';
import { IssueDatabase } from './db.js';
import { getIssue, listIssues, setIssueStatus } from './queries.js';
import { MAX_TAG_KEYS, MAX_TAG_VALUES, SqliteIssueStore, type IssueStoreOptions } from './store.js';
import { otelOccurrence, sentryOccurrence, testIssueId } from './testing.js';

const T0 = Date.UTC(2025, 0, 1);
const dirs: string[] = [];
const opened: IssueDatabase[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A store on a fresh database file, with a clock the test moves. */
function fixture(opts: Partial<IssueStoreOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'summit-issues-'));
  dirs.push(dir);
  const path = join(dir, 'nested', 'issues.sqlite');
  const db = IssueDatabase.open(path, { create: true });
  opened.push(db);
  const clock = { now: T0 };
  const store = new SqliteIssueStore(db, { sampleEvents: 10, maxAgeMs: 90 * 24 * 3600_000, maxIssues: 100_000, now: () => clock.now, ...opts });
  const record = (...occurrences: IssueOccurrence[]) => store.recordOccurrences(occurrences);
  const issue = (hash = 'a'.repeat(32), project = 'shop') => getIssue(db, testIssueId(project, hash))!;
  return { dir, path, db, store, clock, record, issue };
}

describe('issue_store: recording occurrences', () => {
  it('opens a new issue on the first occurrence and counts the rest', async () => {
    const { record, issue } = fixture();
    const at = (s: number) => sentryOccurrence({ timeMs: T0 - 60_000 + s * 1000, level: s === 2 ? 'fatal' : 'error' });
    expect(await record(at(0), at(1))).toEqual([
      { new: true, regressed: false },
      { new: false, regressed: false },
    ]);
    expect(await record(at(2))).toEqual([{ new: false, regressed: false }]);
    const i = issue();
    expect(i).toMatchObject({ status: 'unresolved', events: 3, project: 'shop', level: 'fatal', firstSeen: T0 - 60_000, lastSeen: T0 - 58_000, hashes: ['a'.repeat(32)] });
  });

  it('answers concurrent calls each with its own verdicts, in call order (they share a transaction)', async () => {
    const { store, issue } = fixture();
    const calls = await Promise.all([
      store.recordOccurrences([sentryOccurrence(), sentryOccurrence({ hash: 'b'.repeat(32) })]),
      store.recordOccurrences([sentryOccurrence()]),
      store.recordOccurrences([]),
      store.recordOccurrences([sentryOccurrence({ hash: 'b'.repeat(32) }), sentryOccurrence({ hash: 'c'.repeat(32) })]),
    ]);
    expect(calls.map((v) => v.map((x) => x.new))).toEqual([[true, true], [false], [], [false, true]]);
    expect(issue().events).toBe(2);
  });

  it('keeps each project and hash apart', async () => {
    const { record, db } = fixture();
    const verdicts = await record(sentryOccurrence({ hash: '1'.repeat(32) }), sentryOccurrence({ hash: '2'.repeat(32) }), sentryOccurrence({ hash: '1'.repeat(32), project: 'api' }));
    expect(verdicts.map((v) => v.new)).toEqual([true, true, true]);
    expect(listIssues(db)).toHaveLength(3);
    expect(listIssues(db, { project: 'api' }).map((i) => i.id)).toEqual([testIssueId('api', '1'.repeat(32))]);
  });

  it('takes event times within Relay’s bounds and the arrival time otherwise', async () => {
    const { record, issue } = fixture();
    await record(sentryOccurrence({ timeMs: T0 + 3600_000 }), sentryOccurrence({ timeMs: 0 }), sentryOccurrence({ timeMs: T0 - 31 * 24 * 3600_000 }));
    expect(issue()).toMatchObject({ firstSeen: T0, lastSeen: T0 });
  });

  it('counts distinct users: Sentry’s user, else the OpenTelemetry attributes', async () => {
    const { record, issue } = fixture();
    await record(
      sentryOccurrence({ user: { id: 'u1', email: 'a@example.com' } }),
      sentryOccurrence({ user: { id: 'u1' } }),
      sentryOccurrence({ user: { email: 'a@example.com' } }), // no id: identified by email, another user as Sentry counts
      sentryOccurrence({ user: { ip_address: '{{auto}}' } }), // nobody
      sentryOccurrence(),
      otelOccurrence({ attributes: { 'user.id': 'u2' } }),
      otelOccurrence({ attributes: { 'client.address': '10.0.0.1' } }),
      otelOccurrence({ attributes: { 'client.address': '10.0.0.1' } }),
    );
    expect(issue().users).toBe(4);
    await record(sentryOccurrence({ user: { id: 'u2' } }));
    expect(issue().users).toBe(4);
  });

  it('remembers first and last release, environments and the most frequent tag values', async () => {
    const { record, issue } = fixture();
    await record(
      sentryOccurrence({ release: 'shop@1.0', environment: 'prod', tags: { browser: 'Firefox', region: 'eu' } }),
      sentryOccurrence({ release: 'shop@1.1', environment: 'staging', tags: { browser: 'Chrome' } }),
      sentryOccurrence({ release: 'shop@1.1', environment: 'prod', tags: { browser: 'Chrome', ['k'.repeat(201)]: 'dropped' } }),
    );
    const i = issue();
    expect(i).toMatchObject({ firstRelease: 'shop@1.0', lastRelease: 'shop@1.1', environments: ['prod', 'staging'], releases: ['shop@1.1', 'shop@1.0'] });
    const tags = Object.fromEntries(i.tags.map((t) => [t.key, t.values.map((v) => [v.value, v.count])]));
    expect(tags).toEqual({
      browser: [
        ['Chrome', 2],
        ['Firefox', 1],
      ],
      environment: [
        ['prod', 2],
        ['staging', 1],
      ],
      level: [['error', 3]],
      region: [['eu', 1]],
      release: [
        ['shop@1.1', 2],
        ['shop@1.0', 1],
      ],
    });
  });

  it('bounds the values kept per tag key, and a value that becomes frequent late still rises to the top', async () => {
    const { record, issue, db } = fixture();
    await record(...Array.from({ length: MAX_TAG_VALUES + 50 }, (_, n) => sentryOccurrence({ tags: { request: `r${n}` } })));
    await record(...Array.from({ length: 5 }, () => sentryOccurrence({ tags: { request: 'late' } })));
    const values = issue().tags.find((t) => t.key === 'request')!.values;
    expect(values[0].value).toBe('late');
    expect(values).toHaveLength(20);
    const all = getIssue(db, issue().id, { topValues: 1000 })!.tags.find((t) => t.key === 'request')!.values;
    expect(all).toHaveLength(MAX_TAG_VALUES);
  });

  it('bounds the tag keys kept per issue', async () => {
    const { record, issue } = fixture();
    const keys = (from: number) => Object.fromEntries(Array.from({ length: 60 }, (_, k) => [`key${from + k}`, 'v']));
    await record(sentryOccurrence({ tags: keys(0) }), sentryOccurrence({ tags: keys(100) }), sentryOccurrence({ tags: keys(200) }));
    expect(issue().tags).toHaveLength(MAX_TAG_KEYS);
    await record(sentryOccurrence({ tags: keys(300) }));
    expect(issue().tags).toHaveLength(MAX_TAG_KEYS);
    expect(issue().tags.some((t) => t.key === 'key300')).toBe(false);
  });

  it('keeps the first event and the latest N, whole', async () => {
    const { record, issue } = fixture({ sampleEvents: 3 });
    for (let batch = 0; batch < 3; batch++) {
      await record(...Array.from({ length: 4 }, (_, n) => sentryOccurrence({ tags: { n: `${batch * 4 + n}` }, event: { breadcrumbs: { values: [{ message: `step ${batch * 4 + n}` }] } } })));
    }
    const i = issue();
    expect(i.events).toBe(12);
    expect(i.samples.map((s) => s.first)).toEqual([false, false, false, true]);
    expect(i.latestEvent!.event).toMatchObject({ tags: { n: '11' }, breadcrumbs: { values: [{ message: 'step 11' }] } });
    const kept = i.samples.map((s) => s.pk);
    expect(kept[0]).toBeGreaterThan(kept[1]);
  });

  it('stores an OpenTelemetry error as a Sentry event with its frames and the record under contexts.otel', async () => {
    const { record, issue } = fixture();
    const stack = 'TypeError: x is undefined\n    at handler (/app/src/handler.js:10:5)\n    at main (/app/src/main.js:3:1)';
    await record(otelOccurrence({ attributes: { 'exception.stacktrace': stack, 'user.id': 'u9', 'http.route': '/cart' } }));
    const event = issue().latestEvent!.event as { exception: { values: { type: string; stacktrace: { frames: { function: string }[] } }[] }; user: unknown; contexts: { otel: { attributes: Record<string, unknown> } } };
    expect(event.exception.values.at(-1)!.type).toBe('TypeError');
    expect(event.exception.values.at(-1)!.stacktrace.frames.map((f) => f.function)).toEqual(['main', 'handler']);
    expect(event.user).toEqual({ id: 'u9' });
    expect(event.contexts.otel.attributes['http.route']).toBe('/cart');
  });

  it('reads the user of a span event from the event, then its span, and keeps the span in the sample', async () => {
    const { record, issue } = fixture();
    const base = otelOccurrence();
    const span = newSpan({ name: 'GET /cart', traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', attributes: attrs({ 'user.id': 'span-user' }) });
    const event = { timeUnixNano: base.timeUnixNano, name: 'exception', attributes: attrs({ 'exception.type': 'TypeError' }), droppedAttributesCount: 0 };
    span.events.push(event);
    await record({ ...base, source: { kind: 'span_event', resource: newResource(), scope: newScope(), span, event } });
    expect(issue().users).toBe(1);
    expect(issue().latestEvent!.event).toMatchObject({
      user: { id: 'span-user' },
      contexts: { trace: { trace_id: span.traceId, span_id: span.spanId }, otel: { span: { name: 'GET /cart', attributes: { 'user.id': 'span-user' } } } },
    });
  });
});

describe('issue_store: status', () => {
  it('a resolved issue reopens on its next occurrence: a regression', async () => {
    const { record, db, issue } = fixture();
    await record(sentryOccurrence());
    setIssueStatus(db, issue().id, { status: 'resolved' }, T0);
    expect(issue().status).toBe('resolved');
    expect(await record(sentryOccurrence(), sentryOccurrence())).toEqual([
      { new: false, regressed: true },
      { new: false, regressed: false },
    ]);
    expect(issue()).toMatchObject({ status: 'unresolved', events: 3 });
  });

  it('resolved in the next release reopens only for a release first seen after the resolution’s', async () => {
    const { record, db, issue, clock } = fixture();
    await record(sentryOccurrence({ release: '1.0' }));
    clock.now += 1000;
    await record(sentryOccurrence({ release: '1.1', hash: 'b'.repeat(32) })); // the project's latest release, from another issue
    setIssueStatus(db, issue().id, { status: 'resolved_in_next_release' }, clock.now);
    expect(getIssue(db, issue().id)!.resolvedInRelease).toBe('1.1');
    clock.now += 1000;
    expect(await record(sentryOccurrence({ release: '1.1' }), sentryOccurrence({ release: '1.0' }), sentryOccurrence())).toEqual([
      { new: false, regressed: false },
      { new: false, regressed: false },
      { new: false, regressed: false },
    ]);
    expect(issue().status).toBe('resolved_in_next_release');
    clock.now += 1000;
    expect(await record(sentryOccurrence({ release: '1.2' }))).toEqual([{ new: false, regressed: true }]);
    expect(issue()).toMatchObject({ status: 'unresolved', resolvedInRelease: null, events: 5 });
  });

  it('cannot resolve in the next release a project that sent no release', async () => {
    const { record, db, issue } = fixture();
    await record(sentryOccurrence());
    expect(() => setIssueStatus(db, issue().id, { status: 'resolved_in_next_release' })).toThrow(/has sent no release yet/);
  });

  it('ignored until N more events: the Nth reopens it, no regression', async () => {
    const { record, db, issue } = fixture();
    await record(sentryOccurrence());
    setIssueStatus(db, issue().id, { status: 'ignored', count: 3 }, T0);
    expect(await record(sentryOccurrence(), sentryOccurrence())).toEqual([
      { new: false, regressed: false },
      { new: false, regressed: false },
    ]);
    expect(issue()).toMatchObject({ status: 'ignored', ignore: { events: { count: 3, since: 2 } } });
    expect(await record(sentryOccurrence())).toEqual([{ new: false, regressed: false }]);
    expect(issue()).toMatchObject({ status: 'unresolved', ignore: null });
  });

  it('ignored until N more users', async () => {
    const { record, db, issue } = fixture();
    await record(sentryOccurrence({ user: { id: 'old' } }));
    setIssueStatus(db, issue().id, { status: 'ignored', users: 2 }, T0);
    await record(sentryOccurrence({ user: { id: 'old' } }), sentryOccurrence({ user: { id: 'new1' } }), sentryOccurrence({ user: { id: 'new1' } }));
    expect(issue().status).toBe('ignored');
    await record(sentryOccurrence({ user: { id: 'new2' } }));
    expect(issue().status).toBe('unresolved');
  });

  it('ignored until a time: the first occurrence after it reopens it, and so does retention without one', async () => {
    const { record, db, issue, store, clock } = fixture();
    await record(sentryOccurrence(), sentryOccurrence({ hash: 'b'.repeat(32) }));
    for (const hash of ['a', 'b']) setIssueStatus(db, issue(hash.repeat(32)).id, { status: 'ignored', untilMs: T0 + 60_000 }, T0);
    clock.now = T0 + 30_000;
    await record(sentryOccurrence());
    expect(issue().status).toBe('ignored');
    clock.now = T0 + 60_000;
    expect(await record(sentryOccurrence())).toEqual([{ new: false, regressed: false }]);
    expect(issue().status).toBe('unresolved');
    expect(issue('b'.repeat(32)).status).toBe('ignored');
    expect((await store.applyRetention()).unignored).toBe(1);
    expect(issue('b'.repeat(32)).status).toBe('unresolved');
  });

  it('an ignored issue stays ignored for good without a condition, and reopens by hand', async () => {
    const { record, db, issue } = fixture();
    await record(sentryOccurrence());
    setIssueStatus(db, issue().id, { status: 'ignored' }, T0);
    await record(...Array.from({ length: 20 }, () => sentryOccurrence()));
    expect(issue()).toMatchObject({ status: 'ignored', events: 21 });
    setIssueStatus(db, issue().id, { status: 'unresolved' }, T0);
    expect(issue().status).toBe('unresolved');
  });
});

describe('issue_store: retention', () => {
  it('deletes issues not seen within max_age, with their events, users and tags', async () => {
    const day = 24 * 3600_000;
    const { record, db, store, clock } = fixture({ maxAgeMs: 2 * day });
    await record(sentryOccurrence({ hash: 'a'.repeat(32), user: { id: 'u' }, tags: { t: 'v' } }));
    clock.now += day;
    await record(sentryOccurrence({ hash: 'b'.repeat(32) }));
    clock.now += day + 1;
    expect(await store.applyRetention()).toEqual({ unignored: 0, deletedByAge: 1, deletedByCount: 0 });
    expect(listIssues(db).map((i) => i.id)).toEqual([testIssueId('shop', 'b'.repeat(32))]);
    for (const table of ['issue_events', 'issue_users', 'issue_tag_values', 'issue_hashes']) {
      const n = db.sqlite.prepare(`SELECT count(*) AS n FROM ${table} WHERE issue_id = ?`).get(testIssueId('shop', 'a'.repeat(32))) as { n: number };
      expect(n.n, table).toBe(0);
    }
    // gone means new again, its hash and user stored again (not taken for known ones)
    expect(await record(sentryOccurrence({ hash: 'a'.repeat(32), user: { id: 'u' } }))).toEqual([{ new: true, regressed: false }]);
    const again = getIssue(db, testIssueId('shop', 'a'.repeat(32)))!;
    expect([again.hashes, again.users]).toEqual([['a'.repeat(32)], 1]);
  });

  it('counts a user once per issue across batches, and every hash an issue had', async () => {
    const { record, issue } = fixture();
    for (let batch = 0; batch < 3; batch++) await record(sentryOccurrence({ user: { id: 'u' } }), sentryOccurrence({ user: { id: `v${batch}` } }));
    expect([issue().users, issue().events]).toEqual([4, 6]);
    expect(issue().hashes).toEqual(['a'.repeat(32)]);
  });

  it('beyond max_issues deletes the least recently seen', async () => {
    const { record, db, store, clock } = fixture({ maxIssues: 3 });
    for (let n = 0; n < 5; n++) {
      clock.now = T0 + n * 1000;
      await record(sentryOccurrence({ hash: String(n).repeat(32), timeMs: clock.now }));
    }
    clock.now = T0 + 10_000;
    await record(sentryOccurrence({ hash: '0'.repeat(32), timeMs: clock.now }));
    expect((await store.applyRetention()).deletedByCount).toBe(2);
    expect(listIssues(db).map((i) => i.id).sort()).toEqual(['0', '3', '4'].map((n) => testIssueId('shop', n.repeat(32))).sort());
  });
});

describe('issue_store: the database', () => {
  it('is durable and shared: a second connection sees every committed batch at once', async () => {
    const { record, path } = fixture();
    const reader = IssueDatabase.open(path, { create: false });
    opened.push(reader);
    await record(sentryOccurrence(), sentryOccurrence());
    expect(listIssues(reader)[0].events).toBe(2);
    expect(reader.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('opens with the synchronous level asked for, FULL unless told', () => {
    const { path } = fixture();
    const full = IssueDatabase.open(path, { create: false });
    const normal = IssueDatabase.open(path, { create: false, synchronous: 'NORMAL' });
    opened.push(full, normal);
    // SQLite reports the level as a number: 1 NORMAL, 2 FULL
    expect(full.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    expect(normal.sqlite.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('answers a retryable error while another process holds the write lock', async () => {
    const { record, path, db } = fixture();
    db.sqlite.pragma('busy_timeout = 50');
    const other = IssueDatabase.open(path, { create: false });
    opened.push(other);
    other.sqlite.prepare('BEGIN IMMEDIATE').run();
    const err = await record(sentryOccurrence()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect((err as ConsumerError).retryable).toBe(true);
    other.sqlite.prepare('ROLLBACK').run();
    expect(await record(sentryOccurrence())).toEqual([{ new: true, regressed: false }]);
  });

  it('refuses a file that is not an issue database, naming it', () => {
    const { dir } = fixture();
    const plain = join(dir, 'plain.sqlite');
    new Database(plain).close();
    expect(() => IssueDatabase.open(plain, { create: false })).toThrow(`${plain} is not an issue database (the issue_store extension makes those)`);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database at all, but long enough to be read as one: '.repeat(20));
    expect(() => IssueDatabase.open(text, { create: true })).toThrow(`cannot open the issue database ${text}: file is not a database`);
    expect(() => IssueDatabase.open(join(dir, 'missing.sqlite'), { create: false })).toThrow(/no issue database at .*missing\.sqlite: the issue_store extension creates it/);
  });
});
