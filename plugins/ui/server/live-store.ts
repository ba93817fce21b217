/**
 * What the live views need, bounded: the latest spans, log records and metric points in rings
 * of fixed size (the oldest go first), and per issue its events per hour over 14 days for the
 * sparklines; apart from the rings, an hourly history of release-health and DORA metrics and the
 * latest flaky-test findings, which busier data would push out. History beyond is the Parquet lake's.
 */
import { AggregationTemporality, anyValueAsString, exceptions, StatusCode, SpanKind, type Attributes, type Logs, type Metric, type Metrics, type Traces } from 'summit';
import { FLAKY_EVENT, keptLong } from './metric-views.js';
import { nsToMs, type LogRow, type MetricPoint, type SpanRow } from './rows.js';
import { SeriesHistory } from './series-history.js';

class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Newest first. */
  *newest(): Generator<T> {
    for (let i = 1; i <= this.count; i++) yield this.items[(this.next - i + this.capacity) % this.capacity]!;
  }
}

const HOUR_MS = 3_600_000;
const SPARK_HOURS = 14 * 24;
/** Issues whose counts are kept; beyond, the one updated least recently is forgotten. */
const MAX_SPARK_ISSUES = 20_000;
/** Release health and DORA trends: hourly, for 35 days, of at most this many series. */
const HISTORY_DAYS = 35;
const MAX_HISTORY_SERIES = 2000;
/** Flaky-test findings held apart from the log ring, so other logs do not push them out. */
const MAX_FLAKY = 1000;

function temporality(m: Metric): MetricPoint['temporality'] {
  if (m.data.type === 'gauge' || m.data.type === 'summary') return 'gauge';
  return m.data.aggregationTemporality === AggregationTemporality.Delta ? 'delta' : 'cumulative';
}

export function attributesObject(attrs: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of attrs) out[k] = anyValueAsString(v);
  return out;
}

export class LiveStore {
  private readonly spans: Ring<SpanRow>;
  private readonly logs: Ring<LogRow>;
  private readonly points: Ring<MetricPoint>;
  private readonly history = new SeriesHistory(HOUR_MS, HISTORY_DAYS * 24 * HOUR_MS, MAX_HISTORY_SERIES);
  private readonly flaky = new Ring<LogRow>(MAX_FLAKY);
  private logSeq = 0;
  /** issue id → hour number → events; a Map keeps insertion order, so re-inserting marks recent use. */
  private readonly issueHours = new Map<string, Map<number, number>>();

  constructor(limits: { max_spans: number; max_logs: number; max_points: number }) {
    this.spans = new Ring(limits.max_spans);
    this.logs = new Ring(limits.max_logs);
    this.points = new Ring(limits.max_points);
  }

  addTraces(data: Traces): void {
    for (const rs of data.resourceSpans) {
      const resource = attributesObject(rs.resource.attributes);
      const service = resource['service.name'] ?? 'unknown_service';
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          const events = s.events.map((e) => ({ time: nsToMs(e.timeUnixNano), name: e.name, attributes: attributesObject(e.attributes) }));
          for (const e of events) if (e.attributes[exceptions.ISSUE_ID]) this.countIssue(e.attributes[exceptions.ISSUE_ID], e.time);
          this.spans.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId,
            name: s.name,
            service,
            kind: SpanKind[s.kind] ?? String(s.kind),
            start: nsToMs(s.startTimeUnixNano),
            durationMs: Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6,
            status: (StatusCode[s.status.code] ?? 'Unset') as SpanRow['status'],
            statusMessage: s.status.message,
            attributes: attributesObject(s.attributes),
            resource,
            events,
            links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
          });
        }
      }
    }
  }

  addLogs(data: Logs): void {
    for (const rl of data.resourceLogs) {
      const service = anyValueAsString(rl.resource.attributes.get('service.name') ?? 'unknown_service');
      for (const sl of rl.scopeLogs) {
        for (const r of sl.logRecords) {
          const time = nsToMs(r.timeUnixNano || r.observedTimeUnixNano);
          const attributes = attributesObject(r.attributes);
          if (attributes[exceptions.ISSUE_ID]) this.countIssue(attributes[exceptions.ISSUE_ID], time);
          const row: LogRow = {
            seq: ++this.logSeq,
            time,
            severityText: r.severityText,
            severityNumber: r.severityNumber,
            // a Sentry event's body is the whole event: the issue pages show it, the log list its message
            body: r.eventName === exceptions.SENTRY_EVENT_NAME ? (attributes['exception.message'] ?? attributes['issue.title'] ?? r.eventName) : anyValueAsString(r.body),
            service,
            traceId: r.traceId,
            spanId: r.spanId,
            attributes,
            eventName: r.eventName,
          };
          this.logs.push(row);
          if (r.eventName === FLAKY_EVENT) this.flaky.push(row);
        }
      }
    }
  }

  addMetrics(data: Metrics): void {
    for (const rm of data.resourceMetrics) {
      const resource = attributesObject(rm.resource.attributes);
      const service = resource['service.name'] ?? 'unknown_service';
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const kind = temporality(m);
          for (const p of m.data.dataPoints) {
            const point: MetricPoint = {
              time: nsToMs(p.timeUnixNano),
              start: nsToMs(p.startTimeUnixNano),
              name: m.name,
              unit: m.unit,
              service,
              value: 'value' in p ? Number(p.value) : 'count' in p ? Number(p.count) : NaN,
              attributes: attributesObject(p.attributes),
              temporality: kind,
              resource,
            };
            if ('explicitBounds' in p) {
              point.bounds = p.explicitBounds;
              point.buckets = p.bucketCounts.map(Number);
            }
            this.points.push(point);
            if (keptLong(m.name)) this.history.add(point);
          }
        }
      }
    }
  }

  recentSpans(): Iterable<SpanRow> {
    return this.spans.newest();
  }

  recentLogs(): Iterable<LogRow> {
    return this.logs.newest();
  }

  recentPoints(): Iterable<MetricPoint> {
    return this.points.newest();
  }

  /** The hourly history of the metrics `keptLong` names. */
  pointHistory(): Iterable<MetricPoint> {
    return this.history.points();
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
    const hour = Math.floor(Math.min(time, Date.now()) / HOUR_MS);
    let hours = this.issueHours.get(issueId);
    if (hours) this.issueHours.delete(issueId);
    else hours = new Map();
    this.issueHours.set(issueId, hours);
    hours.set(hour, (hours.get(hour) ?? 0) + 1);
    const oldest = Math.floor(Date.now() / HOUR_MS) - SPARK_HOURS;
    for (const h of hours.keys()) if (h <= oldest) hours.delete(h);
    if (this.issueHours.size > MAX_SPARK_ISSUES) this.issueHours.delete(this.issueHours.keys().next().value!);
  }
}
