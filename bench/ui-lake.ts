/**
 * A Parquet lake of many spans for the UI's trace search bench, made fast: the real parquet
 * exporter writes one small template file (so the schema, column types and file metadata are
 * exactly the exporter's), then DuckDB writes each hour partition in one `COPY`, every column in
 * the template's order and type — varied ones (ids, times, names, services, durations, status,
 * span attributes) generated from the row number, the rest (scope, resource extras) the
 * template's. Layout as the exporter's after compaction: one file per hour partition.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { FileSet } from '../exporters/parquet/files.js';
import { openDuckDB, queryRows } from '../exporters/parquet/readback.js';
import { WriterThreads } from '../exporters/parquet/worker.js';
import { syntheticTraces } from './synthetic.js';

export interface SpanLake {
  spans: number;
  files: number;
  bytes: number;
  hours: number;
  /** Start of the newest hour partition (ms since the epoch). */
  newestHour: number;
}

const HOUR = 3_600_000;
const SPANS_PER_TRACE = 10;
const SERVICES = 20;
const NAMES = 50;
/** 10 M spans in a week of hour partitions: ~60,000 spans an hour, one file each. */
const HOURS = 168;

/** Generated columns, by name; `i` is the row number in its hour, `h` the hour's number, `x` a hash of both. */
function generated(hourStartMs: number, perHour: number): Record<string, string> {
  const trace = `(i // ${SPANS_PER_TRACE})`;
  const j = `(i % ${SPANS_PER_TRACE})`;
  const service = `'svc-' || ((${trace} + ${j}) % ${SERVICES})`;
  // durations from 0.1 ms to ~1.6 s, most short: the square of a uniform number
  const duration = `CASE WHEN ${j} = 0 THEN 1000000 + (x % 1000) * (x % 1000) * 1600 ELSE 100000 + ((x >> 10) % 1000) * ((x >> 10) % 1000) * 800 END`;
  const start = `${hourStartMs * 1000} + (i * ${Math.floor((HOUR * 1000) / perHour)})`; // µs, evenly through the hour
  return {
    trace_id: `printf('%016x%016x', h, ${trace})`,
    span_id: `printf('%08x%08x', h, i)`,
    parent_span_id: `CASE WHEN ${j} = 0 THEN NULL ELSE printf('%08x%08x', h, i - ${j}) END`,
    name: `CASE WHEN ${j} = 0 THEN 'GET /api/orders/{id}' ELSE 'op-' || ((x >> 20) % ${NAMES}) END`,
    kind: `CASE WHEN ${j} = 0 THEN 'Server' WHEN ${j} % 3 = 0 THEN 'Client' ELSE 'Internal' END`,
    service_name: service,
    start_time: `make_timestamp(${start})`,
    end_time: `make_timestamp(${start}) + to_microseconds((${duration}) // 1000)`,
    duration_ns: `(${duration}) // 1000 * 1000`,
    status_code: `CASE WHEN (x >> 30) % 100 = 0 THEN 'Error' ELSE 'Unset' END`,
    status_message: `''`,
    attributes: `MAP(['http.route', 'customer.id', 'db.system'], ['/api/orders/' || ((x >> 40) % 20), 'c' || ((x >> 8) % 200000), CASE WHEN ${j} % 3 = 0 THEN 'postgresql' ELSE 'none' END])`,
    attribute_types: `MAP([]::VARCHAR[], []::VARCHAR[])`,
    resource_attributes: `MAP(['service.name', 'host.name'], [${service}, 'host-' || (${trace} % 50)])`,
    resource_attribute_types: `MAP([]::VARCHAR[], []::VARCHAR[])`,
    events: `[]`,
    links: `[]`,
  };
}

/** Writes `spans` spans under `dir/traces/` as the parquet exporter lays them out. */
export async function makeSpanLake(dir: string, spans: number): Promise<SpanLake> {
  const templateDir = join(dir, '.template');
  const threads = new WriterThreads({ logger: pino({ level: 'silent' }) });
  try {
    const files = new FileSet({ dir: templateDir, compression: 'zstd', maxRows: 1000, maxBytes: 1e9, maxAgeMs: 0, maxHeldSends: Infinity, logger: pino({ level: 'silent' }), sink: threads });
    const written = files.write('traces', syntheticTraces(10));
    await files.flush();
    await written;
  } finally {
    await threads.close();
  }
  const template = `read_parquet('${templateDir}/traces/**/*.parquet')`;
  const db = await openDuckDB();
  try {
    const columns = (await queryRows(db.connection, `DESCRIBE SELECT * FROM ${template}`)) as { column_name: string; column_type: string }[];
    const kv = (await queryRows(db.connection, `SELECT key::VARCHAR AS k, value::VARCHAR AS v FROM parquet_kv_metadata('${templateDir}/traces/**/*.parquet')`)) as { k: string; v: string }[];
    const kvSql = `{${kv.map((e) => `'${e.k}': '${e.v.replace(/'/g, "''")}'`).join(', ')}}`;
    const hours = Math.min(HOURS, Math.max(1, Math.ceil(spans / 1000)));
    const perHour = Math.ceil(spans / hours);
    const newestHour = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    let made = 0;
    for (let k = 0; k < hours && made < spans; k++) {
      const hourStart = newestHour - (hours - 1 - k) * HOUR;
      const n = Math.min(perHour, spans - made);
      const gen = generated(hourStart, perHour);
      const select = columns.map((c) => (c.column_name in gen ? `CAST(${gen[c.column_name]} AS ${c.column_type}) AS "${c.column_name}"` : `t."${c.column_name}"`)).join(', ');
      const iso = new Date(hourStart).toISOString();
      const partition = join(dir, 'traces', `date=${iso.slice(0, 10)}`, `hour=${iso.slice(11, 13)}`);
      mkdirSync(partition, { recursive: true });
      const file = join(partition, `part-${iso.replace(/[-:.]/g, '').slice(0, 18)}Z-bench${String(k).padStart(5, '0')}.parquet`);
      await db.connection.run(
        `COPY (SELECT ${select} FROM (SELECT i, ${Math.floor(hourStart / HOUR)} AS h, (hash(${Math.floor(hourStart / HOUR)}::BIGINT * 1000000000 + i) >> 1)::BIGINT AS x FROM range(${n}) r(i)), (SELECT * FROM ${template} LIMIT 1) t ORDER BY i)
         TO '${file}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880, KV_METADATA ${kvSql})`,
      );
      made += n;
    }
    rmSync(templateDir, { recursive: true, force: true });
    const parquet = listParquet(join(dir, 'traces'));
    return { spans: made, files: parquet.length, bytes: parquet.reduce((sum, f) => sum + statSync(f).size, 0), hours, newestHour };
  } finally {
    db.close();
  }
}

/**
 * The lake under `dir` when one was made there before (as `BENCH_LAKE_DIR` keeps it: ~25 min
 * saved per run), else a new one of `spans` spans.
 */
export async function spanLakeAt(dir: string, spans: number): Promise<SpanLake> {
  if (!existsSync(join(dir, 'traces'))) return makeSpanLake(dir, spans);
  const files = listParquet(join(dir, 'traces'));
  const hours = files.map((f) => /date=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\//.exec(f)).map((m) => Date.parse(`${m![1]}T${m![2]}:00:00Z`));
  const db = await openDuckDB();
  try {
    const [{ n }] = (await queryRows(db.connection, `SELECT sum(num_rows)::BIGINT AS n FROM parquet_file_metadata('${dir}/traces/**/*.parquet')`)) as { n: bigint }[];
    return { spans: Number(n), files: files.length, bytes: files.reduce((sum, f) => sum + statSync(f).size, 0), hours: new Set(hours).size, newestHour: Math.max(...hours) };
  } finally {
    db.close();
  }
}

function listParquet(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => join(e.parentPath, e.name));
}

/** The searches the Traces page makes, as query parameters of `/ui/api/traces`. */
export function lakeSearches(lake: SpanLake): [string, Record<string, string>][] {
  const lastHour = { from: String(lake.newestHour), to: String(lake.newestHour + HOUR) };
  const lastDay = { from: String(lake.newestHour - 23 * HOUR), to: String(lake.newestHour + HOUR) };
  return [
    ['newest traces, no filter', {}],
    ['service, last hour', { service: 'svc-7', ...lastHour }],
    ['service, last 24 h', { service: 'svc-7', ...lastDay }],
    ['span name contains, whole lake', { name: 'op-4' }],
    ['duration ≥ 1 s, whole lake', { minMs: '1000' }],
    ['duration 200–300 ms + service, last 24 h', { minMs: '200', maxMs: '300', service: 'svc-3', ...lastDay }],
    ['status Error, whole lake', { status: 'Error' }],
    ['attribute customer.id (one customer), whole lake', { attr: 'customer.id=c4242' }],
    ['everything: service, name, duration, status, attribute, last 24 h', { service: 'svc-2', name: 'op', minMs: '1', status: 'Error', attr: 'db.system=postgresql', ...lastDay }],
  ];
}
