import type { SortKey } from '../../pipeline/exceptions/issue-queries.js';

/**
 * Every SQL statement of the issue store, in one place. Plain SQL that SQLite and PostgreSQL
 * both run (`ON CONFLICT`, `CASE` instead of `max()`/`GREATEST`, `LIMIT ... OFFSET`), with named
 * parameters; SQLite-only are the pragmas (db.ts) and, below, the `INTEGER PRIMARY KEY` row id
 * of `issue_events` (PostgreSQL: `BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY`).
 *
 * Times are milliseconds since the epoch.
 */

/** Stored in `PRAGMA user_version`; a database of another version is refused. */
export const SCHEMA_VERSION = 1;

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS issues (
    issue_id TEXT PRIMARY KEY,
    project TEXT NOT NULL,
    hash TEXT NOT NULL,
    title TEXT NOT NULL,
    culprit TEXT NOT NULL,
    platform TEXT NOT NULL,
    level TEXT,
    status TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    times_seen BIGINT NOT NULL,
    users_seen BIGINT NOT NULL,
    first_release TEXT,
    last_release TEXT,
    status_changed_at BIGINT,
    resolved_in_release TEXT,
    ignore_until BIGINT,
    ignore_count BIGINT,
    ignore_users BIGINT,
    ignore_times_seen BIGINT,
    ignore_users_seen BIGINT
  )`,
  `CREATE INDEX IF NOT EXISTS issues_last_seen ON issues (last_seen)`,
  `CREATE INDEX IF NOT EXISTS issues_project_status ON issues (project, status)`,
  `CREATE TABLE IF NOT EXISTS issue_hashes (
    issue_id TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (issue_id, hash)
  )`,
  `CREATE INDEX IF NOT EXISTS issue_hashes_hash ON issue_hashes (hash)`,
  `CREATE TABLE IF NOT EXISTS issue_users (
    issue_id TEXT NOT NULL,
    user_hash TEXT NOT NULL,
    PRIMARY KEY (issue_id, user_hash)
  )`,
  `CREATE TABLE IF NOT EXISTS issue_tag_values (
    issue_id TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    times_seen BIGINT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (issue_id, tag_key, tag_value)
  )`,
  `CREATE TABLE IF NOT EXISTS issue_events (
    event_pk INTEGER PRIMARY KEY,
    issue_id TEXT NOT NULL,
    event_id TEXT,
    is_first INTEGER NOT NULL,
    event_time BIGINT NOT NULL,
    received BIGINT NOT NULL,
    body TEXT NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS issue_events_issue ON issue_events (issue_id, event_pk)`,
  `CREATE TABLE IF NOT EXISTS project_releases (
    project TEXT NOT NULL,
    release TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (project, release)
  )`,
];

/** The issue columns a state change writes (all but the key, project and hash). */
const MUTABLE = [
  'title',
  'culprit',
  'platform',
  'level',
  'status',
  'first_seen',
  'last_seen',
  'times_seen',
  'users_seen',
  'first_release',
  'last_release',
  'status_changed_at',
  'resolved_in_release',
  'ignore_until',
  'ignore_count',
  'ignore_users',
  'ignore_times_seen',
  'ignore_users_seen',
];
const ALL = ['issue_id', 'project', 'hash', ...MUTABLE];

export const SQL = {
  selectIssue: `SELECT ${ALL.join(', ')} FROM issues WHERE issue_id = @issue_id`,
  insertIssue: `INSERT INTO issues (${ALL.join(', ')}) VALUES (${ALL.map((c) => `@${c}`).join(', ')})`,
  updateIssue: `UPDATE issues SET ${MUTABLE.map((c) => `${c} = @${c}`).join(', ')} WHERE issue_id = @issue_id`,
  issuesWithPrefix: `SELECT issue_id FROM issues WHERE issue_id LIKE @pattern ORDER BY issue_id LIMIT 2`,

  insertHash: `INSERT INTO issue_hashes (issue_id, hash) VALUES (@issue_id, @hash) ON CONFLICT DO NOTHING`,
  selectHashes: `SELECT hash FROM issue_hashes WHERE issue_id = @issue_id ORDER BY hash`,

  insertUser: `INSERT INTO issue_users (issue_id, user_hash) VALUES (@issue_id, @user_hash) ON CONFLICT DO NOTHING`,

  upsertRelease: `INSERT INTO project_releases (project, release, first_seen, last_seen) VALUES (@project, @release, @now, @now)
    ON CONFLICT (project, release) DO UPDATE SET last_seen = excluded.last_seen`,
  releaseFirstSeen: `SELECT first_seen FROM project_releases WHERE project = @project AND release = @release`,
  latestRelease: `SELECT release FROM project_releases WHERE project = @project ORDER BY first_seen DESC, release DESC LIMIT 1`,

  bumpTagValue: `UPDATE issue_tag_values SET times_seen = times_seen + @count,
      first_seen = CASE WHEN first_seen > @first_seen THEN @first_seen ELSE first_seen END,
      last_seen = CASE WHEN last_seen < @last_seen THEN @last_seen ELSE last_seen END
    WHERE issue_id = @issue_id AND tag_key = @tag_key AND tag_value = @tag_value`,
  insertTagValue: `INSERT INTO issue_tag_values (issue_id, tag_key, tag_value, times_seen, first_seen, last_seen)
    VALUES (@issue_id, @tag_key, @tag_value, @count, @first_seen, @last_seen)`,
  countTagValues: `SELECT count(*) AS n FROM issue_tag_values WHERE issue_id = @issue_id AND tag_key = @tag_key`,
  countTagKeys: `SELECT count(DISTINCT tag_key) AS n FROM issue_tag_values WHERE issue_id = @issue_id`,
  rarestTagValue: `SELECT tag_value, times_seen FROM issue_tag_values WHERE issue_id = @issue_id AND tag_key = @tag_key
    ORDER BY times_seen ASC, last_seen ASC LIMIT 1`,
  deleteTagValue: `DELETE FROM issue_tag_values WHERE issue_id = @issue_id AND tag_key = @tag_key AND tag_value = @tag_value`,
  selectTagValues: `SELECT tag_key, tag_value, times_seen, first_seen, last_seen FROM issue_tag_values WHERE issue_id = @issue_id
    ORDER BY tag_key, times_seen DESC, tag_value`,

  insertEvent: `INSERT INTO issue_events (issue_id, event_id, is_first, event_time, received, body)
    VALUES (@issue_id, @event_id, @is_first, @event_time, @received, @body)`,
  pruneEvents: `DELETE FROM issue_events WHERE issue_id = @issue_id AND is_first = 0 AND event_pk <= (
      SELECT event_pk FROM issue_events WHERE issue_id = @issue_id AND is_first = 0 ORDER BY event_pk DESC LIMIT 1 OFFSET @keep)`,
  latestEvent: `SELECT event_pk, event_id, is_first, event_time, received, body FROM issue_events WHERE issue_id = @issue_id
    ORDER BY event_pk DESC LIMIT 1`,
  listEvents: `SELECT event_pk, event_id, is_first, event_time, received FROM issue_events WHERE issue_id = @issue_id
    ORDER BY event_pk DESC`,
  selectEvent: `SELECT event_pk, event_id, is_first, event_time, received, body FROM issue_events
    WHERE issue_id = @issue_id AND event_pk = @event_pk`,

  expireIgnores: `UPDATE issues SET status = 'unresolved', status_changed_at = @now, ignore_until = NULL, ignore_count = NULL,
      ignore_users = NULL, ignore_times_seen = NULL, ignore_users_seen = NULL
    WHERE status = 'ignored' AND ignore_until IS NOT NULL AND ignore_until <= @now`,
  issuesSeenBefore: `SELECT issue_id FROM issues WHERE last_seen < @cutoff ORDER BY last_seen LIMIT @limit`,
  countIssues: `SELECT count(*) AS n FROM issues`,
  leastRecentlySeen: `SELECT issue_id FROM issues ORDER BY last_seen ASC, issue_id ASC LIMIT @limit`,
  deleteIssue: [
    `DELETE FROM issue_events WHERE issue_id = @issue_id`,
    `DELETE FROM issue_tag_values WHERE issue_id = @issue_id`,
    `DELETE FROM issue_users WHERE issue_id = @issue_id`,
    `DELETE FROM issue_hashes WHERE issue_id = @issue_id`,
    `DELETE FROM issues WHERE issue_id = @issue_id`,
  ],
  /** Releases nobody sent for the retention period, unless an issue waits for a release after them. */
  deleteUnusedReleases: `DELETE FROM project_releases WHERE last_seen < @cutoff AND NOT EXISTS (
      SELECT 1 FROM issues WHERE issues.project = project_releases.project AND issues.resolved_in_release = project_releases.release)`,
} as const;

const SORT_COLUMNS: Record<SortKey, string> = { last_seen: 'last_seen', first_seen: 'first_seen', events: 'times_seen', users: 'users_seen' };

/**
 * The issue list, most first by the sort key: optional filters by status, project and level,
 * `words` words (@word0 …, LIKE patterns) each in the title or culprit, and `tags` tag values
 * (@tag_key0, @tag_value0 …) the issue has had.
 */
export function listIssuesSql(filters: { status?: boolean; project?: boolean; level?: boolean; words?: number; tags?: number }, sort: SortKey): string {
  const where = [
    filters.status && 'status = @status',
    filters.project && 'project = @project',
    filters.level && 'level = @level',
    ...Array.from({ length: filters.words ?? 0 }, (_, i) => `(lower(title) LIKE @word${i} ESCAPE '\\' OR lower(culprit) LIKE @word${i} ESCAPE '\\')`),
    ...Array.from(
      { length: filters.tags ?? 0 },
      (_, i) => `EXISTS (SELECT 1 FROM issue_tag_values t WHERE t.issue_id = issues.issue_id AND t.tag_key = @tag_key${i} AND t.tag_value = @tag_value${i})`,
    ),
  ].filter(Boolean);
  return (
    `SELECT ${ALL.join(', ')} FROM issues` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${SORT_COLUMNS[sort]} DESC, issue_id ASC LIMIT @limit OFFSET @offset`
  );
}
