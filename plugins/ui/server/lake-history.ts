/**
 * What the live store keeps beyond its rings, after a restart, read back from the lake: the
 * hourly history of release health and DORA (`keptLong`: `sentry.sessions`, `dora.*`, 35 days)
 * and the users of each release (`sentry.sessions.user`); the issues' events per hour for the
 * sparklines (14 days: log records and span events the grouping processor gave an `issue.id`);
 * and the service page's metrics (spanmetrics' calls and duration, servicegraph's request
 * counters) per minute of its longest window, 24 hours — or without them, as many of that
 * window's newest spans as the store's span ring holds.
 *
 * The files are those the lake holds when the exporter starts — before any receiver runs, so
 * they hold only what this process did not see live: a delta point or an event is then counted
 * once, from the lake or live, never both. Compaction may merge them meanwhile (the parquet
 * exporter compacts at its start too): a partition caught between a merged file's rename and its sources'
 * deletion counts the merged file only (its journal names the sources), and when a listed file
 * is gone by the time DuckDB reads it, its partition is listed again. DuckDB pre-aggregates per
 * series and hour (the service page's: minute) as the live store keeps them: the sum of a delta
 * sum's points, the latest point of any other series; the users as one row per release and user
 * hash; the events as a count per issue and hour.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exceptions } from 'summit';
import { inRange, partitions, spanRow, SPAN_SEARCH_COLUMNS, type Lake } from './lake.js';
import { HISTORY_DAYS, SERVICE_HOURS, SPARK_HOURS } from './live-store.js';
import { keptLongSql, serviceMetricNames } from './metric-views.js';
import { SESSION_USERS_METRIC, STATUS_BITS } from './release-users.js';
import type { MetricPoint, SpanRow } from './rows.js';

const MINUTE = 60_000;
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

/** Events of an issue in an hour (hours since the epoch). */
export interface IssueHour {
  issue: string;
  hour: number;
  events: number;
}

export interface History {
  points: MetricPoint[];
  users: UserRow[];
  /** Oldest first, at most as many as the store holds (the newest). */
  servicePoints: MetricPoint[];
  /** Grouped by issue, the issue seen least recently first. */
  issueHours: IssueHour[];
  /** Without service-page metrics: the newest spans of its window, oldest first, what it computes from instead. */
  serviceSpans: SpanRow[];
}

/** The files each part of the history is read from, as `historyFiles` listed them. */
export interface HistoryFiles {
  /** Metric files of the release-health and DORA history's 35 days. */
  metrics: string[];
  /** Metric files of the service page's 24 hours. */
  serviceMetrics: string[];
  /** Log and trace files of the sparklines' 14 days. */
  logs: string[];
  traces: string[];
  /** Trace files of the service page's 24 hours. */
  serviceTraces: string[];
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

/** The lake's files of `signal` from `since` (ms) on, as they are now. */
function signalFiles(lakePath: string, signal: string, since: number): string[] {
  return partitions(join(lakePath, signal))
    .filter((p) => inRange(p, since, undefined))
    .flatMap((p) => (p.files.length ? settled(dirname(p.files[0]), p.files) : []));
}

/** The files of each part of the history, as the lake holds them now (`now` in ms). */
export function historyFiles(lakePath: string, now: number): HistoryFiles {
  const sparkSince = now - SPARK_HOURS * HOUR;
  return {
    metrics: signalFiles(lakePath, 'metrics', now - HISTORY_DAYS * 24 * HOUR),
    serviceMetrics: signalFiles(lakePath, 'metrics', now - SERVICE_HOURS * HOUR),
    logs: signalFiles(lakePath, 'logs', sparkSince),
    traces: signalFiles(lakePath, 'traces', sparkSince),
    serviceTraces: signalFiles(lakePath, 'traces', now - SERVICE_HOURS * HOUR),
  };
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

const SERIES = (bucketMs: number) => `metric_name, coalesce(metric_unit, '') AS unit, coalesce(service_name, 'unknown_service') AS service, metric_type,
  aggregation_temporality, attributes, resource_attributes, epoch_ms(time) // ${bucketMs} AS bucket`;

/**
 * Per series and bucket of `bucketMs` of the metrics `names` (a condition on `metric_name`): a
 * delta sum's points added up, else the latest point (a histogram's count, bounds and buckets).
 */
const pointsSql = (names: string, bucketMs: number, sinceUs: bigint) => `SELECT ${SERIES(bucketMs)},
    CASE WHEN aggregation_temporality = 'Delta' THEN sum(coalesce(value, count)) ELSE arg_max(coalesce(value, count), time) END AS value,
    CASE WHEN aggregation_temporality = 'Delta' THEN min(epoch_ms(start_time)) ELSE arg_max(epoch_ms(start_time), time) END AS start_ms,
    max(epoch_ms(time)) AS time_ms, arg_max(explicit_bounds, time) AS bounds, arg_max(bucket_counts, time) AS buckets
  FROM $source WHERE (${names}) AND time >= make_timestamp(${sinceUs})
    AND NOT (aggregation_temporality = 'Delta' AND metric_type <> 'Sum')
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`;

/** The service page's metrics per minute, the newest `limit` (the store's ring holds no more). */
const servicePointsSql = (namespace: string, sinceUs: bigint, limit: number) =>
  `${pointsSql(`metric_name IN (${serviceMetricNames(namespace).map(sqlString).join(', ')})`, MINUTE, sinceUs)} ORDER BY time_ms DESC LIMIT ${limit}`;

/** Events per issue and hour, of the log records the grouping processor gave an issue id (their time as the live store takes it, never ahead of `nowMs`). */
const logIssueHoursSql = (sinceUs: bigint, nowMs: number) => `SELECT attributes['${exceptions.ISSUE_ID}'] AS issue, least(epoch_ms(coalesce(time, observed_time)), ${nowMs}) // ${HOUR} AS hour, count(*) AS events
  FROM $source WHERE attributes['${exceptions.ISSUE_ID}'] <> '' AND coalesce(time, observed_time) >= make_timestamp(${sinceUs})
  GROUP BY ALL`;

/** The same of span events (exceptions the grouping processor gave an issue id). */
const spanIssueHoursSql = (sinceUs: bigint, nowMs: number) => `SELECT e.attributes['${exceptions.ISSUE_ID}'] AS issue, least(epoch_ms(e.time), ${nowMs}) // ${HOUR} AS hour, count(*) AS events
  FROM (SELECT unnest(events) AS e FROM $source WHERE len(events) > 0 AND end_time >= make_timestamp(${sinceUs}))
  WHERE e.attributes['${exceptions.ISSUE_ID}'] <> '' AND e.time >= make_timestamp(${sinceUs})
  GROUP BY ALL`;

/** The newest spans (`$limit`: as many as the store's ring holds), with what the service page reads of them. */
const serviceSpansSql = (sinceUs: bigint) => `SELECT ${SPAN_SEARCH_COLUMNS} FROM $source WHERE start_time >= make_timestamp(${sinceUs}) ORDER BY start_time DESC LIMIT $limit`;

/** `files` (newest partition first) by partition. */
function byPartition(files: string[]): { files: string[] }[] {
  const parts = new Map<string, string[]>();
  for (const f of files) {
    const list = parts.get(dirname(f));
    if (list) list.push(f);
    else parts.set(dirname(f), [f]);
  }
  return [...parts.values()].map((files) => ({ files }));
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

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

/** Rows of `sql` over `files`; the partitions of files compaction took away meanwhile are listed again. */
async function settledRows(lake: Lake, files: string[], sql: string): Promise<Record<string, unknown>[]> {
  for (let attempt = 0; ; attempt++) {
    if (files.length === 0) return [];
    try {
      return await lake.historyRows(files, sql);
    } catch (err) {
      const again = attempt < RELISTS ? relisted(files) : undefined;
      if (!again) throw err;
      files = again;
    }
  }
}

/** Log records' and span events' counts per issue and hour, grouped by issue, the issue seen least recently first. */
function issueHours(rows: Record<string, unknown>[]): IssueHour[] {
  const byIssue = new Map<string, Map<number, number>>();
  for (const r of rows) {
    const issue = String(r.issue);
    const hours = byIssue.get(issue) ?? new Map<number, number>();
    byIssue.set(issue, hours);
    hours.set(Number(r.hour), (hours.get(Number(r.hour)) ?? 0) + Number(r.events));
  }
  return [...byIssue]
    .map(([issue, hours]) => ({ issue, hours, last: Math.max(...hours.keys()) }))
    .sort((a, b) => a.last - b.last)
    .flatMap(({ issue, hours }) => [...hours].map(([hour, events]) => ({ issue, hour, events })));
}

export interface HistoryOptions {
  /** What the windows end at (ms). */
  now: number;
  /** The spanmetrics connector's namespace, as the service page reads it. */
  spanmetricsNamespace: string;
  /** Service-page points at most (the live store's `max_points`). */
  maxServicePoints: number;
  /** Service-page spans at most (the live store's `max_spans`). */
  maxServiceSpans: number;
}

/** The history in `files` (as `historyFiles` listed them at `o.now`). */
export async function readHistory(lake: Lake, files: HistoryFiles, o: HistoryOptions): Promise<History> {
  // µs literals: DuckDB prunes row groups by their time statistics only against constants
  const us = (ms: number) => BigInt(Math.floor(ms)) * 1000n;
  const longSince = us(o.now - HISTORY_DAYS * 24 * HOUR);
  const sparkSince = us(o.now - SPARK_HOURS * HOUR);
  const points = await settledRows(lake, files.metrics, pointsSql(keptLongSql('metric_name'), HOUR, longSince));
  const users = await settledRows(lake, files.metrics, usersSql(longSince));
  const serviceSince = us(o.now - SERVICE_HOURS * HOUR);
  const service = await settledRows(lake, files.serviceMetrics, servicePointsSql(o.spanmetricsNamespace, serviceSince, o.maxServicePoints));
  // with the connectors' metrics the page reads those: the spans are only read without them
  // the newest hours first (a busy lake's ring-full is the last hour or two): older ones only while short
  const spans = service.length ? [] : await lake.newest(byPartition(files.serviceTraces), serviceSpansSql(serviceSince), [], o.maxServiceSpans, (f, q) => settledRows(lake, f, q));
  const issues = [
    ...(await settledRows(lake, files.logs, logIssueHoursSql(sparkSince, o.now))),
    ...(await settledRows(lake, files.traces, spanIssueHoursSql(sparkSince, o.now))),
  ];
  return {
    points: points.map(point),
    users: users.map((r) => ({ release: String(r.release), user: String(r.user), statuses: Number(r.statuses), last: Number(r.last) })),
    servicePoints: service.map(point).reverse(),
    issueHours: issueHours(issues),
    serviceSpans: spans.map(spanRow).reverse(),
  };
}
