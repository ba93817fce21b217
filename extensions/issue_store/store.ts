/**
 * Recording occurrences: one transaction per batch, committed (fsync'd) before the verdicts
 * are returned; and the retention pass that bounds the database. The extension runs it in a
 * thread of its own (worker.ts); tests and benches use it directly.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { retryableError } from '../../pipeline/errors.js';
import type { IssueOccurrence, IssueStore, IssueVerdict } from '../../pipeline/exceptions/issues.js';
import type { IssueDatabase } from './db.js';
import { BUSY_TIMEOUT_MS } from './db.js';
import { applyOccurrence, type IssueRow } from './lifecycle.js';
import { storedOccurrence, type StoredOccurrence } from './occurrence.js';

/** Values kept per tag key and issue (the rarest makes room for a new one, Space-Saving style), and keys per issue. */
export const MAX_TAG_VALUES = 100;
export const MAX_TAG_KEYS = 100;
/** At most this many occurrences share a transaction (unless one batch alone is larger). */
const GROUP_COMMIT_OCCURRENCES = 2048;
/** (issue, hash) and (issue, user) rows this store knows are in the database, at most this many each. */
const KNOWN_ROWS = 16384;
/** Issues deleted per retention transaction, so a writer waiting on the database waits briefly. */
const RETENTION_CHUNK = 500;

export interface IssueStoreOptions {
  sampleEvents: number;
  /** 0: no age limit. */
  maxAgeMs: number;
  maxIssues: number;
  now?: () => number;
}

export interface RetentionResult {
  /** Ignored issues whose time ran out, now unresolved. */
  unignored: number;
  deletedByAge: number;
  deletedByCount: number;
}

interface TagCount {
  issueId: string;
  key: string;
  value: string;
  count: number;
  first: number;
  last: number;
}

export class SqliteIssueStore implements IssueStore {
  private readonly now: () => number;
  private readonly waiting: { occurrences: StoredOccurrence[]; resolve: (v: IssueVerdict[]) => void; reject: (err: Error) => void }[] = [];
  /**
   * Hashes and users of issues known to be stored (`issue\0hash`, `issue\0user`): an issue's
   * events repeat them, and an INSERT that would change nothing costs as much as one that does.
   * Only committed rows go in; retention starts them over, and an issue new to the database
   * (deleted by another instance's retention since) has its rows inserted whatever they say.
   */
  private readonly knownHashes = new Set<string>();
  private readonly knownUsers = new Set<string>();

  constructor(
    readonly db: IssueDatabase,
    private readonly opts: IssueStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  recordOccurrences(occurrences: IssueOccurrence[]): Promise<IssueVerdict[]> {
    const now = this.now();
    return this.recordStored(occurrences.map((o) => storedOccurrence(o, now)));
  }

  /**
   * Batches handed in during one turn of the event loop (concurrent requests) share one
   * transaction, up to GROUP_COMMIT_OCCURRENCES: one fsync for all of them. Each caller's
   * promise resolves once that transaction committed, or rejects with its failure.
   */
  recordStored(occurrences: StoredOccurrence[]): Promise<IssueVerdict[]> {
    if (occurrences.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.waiting.push({ occurrences, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => this.commitWaiting());
    });
  }

  /** Resolves once every occurrence handed in so far was committed (or failed). */
  async drained(): Promise<void> {
    while (this.waiting.length > 0) await yieldToEventLoop();
  }

  private commitWaiting(): void {
    let n = 0;
    let take = 0;
    while (take < this.waiting.length && (take === 0 || n + this.waiting[take].occurrences.length <= GROUP_COMMIT_OCCURRENCES)) n += this.waiting[take++].occurrences.length;
    const calls = this.waiting.splice(0, take);
    if (this.waiting.length) setImmediate(() => this.commitWaiting());
    let verdicts: IssueVerdict[];
    try {
      verdicts = this.record(calls.flatMap((c) => c.occurrences));
    } catch (err) {
      const failure = this.failure('record issue occurrences', err);
      for (const c of calls) c.reject(failure);
      return;
    }
    let at = 0;
    for (const c of calls) c.resolve(verdicts.slice(at, (at += c.occurrences.length)));
  }

  private record(occurrences: StoredOccurrence[]): IssueVerdict[] {
    const s = this.db.statements;
    const now = this.now();
    const hashesAdded: string[] = [];
    const usersAdded: string[] = [];
    const verdicts = this.db.sqlite
      .transaction((): IssueVerdict[] => {
        for (const [project, release] of distinct(occurrences.flatMap((o) => (o.release ? [[o.project, o.release] as const] : [])))) {
          s.upsertRelease.run({ project, release, now });
        }
        const rows = new Map<string, IssueRow>();
        const created = new Set<string>();
        const verdicts = occurrences.map((o): IssueVerdict => {
          let row = rows.get(o.issueId) ?? (s.selectIssue.get({ issue_id: o.issueId }) as IssueRow | undefined);
          const isNew = row === undefined;
          if (row === undefined) {
            row = newRow(o);
            created.add(o.issueId);
          } else {
            count(row, o);
          }
          rows.set(o.issueId, row);
          if (o.user !== undefined) {
            const known = `${o.issueId}\0${o.user}`;
            if (created.has(o.issueId) || !this.knownUsers.has(known)) {
              if (s.insertUser.run({ issue_id: o.issueId, user_hash: o.user }).changes > 0) row.users_seen++;
              usersAdded.push(known);
            }
          }
          if (isNew) return { new: true, regressed: false };
          const resolvedIn = row.resolved_in_release;
          return { new: false, ...applyOccurrence(row, o.release, now, (release) => this.isNewerRelease(o.project, release, resolvedIn)) };
        });
        for (const [id, row] of rows) (created.has(id) ? s.insertIssue : s.updateIssue).run(row);
        for (const o of occurrences) {
          for (const hash of o.hashes) {
            const known = `${o.issueId}\0${hash}`;
            if (!created.has(o.issueId) && this.knownHashes.has(known)) continue;
            s.insertHash.run({ issue_id: o.issueId, hash });
            hashesAdded.push(known);
          }
        }
        this.countTags(tagCounts(occurrences), created);
        this.keepSamples(occurrences, created, now);
        return verdicts;
      })
      .immediate();
    remember(this.knownHashes, hashesAdded);
    remember(this.knownUsers, usersAdded);
    return verdicts;
  }

  /** Whether `release` came after `resolvedIn` (both as this store first saw them for the project). */
  private isNewerRelease(project: string, release: string, resolvedIn: string | null): boolean {
    const first = (r: string) => (this.db.statements.releaseFirstSeen.get({ project, release: r }) as { first_seen: number } | undefined)?.first_seen;
    const resolved = resolvedIn === null ? undefined : first(resolvedIn);
    const candidate = first(release);
    return resolved === undefined || candidate === undefined || candidate > resolved;
  }

  /** Tags of new issues go straight in (there is nothing to count against), bounded as countTag bounds them. */
  private countTags(counts: TagCount[], created: Set<string>): void {
    const fresh = new Map<string, Map<string, TagCount[]>>();
    for (const t of counts) {
      if (!created.has(t.issueId)) {
        this.countTag(t);
        continue;
      }
      const keys = fresh.get(t.issueId) ?? new Map<string, TagCount[]>();
      fresh.set(t.issueId, keys);
      const values = keys.get(t.key);
      if (values) values.push(t);
      else if (keys.size < MAX_TAG_KEYS) keys.set(t.key, [t]);
    }
    for (const keys of fresh.values()) {
      for (const values of keys.values()) {
        for (const t of values.sort((a, b) => b.count - a.count).slice(0, MAX_TAG_VALUES)) {
          this.db.statements.insertTagValue.run({ issue_id: t.issueId, tag_key: t.key, tag_value: t.value, count: t.count, first_seen: t.first, last_seen: t.last });
        }
      }
    }
  }

  private countTag(t: TagCount): void {
    const s = this.db.statements;
    const params = { issue_id: t.issueId, tag_key: t.key, tag_value: t.value, count: t.count, first_seen: t.first, last_seen: t.last };
    if (s.bumpTagValue.run(params).changes > 0) return;
    const values = (s.countTagValues.get(params) as { n: number }).n;
    if (values === 0 && (s.countTagKeys.get(params) as { n: number }).n >= MAX_TAG_KEYS) return;
    if (values >= MAX_TAG_VALUES) {
      // Space-Saving: the newcomer takes the rarest value's place and count, so a value that
      // becomes frequent late (a new release) still rises to the top.
      const rarest = s.rarestTagValue.get(params) as { tag_value: string; times_seen: number };
      s.deleteTagValue.run({ ...params, tag_value: rarest.tag_value });
      params.count += rarest.times_seen;
    }
    s.insertTagValue.run(params);
  }

  /** Keeps the first event of a new issue and the batch's latest `sampleEvents` of each issue, then drops older ones. */
  private keepSamples(occurrences: StoredOccurrence[], created: Set<string>, now: number): void {
    const s = this.db.statements;
    const keep = this.opts.sampleEvents;
    const byIssue = new Map<string, number[]>();
    occurrences.forEach((o, i) => {
      const indexes = byIssue.get(o.issueId);
      if (indexes) indexes.push(i);
      else byIssue.set(o.issueId, [i]);
    });
    const chosen: { index: number; first: boolean }[] = [];
    for (const [id, indexes] of byIssue) {
      const firstIndex = created.has(id) ? indexes[0] : undefined;
      if (firstIndex !== undefined) chosen.push({ index: firstIndex, first: true });
      for (const index of keep > 0 ? indexes.slice(-keep) : []) if (index !== firstIndex) chosen.push({ index, first: false });
    }
    chosen.sort((a, b) => a.index - b.index);
    for (const { index, first } of chosen) {
      const { issueId, sample, seen } = occurrences[index];
      s.insertEvent.run({ issue_id: issueId, event_id: sample.eventId, is_first: first ? 1 : 0, event_time: seen, received: now, body: sample.json });
    }
    for (const id of byIssue.keys()) s.pruneEvents.run({ issue_id: id, keep });
  }

  /**
   * Ends ignores whose time ran out, deletes issues not seen within max_age, then the least
   * recently seen beyond max_issues, in small transactions so recording is not held up long.
   */
  async applyRetention(): Promise<RetentionResult> {
    const s = this.db.statements;
    const now = this.now();
    const result: RetentionResult = { unignored: 0, deletedByAge: 0, deletedByCount: 0 };
    try {
      result.unignored = s.expireIgnores.run({ now }).changes;
      if (this.opts.maxAgeMs > 0) {
        const cutoff = now - this.opts.maxAgeMs;
        for (;;) {
          const ids = s.issuesSeenBefore.all({ cutoff, limit: RETENTION_CHUNK }) as { issue_id: string }[];
          result.deletedByAge += this.deleteIssues(ids);
          if (ids.length < RETENTION_CHUNK) break;
          await yieldToEventLoop();
        }
        s.deleteUnusedReleases.run({ cutoff });
      }
      for (;;) {
        const excess = (s.countIssues.get() as { n: number }).n - this.opts.maxIssues;
        if (excess <= 0) break;
        const ids = s.leastRecentlySeen.all({ limit: Math.min(excess, RETENTION_CHUNK) }) as { issue_id: string }[];
        result.deletedByCount += this.deleteIssues(ids);
        await yieldToEventLoop();
      }
    } catch (err) {
      throw this.failure('apply retention', err);
    }
    return result;
  }

  private deleteIssues(ids: { issue_id: string }[]): number {
    this.knownHashes.clear();
    this.knownUsers.clear();
    const deletes = this.db.statements.deleteIssue;
    this.db.sqlite
      .transaction(() => {
        for (const { issue_id } of ids) for (const d of deletes) d.run({ issue_id });
      })
      .immediate();
    return ids.length;
  }

  /** A failed write is retryable: the batch was not acknowledged and the sender keeps it. */
  private failure(what: string, err: unknown): Error {
    const code = (err as { code?: string }).code ?? '';
    const why = code.startsWith('SQLITE_BUSY')
      ? `the database stayed locked by another writer for ${BUSY_TIMEOUT_MS / 1000}s`
      : (err as Error).message;
    return retryableError(`issue_store: cannot ${what} in ${this.db.path}: ${why}`, 1000, err);
  }
}

function newRow(o: StoredOccurrence): IssueRow {
  const seen = o.seen;
  return {
    issue_id: o.issueId,
    project: o.project,
    hash: o.hash,
    title: o.title,
    culprit: o.culprit,
    platform: o.platform,
    level: o.level ?? null,
    status: 'unresolved',
    first_seen: seen,
    last_seen: seen,
    times_seen: 1,
    users_seen: 0,
    first_release: o.release ?? null,
    last_release: o.release ?? null,
    status_changed_at: null,
    resolved_in_release: null,
    ignore_until: null,
    ignore_count: null,
    ignore_users: null,
    ignore_times_seen: null,
    ignore_users_seen: null,
  };
}

/** Counts an occurrence of a known issue; title, culprit and level follow the latest event, as in Sentry. */
function count(row: IssueRow, o: StoredOccurrence): void {
  const seen = o.seen;
  row.times_seen++;
  row.first_seen = Math.min(row.first_seen, seen);
  row.last_seen = Math.max(row.last_seen, seen);
  row.title = o.title;
  row.culprit = o.culprit;
  row.platform = o.platform;
  if (o.level) row.level = o.level;
  if (o.release) {
    row.first_release ??= o.release;
    row.last_release = o.release;
  }
}

/** The batch's tag values per issue, counted, with when they were first and last seen. */
function tagCounts(occurrences: StoredOccurrence[]): TagCount[] {
  const counts = new Map<string, TagCount>();
  occurrences.forEach((o) => {
    const seen = o.seen;
    for (const [key, value] of o.tags) {
      const id = `${o.issueId}\0${key}\0${value}`;
      const c = counts.get(id);
      if (c) {
        c.count++;
        c.first = Math.min(c.first, seen);
        c.last = Math.max(c.last, seen);
      } else {
        counts.set(id, { issueId: o.issueId, key, value, count: 1, first: seen, last: seen });
      }
    }
  });
  return [...counts.values()];
}

/** Adds committed rows to a set of known ones, starting it over once full. */
function remember(known: Set<string>, rows: string[]): void {
  for (const row of rows) {
    if (known.size >= KNOWN_ROWS) known.clear();
    known.add(row);
  }
}

function distinct<T extends readonly [string, string]>(pairs: T[]): T[] {
  const seen = new Map<string, T>();
  for (const p of pairs) seen.set(`${p[0]}\0${p[1]}`, p);
  return [...seen.values()];
}
