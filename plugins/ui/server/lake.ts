/**
 * History from the parquet exporter's files, read with DuckDB as `summit query` reads them
 * (hive partitions `<path>/<signal>/date=…/hour=…/*.parquet`). Searches list the hour
 * partitions themselves: a time range keeps only its hours' files, and a search for the newest
 * matches reads the newest hours first (1 hour, then 4 more, 16 more…) until it has enough, so
 * a 10 M-span lake is not read whole for a page of results. A span search for an attribute reads
 * only the files whose Bloom filter may hold it (attribute-bloom.ts). Searches read only the
 * columns the results show; filters are bound parameters. File footers are cached between queries.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { AttributeBloom } from './attribute-bloom.js';
import { FilterFile } from './filter-file.js';
import type { LogRow, SpanRow } from './rows.js';
import type { TraceFilter } from './views.js';

const HOUR = 3_600_000;
/** How many times more hour partitions each next query of a search reads than the one before (the first reads the newest hour). */
const GROWTH = 4;
/** Memory for the attribute filters: 2 bytes a span, so those of the newest 32 M spans. */
const BLOOM_BYTES = 64 * 2 ** 20;
/** How often the lake is listed for new files to index (the parquet exporter finishes one every `max_age`, 60 s by default). */
const INDEX_EVERY_MS = 30_000;

/** An hour partition's files; `hour` is its start (ms since the epoch), NaN for files outside `date=…/hour=…`. */
interface Partition {
  hour: number;
  files: string[];
}

/** The signal's Parquet files by hour partition, newest first (files outside partitions last). */
export function partitions(dir: string): Partition[] {
  const byDir = new Map<string, Partition>();
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  for (const e of entries) {
    if (!e.isFile() || !e.name.endsWith('.parquet')) continue;
    const rel = e.parentPath.slice(dir.length);
    if (/(^|\/)\./.test(rel)) continue; // .tmp and other hidden directories, as engines skip them
    let part = byDir.get(e.parentPath);
    if (!part) {
      const m = /date=(\d{4}-\d{2}-\d{2})\/hour=(\d{1,2})$/.exec(e.parentPath);
      byDir.set(e.parentPath, (part = { hour: m ? Date.parse(`${m[1]}T00:00:00Z`) + Number(m[2]) * HOUR : NaN, files: [] }));
    }
    part.files.push(join(e.parentPath, e.name));
  }
  return [...byDir.values()].sort((a, b) => (Number.isNaN(a.hour) ? 1 : Number.isNaN(b.hour) ? -1 : b.hour - a.hour));
}

/** Partitions that can hold items of [from, to] (ms); files outside partitions always can. */
export const inRange = (p: Partition, from: number | undefined, to: number | undefined) =>
  Number.isNaN(p.hour) || ((from === undefined || p.hour + HOUR > from) && (to === undefined || p.hour <= to));

/** Where a span's attribute pairs are: its own attributes, its resource's. */
const MAPS = ['attributes', 'resource_attributes'];

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const mapObject = (v: unknown): Record<string, string> =>
  Object.fromEntries(((v as { entries?: { key: string; value: string }[] } | null)?.entries ?? []).map((e) => [e.key, e.value]));

/** What a search result (and the service page) needs of a span: no attribute maps, events or links. */
export const SPAN_SEARCH_COLUMNS = `trace_id, span_id, coalesce(parent_span_id, '') AS parent_span_id, name, coalesce(service_name, 'unknown_service') AS service,
  kind, status_code, '' AS status_message, epoch_us(start_time) AS start_us, duration_ns`;

const SPAN_COLUMNS = `trace_id, span_id, coalesce(parent_span_id, '') AS parent_span_id, name, coalesce(service_name, 'unknown_service') AS service,
  kind, status_code, coalesce(status_message, '') AS status_message, epoch_us(start_time) AS start_us, duration_ns, attributes, resource_attributes,
  [{'time': epoch_us(e.time), 'name': e.name, 'attributes': e.attributes} FOR e IN coalesce(events, [])] AS events,
  [{'trace_id': l.trace_id, 'span_id': l.span_id} FOR l IN coalesce(links, [])] AS links`;

/** DuckDB keeps up to 128 MiB of freed memory after a query by default. */
const ALLOCATOR_FLUSH_MIB = 16;

export interface LakeOptions {
  /** SQLite file the attribute filters are kept in across restarts; none: in memory only. */
  filterFile?: string;
  /** DuckDB's memory_limit, in MiB; none: DuckDB's default (80% of the machine's memory). */
  memoryLimitMib?: number;
  /** Told of a file that could not be indexed (it is read whole), or of a filter file that had to be replaced. */
  onError?: (err: unknown, file: string) => void;
}

export class Lake {
  private instance?: Promise<DuckDBInstance>;
  private connection?: Promise<DuckDBConnection>;
  private bloomConnection?: Promise<DuckDBConnection>;
  private historyConnection?: Promise<DuckDBConnection>;
  private readonly filterFile?: FilterFile;
  private indexTimer?: NodeJS.Timeout;
  readonly bloom: AttributeBloom;

  private readonly onError: (err: unknown, file: string) => void;
  private readonly memoryLimitMib?: number;

  constructor(
    private readonly path: string,
    options: LakeOptions = {},
  ) {
    const onError = (this.onError = options.onError ?? (() => {}));
    this.memoryLimitMib = options.memoryLimitMib;
    if (options.filterFile) {
      try {
        this.filterFile = new FilterFile(options.filterFile, (err) => onError(err, options.filterFile!));
      } catch (err) {
        onError(err, options.filterFile); // filters are then built again after each start
      }
    }
    // its own connection: a filter's build runs beside the searches, not queued before them
    this.bloom = new AttributeBloom(() => (this.bloomConnection ??= this.open()), BLOOM_BYTES, onError, this.filterFile);
  }

  /** The trace files, newest first. */
  private traceFiles(): string[] {
    return partitions(join(this.path, 'traces')).flatMap((p) => p.files);
  }

  /**
   * Indexes the lake's trace files now and every INDEX_EVERY_MS: the filters kept from before a
   * restart are read back, and files written since get theirs before a search asks.
   */
  startIndexing(): void {
    const index = () => {
      let files;
      try {
        files = this.traceFiles();
      } catch (err) {
        return this.onError(err, join(this.path, 'traces')); // unreadable now: listed again next time
      }
      // a lake without traces never loads DuckDB
      if (files.length) this.bloom.update(files);
    };
    index();
    this.indexTimer = setInterval(index, INDEX_EVERY_MS).unref();
  }

  private async open(): Promise<DuckDBConnection> {
    // DuckDB is loaded on the first query: `summit validate` and a UI that never reads history skip its native module
    this.instance ??= import('@duckdb/node-api').then(async ({ DuckDBInstance }) => {
      const instance = await DuckDBInstance.create(':memory:');
      const c = await instance.connect();
      await c.run('LOAD parquet');
      await c.run('SET parquet_metadata_cache = true');
      // a collector's budget, not the machine's; and memory a finished read used goes back to the system
      if (this.memoryLimitMib !== undefined) await c.run(`SET memory_limit = '${this.memoryLimitMib}MiB'`);
      await c.run(`SET allocator_flush_threshold = '${ALLOCATOR_FLUSH_MIB}MiB'`);
      // without them jemalloc kept ~100-150 MiB a filter build used resident until the next (bench `fuzz`)
      await c.run('SET allocator_background_threads = true');
      c.closeSync();
      return instance;
    });
    return (await this.instance).connect();
  }

  private async connect(): Promise<DuckDBConnection> {
    return (this.connection ??= this.open());
  }

  private partitions(signal: 'traces' | 'logs', range: { from?: number; to?: number }): Partition[] {
    return partitions(join(this.path, signal)).filter((p) => inRange(p, range.from, range.to));
  }

  /** Rows of `sql` over `files` (in place of `$source`). */
  async rows(files: string[], sql: string, params: DuckDBValue[] = []): Promise<Record<string, unknown>[]> {
    return this.rowsOn(await this.connect(), files, sql, params);
  }

  /**
   * Rows as `rows`, on a connection of their own: the history read at start takes seconds on a
   * big lake, and a search made meanwhile would otherwise wait behind it (2.2–2.8 s instead of
   * under 2 s for the first attribute search after a restart, bench `ui-traces`).
   */
  async historyRows(files: string[], sql: string): Promise<Record<string, unknown>[]> {
    return this.rowsOn(await (this.historyConnection ??= this.open()), files, sql, []);
  }

  private async rowsOn(c: DuckDBConnection, files: string[], sql: string, params: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    const source = `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false, union_by_name = true)`;
    const reader = await c.runAndReadAll(sql.replace('$source', source), params);
    return reader.getRowObjects() as Record<string, unknown>[];
  }

  /**
   * Up to `limit` rows of `sql` (which orders newest first and ends in `LIMIT $limit`) over the
   * partitions (newest first), reading the newest hours first and older ones only while short;
   * `read` runs each query (by default `rows`).
   */
  async newest(
    parts: Pick<Partition, 'files'>[],
    sql: string,
    params: DuckDBValue[],
    limit: number,
    read: (files: string[], sql: string, params: DuckDBValue[]) => Promise<Record<string, unknown>[]> = (f, q, p) => this.rows(f, q, p),
  ): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let taken = 0, batch = 1; taken < parts.length && out.length < limit; taken += batch, batch *= GROWTH) {
      const files = parts.slice(taken, taken + batch).flatMap((p) => p.files);
      out.push(...(await read(files, sql.replace('$limit', String(Math.floor(limit - out.length))), params)));
    }
    return out;
  }

  /** Spans matching `f`, newest first; with their attributes, events and links only when `whole` (a result list needs none). */
  async searchSpans(f: TraceFilter, limit: number, whole = false): Promise<SpanRow[]> {
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
    const otherFilters = where.length > 0;
    // µs literals, not parameters: DuckDB prunes row groups by start_time's statistics only against constants
    if (f.from !== undefined) where.push(`start_time >= make_timestamp(${Math.floor(f.from * 1000)})`);
    if (f.to !== undefined) where.push(`start_time <= make_timestamp(${Math.ceil(f.to * 1000)})`);
    const pairs = f.attributes ?? [];
    const all = partitions(join(this.path, 'traces'));
    let parts = all.filter((p) => inRange(p, f.from, f.to));
    if (pairs.length) {
      // the whole listing: a time range's files alone would make the filters of the others look gone
      this.bloom.update(all.flatMap((p) => p.files));
      await this.bloom.ready();
      const hashes = await this.bloom.hashes(pairs);
      const places = new Map(parts.flatMap((p) => p.files).map((file) => [file, this.bloom.places(file, hashes)]));
      parts = parts.map((p) => ({ ...p, files: p.files.filter((file) => places.get(file)!.every((x) => x.spans || x.resources)) })).filter((p) => p.files.length > 0);
      const kept = parts.flatMap((p) => p.files.map((file) => places.get(file)!));
      pairs.forEach(([k, v], i) => {
        // Measured on a 10 M-span lake: with other filters, DuckDB runs them first when the pair's test spans both maps (a
        // lone map lookup went first and took 2×); alone, it reads only the maps a file to read may have the pair in.
        const maps = otherFilters ? MAPS : MAPS.filter((_, j) => kept.some((x) => (j === 0 ? x[i].spans : x[i].resources)));
        bind(maps.length ? `(${maps.map((m) => `${m}[?] = ?`).join(' OR ')})` : 'false', ...maps.flatMap(() => [k, v]));
      });
    }
    const sql = `SELECT ${whole ? SPAN_COLUMNS : SPAN_SEARCH_COLUMNS} FROM $source ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start_time DESC LIMIT $limit`;
    return (await this.newest(parts, sql, params, limit)).map(spanRow);
  }

  /**
   * The spans of a trace, from the hour partitions from `from` (ms) on: a caller that knows when
   * the trace began spares reading the whole lake. The id is a literal, not a parameter, so
   * DuckDB can skip row groups whose trace_id statistics cannot hold it.
   */
  async traceSpans(traceId: string, from?: number): Promise<SpanRow[]> {
    const files = partitions(join(this.path, 'traces'))
      .filter((p) => inRange(p, from, undefined))
      .flatMap((p) => p.files);
    if (files.length === 0) return [];
    return (await this.rows(files, `SELECT ${SPAN_COLUMNS} FROM $source WHERE trace_id = ${sqlString(traceId)}`, [])).map(spanRow);
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
      FROM $source ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY coalesce(time, observed_time) DESC LIMIT $limit`;
    return (await this.newest(this.partitions('logs', f), sql, params, limit)).map((r) => ({
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
    clearInterval(this.indexTimer);
    await this.bloom.stop();
    this.filterFile?.close();
    for (const c of await Promise.all([this.connection, this.bloomConnection, this.historyConnection].map((p) => p?.catch(() => undefined)))) c?.closeSync();
    (await this.instance?.catch(() => undefined))?.closeSync();
  }
}

export function spanRow(r: Record<string, unknown>): SpanRow {
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
