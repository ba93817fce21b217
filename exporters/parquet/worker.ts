/**
 * The writer thread: Parquet encoding (parquet-wasm, i.e. the Rust `parquet` crate compiled to
 * WebAssembly) is synchronous and CPU-heavy, so it runs in a worker_threads worker, never on the
 * event loop that serves receivers.
 *
 * One file is a session in the worker: `open` creates `<path>/.tmp/part-<id>.parquet.tmp` and a
 * streaming Parquet writer; each `append` carries a chunk of rows as Arrow buffers (transferred,
 * not copied) and is encoded while the main thread builds the next chunk; `finish` writes the
 * footer, fsyncs the file, renames it to its final name and fsyncs the directory — a reader
 * listing the directory sees either nothing or the complete file.
 *
 * The worker's code is {@link parquetWorkerMain}, evaluated from its source text: it imports
 * nothing and `require`s its libraries by the absolute paths it is given, so the same code runs
 * from the compiled dist/ and from the TypeScript sources under vitest.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { bufferPool, buffersOf, type ColumnData, type ColumnSpec } from './columns.js';

export type Compression = 'zstd' | 'snappy' | 'gzip' | 'none';

export interface FileToWrite {
  id: number;
  spec: ColumnSpec[];
  tmpPath: string;
  finalPath: string;
  compression: Compression;
  rowGroupRows: number;
  noDictionary: string[];
  /** Parquet's dictionary page size limit, beyond which a column chunk falls back to plain values. */
  dictionaryPageBytes: number;
  /** Columns with row-group statistics (min/max). */
  statistics: string[];
  metadata: [string, string][];
  /**
   * Compaction: the file's rows are those of these finished Parquet files, in order (then no
   * append() calls), read one at a time. Their schema must be the writer's (same signal and version).
   */
  sources?: string[];
}

export interface WrittenFile {
  path: string;
  rows: number;
  bytes: number;
}

/** Where finished chunks of rows go. The writer threads in production; a fake in unit tests. */
export interface FileSink {
  open(file: FileToWrite): void;
  append(id: number, length: number, columns: ColumnData[]): void;
  /** Resolves once the file is complete under its final name and durable. */
  finish(id: number): Promise<WrittenFile>;
  /** Drops the file (its temporary file is removed). */
  abort(id: number): void;
  /**
   * Backpressure: a promise to wait on before adding more rows while too many are handed over
   * and not yet taken in by the writer; undefined when there is room.
   */
  waitForRoom?(): Promise<void> | undefined;
  close(): Promise<void>;
}

type Reply =
  | { op: 'recycle'; buffers: ArrayBufferLike[]; bytes: number }
  | { op: 'done'; id: number; path: string; rows: number; bytes: number; wasmBytes: number }
  | { op: 'failed'; id: number; error: string; wasmBytes: number };

/**
 * Column specs and buffers (columns.ts) → apache-arrow schema and RecordBatch. Self-contained
 * like the worker (it is part of the worker's source text); `arrow` is the apache-arrow module.
 */
export function arrowHelpers(arrow: any): {
  schemaOf(spec: ColumnSpec[]): any;
  batchOf(schema: any, spec: ColumnSpec[], length: number, columns: ColumnData[]): any;
} {
  const fieldOf = (spec: any): any => new arrow.Field(spec.name, typeOf(spec), spec.nullable);
  function typeOf(spec: any): any {
    switch (spec.type) {
      case 'utf8':
        return new arrow.Utf8();
      case 'i64':
        return new arrow.Int64();
      case 'i32':
        return new arrow.Int32();
      case 'u32':
        return new arrow.Uint32();
      case 'f64':
        return new arrow.Float64();
      case 'bool':
        return new arrow.Bool();
      case 'ts':
        // no time zone: DuckDB reads TIMESTAMP(NANOS, isAdjustedToUTC=false) as TIMESTAMP_NS, exactly
        // (with a zone it becomes TIMESTAMPTZ, which holds microseconds only)
        return new arrow.Timestamp(arrow.TimeUnit.NANOSECOND, null);
      case 'list':
        return new arrow.List(fieldOf(spec.children[0]));
      case 'struct':
        return new arrow.Struct(spec.children.map(fieldOf));
      case 'map':
        return new arrow.Map_(new arrow.Field('entries', new arrow.Struct(spec.children.map(fieldOf)), false), false);
      case 'dict':
        return new arrow.Dictionary(typeOf(spec.children[0]), new arrow.Int32());
    }
    throw new Error(`unknown column type ${spec.type}`);
  }

  function dataOf(type: any, spec: any, col: any): any {
    const common = { type, length: col.length, nullCount: col.nullCount, nullBitmap: col.validity };
    switch (spec.type) {
      case 'utf8':
        return arrow.makeData({ ...common, valueOffsets: col.offsets, data: col.values });
      case 'list':
        return arrow.makeData({ ...common, valueOffsets: col.offsets, child: dataOf(type.children[0].type, spec.children[0], col.children[0]) });
      case 'struct':
        return arrow.makeData({ ...common, children: spec.children.map((s: any, i: number) => dataOf(type.children[i].type, s, col.children[i])) });
      case 'dict': {
        const dictionary = arrow.makeVector(dataOf(type.dictionary, spec.children[0], col.children[0]));
        return arrow.makeData({ ...common, data: col.values, dictionary });
      }
      case 'map': {
        const entriesType = type.children[0].type;
        const e = col.children[0];
        const children = spec.children.map((s: any, i: number) => dataOf(entriesType.children[i].type, s, e.children[i]));
        return arrow.makeData({ ...common, valueOffsets: col.offsets, child: arrow.makeData({ type: entriesType, length: e.length, nullCount: 0, children }) });
      }
      default:
        return arrow.makeData({ ...common, data: col.values });
    }
  }

  return {
    schemaOf: (spec) => new arrow.Schema(spec.map(fieldOf)),
    batchOf(schema, spec, length, columns) {
      const children = columns.map((c, i) => dataOf(schema.fields[i].type, spec[i], c));
      return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children }));
    },
  };
}

/** parquet-wasm's WriterProperties for a file. Self-contained (part of the worker's source text). */
export function writerProperties(
  pw: any,
  o: { compression: Compression; rowGroupRows: number; noDictionary: string[]; dictionaryPageBytes: number; statistics: string[]; metadata: [string, string][] },
): any {
  const codes: Record<string, number> = { zstd: pw.Compression.ZSTD, snappy: pw.Compression.SNAPPY, gzip: pw.Compression.GZIP, none: pw.Compression.UNCOMPRESSED };
  // Each setter consumes the builder and returns a new one.
  let props = new pw.WriterPropertiesBuilder()
    .setCompression(codes[o.compression])
    // Statistics cost a quarter of the encoding time when kept for every column: row-group
    // min/max (what engines prune row groups by) only for the columns that are worth it.
    .setStatisticsEnabled(pw.EnabledStatistics.None)
    .setMaxRowGroupSize(o.rowGroupRows)
    .setDictionaryPageSizeLimit(o.dictionaryPageBytes)
    .setKeyValueMetadata(new Map(o.metadata));
  for (const c of o.statistics) props = props.setColumnStatisticsEnabled(c, pw.EnabledStatistics.Chunk);
  for (const c of o.noDictionary) props = props.setColumnDictionaryEnabled(c, false);
  return props.build();
}

/** The worker. Self-contained: it runs from its own source text (see the module comment). */
export function parquetWorkerMain(): void {
  const { parentPort, workerData } = require('node:worker_threads');
  const fs = require('node:fs');
  const path = require('node:path');
  const arrow = require(workerData.arrowPath);
  const pw = require(workerData.parquetPath);
  const sessions = new Map<number, any>();

  const { schemaOf, batchOf } = arrowHelpers(arrow);

  function writeAll(fd: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
  }

  function syncDir(dir: string): void {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  function discard(s: any): void {
    try {
      s.controller?.error(new Error('aborted'));
    } catch {
      // already closed or errored
    }
    if (s.fd !== undefined) {
      try {
        fs.closeSync(s.fd);
      } catch {
        // nothing more to do
      }
      s.fd = undefined;
    }
    try {
      fs.rmSync(s.tmpPath, { force: true });
    } catch {
      // left for the stale-file sweep
    }
  }

  const wasmBytes = () => pw.wasmMemory().buffer.byteLength;
  const message = (err: any) => (err && err.message ? err.message : String(err));

  function open(m: any): void {
    const s: any = { id: m.id, spec: m.spec, tmpPath: m.tmpPath, finalPath: m.finalPath, rows: 0, bytes: 0 };
    sessions.set(m.id, s);
    try {
      fs.mkdirSync(path.dirname(m.tmpPath), { recursive: true });
      s.fd = fs.openSync(m.tmpPath, 'w');
      s.schema = schemaOf(m.spec);
      const sources: string[] = m.sources ?? [];
      s.compacting = sources.length > 0;
      const input = new ReadableStream({
        start(controller: any) {
          s.controller = controller;
        },
        // compaction: the next source file only when the writer wants more, so one is in memory at a time
        pull: sources.length
          ? (controller: any) => {
              const source = sources.shift();
              if (source === undefined) return controller.close();
              const table = pw.readParquet(fs.readFileSync(source));
              for (const b of table.recordBatches()) {
                s.rows += b.numRows;
                controller.enqueue(b);
              }
              table.free();
            }
          : undefined,
      });
      const built = writerProperties(pw, m);
      s.reading = (async () => {
        const out = await pw.transformParquetStream(input, built);
        for await (const part of out) {
          writeAll(s.fd, part);
          s.bytes += part.length;
        }
      })();
      s.reading.catch((err: any) => {
        s.error ??= err;
      });
    } catch (err) {
      s.error = err;
    }
  }

  function append(m: any): void {
    const s = sessions.get(m.id);
    if (s && !s.error) {
      try {
        const batch = batchOf(s.schema, s.spec, m.length, m.columns);
        const table = pw.Table.fromIPCStream(arrow.tableToIPC(new arrow.Table([batch]), 'stream'));
        for (const b of table.recordBatches()) s.controller.enqueue(b);
        table.free();
        s.rows += m.length;
      } catch (err) {
        s.error = err;
      }
    }
    // The chunk's rows were copied: its (shared) buffers go back to the main thread's pool.
    parentPort.postMessage({ op: 'recycle', buffers: m.buffers, bytes: m.bytes });
  }

  async function finish(m: any): Promise<void> {
    const s = sessions.get(m.id);
    sessions.delete(m.id);
    if (!s) {
      parentPort.postMessage({ op: 'failed', id: m.id, error: 'no such file', wasmBytes: wasmBytes() });
      return;
    }
    try {
      if (s.error) throw s.error;
      if (!s.compacting) s.controller.close();
      await s.reading;
      if (s.error) throw s.error;
      fs.fsyncSync(s.fd);
      fs.closeSync(s.fd);
      s.fd = undefined;
      const dir = path.dirname(s.finalPath);
      const created = fs.mkdirSync(dir, { recursive: true });
      fs.renameSync(s.tmpPath, s.finalPath);
      syncDir(dir);
      // New directories are durable only once their parents are synced too.
      if (created !== undefined) {
        for (let d = dir; ; d = path.dirname(d)) {
          syncDir(path.dirname(d));
          if (d === created || path.dirname(d) === d) break;
        }
      }
      parentPort.postMessage({ op: 'done', id: s.id, path: s.finalPath, rows: s.rows, bytes: s.bytes, wasmBytes: wasmBytes() });
    } catch (err) {
      discard(s);
      parentPort.postMessage({ op: 'failed', id: s.id, error: message(err), wasmBytes: wasmBytes() });
    }
  }

  parentPort.on('message', (m: any) => {
    if (m.op === 'open') open(m);
    else if (m.op === 'append') append(m);
    else if (m.op === 'finish') void finish(m);
    else if (m.op === 'abort') {
      const s = sessions.get(m.id);
      sessions.delete(m.id);
      if (s) discard(s);
    }
  });
}

const require_ = createRequire(import.meta.url);

/** The worker's program: the functions above, from their own source text. */
const WORKER_SOURCE = `${arrowHelpers.toString()}\n${writerProperties.toString()}\n(${parquetWorkerMain.toString()})()`;

/** Absolute paths of the libraries the writer thread requires. */
export const LIBRARY_PATHS = { arrowPath: require_.resolve('apache-arrow'), parquetPath: require_.resolve('parquet-wasm') };

interface Thread {
  worker: Worker;
  /** Files open in this thread. */
  files: number;
  /** Bytes of chunks posted to it and not yet taken in. */
  backlog: number;
  /** Takes no new files; ends when its last file is done. */
  retiring: boolean;
  dead: boolean;
}

interface Session {
  thread: Thread;
  error?: Error;
  settle?: { resolve(f: WrittenFile): void; reject(err: Error): void };
}

export interface WriterThreadsOptions {
  logger: Logger;
  /**
   * WebAssembly memory never shrinks: a thread whose memory grew beyond this is replaced by a
   * fresh one once its open files are finished. The default is above what steady writing needs
   * (77 MiB for 200,000 realistic spans in one file) and below what a burst of oversized rows
   * leaves behind for good (250 MiB in a few minutes of the fuzz bench).
   */
  maxWasmBytes?: number;
  /** Bytes of chunks handed over and not yet taken in by the writer, beyond which writes wait. */
  maxBacklogBytes?: number;
}

/** A new thread costs ~0.3 s of CPU (compiling parquet-wasm, loading apache-arrow). */
const DEFAULT_MAX_WASM_BYTES = 128 * 1024 * 1024;

/** The writer thread(s) behind a FileSink: one active worker, plus retiring ones finishing up. */
export class WriterThreads implements FileSink {
  private active?: Thread;
  private readonly threads = new Set<Thread>();
  private readonly sessions = new Map<number, Session>();
  private readonly maxWasmBytes: number;
  private readonly maxBacklog: number;
  private backlog = 0;
  private roomWaiters: (() => void)[] = [];

  constructor(private readonly opts: WriterThreadsOptions) {
    this.maxWasmBytes = opts.maxWasmBytes ?? DEFAULT_MAX_WASM_BYTES;
    this.maxBacklog = opts.maxBacklogBytes ?? 32 * 1024 * 1024;
  }

  waitForRoom(): Promise<void> | undefined {
    if (this.backlog <= this.maxBacklog) return undefined;
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  private taken(t: Thread, bytes: number): void {
    t.backlog -= bytes;
    this.backlog -= bytes;
    if (this.backlog <= this.maxBacklog) for (const w of this.roomWaiters.splice(0)) w();
  }

  private thread(): Thread {
    if (this.active && !this.active.retiring && !this.active.dead) return this.active;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: LIBRARY_PATHS,
    });
    const t: Thread = { worker, files: 0, backlog: 0, retiring: false, dead: false };
    worker.on('message', (m: Reply) => this.onReply(t, m));
    worker.on('error', (err) => this.onDeath(t, err));
    worker.on('exit', (code) => this.onDeath(t, new Error(`the Parquet writer thread exited (code ${code})`)));
    this.threads.add(t);
    this.active = t;
    return t;
  }

  open(file: FileToWrite): void {
    const t = this.thread();
    t.files++;
    t.worker.ref();
    this.sessions.set(file.id, { thread: t });
    t.worker.postMessage({ op: 'open', ...file });
  }

  append(id: number, length: number, columns: ColumnData[]): void {
    const s = this.sessions.get(id);
    if (!s || s.error) return;
    // Pooled buffers are SharedArrayBuffers: posted, not copied; others (validity bitmaps) are transferred.
    const buffers = buffersOf(columns);
    let bytes = 0;
    for (const b of buffers) bytes += b.byteLength;
    s.thread.backlog += bytes;
    this.backlog += bytes;
    const transfer = buffers.filter((b): b is ArrayBuffer => !(b instanceof SharedArrayBuffer));
    s.thread.worker.postMessage({ op: 'append', id, length, columns, buffers, bytes }, transfer);
  }

  finish(id: number): Promise<WrittenFile> {
    const s = this.sessions.get(id);
    if (!s) return Promise.reject(new Error(`file ${id} is not open`));
    if (s.error) {
      this.sessions.delete(id);
      return Promise.reject(s.error);
    }
    return new Promise<WrittenFile>((resolve, reject) => {
      s.settle = { resolve, reject };
      s.thread.worker.postMessage({ op: 'finish', id });
    });
  }

  abort(id: number): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    if (!s.thread.dead) s.thread.worker.postMessage({ op: 'abort', id });
    this.fileEnded(s.thread);
  }

  private onReply(t: Thread, m: Reply): void {
    if (m.op === 'recycle') {
      for (const b of m.buffers) bufferPool.give(b);
      this.taken(t, m.bytes);
      return;
    }
    const s = this.sessions.get(m.id);
    this.sessions.delete(m.id);
    if (m.op === 'failed') {
      // A failure may have left the WebAssembly instance in a bad state: new files get a new thread.
      t.retiring = true;
      s?.settle?.reject(new Error(m.error));
    } else {
      s?.settle?.resolve({ path: m.path, rows: m.rows, bytes: m.bytes });
    }
    if (m.wasmBytes > this.maxWasmBytes && !t.retiring) {
      this.opts.logger.debug({ wasm_bytes: m.wasmBytes }, 'parquet exporter: replacing the writer thread to release its WebAssembly memory');
      t.retiring = true;
    }
    if (s) this.fileEnded(t);
  }

  private fileEnded(t: Thread): void {
    t.files--;
    if (t.files > 0) return;
    if (t.retiring || t.dead) {
      this.threads.delete(t);
      if (!t.dead) {
        t.dead = true;
        void t.worker.terminate();
      }
    } else {
      // An idle writer thread does not keep the process alive.
      t.worker.unref();
    }
  }

  private onDeath(t: Thread, err: Error): void {
    if (t.dead) return;
    t.dead = true;
    this.threads.delete(t);
    this.taken(t, t.backlog);
    this.opts.logger.error({ err }, `parquet exporter: the writer thread failed: ${err.message}`);
    for (const [id, s] of this.sessions) {
      if (s.thread !== t) continue;
      const e = new Error(`the Parquet writer thread failed: ${err.message}`);
      if (s.settle) {
        this.sessions.delete(id);
        s.settle.reject(e);
      } else {
        s.error = e;
      }
    }
  }

  /** Ends every thread; files still open are lost (their temporary files are swept later). */
  async close(): Promise<void> {
    for (const [id, s] of this.sessions) {
      this.sessions.delete(id);
      s.settle?.reject(new Error('the Parquet writer was closed before the file was finished'));
    }
    const all = [...this.threads];
    this.threads.clear();
    this.active = undefined;
    for (const t of all) {
      t.dead = true;
      this.taken(t, t.backlog);
    }
    await Promise.all(all.map((t) => t.worker.terminate()));
  }
}
