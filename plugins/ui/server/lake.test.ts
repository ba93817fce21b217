import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeBloom } from './attribute-bloom.js';
import { Lake } from './lake.js';

const dir = join(tmpdir(), `summit-ui-bloom-${process.pid}`);
const lakeDir = dir;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** One hour partition's file under `dir`: `n` spans whose customer.id is `<prefix><hour>-<i>`, all of service `svc-<hour>`. */
function fileSql(hour: number, n: number, dir = lakeDir, prefix = 'c'): string {
  const iso = new Date(T0 + hour * HOUR).toISOString();
  const partition = join(dir, 'traces', `date=${iso.slice(0, 10)}`, `hour=${iso.slice(11, 13)}`);
  mkdirSync(partition, { recursive: true });
  return `COPY (SELECT printf('%032x', ${hour} * 1000 + i) AS trace_id, printf('%016x', i) AS span_id, NULL::VARCHAR AS parent_span_id, 'op' AS name,
      'svc-${hour}' AS service_name, 'Server' AS kind, 'Unset' AS status_code, make_timestamp(${(T0 + hour * HOUR) * 1000} + i * 1000)::TIMESTAMP_NS AS start_time,
      1000000::BIGINT AS duration_ns, MAP(['customer.id', 'http.route'], ['${prefix}${hour}-' || i, '/orders']) AS attributes,
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
  lake = new Lake(dir, {
    onError: (err) => {
      throw err;
    },
  });
});

afterAll(async () => {
  await lake.close();
  rmSync(dir, { recursive: true, force: true });
});

const files = (under = dir) => [0, 1, 2, 3].map((h) => join(under, 'traces', `date=2026-01-01`, `hour=0${h}`, 'part-0.parquet'));

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
    await lake.bloom.built();
    expect(lake.bloom.indexed).toBe(3);
    const [h] = await lake.bloom.hashes([['customer.id', 'c0-1']]);
    expect(lake.bloom.mayHold(files()[0], [h])).toBe(true);
  });
});

describe("DuckDB's memory for the lake", () => {
  it('is limited to what the config says, and freed memory goes back to the system', async () => {
    const l = new Lake(join(tmpdir(), `summit-ui-memory-${process.pid}`), { memoryLimitMib: 64 });
    const [row] = await l.rows([], "SELECT current_setting('memory_limit') AS memory, current_setting('allocator_flush_threshold') AS flush");
    await l.close();
    expect(row).toEqual({ memory: '64.0 MiB', flush: '16.0 MiB' });
  });
});

describe('a lake that cannot be listed', () => {
  it('says which path failed and goes on, listing again later', async () => {
    const base = join(tmpdir(), `summit-ui-bloom-broken-${process.pid}`);
    rmSync(base, { recursive: true, force: true });
    mkdirSync(base, { recursive: true });
    writeFileSync(join(base, 'traces'), 'a file where the traces directory should be');
    const errors: string[] = [];
    const l = new Lake(base, { onError: (err, file) => errors.push(`${file}: ${(err as NodeJS.ErrnoException).code}`) });
    l.startIndexing();
    await l.close();
    rmSync(base, { recursive: true, force: true });
    expect(errors).toEqual([`${join(base, 'traces')}: ENOTDIR`]);
  });
});

describe('the attribute filters across restarts (a filter file)', () => {
  const base = join(tmpdir(), `summit-ui-bloom-kept-${process.pid}`);
  const filterFile = join(base, 'ui-lake-index.sqlite');
  const errors: string[] = [];
  const open = () => new Lake(base, { filterFile, onError: (err, file) => errors.push(`${file}: ${(err as Error).message}`) });
  /** A new Lake on the same lake and filter file, as after a restart: what it read back, and the spans it finds for the pair. */
  async function restart(k: string, v: string) {
    const l = open();
    try {
      await l.bloom.ready();
      const loaded = l.bloom.counts.loaded;
      const [h] = await l.bloom.hashes([[k, v]]);
      // what the kept filters say before anything is rebuilt
      const mayHold = files(base).map((f) => l.bloom.mayHold(f, [h]));
      const found = (await l.searchSpans({ attributes: [[k, v]] }, 100)).map((s) => s.service);
      await l.bloom.built();
      return { loaded, mayHold, found, rebuilt: l.bloom.counts.built };
    } finally {
      await l.close();
    }
  }
  const rewrite = async (hour: number, prefix: string) => {
    const c = await (await DuckDBInstance.create(':memory:')).connect();
    await c.run(fileSql(hour, 500, base, prefix));
    c.closeSync();
  };

  beforeAll(async () => {
    rmSync(base, { recursive: true, force: true });
    for (let hour = 0; hour < 4; hour++) await rewrite(hour, 'c');
    const first = open();
    first.startIndexing();
    await first.bloom.built();
    expect([first.bloom.counts, first.bloom.indexed]).toEqual([{ loaded: 0, built: 4 }, 4]);
    await first.close();
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('reads the filters back after a restart instead of the lake: the first attribute search reads only the file that may hold the pair', async () => {
    expect(await restart('customer.id', 'c2-17')).toEqual({ loaded: 4, mayHold: [false, false, true, false], found: ['svc-2'], rebuilt: 0 });
  });

  it('never uses the filter of a file changed since: a rewritten file (new stamp) is read, and indexed again', async () => {
    await rewrite(1, 'd'); // same path, other values
    expect(await restart('customer.id', 'd1-17')).toEqual({ loaded: 3, mayHold: [false, true, false, false], found: ['svc-1'], rebuilt: 1 });
    // only its mtime touched: the stamp differs, so the filter goes too
    utimesSync(files(base)[3], new Date(), new Date(Date.now() - 60_000));
    expect(await restart('customer.id', 'c3-5')).toEqual({ loaded: 3, mayHold: [false, false, false, true], found: ['svc-3'], rebuilt: 1 });
  });

  it('drops a damaged row, and every row when the hash or layout it was built with differs', async () => {
    const db = new Database(filterFile);
    // bits zeroed in place (same length): without the row's checksum this filter would hide every pair of hour 0
    db.prepare('UPDATE filters SET spans = zeroblob(length(spans)) WHERE path = ?').run(files(base)[0]);
    db.close();
    expect(await restart('customer.id', 'c0-3')).toEqual({ loaded: 3, mayHold: [true, false, false, false], found: ['svc-0'], rebuilt: 1 });
    const other = new Database(filterFile);
    other.prepare("UPDATE meta SET value = 'bloom 0' WHERE key = 'version'").run();
    other.close();
    expect(await restart('customer.id', 'c2-1')).toMatchObject({ loaded: 0, found: ['svc-2'], rebuilt: 4 });
    expect(errors).toEqual([]);
  });

  it('keeps the newest files indexed within its memory: a new file takes the place of the oldest', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    // 500 spans a file: 8192 + 1024 bits, 1154 bytes; room for two
    const bloom = new AttributeBloom(async () => c, 2 * 1154, (err) => errors.push(String(err)));
    const newestFirst = files(base).reverse();
    bloom.update(newestFirst.slice(1)); // hours 2, 1, 0: the two newest get filters
    await bloom.built();
    const [h] = await bloom.hashes([['service.name', 'svc-9']]); // in no file: only a filter rules it out
    const indexed = () => files(base).map((f) => bloom.mayHold(f, [h]) === false);
    expect(indexed()).toEqual([false, true, true, false]);
    bloom.update(newestFirst); // hour 3 appears
    await bloom.built();
    expect(indexed()).toEqual([false, false, true, true]);
    c.closeSync();
    db.closeSync();
  });

  it('replaces a filter file that is not a SQLite database, saying so, and still finds every match', async () => {
    writeFileSync(filterFile, 'not a database, but long enough to be read as a header of one: '.repeat(20));
    rmSync(`${filterFile}-wal`, { force: true });
    expect(await restart('customer.id', 'c1-2')).toMatchObject({ loaded: 0, found: [], rebuilt: 4 }); // hour 1 holds d1-… now
    expect(await restart('customer.id', 'd1-2')).toEqual({ loaded: 4, mayHold: [false, true, false, false], found: ['svc-1'], rebuilt: 0 });
    expect(errors).toEqual([`${filterFile}: file is not a database`]);
  });
});
