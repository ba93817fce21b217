import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from './lake.js';

const dir = join(tmpdir(), `summit-ui-bloom-${process.pid}`);
const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** One hour partition's file: `n` spans whose customer.id is `c<hour>-<i>`, all of service `svc-<hour>`. */
function fileSql(hour: number, n: number): string {
  const iso = new Date(T0 + hour * HOUR).toISOString();
  const partition = join(dir, 'traces', `date=${iso.slice(0, 10)}`, `hour=${iso.slice(11, 13)}`);
  mkdirSync(partition, { recursive: true });
  return `COPY (SELECT printf('%032x', ${hour} * 1000 + i) AS trace_id, printf('%016x', i) AS span_id, NULL::VARCHAR AS parent_span_id, 'op' AS name,
      'svc-${hour}' AS service_name, 'Server' AS kind, 'Unset' AS status_code, make_timestamp(${(T0 + hour * HOUR) * 1000} + i * 1000)::TIMESTAMP_NS AS start_time,
      1000000::BIGINT AS duration_ns, MAP(['customer.id', 'http.route'], ['c${hour}-' || i, '/orders']) AS attributes,
      MAP(['service.name', 'host.name'], ['svc-${hour}', 'host-${hour}']) AS resource_attributes, '' AS status_message,
      []::STRUCT("time" TIMESTAMP_NS, name VARCHAR, attributes MAP(VARCHAR, VARCHAR))[] AS events, []::STRUCT(trace_id VARCHAR, span_id VARCHAR)[] AS links
    FROM range(${n}) r(i)) TO '${join(partition, 'part-0.parquet')}' (FORMAT parquet)`;
}

let lake: Lake;

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const c = await (await DuckDBInstance.create(':memory:')).connect();
  for (let hour = 0; hour < 4; hour++) await c.run(fileSql(hour, 500));
  c.closeSync();
  lake = new Lake(dir, (err) => {
    throw err;
  });
});

afterAll(async () => {
  await lake.close();
  rmSync(dir, { recursive: true, force: true });
});

const files = () => [0, 1, 2, 3].map((h) => join(dir, 'traces', `date=2026-01-01`, `hour=0${h}`, 'part-0.parquet'));

describe('the lake: attribute Bloom filters, a trace from its hour on', () => {
  it('finds the same spans before and after the filters are built, reading only files that may hold the pair', async () => {
    const search = async (k: string, v: string) => (await lake.searchSpans({ attributes: [[k, v]] }, 100)).map((s) => [s.service, s.spanId]);
    // the first search starts the build and reads every file
    expect(await search('customer.id', 'c2-17')).toEqual([['svc-2', (17).toString(16).padStart(16, '0')]]);
    await lake.bloom.built();
    expect(lake.bloom.indexed).toBe(4);
    const [one] = await lake.bloom.hashes([['customer.id', 'c2-17']]);
    expect(files().map((f) => lake.bloom.mayHold(f, [one]))).toEqual([false, false, true, false]);
    expect(await search('customer.id', 'c2-17')).toEqual([['svc-2', (17).toString(16).padStart(16, '0')]]);
    // a resource attribute, and a pair of two attributes that no one span has together
    expect((await search('host.name', 'host-3')).length).toBe(100);
    const [host3] = await lake.bloom.hashes([['host.name', 'host-3']]);
    expect(files().map((f) => lake.bloom.mayHold(f, [host3]))).toEqual([false, false, false, true]);
    // which map may have it: a search for it alone reads only that one
    expect(lake.bloom.places(files()[2], [one, host3])).toEqual([{ spans: true, resources: false }, { spans: false, resources: false }]);
    expect(lake.bloom.places(files()[3], [host3])).toEqual([{ spans: false, resources: true }]);
    expect(await lake.searchSpans({ attributes: [['customer.id', 'c2-17'], ['host.name', 'host-3']] }, 100)).toEqual([]);
    expect((await lake.searchSpans({ service: 'svc-3', attributes: [['host.name', 'host-3']] }, 10)).length).toBe(10);
    // a value in no file: no file to read (at 16 bits a span, a false positive is rare; these four files have none)
    const [none] = await lake.bloom.hashes([['customer.id', 'c9-9']]);
    expect(files().map((f) => lake.bloom.mayHold(f, [none]))).toEqual([false, false, false, false]);
  });

  it("reads a trace's spans from the hour it is told the trace began in", async () => {
    const trace = (2 * 1000 + 5).toString(16).padStart(32, '0'); // hour 2's span 5
    expect((await lake.traceSpans(trace)).map((s) => s.service)).toEqual(['svc-2']);
    expect((await lake.traceSpans(trace, T0 + 2 * HOUR + 30 * 60_000)).length).toBe(1); // within its hour
    expect(await lake.traceSpans(trace, T0 + 3 * HOUR)).toEqual([]); // later hours only
  });

  it('forgets a file that is gone and reads a file it has no filter for', async () => {
    rmSync(files()[0]);
    lake.bloom.update(files().slice(1));
    expect(lake.bloom.indexed).toBe(3);
    const [h] = await lake.bloom.hashes([['customer.id', 'c0-1']]);
    expect(lake.bloom.mayHold(files()[0], [h])).toBe(true);
  });
});
