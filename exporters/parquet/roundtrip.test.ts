/**
 * Model → Parquet (through the real writer thread) → DuckDB → model: every field and every
 * attribute value comes back exactly, and the columns have the documented DuckDB types.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogRecord, Metric, Span } from '../../pipeline/model.js';
import { FileSet } from './files.js';
import { richLogs, richMetrics, richTraces } from './testing.js';
import { openDuckDB, queryRows, readBack, tableSource } from './readback.js';
import { WriterThreads } from './worker.js';

const logger = pino({ level: 'silent' });
let dir: string;
let threads: WriterThreads;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'summit-parquet-roundtrip-'));
  threads = new WriterThreads({ logger });
  const files = new FileSet({ dir, compression: 'zstd', maxRows: 1000, maxBytes: 1e9, maxAgeMs: 0, maxHeldSends: Infinity, logger, sink: threads });
  const writes = [files.write('traces', richTraces()), files.write('logs', richLogs()), files.write('metrics', richMetrics())];
  await files.flush();
  await Promise.all(writes);
});

afterAll(async () => {
  await threads?.close();
  rmSync(dir, { recursive: true, force: true });
});

const flatten = <T>(groups: T[][]) => groups.flat();

describe('parquet round trip', () => {
  it('traces: every span comes back equal, with its resource and scope, in its hour partition', async () => {
    const rows = await readBack(dir, 'traces');
    const input = richTraces();
    const expected = flatten(input.resourceSpans.map((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ rs, ss, span })))));
    expect(rows).toHaveLength(expected.length);
    const bySpanId = new Map(rows.map((r) => [r.item.spanId, r]));
    for (const { rs, ss, span } of expected) {
      const got = bySpanId.get(span.spanId)!;
      expect(got.item, span.name).toEqual(span);
      expect(got.resource).toEqual(rs.resource);
      expect(got.resourceSchemaUrl).toBe(rs.schemaUrl);
      expect(got.scope).toEqual(ss.scope);
      expect(got.scopeSchemaUrl).toBe(ss.schemaUrl);
    }
    // int64 beyond 2^53 and the typed values, spelled out
    const root = bySpanId.get('b7ad6b7169203331')!.item as Span;
    expect(root.attributes.get('int.beyond.2^53')).toBe(9_007_199_254_740_993n);
    expect(root.attributes.get('int.min')).toBe(-9_223_372_036_854_775_808n);
    expect(Object.is(root.attributes.get('double.neg.zero'), -0)).toBe(true);
    expect(root.attributes.get('double.integral')).toBe(2);
    expect(root.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(rows.map((r) => `${r.date} ${r.hour}`).sort()).toEqual(['2023-11-14 22', '2023-11-14 22', '2023-11-14 22', '2023-11-14 23']);
  });

  it('logs: every record and every body type comes back equal', async () => {
    const rows = await readBack(dir, 'logs');
    const input = richLogs().resourceLogs[0].scopeLogs[0].logRecords;
    expect(rows).toHaveLength(input.length);
    const key = (r: LogRecord) => r.observedTimeUnixNano;
    const got = new Map(rows.map((r) => [key(r.item), r.item]));
    for (const rec of input) expect(got.get(key(rec))).toEqual(rec);
  });

  it('metrics: a row per data point, with kind, temporality, buckets and exemplars', async () => {
    const rows = await readBack(dir, 'metrics');
    const input = richMetrics().resourceMetrics[0].scopeMetrics[0].metrics;
    const expected = input.flatMap((m) => m.data.dataPoints.map((p) => ({ ...m, data: { ...m.data, dataPoints: [p] } }) as Metric));
    expect(rows).toHaveLength(expected.length);
    const key = (m: Metric) => `${m.name} ${m.data.dataPoints[0].timeUnixNano}`;
    const got = new Map(rows.map((r) => [key(r.item), r.item]));
    for (const m of expected) expect(got.get(key(m)), key(m)).toEqual(m);
  });

  it('columns have the documented DuckDB types', async () => {
    const db = await openDuckDB();
    try {
      const types = async (signal: 'traces' | 'logs' | 'metrics') =>
        Object.fromEntries(
          (await queryRows(db.connection, `describe select * from ${tableSource(dir, signal)}`)).map((r) => [r.column_name as string, r.column_type as string]),
        );
      const traces = await types('traces');
      expect(traces).toMatchObject({
        start_time: 'TIMESTAMP_NS',
        end_time: 'TIMESTAMP_NS',
        duration_ns: 'BIGINT',
        trace_id: 'VARCHAR',
        service_name: 'VARCHAR',
        attributes: 'MAP(VARCHAR, VARCHAR)',
        attribute_types: 'MAP(VARCHAR, VARCHAR)',
        flags: 'UINTEGER',
        date: 'DATE',
        hour: 'INTEGER',
      });
      expect(traces.events).toBe(
        'STRUCT("time" TIMESTAMP_NS, "name" VARCHAR, attributes MAP(VARCHAR, VARCHAR), attribute_types MAP(VARCHAR, VARCHAR), dropped_attributes_count UINTEGER)[]',
      );
      const metrics = await types('metrics');
      expect(metrics).toMatchObject({ value: 'DOUBLE', value_int: 'BIGINT', bucket_counts: 'BIGINT[]', explicit_bounds: 'DOUBLE[]', is_monotonic: 'BOOLEAN' });
      const logs = await types('logs');
      expect(logs).toMatchObject({ time: 'TIMESTAMP_NS', body: 'VARCHAR', body_type: 'VARCHAR', severity_number: 'INTEGER' });
    } finally {
      db.close();
    }
  });

  it('DuckDB queries the columns the way the README shows', async () => {
    const db = await openDuckDB();
    try {
      const q = async (sql: string) => (await db.connection.runAndReadAll(sql)).getRowObjectsJson();
      const src = tableSource(dir, 'traces');
      expect(
        await q(
          `select epoch_ns(start_time) as ns, duration_ns, attributes['int.beyond.2^53']::BIGINT as big, attributes['double']::DOUBLE as d,
                  attributes['slice.ints']::JSON->>1 as second, resource_attributes['service.instance.number'] as inst,
                  attribute_types['int'] as int_type, attribute_types['str'] as str_type, attributes['str'] as str, kind, status_code
           from ${src} where span_id = 'b7ad6b7169203331'`,
        ),
      ).toEqual([{
        ns: '1700000000123456789',
        duration_ns: '987654321',
        big: '9007199254740993',
        d: 1.5,
        second: '-2',
        inst: '7',
        int_type: 'Int',
        str_type: null,
        str: 'checkout',
        kind: 'Server',
        status_code: 'Error',
      }]);
      expect(await q(`select service_name, count(*)::INT as n from ${src} group by 1 order by 1 nulls last`)).toEqual([
        { service_name: 'checkout', n: 3 },
        { service_name: null, n: 1 },
      ]);
      expect(await q(`select deployment_environment_name as env from ${src} where name = 'bare'`)).toEqual([{ env: 'staging' }]);
      expect(await q(`select count(*)::INT as n from ${src} where parent_span_id is null`)).toEqual([{ n: 3 }]);
      const m = tableSource(dir, 'metrics');
      expect(await q(`select bucket_counts, explicit_bounds from ${m} where metric_name = 'latency' and count = 10`)).toEqual([
        { bucket_counts: ['1', '2', '3', '4', '0'], explicit_bounds: [5, 10, 25, 50] },
      ]);
    } finally {
      db.close();
    }
  });

  it('leaves no temporary file behind', () => {
    expect(readdirSync(join(dir, '.tmp'))).toEqual([]);
  });
});
