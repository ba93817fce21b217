/**
 * History from the parquet exporter's files, read with DuckDB as `summit query` reads them
 * (hive partitions `<path>/<signal>/date=…/hour=…/*.parquet`). Filters are bound parameters;
 * the time range also prunes partitions.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { LogRow, SpanRow } from './rows.js';
import type { TraceFilter } from './views.js';

function hasParquet(dir: string): boolean {
  if (!existsSync(dir)) return false;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    if (e.isFile() && e.name.endsWith('.parquet')) return true;
    if (e.isDirectory() && hasParquet(join(dir, e.name))) return true;
  }
  return false;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const mapObject = (v: unknown): Record<string, string> =>
  Object.fromEntries(((v as { entries?: { key: string; value: string }[] } | null)?.entries ?? []).map((e) => [e.key, e.value]));

const SPAN_COLUMNS = `trace_id, span_id, coalesce(parent_span_id, '') AS parent_span_id, name, coalesce(service_name, 'unknown_service') AS service,
  kind, status_code, coalesce(status_message, '') AS status_message, epoch_us(start_time) AS start_us, duration_ns, attributes, resource_attributes,
  [{'time': epoch_us(e.time), 'name': e.name, 'attributes': e.attributes} FOR e IN coalesce(events, [])] AS events,
  [{'trace_id': l.trace_id, 'span_id': l.span_id} FOR l IN coalesce(links, [])] AS links`;

export class Lake {
  private connection?: Promise<DuckDBConnection>;

  constructor(private readonly path: string) {}

  private async connect(): Promise<DuckDBConnection> {
    // DuckDB is loaded on the first query: `summit validate` and a UI that never reads history skip its native module
    this.connection ??= import('@duckdb/node-api').then(({ DuckDBInstance }) => DuckDBInstance.create(':memory:')).then((i) => i.connect());
    return this.connection;
  }

  /** Rows of `sql` over the signal's view; none when the lake has no file of that signal yet. */
  private async rows(signal: 'traces' | 'logs', sql: string, params: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    const dir = join(this.path, signal);
    if (!hasParquet(dir)) return [];
    const c = await this.connect();
    const source = `read_parquet(${sqlString(`${dir}/**/*.parquet`)}, hive_partitioning = true, hive_types = {'date': DATE, 'hour': INTEGER}, union_by_name = true)`;
    const reader = await c.runAndReadAll(sql.replace('$source', source), params);
    return reader.getRowObjects() as Record<string, unknown>[];
  }

  async searchSpans(f: TraceFilter, limit: number): Promise<SpanRow[]> {
    const where: string[] = [];
    const params: DuckDBValue[] = [];
    const bind = (clause: string, ...values: DuckDBValue[]) => {
      where.push(clause.replace(/\?/g, () => `$${params.push(values.shift()!)}`));
    };
    if (f.service) bind('service_name = ?', f.service);
    if (f.name) bind('contains(lower(name), ?)', f.name.toLowerCase());
    if (f.minMs !== undefined) bind('duration_ns >= ?', BigInt(Math.round(f.minMs * 1e6)));
    if (f.maxMs !== undefined) bind('duration_ns <= ?', BigInt(Math.round(f.maxMs * 1e6)));
    if (f.status) bind('status_code = ?', f.status);
    if (f.from !== undefined) bind('date >= CAST(to_timestamp(?) AS DATE) AND epoch_ms(start_time) >= ?', f.from / 1000, f.from);
    if (f.to !== undefined) bind('date <= CAST(to_timestamp(?) AS DATE) AND epoch_ms(start_time) <= ?', f.to / 1000, f.to);
    for (const [k, v] of f.attributes ?? []) bind('(attributes[?] = ? OR resource_attributes[?] = ?)', k, v, k, v);
    const sql = `SELECT ${SPAN_COLUMNS} FROM $source ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start_time DESC LIMIT ${Math.floor(limit)}`;
    return (await this.rows('traces', sql, params)).map(spanRow);
  }

  async traceSpans(traceId: string): Promise<SpanRow[]> {
    return (await this.rows('traces', `SELECT ${SPAN_COLUMNS} FROM $source WHERE trace_id = $1`, [traceId])).map(spanRow);
  }

  async searchLogs(f: { text?: string; minSeverity?: number; service?: string; attributes?: [string, string][]; from?: number; to?: number; eventName?: string }, limit: number): Promise<LogRow[]> {
    const where: string[] = [];
    const params: DuckDBValue[] = [];
    const bind = (clause: string, ...values: DuckDBValue[]) => where.push(clause.replace(/\?/g, () => `$${params.push(values.shift()!)}`));
    if (f.text) bind('contains(lower(coalesce(body, \'\')), ?)', f.text.toLowerCase());
    if (f.minSeverity) bind('severity_number >= ?', f.minSeverity);
    if (f.service) bind('service_name = ?', f.service);
    if (f.from !== undefined) bind('epoch_ms(coalesce(time, observed_time)) >= ?', f.from);
    if (f.to !== undefined) bind('epoch_ms(coalesce(time, observed_time)) <= ?', f.to);
    for (const [k, v] of f.attributes ?? []) bind('attributes[?] = ?', k, v);
    if (f.eventName) bind('event_name = ?', f.eventName);
    const sql = `SELECT epoch_us(coalesce(time, observed_time)) AS time_us, coalesce(severity_text, '') AS severity_text, coalesce(severity_number, 0) AS severity_number,
      coalesce(body, '') AS body, coalesce(service_name, 'unknown_service') AS service, coalesce(trace_id, '') AS trace_id, coalesce(span_id, '') AS span_id, attributes, coalesce(event_name, '') AS event_name
      FROM $source ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY coalesce(time, observed_time) DESC LIMIT ${Math.floor(limit)}`;
    return (await this.rows('logs', sql, params)).map((r) => ({
      seq: 0,
      time: Number(r.time_us) / 1000,
      severityText: String(r.severity_text),
      severityNumber: Number(r.severity_number),
      body: String(r.body),
      service: String(r.service),
      traceId: String(r.trace_id),
      spanId: String(r.span_id),
      attributes: mapObject(r.attributes),
      eventName: String(r.event_name),
    }));
  }

  async close(): Promise<void> {
    const c = await this.connection?.catch(() => undefined);
    c?.closeSync();
  }
}

function spanRow(r: Record<string, unknown>): SpanRow {
  const items = (v: unknown) => ((v as { items?: unknown[] } | null)?.items ?? []) as { entries: Record<string, unknown> }[];
  return {
    traceId: String(r.trace_id),
    spanId: String(r.span_id),
    parentSpanId: String(r.parent_span_id),
    name: String(r.name),
    service: String(r.service),
    kind: String(r.kind),
    start: Number(r.start_us) / 1000,
    durationMs: Number(r.duration_ns) / 1e6,
    status: String(r.status_code) as SpanRow['status'],
    statusMessage: String(r.status_message),
    attributes: mapObject(r.attributes),
    resource: mapObject(r.resource_attributes),
    events: items(r.events).map((e) => ({ time: Number(e.entries.time) / 1000, name: String(e.entries.name), attributes: mapObject(e.entries.attributes) })),
    links: items(r.links).map((l) => ({ traceId: String(l.entries.trace_id), spanId: String(l.entries.span_id) })),
  };
}
