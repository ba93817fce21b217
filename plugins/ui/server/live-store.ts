/**
 * What the live views need, bounded: the latest spans, log records and metric points in rings
 * of fixed size (the oldest go first), and per issue its events per hour over 14 days for the
 * sparklines; apart from the rings, an hourly history of release-health and DORA metrics, the
 * distinct users of each release, and the latest flaky-test findings, which busier data would
 * push out, and the service page's metric points or spans the lake held at start, which would
 * push out the live ones. History beyond is the Parquet lake's.
 * Every text a row keeps (names, ids, attribute keys and values, log bodies) is cut to
 * `max_value_bytes`, and each ring also drops its oldest rows once their texts pass `max_bytes`:
 * a ring holds rows for minutes, and a count alone bounds nothing when each of 100,000 spans may
 * carry many long attributes.
 */
import { FifoMap, AggregationTemporality, anyValueAsString, cutText, exceptions, StatusCode, SpanKind, type Attributes, type Logs, type Metric, type Metrics, type Traces } from 'summit';
import { FLAKY_EVENT, keptLong } from './metric-views.js';
import type { History } from './lake-history.js';
import { ReleaseUsers, SESSION_USERS_METRIC, type UserCounts } from './release-users.js';
import { nsToMs, type LogRow, type MetricPoint, type SpanRow } from './rows.js';
import { SeriesHistory } from './series-history.js';

class Ring<T> {
  private readonly items: (T | undefined)[];
  /** Each row's text length, what `maxBytes` bounds. */
  private readonly sizes: Float64Array;
  private next = 0;
  private count = 0;
  private bytes = 0;

  constructor(
    readonly capacity: number,
    private readonly maxBytes: number,
  ) {
    this.items = new Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  push(item: T, bytes: number): void {
    if (this.count === this.capacity) this.dropOldest();
    while (this.count > 0 && this.bytes + bytes > this.maxBytes) this.dropOldest();
    this.items[this.next] = item;
    this.sizes[this.next] = bytes;
    this.bytes += bytes;
    this.next = (this.next + 1) % this.capacity;
    this.count++;
  }

  private dropOldest(): void {
    const oldest = (this.next - this.count + this.capacity) % this.capacity;
    this.bytes -= this.sizes[oldest];
    this.items[oldest] = undefined;
    this.count--;
  }

  get size(): number {
    return this.count;
  }

  /** Newest first. */
  *newest(): Generator<T> {
    for (let i = 1; i <= this.count; i++) yield this.items[(this.next - i + this.capacity) % this.capacity]!;
  }
}

function* earlierThenRecent<T>(earlier: Ring<T>, recent: Ring<T>): Generator<T> {
  yield* [...earlier.newest()].reverse();
  yield* recent.newest();
}

const HOUR_MS = 3_600_000;
export const SPARK_HOURS = 14 * 24;
/** The service page's longest window: what is read back from the lake for it after a restart. */
export const SERVICE_HOURS = 24;
/** Issues whose counts are kept; beyond, the one updated least recently is forgotten. */
const MAX_SPARK_ISSUES = 20_000;
/** Release health and DORA trends: hourly, for 35 days, of at most this many series. */
export const HISTORY_DAYS = 35;
const MAX_HISTORY_SERIES = 2000;
/** Release health's distinct users (hashes of 32 characters), over the releases kept. */
const MAX_RELEASE_USERS = 200_000;
/** Flaky-test findings held apart from the log ring, so other logs do not push them out. */
const MAX_FLAKY = 1000;
/** What a row costs beyond its texts (objects, numbers), counted against max_bytes. */
const ROW_OVERHEAD_BYTES = 200;

function temporality(m: Metric): MetricPoint['temporality'] {
  if (m.data.type === 'gauge' || m.data.type === 'summary') return 'gauge';
  return m.data.aggregationTemporality === AggregationTemporality.Delta ? 'delta' : 'cumulative';
}

export function attributesObject(attrs: Attributes, cut: (text: string) => string = (t) => t): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of attrs) out[cut(k)] = cut(anyValueAsString(v));
  return out;
}

export interface LiveStoreLimits {
  max_spans: number;
  max_logs: number;
  max_points: number;
  max_value_bytes: number;
  /** Per ring: the texts its rows keep (string lengths, about bytes for ASCII). */
  max_bytes: number;
}

export class LiveStore {
  private readonly spans: Ring<SpanRow>;
  private readonly logs: Ring<LogRow>;
  private readonly points: Ring<MetricPoint>;
  /** The service page's metric points (or else spans) the lake held at start, apart so that the live ones do not push them out first. */
  private readonly earlierPoints: Ring<MetricPoint>;
  private readonly earlierSpans: Ring<SpanRow>;
  private readonly history = new SeriesHistory(HOUR_MS, HISTORY_DAYS * 24 * HOUR_MS, MAX_HISTORY_SERIES);
  private readonly releaseUsers = new ReleaseUsers(HISTORY_DAYS * 24 * HOUR_MS, MAX_RELEASE_USERS);
  private readonly flaky: Ring<LogRow>;
  private logSeq = 0;
  /** issue id → hour number → events; a Map keeps insertion order, so re-inserting marks recent use. */
  private readonly issueHours = new FifoMap<string, Map<number, number>>();

  private readonly maxValueBytes: number;
  /** The length of the texts kept since the last row was pushed: that row's size. */
  private rowBytes = 0;

  constructor(limits: LiveStoreLimits) {
    this.maxValueBytes = limits.max_value_bytes;
    this.spans = new Ring(limits.max_spans, limits.max_bytes);
    this.logs = new Ring(limits.max_logs, limits.max_bytes);
    this.points = new Ring(limits.max_points, limits.max_bytes);
    this.earlierPoints = new Ring(limits.max_points, limits.max_bytes);
    this.earlierSpans = new Ring(limits.max_spans, limits.max_bytes);
    this.flaky = new Ring(MAX_FLAKY, limits.max_bytes);
  }

  private readonly cut = (s: string): string => {
    const kept = cutText(s, this.maxValueBytes);
    this.rowBytes += kept.length;
    return kept;
  };

  private attributes(attrs: Attributes): Record<string, string> {
    return attributesObject(attrs, this.cut);
  }

  /** The size of the row about to be pushed (a fixed share for its numbers and object), counting restarts. */
  private takeRowBytes(): number {
    const bytes = this.rowBytes + ROW_OVERHEAD_BYTES;
    this.rowBytes = 0;
    return bytes;
  }

  addTraces(data: Traces): void {
    for (const rs of data.resourceSpans) {
      const resource = this.attributes(rs.resource.attributes);
      const service = resource['service.name'] ?? 'unknown_service';
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          const events = s.events.map((e) => ({ time: nsToMs(e.timeUnixNano), name: this.cut(e.name), attributes: this.attributes(e.attributes) }));
          for (const e of events) if (e.attributes[exceptions.ISSUE_ID]) this.countIssue(e.attributes[exceptions.ISSUE_ID], e.time);
          this.spans.push({
            traceId: this.cut(s.traceId),
            spanId: this.cut(s.spanId),
            parentSpanId: this.cut(s.parentSpanId),
            name: this.cut(s.name),
            service,
            kind: SpanKind[s.kind] ?? String(s.kind),
            start: nsToMs(s.startTimeUnixNano),
            durationMs: Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6,
            status: (StatusCode[s.status.code] ?? 'Unset') as SpanRow['status'],
            statusMessage: this.cut(s.status.message),
            attributes: this.attributes(s.attributes),
            resource,
            events,
            links: s.links.map((l) => ({ traceId: this.cut(l.traceId), spanId: this.cut(l.spanId) })),
          }, this.takeRowBytes());
        }
      }
    }
  }

  addLogs(data: Logs): void {
    for (const rl of data.resourceLogs) {
      const service = this.cut(anyValueAsString(rl.resource.attributes.get('service.name') ?? 'unknown_service'));
      for (const sl of rl.scopeLogs) {
        for (const r of sl.logRecords) {
          const time = nsToMs(r.timeUnixNano || r.observedTimeUnixNano);
          const attributes = this.attributes(r.attributes);
          if (attributes[exceptions.ISSUE_ID]) this.countIssue(attributes[exceptions.ISSUE_ID], time);
          const row: LogRow = {
            seq: ++this.logSeq,
            time,
            severityText: this.cut(r.severityText),
            severityNumber: r.severityNumber,
            // a Sentry event's body is the whole event: the issue pages show it, the log list its message
            body: r.eventName === exceptions.SENTRY_EVENT_NAME ? (attributes['exception.message'] ?? attributes['issue.title'] ?? r.eventName) : this.cut(anyValueAsString(r.body)),
            service,
            traceId: this.cut(r.traceId),
            spanId: this.cut(r.spanId),
            attributes,
            eventName: r.eventName,
          };
          const bytes = this.takeRowBytes();
          this.logs.push(row, bytes);
          if (r.eventName === FLAKY_EVENT) this.flaky.push(row, bytes);
        }
      }
    }
  }

  addMetrics(data: Metrics): void {
    for (const rm of data.resourceMetrics) {
      const resource = this.attributes(rm.resource.attributes);
      const service = resource['service.name'] ?? 'unknown_service';
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const kind = temporality(m);
          const name = this.cut(m.name);
          for (const p of m.data.dataPoints) {
            const point: MetricPoint = {
              time: nsToMs(p.timeUnixNano),
              start: nsToMs(p.startTimeUnixNano),
              name,
              unit: this.cut(m.unit),
              service,
              value: 'value' in p ? Number(p.value) : 'count' in p ? Number(p.count) : NaN,
              attributes: this.attributes(p.attributes),
              temporality: kind,
              resource,
            };
            if ('explicitBounds' in p) {
              point.bounds = p.explicitBounds;
              point.buckets = p.bucketCounts.map(Number);
            }
            const bytes = this.takeRowBytes();
            // a point per user would push every series out of the ring: users are counted apart
            if (m.name === SESSION_USERS_METRIC) this.releaseUsers.add(point);
            else this.points.push(point, bytes);
            if (keptLong(m.name)) this.history.add(point);
          }
        }
      }
    }
  }

  /**
   * Adds what the lake held at start (lake-history.ts): the history, the users of each release,
   * the issues' events per hour and the service page's metric points before this run.
   */
  restore(h: History): void {
    for (const p of h.points) this.history.add(p);
    for (const u of h.users) this.releaseUsers.addUser(u.release, u.user, u.statuses, u.last);
    for (const i of h.issueHours) this.addIssueEvents(i.issue, i.hour, i.events);
    for (const p of h.servicePoints) {
      const kept = { ...p, name: this.cut(p.name), unit: this.cut(p.unit), service: this.cut(p.service), attributes: this.cutTexts(p.attributes), resource: this.cutTexts(p.resource) };
      this.earlierPoints.push(kept, this.takeRowBytes());
    }
    for (const r of h.serviceSpans) {
      const kept = { ...r, traceId: this.cut(r.traceId), spanId: this.cut(r.spanId), parentSpanId: this.cut(r.parentSpanId), name: this.cut(r.name), service: this.cut(r.service) };
      this.earlierSpans.push(kept, this.takeRowBytes());
    }
  }

  private cutTexts(o: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [this.cut(k), this.cut(v)]));
  }

  recentSpans(): Iterable<SpanRow> {
    return this.spans.newest();
  }

  recentLogs(): Iterable<LogRow> {
    return this.logs.newest();
  }

  /** What the service page reads: the metric points the lake held at start, then the ring's. */
  servicePoints(): Iterable<MetricPoint> {
    return earlierThenRecent(this.earlierPoints, this.points);
  }

  /** What the service page computes from without metrics: the spans the lake held at start, then the ring's. */
  serviceSpans(): Iterable<SpanRow> {
    return earlierThenRecent(this.earlierSpans, this.spans);
  }

  /** The hourly history of the metrics `keptLong` names. */
  pointHistory(): Iterable<MetricPoint> {
    return this.history.points();
  }

  /** Per release, its distinct users from the sentry receiver's `sentry.sessions.user`. */
  usersPerRelease(): Map<string, UserCounts> {
    return this.releaseUsers.counts();
  }

  recentFlakyTests(): Iterable<LogRow> {
    return this.flaky.newest();
  }

  get sizes(): { spans: number; logs: number; points: number } {
    return { spans: this.spans.size, logs: this.logs.size, points: this.points.size };
  }

  /** Events of the issue per bucket of `bucketHours`, oldest first, the last bucket ending now. */
  sparkline(issueId: string, buckets: number, bucketHours: number, now = Date.now()): number[] {
    const out = new Array<number>(buckets).fill(0);
    const hours = this.issueHours.get(issueId);
    if (!hours) return out;
    const nowHour = Math.floor(now / HOUR_MS);
    for (const [hour, n] of hours) {
      const b = buckets - 1 - Math.floor((nowHour - hour) / bucketHours);
      if (b >= 0 && b < buckets) out[b] += n;
    }
    return out;
  }

  private countIssue(issueId: string, time: number): void {
    this.addIssueEvents(issueId, Math.floor(Math.min(time, Date.now()) / HOUR_MS), 1);
  }

  private addIssueEvents(issueId: string, hour: number, events: number): void {
    let hours = this.issueHours.get(issueId);
    if (hours) this.issueHours.delete(issueId);
    else hours = new Map();
    this.issueHours.set(issueId, hours);
    hours.set(hour, (hours.get(hour) ?? 0) + events);
    const oldest = Math.floor(Date.now() / HOUR_MS) - SPARK_HOURS;
    for (const h of hours.keys()) if (h <= oldest) hours.delete(h);
    if (this.issueHours.size > MAX_SPARK_ISSUES) this.issueHours.shift();
  }
}
