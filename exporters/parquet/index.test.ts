/**
 * The exporter as the pipeline drives it, through the exporter helper: with the persistent
 * queue a batch leaves storage only once its rows are in a finished file, so a crash loses
 * nothing acknowledged; shutdown writes everything held.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attrs, gaugeOf, logsOf, metricsOf, newLogRecord, newSpan, tracesOf } from '../../pipeline/builders.js';
import type { ComponentInstance } from '../../pipeline/component.js';
import { MemoryStorage } from '../../pipeline/exporterhelper/testing.js';
import type { Signal, SignalData, Traces } from '../../pipeline/model.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import type { ColumnData } from './columns.js';
import type { ParquetConfig } from './config.js';
import { createParquetExporter, parquetExporterFactory } from './index.js';
import { readBack } from './readback.js';
import type { FileSink, FileToWrite, WrittenFile } from './worker.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'summit-parquet-exporter-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T = 1_700_000_000_000_000_000n;
let seq = 0;
const traces = (n: number): Traces =>
  tracesOf(
    Array.from({ length: n }, () => {
      const i = seq++;
      return newSpan({ traceId: 'f'.repeat(32), spanId: i.toString(16).padStart(16, '0'), name: `op ${i}`, startTimeUnixNano: T + BigInt(i), endTimeUnixNano: T + BigInt(i) + 1n });
    }),
    { 'service.name': 'exporter-test' },
  );

const consume = <S extends Signal>(e: ComponentInstance, signal: S, data: SignalData[S]) =>
  (e.consumers![signal] as { consume(d: SignalData[S]): Promise<void> }).consume(data);

const config = (c: Partial<ParquetConfig> = {}) => ({ path: dir, ...c }) as ParquetConfig;
const ctx = () => testContext({ id: 'parquet', kind: 'exporter', configDir: dir });
const parquetFiles = (root: string) =>
  existsSync(root)
    ? readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
        .map((e) => join(e.parentPath, e.name))
    : [];

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A writer that never finishes a file: what a process killed before its files were done leaves. */
class StuckSink implements FileSink {
  open(_f: FileToWrite): void {}
  append(_id: number, _n: number, _c: ColumnData[]): void {}
  finish(): Promise<WrittenFile> {
    return new Promise(() => {});
  }
  abort(): void {}
  async close(): Promise<void> {}
}

describe('parquet exporter', () => {
  it('registers as exporter "parquet" for all three signals', () => {
    expect(parquetExporterFactory).toMatchObject({ type: 'parquet', kind: 'exporter', signals: ['traces', 'metrics', 'logs'] });
  });

  it('shutdown writes everything it holds, for every signal', async () => {
    const exporter = createParquetExporter(ctx(), config({ max_age: '1h' }));
    await exporter.start(testHost());
    await consume(exporter, 'traces', traces(5));
    await consume(exporter, 'logs', logsOf([newLogRecord({ timeUnixNano: T, body: 'hello', attributes: attrs({ n: 1 }) })]));
    await consume(exporter, 'metrics', metricsOf([gaugeOf('g', [1.5, 2n])]));
    await until('rows in open files', () => exporter.files.openRows('traces') === 5);
    expect(parquetFiles(dir)).toEqual([]); // held until a file is finished
    await exporter.shutdown();
    expect((await readBack(dir, 'traces')).map((r) => r.item.name).sort()).toHaveLength(5);
    expect((await readBack(dir, 'logs')).map((r) => r.item.body)).toEqual(['hello']);
    expect((await readBack(dir, 'metrics')).map((r) => r.item.data.dataPoints[0])).toMatchObject([{ value: 1.5 }, { value: 2n }]);
    await expect(consume(exporter, 'traces', traces(1))).rejects.toMatchObject({ retryable: true });
  });

  it('finishes its files once half the queue waits on them: the other half takes new batches meanwhile', async () => {
    const exporter = createParquetExporter(ctx(), config({ max_age: '1h', sending_queue: { num_consumers: 100, queue_size: 6 } }));
    await exporter.start(testHost());
    for (let i = 0; i < 2; i++) await consume(exporter, 'traces', traces(1));
    await until('rows in an open file', () => exporter.files.openRows('traces') === 2);
    expect(parquetFiles(dir)).toEqual([]);
    await consume(exporter, 'traces', traces(1)); // the third of six: half the queue
    for (let i = 0; i < 3; i++) await consume(exporter, 'traces', traces(1)); // room while it is written
    await until('a finished file', () => parquetFiles(dir).length === 1);
    await exporter.shutdown();
    expect(await readBack(dir, 'traces')).toHaveLength(6);
  });

  it('persistent queue: a batch is answered once stored, and leaves storage only when its file is written', async () => {
    const storage = new MemoryStorage();
    const exporter = createParquetExporter(ctx(), config({ max_age: '1h', sending_queue: { storage: 'file_storage/q' } }));
    await exporter.start(testHost({ 'file_storage/q': storage }));
    const pending = () => [...storage.records.values()].reduce((n, m) => n + m.size, 0);
    await consume(exporter, 'traces', traces(3));
    await consume(exporter, 'traces', traces(4));
    await until('rows in an open file', () => exporter.files.openRows('traces') === 7);
    expect(pending()).toBe(2); // the batches are in an open file, not in a finished one: still stored
    await exporter.files.flush();
    await until('records acknowledged', () => pending() === 0);
    expect(parquetFiles(dir)).toHaveLength(1);
    await exporter.shutdown();
    expect(await readBack(dir, 'traces')).toHaveLength(7);
  });

  it('a crash before the file is finished loses nothing: the next start writes the stored batches', async () => {
    const storage = new MemoryStorage();
    const host = testHost({ 'file_storage/q': storage });
    // the first process: its files never get finished (it is killed)
    const crashed = createParquetExporter(ctx(), config({ max_age: '0', sending_queue: { storage: 'file_storage/q' } }), { sink: new StuckSink() });
    await crashed.start(host);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const t = traces(10);
      ids.push(...t.resourceSpans[0].scopeSpans[0].spans.map((s) => s.spanId));
      await consume(crashed, 'traces', t); // acknowledged to the sender
    }
    await until('rows in open files', () => crashed.files.openRows('traces') === 30);
    expect(parquetFiles(dir)).toEqual([]);

    const restarted = createParquetExporter(ctx(), config({ max_age: '1h', sending_queue: { storage: 'file_storage/q' } }));
    await restarted.start(host);
    await restarted.shutdown();
    const rows = await readBack(dir, 'traces');
    expect(rows.map((r) => r.item.spanId).sort()).toEqual(ids.sort());
  });

  it('creates its directory at start, not when a config is only validated', async () => {
    const path = join(dir, 'nested', 'data');
    const exporter = createParquetExporter(ctx(), config({ path }));
    expect(existsSync(path)).toBe(false);
    await exporter.start(testHost());
    expect(existsSync(path)).toBe(true);
    await exporter.shutdown();
  });
});
