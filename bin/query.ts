/**
 * `summit query "SQL" [--data DIR] [--format table|json|csv]`: SQL over the parquet exporter's
 * files with DuckDB, through the views `traces`, `logs` and `metrics`.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBListType,
  type DuckDBMapType,
  type DuckDBStructType,
  type DuckDBType,
  type Json,
} from '@duckdb/node-api';

export const QUERY_HELP = `summit query — SQL over the parquet exporter's files, with DuckDB

Usage:
  summit query "SQL" [--data DIR] [--format table|json|csv]
  summit query --schema [--data DIR]      the tables and their columns

Views: traces, logs, metrics — one per table the parquet exporter writes under DIR
(<DIR>/<signal>/date=YYYY-MM-DD/hour=HH/*.parquet), with the partition columns date and hour.

Options:
      --data DIR        the parquet exporter's path (default ./data)
  -f, --format FORMAT   table (default), json (one array of objects; integers beyond 2^53
                        as strings, so nothing is rounded), or csv

Example:
  summit query "select service_name, count(*) as spans from traces group by 1 order by 2 desc"

Exit codes: 0 ok, 1 the query failed or there is no data, 2 bad usage.
`;

const SIGNALS = ['traces', 'logs', 'metrics'] as const;

export interface QueryIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: QueryIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

/** Whether a directory holds a .parquet file at any depth (temporary and hidden entries aside). */
function hasParquet(dir: string): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isFile() && e.name.endsWith('.parquet')) return true;
    if (e.isDirectory() && hasParquet(join(dir, e.name))) return true;
  }
  return false;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Runs the command; returns the exit code. */
export async function queryCommand(argv: string[], io: QueryIo = processIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        data: { type: 'string', default: './data' },
        format: { type: 'string', short: 'f', default: 'table' },
        help: { type: 'boolean', short: 'h' },
        schema: { type: 'boolean' },
      },
    });
  } catch (err) {
    io.stderr(`summit query: ${(err as Error).message}\n\n${QUERY_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(QUERY_HELP);
    return 0;
  }
  const format = values.format!;
  if (!['table', 'json', 'csv'].includes(format)) {
    io.stderr(`summit query: --format must be table, json or csv, not "${format}"\n`);
    return 2;
  }
  const schema = values.schema === true;
  if (schema ? positionals.length > 0 : positionals.length !== 1 || !positionals[0].trim()) {
    io.stderr(`summit query: give the SQL as one argument (quote it)\n\n${QUERY_HELP}`);
    return 2;
  }
  const dir = resolve(values.data!);
  const present = SIGNALS.filter((s) => hasParquet(join(dir, s)));
  if (present.length === 0) {
    io.stderr(
      `summit query: no Parquet files under ${dir} (looked in ${SIGNALS.map((s) => join(dir, s)).join(', ')}); ` +
        'point --data at the parquet exporter\'s path (its "path" key, default ./data)\n',
    );
    return 1;
  }

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const s of present) {
      await connection.run(
        // partition columns typed explicitly: DuckDB would guess `hour` from the values (`08` can come out as VARCHAR)
        `create view ${s} as select * from read_parquet(${sqlString(`${join(dir, s)}/**/*.parquet`)}, hive_partitioning = true, hive_types = {'date': DATE, 'hour': INTEGER}, union_by_name = true)`,
      );
    }
    if (schema) {
      for (const s of present) {
        const columns = (await connection.runAndReadAll(`describe ${s}`)).getRowsJson();
        io.stdout(`${s}\n${columns.map((c) => `  ${String(c[0])}  ${String(c[1])}\n`).join('')}`);
      }
      return 0;
    }
    let reader;
    try {
      reader = await connection.runAndReadAll(positionals[0]);
    } catch (err) {
      const message = (err as Error).message;
      const unknown = /Table with name (\S+) does not exist/i.exec(message)?.[1];
      const missing = SIGNALS.find((s) => !present.includes(s) && s === unknown?.toLowerCase());
      if (missing) {
        io.stderr(`summit query: no Parquet files for ${missing} under ${join(dir, missing)}, so there is no ${missing} view (there are: ${present.join(', ')})\n`);
      } else if (unknown) {
        // DuckDB's suggestion would name its own catalog tables
        io.stderr(`summit query: there is no table "${unknown}"; the tables are: ${present.join(', ')} (their columns: summit query --schema)\n`);
      } else {
        io.stderr(`summit query: ${message}\n`);
      }
      return 1;
    }
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const rows = reader.getRowsJson().map((row) => row.map((v, i) => exact(v, types[i])));
    io.stdout(format === 'json' ? toJson(names, rows) : format === 'csv' ? toCsv(names, rows) : toTable(names, rows, types));
    return 0;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const INTEGER_TYPES = new Set([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

/**
 * DuckDB's JSON form, made friendlier but still exact: integers are numbers when a double holds
 * them exactly (within ±2^53) and decimal strings otherwise; a MAP with VARCHAR keys is an object.
 */
function exact(v: Json, type: DuckDBType): Json {
  if (v === null) return null;
  if (INTEGER_TYPES.has(type.typeId)) {
    if (typeof v !== 'string') return v;
    const n = BigInt(v);
    return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : v;
  }
  switch (type.typeId) {
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return (v as Json[]).map((x) => exact(x, (type as DuckDBListType).valueType));
    case DuckDBTypeId.STRUCT: {
      const t = type as DuckDBStructType;
      const o = v as Record<string, Json>;
      return Object.fromEntries(t.entryNames.map((n, i) => [n, exact(o[n] ?? null, t.entryTypes[i])]));
    }
    case DuckDBTypeId.MAP: {
      const t = type as DuckDBMapType;
      const entries = v as { key: Json; value: Json }[];
      if (t.keyType.typeId === DuckDBTypeId.VARCHAR) return Object.fromEntries(entries.map((e) => [e.key as string, exact(e.value, t.valueType)]));
      return entries.map((e) => ({ key: exact(e.key, t.keyType), value: exact(e.value, t.valueType) }));
    }
  }
  return v;
}

function toJson(names: string[], rows: Json[][]): string {
  const objects = rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
  return `${JSON.stringify(objects, null, 2)}\n`;
}

/** A cell as text: strings as they are, nested values as JSON, NULL as `nullText`. */
function cellText(v: Json, nullText: string): string {
  if (v === null) return nullText;
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const NUMERIC = new Set([...INTEGER_TYPES, DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL]);

function toTable(names: string[], rows: Json[][], types: DuckDBType[]): string {
  // control characters (newlines in a log body) would break the alignment
  const clean = (s: string) => s.replace(/[\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
  const cells = rows.map((r) => r.map((v) => clean(cellText(v, 'NULL'))));
  const widths = names.map((n, i) => Math.max(n.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (NUMERIC.has(types[i].typeId) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join(' | ')
      .trimEnd();
  const out = [line(names), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)];
  return `${out.join('\n')}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}

function toCsv(names: string[], rows: Json[][]): string {
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [names.map(quote).join(','), ...rows.map((r) => r.map((v) => quote(cellText(v, ''))).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
