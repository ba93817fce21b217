/**
 * The artifact index's tables, beside the issue tables in the same database (its own
 * statements, its own connection). Plain SQL as in ../sql.ts; times are ms since the epoch.
 */

export const ARTIFACT_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS artifacts (
    artifact_pk INTEGER PRIMARY KEY,
    bundle_id TEXT NOT NULL,
    org TEXT NOT NULL,
    project TEXT,
    release TEXT,
    dist TEXT,
    url TEXT NOT NULL,
    type TEXT NOT NULL,
    debug_id TEXT,
    sourcemap TEXT,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded BIGINT NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS artifacts_debug_id ON artifacts (debug_id, type)`,
  `CREATE INDEX IF NOT EXISTS artifacts_release_url ON artifacts (release, url)`,
  `CREATE INDEX IF NOT EXISTS artifacts_sha256 ON artifacts (sha256)`,
];

const COLUMNS = 'bundle_id, url, type, debug_id, sourcemap, release, dist, sha256, size, uploaded';

export const ARTIFACT_SQL = {
  insert: `INSERT INTO artifacts (bundle_id, org, project, release, dist, url, type, debug_id, sourcemap, sha256, size, uploaded)
    VALUES (@bundle_id, @org, @project, @release, @dist, @url, @type, @debug_id, @sourcemap, @sha256, @size, @uploaded)`,
  /** A bundle uploaded again replaces its rows (sentry-cli re-uploads the same bundle id). */
  deleteBundle: `DELETE FROM artifacts WHERE bundle_id = @bundle_id`,
  byDebugId: `SELECT ${COLUMNS} FROM artifacts WHERE debug_id = @debug_id AND type = @type ORDER BY artifact_pk DESC LIMIT 1`,
  byUrl: `SELECT ${COLUMNS} FROM artifacts WHERE release = @release AND url = @url AND (dist = @dist OR (dist IS NULL AND @dist IS NULL))
    ORDER BY artifact_pk DESC LIMIT 1`,
  list: `SELECT ${COLUMNS} FROM artifacts ORDER BY release, url, artifact_pk DESC`,
  listRelease: `SELECT ${COLUMNS} FROM artifacts WHERE release = @release ORDER BY url, artifact_pk DESC`,
  totalBytes: `SELECT coalesce(sum(size), 0) AS n FROM (SELECT DISTINCT sha256, size FROM artifacts)`,
  /** Sample events of a release (SQLite's json_extract; PostgreSQL: body::json->>'release'). */
  samplesOfRelease: `SELECT event_pk, body FROM issue_events WHERE json_extract(body, '$.release') = @release ORDER BY event_pk DESC LIMIT @limit`,
  samplesNaming: `SELECT event_pk, body FROM issue_events WHERE instr(body, @needle) > 0 ORDER BY event_pk DESC LIMIT @limit`,
  sampleByEventId: `SELECT event_pk, issue_id, body FROM issue_events WHERE event_id = @event_id ORDER BY event_pk DESC LIMIT 1`,
  replaceSample: `UPDATE issue_events SET body = @body WHERE event_pk = @event_pk`,
} as const;
