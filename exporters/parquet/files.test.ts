/**
 * When files are finished and when batches are answered, with a fake writer thread that
 * records what it is given and finishes files when the test says so.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attrs, logsOf, newLogRecord, newSpan, tracesOf } from '../../pipeline/builders.js';
import { ConsumerError } from '../../pipeline/errors.js';
import type { Traces } from '../../pipeline/model.js';
import type { ColumnData } from './columns.js';
import { FileSet, HOUR_NS, partName, partitionOf, type FileSetOptions } from './files.js';
import type { FileSink, FileToWrite, WrittenFile } from './worker.js';

const logger = pino({ level: 'silent' });
const T = 1_700_000_000_000_000_000n; // 2023-11-14T22:13:20Z

interface FakeFile {
  file: FileToWrite;
  chunks: number[];
  finish?: { resolve(f: WrittenFile): void; reject(e: Error): void };
  aborted: boolean;
}

class FakeSink implements FileSink {
  readonly files = new Map<number, FakeFile>();
  /** finish() resolves at once unless set. */
  manual = false;
  room?: Promise<void>;

  open(file: FileToWrite): void {
    this.files.set(file.id, { file, chunks: [], aborted: false });
  }
  append(id: number, length: number, columns: ColumnData[]): void {
    expect(columns.every((c) => c.length === length)).toBe(true);
    this.files.get(id)!.chunks.push(length);
  }
  finish(id: number): Promise<WrittenFile> {
    const f = this.files.get(id)!;
    const rows = f.chunks.reduce((a, b) => a + b, 0);
    if (!this.manual) return Promise.resolve({ path: f.file.finalPath, rows, bytes: 1 });
    return new Promise((resolve, reject) => (f.finish = { resolve, reject }));
  }
  abort(id: number): void {
    this.files.get(id)!.aborted = true;
  }
  waitForRoom(): Promise<void> | undefined {
    return this.room;
  }
  async close(): Promise<void> {}

  /** Files by final path relative to /data, with their row counts. */
  summary(): Record<string, number> {
    return Object.fromEntries([...this.files.values()].map((f) => [f.file.finalPath.replace(/^\/data\//, '').replace(/part-.*$/, 'part'), f.chunks.reduce((a, b) => a + b, 0)]));
  }
  finishing(): FakeFile[] {
    return [...this.files.values()].filter((f) => f.finish);
  }
}

function spans(n: number, start = T, step = 1n): Traces {
  return tracesOf(
    Array.from({ length: n }, (_, i) =>
      newSpan({ traceId: 'a'.repeat(32), spanId: i.toString(16).padStart(16, '0'), name: `s${i}`, startTimeUnixNano: start + BigInt(i) * step, endTimeUnixNano: start + BigInt(i) * step + 5n }),
    ),
    { 'service.name': 'svc' },
  );
}

const settled = async (p: Promise<unknown>) => {
  let state = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((r) => setImmediate(r));
  return state;
};

let sets: FileSet[] = [];
afterEach(() => {
  vi.useRealTimers();
  sets = [];
});

function fileSet(sink: FakeSink, o: Partial<FileSetOptions> = {}): FileSet {
  const f = new FileSet({ dir: '/data', compression: 'zstd', maxRows: 1e6, maxBytes: 1e12, maxAgeMs: 0, maxHeldSends: Infinity, logger, sink, ...o });
  sets.push(f);
  return f;
}

describe('FileSet: acknowledgement', () => {
  it('a write resolves only once the file holding its rows is finished on disk', async () => {
    const sink = new FakeSink();
    sink.manual = true;
    const files = fileSet(sink);
    const w = files.write('traces', spans(10));
    expect(await settled(w)).toBe('pending');
    expect(sink.files.size).toBe(0); // fewer rows than a chunk: nothing handed over yet
    void files.flush();
    await new Promise((r) => setImmediate(r));
    const [f] = sink.finishing();
    expect(f.chunks).toEqual([10]);
    expect(await settled(w)).toBe('pending'); // handed over, not yet durable
    f.finish!.resolve({ path: f.file.finalPath, rows: 10, bytes: 100 });
    await expect(w).resolves.toBeUndefined();
  });

  it('several writes share a file; each resolves when it is written', async () => {
    const sink = new FakeSink();
    const files = fileSet(sink);
    const writes = [files.write('traces', spans(3)), files.write('traces', spans(4)), files.write('traces', spans(5))];
    await files.flush();
    await Promise.all(writes);
    expect(sink.summary()).toEqual({ 'traces/date=2023-11-14/hour=22/part': 12 });
  });

  it('a batch over two hour partitions waits for both files', async () => {
    const sink = new FakeSink();
    sink.manual = true;
    const files = fileSet(sink);
    // 22:13:20 + 0, 1h, 2h
    const w = files.write('traces', spans(3, T, HOUR_NS));
    void files.flush();
    await new Promise((r) => setImmediate(r));
    expect(sink.summary()).toEqual({
      'traces/date=2023-11-14/hour=22/part': 1,
      'traces/date=2023-11-14/hour=23/part': 1,
      'traces/date=2023-11-15/hour=00/part': 1,
    });
    const [a, b, c] = sink.finishing();
    a.finish!.resolve({ path: '', rows: 1, bytes: 1 });
    b.finish!.resolve({ path: '', rows: 1, bytes: 1 });
    expect(await settled(w)).toBe('pending');
    c.finish!.resolve({ path: '', rows: 1, bytes: 1 });
    await expect(w).resolves.toBeUndefined();
  });

  it('a failed file rejects every batch with rows in it, retryably; other files are unaffected', async () => {
    const sink = new FakeSink();
    sink.manual = true;
    const files = fileSet(sink);
    const both = files.write('traces', spans(2, T, HOUR_NS));
    const second = files.write('traces', spans(1, T + HOUR_NS));
    const logs = files.write('logs', logsOf([newLogRecord({ timeUnixNano: T, body: 'x' })]));
    void files.flush();
    await new Promise((r) => setImmediate(r));
    const [first, hour23, logFile] = sink.finishing();
    hour23.finish!.reject(new Error('disk full'));
    first.finish!.resolve({ path: '', rows: 1, bytes: 1 });
    logFile.finish!.resolve({ path: '', rows: 1, bytes: 1 });
    for (const w of [both, second]) {
      const err = await w.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConsumerError);
      expect((err as ConsumerError).retryable).toBe(true);
      expect((err as Error).message).toMatch(/disk full/);
    }
    await expect(logs).resolves.toBeUndefined();
  });

  it('an empty batch resolves at once', async () => {
    const files = fileSet(new FakeSink());
    await expect(files.write('traces', { resourceSpans: [] })).resolves.toBeUndefined();
  });
});

describe('FileSet: rolling', () => {
  it('max_rows: a file is finished at max_rows rows, within a batch too', async () => {
    const sink = new FakeSink();
    const files = fileSet(sink, { maxRows: 10, chunkRows: 4 });
    const w = files.write('traces', spans(25));
    await new Promise((r) => setImmediate(r));
    expect([...sink.files.values()].map((f) => f.chunks)).toEqual([
      [4, 4, 2],
      [4, 4, 2],
      [4],
    ]);
    expect(await settled(w)).toBe('pending'); // 5 rows still in an open file
    await files.flush();
    await expect(w).resolves.toBeUndefined();
    expect([...sink.files.values()].map((f) => f.chunks.reduce((a, b) => a + b))).toEqual([10, 10, 5]);
  });

  it('max_bytes: a file is finished when its rows take max_bytes', async () => {
    const sink = new FakeSink();
    const files = fileSet(sink, { maxBytes: 64 * 1024 });
    const big = (i: number) =>
      tracesOf([newSpan({ traceId: 'a'.repeat(32), spanId: i.toString(16).padStart(16, '0'), startTimeUnixNano: T, endTimeUnixNano: T, attributes: attrs({ pad: 'x'.repeat(20_000) }) })]);
    const writes = Array.from({ length: 10 }, (_, i) => files.write('traces', big(i)));
    // ~20 kB a row: the fourth row takes a file past 64 KiB
    expect(sink.files.size).toBe(2);
    await files.flush();
    await Promise.all(writes);
    expect([...sink.files.values()].map((f) => f.chunks.reduce((a, b) => a + b))).toEqual([4, 4, 2]);
  });

  it('max_age: a file is finished max_age after its first row', async () => {
    vi.useFakeTimers();
    const sink = new FakeSink();
    const files = fileSet(sink, { maxAgeMs: 60_000 });
    const w = files.write('traces', spans(1));
    vi.advanceTimersByTime(59_000);
    const w2 = files.write('traces', spans(1));
    expect(sink.files.size).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(sink.files.size).toBe(1);
    await Promise.all([w, w2]);
    expect(sink.summary()).toEqual({ 'traces/date=2023-11-14/hour=22/part': 2 });
  });

  it('every send the helper can have in flight waiting: the files are finished at once', async () => {
    const sink = new FakeSink();
    const files = fileSet(sink, { maxHeldSends: 3 });
    const a = files.write('traces', spans(1));
    const b = files.write('traces', spans(1));
    expect(sink.files.size).toBe(0);
    const c = files.write('traces', spans(1));
    expect(sink.files.size).toBe(1);
    await Promise.all([a, b, c]);
  });

  it('while shutting down, files are finished after each turn of the event loop', async () => {
    const sink = new FakeSink();
    const files = fileSet(sink, { maxAgeMs: 3_600_000 });
    const before = files.write('traces', spans(2));
    files.beginClose();
    await before;
    const during = [files.write('traces', spans(1)), files.write('traces', spans(1))];
    await Promise.all(during);
    expect([...sink.files.values()].map((f) => f.chunks.reduce((x, y) => x + y))).toEqual([2, 2]);
    await files.close();
    await expect(files.write('traces', spans(1))).rejects.toThrow(/shut down/);
  });

  it('a backfill over many hours keeps at most max-open-files files open', async () => {
    const sink = new FakeSink();
    const files = fileSet(sink, { maxOpenFiles: 4 });
    const w = files.write('traces', spans(40, T, HOUR_NS)); // 40 hours
    expect(files.openFiles()).toBe(4);
    expect(sink.files.size).toBe(36); // the oldest were finished as new hours came
    await files.flush();
    await w;
    expect(Object.values(sink.summary())).toEqual(Array(40).fill(1));
  });

  it('rows outside partition_window go to the arrival hour, keeping their own time; inside it, to their own hour', async () => {
    const sink = new FakeSink();
    const now = Date.UTC(2024, 1, 29, 7, 30);
    const ns = (ms: number) => BigInt(ms) * 1_000_000n;
    const files = fileSet(sink, { now: () => now, partitionWindowMs: 48 * 3_600_000 });
    const times = [
      now - 47 * 3_600_000, // inside: 2024-02-27 08:30
      now - 50 * 3_600_000, // two hours too old
      now + 60 * 60_000, // the next hour: a clock a little ahead
      now + 3 * 3_600_000, // too far ahead
      Date.UTC(1985, 0, 1), // a broken clock
    ];
    const batch = tracesOf(times.map((t, i) => newSpan({ name: `s${i}`, startTimeUnixNano: ns(t), endTimeUnixNano: ns(t) + 1n })));
    const w = files.write('traces', batch);
    await files.flush();
    await w;
    expect(sink.summary()).toEqual({
      'traces/date=2024-02-27/hour=08/part': 1,
      'traces/date=2024-02-29/hour=08/part': 1,
      'traces/date=2024-02-29/hour=07/part': 3,
    });
  });

  it('a time of 0 (unknown) goes to the partition of the arrival time', async () => {
    const sink = new FakeSink();
    const now = Date.UTC(2024, 1, 29, 7, 30);
    const files = fileSet(sink, { now: () => now });
    const w = files.write('logs', logsOf([newLogRecord({ body: 'no time' }), newLogRecord({ observedTimeUnixNano: T, body: 'observed' })]));
    await files.flush();
    await w;
    expect(sink.summary()).toEqual({ 'logs/date=2024-02-29/hour=07/part': 1, 'logs/date=2023-11-14/hour=22/part': 1 });
  });

  it('waits for room while the writer thread is behind; flush() includes those batches', async () => {
    const sink = new FakeSink();
    let free!: () => void;
    sink.room = new Promise((r) => (free = r));
    const files = fileSet(sink);
    const w = files.write('traces', spans(5));
    const flushed = files.flush();
    await new Promise((r) => setImmediate(r));
    expect(files.openRows('traces')).toBe(0);
    sink.room = undefined;
    free();
    await flushed;
    await w;
    expect(sink.summary()).toEqual({ 'traces/date=2023-11-14/hour=22/part': 5 });
  });

  it('file names: temporary under .tmp, final in the hour partition, unique', () => {
    expect(partitionOf('metrics', 0)).toBe('metrics/date=1970-01-01/hour=00');
    expect(partitionOf('traces', Number(T / HOUR_NS))).toBe('traces/date=2023-11-14/hour=22');
    const names = new Set(Array.from({ length: 100 }, () => partName(Date.UTC(2024, 0, 2, 3, 4, 5, 6))));
    expect(names.size).toBe(100);
    expect([...names][0]).toMatch(/^part-20240102T030405006Z-[0-9a-f]{12}\.parquet$/);
  });

  it('hands the writer the temporary and final paths, the schema and its options', async () => {
    const sink = new FakeSink();
    const files = fileSet(sink, { compression: 'snappy' });
    const w = files.write('traces', spans(1));
    await files.flush();
    await w;
    const [{ file }] = sink.files.values();
    expect(file.tmpPath).toMatch(/^\/data\/\.tmp\/part-.*\.parquet\.tmp$/);
    expect(file.finalPath).toMatch(/^\/data\/traces\/date=2023-11-14\/hour=22\/part-.*\.parquet$/);
    expect(file.compression).toBe('snappy');
    expect(file.spec.map((c) => c.name)).toContain('trace_id');
    expect(file.statistics).toEqual(expect.arrayContaining(['start_time', 'end_time', 'service_name']));
    expect(file.statistics).not.toContain('trace_id');
    expect(file.metadata).toEqual(expect.arrayContaining([['summit.signal', 'traces']]));
  });
});
