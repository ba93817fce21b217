/**
 * Release health and DORA trends after a restart: the metric points the live store keeps an
 * hourly history of (`keptLong`: `sentry.sessions`, `dora.*`) and the users of each release
 * (`sentry.sessions.user`), read back from the lake's metric files of the history's 35 days.
 *
 * The files are those the lake holds when the exporter starts — before any receiver runs, so
 * they hold only what this process did not see live: a delta point is then counted once, from
 * the lake or live, never both. Compaction may merge them meanwhile (the parquet exporter
 * compacts at its start too): a partition caught between a merged file's rename and its sources'
 * deletion counts the merged file only (its journal names the sources), and when a listed file
 * is gone by the time DuckDB reads it, its partition is listed again. DuckDB pre-aggregates per
 * series and hour as the history keeps them: the sum of a delta sum's points, the latest point
 * of any other series; the users as one row per release and user hash.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inRange, partitions, type Lake } from './lake.js';
import { keptLongSql } from './metric-views.js';
import { SESSION_USERS_METRIC, STATUS_BITS } from './release-users.js';
import type { MetricPoint } from './rows.js';

const HOUR = 3_600_000;
const JOURNAL = /^\.compaction-(part-.+\.parquet)\.json$/;
/** Times the files are listed again when compaction took some away while they were read. */
const RELISTS = 3;

export interface UserRow {
  release: string;
  user: string;
  /** STATUS_BITS of the user's sessions. */
  statuses: number;
  /** When a session of the user was last seen (ms). */
  last: number;
}

export interface History {
  points: MetricPoint[];
  users: UserRow[];
}

/** A partition's files, less the sources of a compaction whose merged file is already there. */
function settled(dir: string, files: string[]): string[] {
  const merged = new Set<string>();
  for (const name of readdirSync(dir)) {
    const j = JOURNAL.exec(name);
    if (!j || !files.includes(join(dir, j[1]))) continue;
    try {
      for (const s of (JSON.parse(readFileSync(join(dir, name), 'utf8')) as { sources: string[] }).sources) merged.add(join(dir, s));
    } catch {
      // the journal finished (deleted) or is being written: its sources are deleted, or its merged file is not there yet
    }
  }
  return files.filter((f) => !merged.has(f));
}

/** The lake's metric files from `since` (ms) on, as they are now. */
export function metricFiles(lakePath: string, since: number): string[] {
  return partitions(join(lakePath, 'metrics'))
    .filter((p) => inRange(p, since, undefined))
    .flatMap((p) => (p.files.length ? settled(dirname(p.files[0]), p.files) : []));
}

/** `files` less those gone; the partitions that lost one are listed again (their merged files instead). */
function relisted(files: string[]): string[] | undefined {
  const gone = files.filter((f) => !existsSync(f));
  if (gone.length === 0) return undefined;
  const dirs = new Set(gone.map(dirname));
  const again = [...dirs].flatMap((d) => {
    const names = existsSync(d) ? readdirSync(d).filter((n) => n.endsWith('.parquet')) : [];
    return settled(d, names.map((n) => join(d, n)));
  });
  return [...files.filter((f) => !dirs.has(dirname(f))), ...again];
}

const SERIES = `metric_name, coalesce(metric_unit, '') AS unit, coalesce(service_name, 'unknown_service') AS service, metric_type,
  aggregation_temporality, attributes, resource_attributes, epoch_ms(time) // ${HOUR} AS hour`;

/** Per series and hour: a delta sum's points added up, else the latest point (a histogram's count, bounds and buckets). */
const pointsSql = (sinceUs: bigint) => `SELECT ${SERIES},
    CASE WHEN aggregation_temporality = 'Delta' THEN sum(coalesce(value, count)) ELSE arg_max(coalesce(value, count), time) END AS value,
    CASE WHEN aggregation_temporality = 'Delta' THEN min(epoch_ms(start_time)) ELSE arg_max(epoch_ms(start_time), time) END AS start_ms,
    max(epoch_ms(time)) AS time_ms, arg_max(explicit_bounds, time) AS bounds, arg_max(bucket_counts, time) AS buckets
  FROM $source WHERE (${keptLongSql('metric_name')}) AND time >= make_timestamp(${sinceUs})
    AND NOT (aggregation_temporality = 'Delta' AND metric_type <> 'Sum')
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`;

const usersSql = (sinceUs: bigint) => `SELECT resource_attributes['service.version'] AS release, attributes['user.hash'] AS user,
    bit_or(CASE attributes['session.status'] ${Object.entries(STATUS_BITS).map(([s, bit]) => `WHEN '${s}' THEN ${bit}`).join(' ')} ELSE 0 END) AS statuses,
    max(epoch_ms(time)) AS last
  FROM $source WHERE metric_name = '${SESSION_USERS_METRIC}' AND time >= make_timestamp(${sinceUs})
    AND resource_attributes['service.version'] <> '' AND attributes['user.hash'] <> ''
  GROUP BY ALL`;

const mapObject = (v: unknown): Record<string, string> =>
  Object.fromEntries(((v as { entries?: { key: string; value: string }[] } | null)?.entries ?? []).map((e) => [e.key, e.value]));
const numbers = (v: unknown): number[] | undefined => (v as { items?: unknown[] } | null)?.items?.map(Number);

function point(r: Record<string, unknown>): MetricPoint {
  const bounds = numbers(r.bounds);
  const p: MetricPoint = {
    time: Number(r.time_ms),
    start: Number(r.start_ms ?? r.time_ms),
    name: String(r.metric_name),
    unit: String(r.unit),
    service: String(r.service),
    value: Number(r.value),
    attributes: mapObject(r.attributes),
    temporality: r.aggregation_temporality === 'Delta' ? 'delta' : r.aggregation_temporality === 'Cumulative' ? 'cumulative' : 'gauge',
    resource: mapObject(r.resource_attributes),
  };
  if (bounds && r.metric_type === 'Histogram') {
    p.bounds = bounds;
    p.buckets = numbers(r.buckets);
  }
  return p;
}

/** The history in `files` (as `metricFiles` listed them) from `since` (ms) on. */
export async function readHistory(lake: Lake, files: string[], since: number): Promise<History> {
  // µs literals: DuckDB prunes row groups by their time statistics only against constants
  const sinceUs = BigInt(Math.floor(since)) * 1000n;
  for (let attempt = 0; ; attempt++) {
    if (files.length === 0) return { points: [], users: [] };
    try {
      const [points, users] = [await lake.rows(files, pointsSql(sinceUs)), await lake.rows(files, usersSql(sinceUs))];
      return {
        points: points.map(point),
        users: users.map((r) => ({ release: String(r.release), user: String(r.user), statuses: Number(r.statuses), last: Number(r.last) })),
      };
    } catch (err) {
      const again = attempt < RELISTS ? relisted(files) : undefined;
      if (!again) throw err;
      files = again;
    }
  }
}
