/**
 * The writer thread with real files: a file is never visible half-written (a reader polls the
 * directory with DuckDB while files are written), failures are reported and cleaned up, and
 * the thread is replaced when its WebAssembly memory grew too big.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attrs, newSpan, tracesOf } from '../../pipeline/builders.js';
import type { Traces } from '../../pipeline/model.js';
import { FileSet, HOUR_NS } from './files.js';
import { openDuckDB } from './readback.js';
import { WriterThreads } from './worker.js';

const logger = pino({ level: 'silent' });
const T = 1_700_000_000_000_000_000n;
let dir: string;
let threads: WriterThreads | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'summit-parquet-writer-'));
});
afterEach(async () => {
  await threads?.close();
  threads = undefined;
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function batch(n: number, start = T): Traces {
  return tracesOf(
    Array.from({ length: n }, () => {
      const i = seq++;
      return newSpan({
        traceId: i.toString(16).padStart(32, '0'),
        spanId: i.toString(16).padStart(16, '0'),
        name: `span ${i}`,
        startTimeUnixNano: start + BigInt(i),
        endTimeUnixNano: start + BigInt(i) + 1000n,
        attributes: attrs({ i, route: `/r/${i % 50}`, payload: 'p'.repeat(i % 200) }),
      });
    }),
    { 'service.name': 'writer-test' },
  );
}

function parquetFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => join(e.parentPath, e.name));
}

describe('parquet writer thread', () => {
  it('a reader polling the directory never sees a partial file', async () => {
    threads = new WriterThreads({ logger, maxBacklogBytes: 4 * 1024 * 1024 });
    // small chunks and row groups: the temporary file grows for a while before it is complete
    const files = new FileSet({ dir, compression: 'zstd', maxRows: 3000, maxBytes: 1e12, maxAgeMs: 0, maxHeldSends: Infinity, logger, sink: threads, chunkRows: 250, rowGroupRows: 500 });
    const db = await openDuckDB();
    const seen = new Map<string, number>();
    let reads = 0;
    let inProgress = 0; // polls that caught a file being written
    let writing = true;
    const reader = (async () => {
      while (writing) {
        for (const f of parquetFiles(join(dir, 'traces'))) {
          if (seen.has(f)) continue;
          // read straight away, as a query engine listing the directory would
          const rows = (await db.connection.runAndReadAll(`select count(*)::INTEGER as n, count(distinct span_id)::INTEGER as ids from read_parquet('${f}')`)).getRowObjects()[0];
          expect(rows.n).toBe(rows.ids);
          seen.set(f, rows.n as number);
          reads++;
        }
        expect(parquetFiles(join(dir, '.tmp'))).toEqual([]); // temporary files never carry the .parquet suffix
        if (existsSync(join(dir, '.tmp')) && readdirSync(join(dir, '.tmp')).some((f) => statSync(join(dir, '.tmp', f), { throwIfNoEntry: false })?.size)) inProgress++;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) {
      writes.push(files.write('traces', batch(1000, T + BigInt(i % 3) * HOUR_NS)));
      await new Promise((r) => setTimeout(r, 5));
    }
    await files.flush();
    await Promise.all(writes);
    writing = false;
    await reader;
    const total = (await db.connection.runAndReadAll(`select count(*)::INTEGER as n from read_parquet('${dir}/traces/**/*.parquet')`)).getRowObjects()[0].n;
    db.close();
    expect(total).toBe(30_000);
    expect(reads).toBeGreaterThan(5);
    expect(inProgress).toBeGreaterThan(0);
    // every file the reader saw was complete at the moment it appeared
    for (const [f, n] of seen) {
      const again = await openDuckDB();
      expect((await again.connection.runAndReadAll(`select count(*)::INTEGER as n from read_parquet('${f}')`)).getRowObjects()[0].n).toBe(n);
      again.close();
    }
    expect(readdirSync(join(dir, '.tmp'))).toEqual([]);
  });

  it('a file that cannot be put in place fails its batches, leaves no temporary file, and the next file works', async () => {
    threads = new WriterThreads({ logger });
    const files = new FileSet({ dir, compression: 'zstd', maxRows: 1e6, maxBytes: 1e12, maxAgeMs: 0, maxHeldSends: Infinity, logger, sink: threads });
    // a plain file where the partition directory must go
    mkdirSync(join(dir, 'traces', 'date=2023-11-14'), { recursive: true });
    writeFileSync(join(dir, 'traces', 'date=2023-11-14', 'hour=22'), 'in the way');
    const doomed = files.write('traces', batch(10));
    const fine = files.write('traces', batch(10, T + 2n * HOUR_NS));
    await files.flush();
    await expect(doomed).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/writing a file failed/) });
    await expect(fine).resolves.toBeUndefined();
    expect(readdirSync(join(dir, '.tmp'))).toEqual([]);
    const later = files.write('traces', batch(10, T + 3n * HOUR_NS));
    await files.flush();
    await later;
    expect(parquetFiles(join(dir, 'traces')).length).toBe(2);
  });

  it('replaces the writer thread when its WebAssembly memory grew too big; files stay correct', async () => {
    threads = new WriterThreads({ logger, maxWasmBytes: 1 });
    const files = new FileSet({ dir, compression: 'snappy', maxRows: 1e6, maxBytes: 1e12, maxAgeMs: 0, maxHeldSends: Infinity, logger, sink: threads });
    for (let i = 0; i < 4; i++) {
      const w = files.write('traces', batch(500, T + BigInt(i) * HOUR_NS));
      await files.flush();
      await w;
    }
    const db = await openDuckDB();
    const n = (await db.connection.runAndReadAll(`select count(*)::INTEGER as n, count(distinct hour)::INTEGER as hours from read_parquet('${dir}/traces/**/*.parquet', hive_partitioning = true)`)).getRowObjects()[0];
    db.close();
    expect(n).toEqual({ n: 2000, hours: 4 });
  });

  it('with little room for chunks in flight, writes wait for the writer and all arrive', async () => {
    threads = new WriterThreads({ logger, maxBacklogBytes: 1 });
    const files = new FileSet({ dir, compression: 'gzip', maxRows: 1e6, maxBytes: 1e12, maxAgeMs: 0, maxHeldSends: Infinity, logger, sink: threads, chunkRows: 100 });
    const writes = Array.from({ length: 20 }, () => files.write('traces', batch(300)));
    await files.flush();
    await Promise.all(writes);
    const db = await openDuckDB();
    const n = (await db.connection.runAndReadAll(`select count(*)::INTEGER as n from read_parquet('${dir}/traces/**/*.parquet')`)).getRowObjects()[0].n;
    const codec = (await db.connection.runAndReadAll(`select distinct compression from parquet_metadata('${dir}/traces/**/*.parquet')`)).getRowObjects()[0].compression;
    db.close();
    expect(n).toBe(6000);
    expect(codec).toBe('GZIP');
  });
});
