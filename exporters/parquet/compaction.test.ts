import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../../pipeline/builders.js';
import type { ComponentInstance } from '../../pipeline/component.js';
import type { Traces } from '../../pipeline/model.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { groupBySize } from './compaction.js';
import type { ParquetConfig } from './config.js';
import { createParquetExporter, type ParquetExporter } from './index.js';
import { openDuckDB, queryRows, readBack } from './readback.js';
import { everyValue, T0 } from './testing.js';

let dir: string;
const running: ComponentInstance[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'summit-parquet-compaction-'));
});
afterEach(async () => {
  for (const e of running.splice(0)) await e.shutdown!();
  rmSync(dir, { recursive: true, force: true });
});

/** 2023-11-14T22:xx: an hour long over, so its partition is ready to compact. */
const PARTITION = 'traces/date=2023-11-14/hour=22';
let seq = 0;
const span = (): Traces =>
  tracesOf([newSpan({ traceId: 'f'.repeat(32), spanId: (++seq).toString(16).padStart(16, '0'), name: `op ${seq}`, startTimeUnixNano: T0 + BigInt(seq), endTimeUnixNano: T0 + BigInt(seq) + 5n, attributes: everyValue() })], { 'service.name': 'compaction-test' });

async function exporter(over: Partial<ParquetConfig> = {}): Promise<ParquetExporter> {
  const e = createParquetExporter(testContext({ id: 'parquet', kind: 'exporter', configDir: dir }), { path: dir, max_rows: 1, partition_window: '0', compaction: { interval: '1h', min_files: 3 }, ...over } as ParquetConfig);
  await e.start(testHost());
  running.push(e);
  return e;
}

const files = (partition = PARTITION) => readdirSync(join(dir, partition)).sort();
const sortedRows = async () => (await readBack(dir, 'traces')).sort((a, b) => a.item.name.localeCompare(b.item.name));

describe('parquet compaction', () => {
  it("merges a finished partition's small files into one with the same rows, schema and metadata", async () => {
    const e = await exporter();
    for (let i = 0; i < 6; i++) await e.files.write('traces', span());
    expect(files()).toHaveLength(6);
    const before = await sortedRows();
    await e.compactor!.run();
    const after = files();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatch(/^part-.*\.parquet$/);
    expect(await sortedRows()).toEqual(before);
    const db = await openDuckDB();
    try {
      const kv = await queryRows(db.connection, `select key::varchar k, value::varchar v from parquet_kv_metadata('${join(dir, PARTITION, after[0])}') where k like 'summit.%' order by k`);
      expect(kv.map((r) => `${r.k}=${String(r.v).replace(/\\x22/g, '"')}`)).toEqual(['summit.schema_version=1', 'summit.signal=traces', 'summit.writer=summit parquet exporter "parquet"']);
    } finally {
      db.close();
    }
  });

  it('leaves partitions with fewer than min_files small files, the current hour, and big files alone', async () => {
    const e = await exporter({ compaction: { interval: '1h', min_files: 3, target_size: 2048 } });
    await e.files.write('traces', span());
    await e.files.write('traces', span());
    await e.compactor!.run();
    expect(files()).toHaveLength(2);
    const now = BigInt(Date.now()) * 1_000_000n;
    for (let i = 0; i < 4; i++) await e.files.write('traces', tracesOf([newSpan({ name: `now ${i}`, startTimeUnixNano: now, endTimeUnixNano: now })]));
    await e.compactor!.run();
    const hour = new Date().toISOString();
    expect(readdirSync(join(dir, `traces/date=${hour.slice(0, 10)}/hour=${hour.slice(11, 13)}`))).toHaveLength(4);
    // target 2 KiB: the spans with every attribute value type are each bigger than half of it
    await e.files.write('traces', span());
    await e.compactor!.run();
    expect(files()).toHaveLength(3);
  });

  it('after a crash, finishes a compaction whose merged file was made and drops one whose file was not', async () => {
    const e = await exporter({ compaction: { enabled: false } });
    for (let i = 0; i < 4; i++) await e.files.write('traces', span());
    const [a, b, c, d] = files();
    const rows = (await readBack(dir, 'traces')).length;
    // merged file made (here: a copy holding a's row), sources a and b not yet deleted
    copyFileSync(join(dir, PARTITION, a), join(dir, PARTITION, 'part-merged.parquet'));
    writeFileSync(join(dir, PARTITION, '.compaction-part-merged.parquet.json'), JSON.stringify({ sources: [a, b] }));
    // crashed before its merged file existed: c and d are still the only copies of their rows
    writeFileSync(join(dir, PARTITION, '.compaction-part-never.parquet.json'), JSON.stringify({ sources: [c, d] }));
    await e.shutdown();
    running.splice(0);
    const restarted = await exporter({ compaction: { interval: '1h', min_files: 10 } });
    await restarted.compactor!.run();
    expect(files()).toEqual([c, d, 'part-merged.parquet'].sort());
    expect((await readBack(dir, 'traces')).length).toBe(rows - 1);
    expect(existsSync(join(dir, PARTITION, '.compaction-part-never.parquet.json'))).toBe(false);
  });

  it('groups files up to the target size', () => {
    const f = (name: string, size: number) => ({ name, size });
    expect(groupBySize([f('a', 40), f('b', 30), f('c', 40), f('d', 10)], 100)).toEqual([['a', 'b'], ['c', 'd']]);
    expect(groupBySize([], 100)).toEqual([]);
  });
});
