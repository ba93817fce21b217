/**
 * Reading and triaging issues: what `summit issues` and the web UI ask of the issue database.
 * Works on any open {@link IssueDatabase} — the extension's own, or one another process opened
 * while Summit writes to it.
 */
import type { IssueDatabase } from './db.js';
import {
  ISSUE_STATUSES,
  SORT_KEYS,
  type IssueDetail,
  type IssueSummary,
  type ListOptions,
  type StoredEvent,
  type StoredEventRef,
  type TagValueCount,
  type TriageChange,
} from '../../pipeline/exceptions/issue-queries.js';
import { withStatus, type IssueRow, type StatusChange } from './lifecycle.js';
import { listIssuesSql } from './sql.js';

export {
  ISSUE_STATUSES,
  SORT_KEYS,
  type IssueDetail,
  type IssueStatus,
  type IssueSummary,
  type ListOptions,
  type SortKey,
  type StoredEvent,
  type StoredEventRef,
  type TagValueCount,
  type TriageChange,
} from '../../pipeline/exceptions/issue-queries.js';

/** A lookup or triage request that cannot be done (unknown or ambiguous id, no release to wait for). */
export class IssueQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IssueQueryError';
  }
}

export function summaryOf(row: IssueRow): IssueSummary {
  return {
    id: row.issue_id,
    project: row.project,
    title: row.title,
    culprit: row.culprit,
    status: row.status,
    level: row.level,
    platform: row.platform,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    events: row.times_seen,
    users: row.users_seen,
    firstRelease: row.first_release,
    lastRelease: row.last_release,
  };
}

export function listIssues(db: IssueDatabase, opts: ListOptions = {}): IssueSummary[] {
  if (opts.status !== undefined && !ISSUE_STATUSES.includes(opts.status)) throw new IssueQueryError(`unknown status "${opts.status}"`);
  const sort = opts.sort ?? 'last_seen';
  if (!SORT_KEYS.includes(sort)) throw new IssueQueryError(`unknown sort key "${sort}"`);
  const words = (opts.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const tags = opts.tags ?? [];
  const sql = listIssuesSql({ status: opts.status !== undefined, project: opts.project !== undefined, level: opts.level !== undefined, words: words.length, tags: tags.length }, sort);
  const rows = db.sqlite.prepare(sql).all({
    limit: opts.limit ?? 100,
    offset: opts.offset ?? 0,
    ...(opts.status !== undefined && { status: opts.status }),
    ...(opts.project !== undefined && { project: opts.project }),
    ...(opts.level !== undefined && { level: opts.level }),
    ...Object.fromEntries(words.map((w, i) => [`word${i}`, `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`])),
    ...Object.fromEntries(tags.flatMap((t, i) => [[`tag_key${i}`, t.key], [`tag_value${i}`, t.value]])),
  }) as IssueRow[];
  return rows.map(summaryOf);
}

/** The full id of the issue whose id is or starts with `idOrPrefix` (at least 4 hex digits). */
export function resolveIssueId(db: IssueDatabase, idOrPrefix: string): string {
  const id = idOrPrefix.toLowerCase();
  if (!/^[0-9a-f]{4,32}$/.test(id)) throw new IssueQueryError(`"${idOrPrefix}" is not an issue id (32 hex digits, or the first 4 or more of them)`);
  const found = db.statements.issuesWithPrefix.all({ pattern: `${id}%` }) as { issue_id: string }[];
  if (found.length === 0) throw new IssueQueryError(`no issue ${idOrPrefix} in ${db.path}`);
  if (found.length > 1) throw new IssueQueryError(`"${idOrPrefix}" is the start of several issue ids; give more of it`);
  return found[0].issue_id;
}

export function getIssue(db: IssueDatabase, id: string, opts: { topValues?: number } = {}): IssueDetail | undefined {
  const s = db.statements;
  const row = s.selectIssue.get({ issue_id: id }) as IssueRow | undefined;
  if (!row) return undefined;
  const top = opts.topValues ?? 20;
  const tagRows = s.selectTagValues.all({ issue_id: id }) as { tag_key: string; tag_value: string; times_seen: number; first_seen: number; last_seen: number }[];
  const tags = new Map<string, TagValueCount[]>();
  for (const t of tagRows) {
    const values = tags.get(t.tag_key) ?? [];
    values.push({ value: t.tag_value, count: t.times_seen, firstSeen: t.first_seen, lastSeen: t.last_seen });
    tags.set(t.tag_key, values);
  }
  const samples = (s.listEvents.all({ issue_id: id }) as EventRow[]).map(eventRef);
  const latest = s.latestEvent.get({ issue_id: id }) as (EventRow & { body: string }) | undefined;
  return {
    ...summaryOf(row),
    hash: row.hash,
    hashes: (s.selectHashes.all({ issue_id: id }) as { hash: string }[]).map((h) => h.hash),
    statusChangedAt: row.status_changed_at,
    resolvedInRelease: row.resolved_in_release,
    ignore: row.status === 'ignored' ? ignoreOf(row) : null,
    environments: (tags.get('environment') ?? []).map((v) => v.value),
    releases: (tags.get('release') ?? []).map((v) => v.value),
    tags: [...tags].map(([key, values]) => ({ key, values: values.slice(0, top) })),
    samples,
    latestEvent: latest ? storedEvent(latest) : null,
  };
}

/** One sample event of an issue, by its `pk`. */
export function getEvent(db: IssueDatabase, id: string, pk: number): StoredEvent | undefined {
  const row = db.statements.selectEvent.get({ issue_id: id, event_pk: pk }) as (EventRow & { body: string }) | undefined;
  return row && storedEvent(row);
}

/**
 * Sets an issue's status. Resolving in the next release remembers the project's latest release
 * (the one first seen last): an event of a release first seen after it reopens the issue.
 */
export function setIssueStatus(db: IssueDatabase, id: string, change: TriageChange, nowMs = Date.now()): IssueSummary {
  const s = db.statements;
  return db.sqlite
    .transaction(() => {
      const row = s.selectIssue.get({ issue_id: id }) as IssueRow | undefined;
      if (!row) throw new IssueQueryError(`no issue ${id} in ${db.path}`);
      let full: StatusChange;
      if (change.status === 'resolved_in_next_release') {
        const latest = s.latestRelease.get({ project: row.project }) as { release: string } | undefined;
        if (!latest) throw new IssueQueryError(`project "${row.project}" has sent no release yet, so there is no next release to wait for; resolve without it`);
        full = { status: 'resolved_in_next_release', release: latest.release };
      } else {
        full = change;
      }
      const updated = withStatus(row, full, nowMs);
      s.updateIssue.run(updated);
      return summaryOf(updated);
    })
    .immediate();
}

interface EventRow {
  event_pk: number;
  event_id: string | null;
  is_first: number;
  event_time: number;
  received: number;
}

function eventRef(r: EventRow): StoredEventRef {
  return { pk: r.event_pk, eventId: r.event_id, first: r.is_first === 1, time: r.event_time, received: r.received };
}

function storedEvent(r: EventRow & { body: string }): StoredEvent {
  return { ...eventRef(r), event: JSON.parse(r.body) as Record<string, unknown> };
}

function ignoreOf(row: IssueRow): NonNullable<IssueDetail['ignore']> {
  return {
    ...(row.ignore_until !== null && { untilMs: row.ignore_until }),
    ...(row.ignore_count !== null && { events: { count: row.ignore_count, since: row.times_seen - (row.ignore_times_seen ?? 0) } }),
    ...(row.ignore_users !== null && { users: { count: row.ignore_users, since: row.users_seen - (row.ignore_users_seen ?? 0) } }),
  };
}
