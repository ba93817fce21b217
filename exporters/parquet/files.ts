/**
 * The open files of a Parquet exporter and when they are finished.
 *
 * Rows go to one open file per signal and hour partition (`<signal>/date=YYYY-MM-DD/hour=HH`,
 * UTC, by the item's own time). A file is fed in chunks to the writer thread while it is open
 * and finished when it holds `max_rows` rows or `max_bytes` bytes, when it has been open
 * `max_age`, when every send the exporter helper may have in flight is waiting on open files
 * (nothing more can arrive), or at shutdown.
 *
 * Acknowledgement: `write()` resolves only when every file holding a row of its batch is
 * complete on disk under its final name. Until then the exporter helper keeps the batch (in
 * memory, or in its persistent queue, from which it is removed only after `write()` resolved),
 * so a crash loses nothing that was acknowledged to a sender. If a file fails, every batch with
 * rows in it is rejected as retryable and the helper sends it again (rows of such a batch that
 * went to other, completed files are then written twice: delivery is at-least-once).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { retryableError } from '../../pipeline/errors.js';
import type { Logs, Metrics, Signal, SignalData, Traces } from '../../pipeline/model.js';
import { parseSize, PARQUET_DEFAULTS } from './config.js';
import { LogsTable, MetricRow, MetricsTable, newTable, ResourceRow, SCHEMA_VERSION, ScopeRow, TracesTable, type AnyTable } from './tables.js';
import { ValueLimit } from './values.js';
import type { Compression, FileSink, FileToWrite, WrittenFile } from './worker.js';

export const HOUR_NS = 3_600_000_000_000n;

/**
 * A file is finished once the distinct texts of its resources, scopes and metrics reach this
 * many bytes. Parquet dictionaries span a row group, and a column whose dictionary outgrows the
 * writer's page limit falls back to storing every row's copy — a big resource once per span
 * again. The limit is set above this plus what one row can add (ValueLimit.maxSetBytes).
 */
export const MAX_SHARED_BYTES = 2 * 1024 * 1024;

/** The Parquet dictionary page limit for files whose values are cut by `limit`: the shared texts a file can reach, with room to spare. */
export const dictionaryPageBytes = (limit: ValueLimit) => MAX_SHARED_BYTES + limit.maxSetBytes + 1024 * 1024;
/** The last hour TIMESTAMP_NS can hold (2262-04-11); later times are partitioned by arrival. */
const MAX_HOUR = Number(2n ** 63n / HOUR_NS) - 1;

export interface FileSetOptions {
  /** Root directory (absolute). */
  dir: string;
  compression: Compression;
  maxRows: number;
  maxBytes: number;
  maxAgeMs: number;
  /**
   * Rows whose hour is more than this (rounded up to hours) before the arrival hour, or more
   * than one hour after it, go to the arrival hour's partition; 0 = every row to its own hour. Random or broken clocks
   * would otherwise spread one batch over as many files as it has rows.
   */
  partitionWindowMs?: number;
  /** Sends the helper may have in flight per signal (its num_consumers); Infinity when unbounded. */
  maxHeldSends: number;
  /** Rows per chunk handed to the writer thread. */
  chunkRows?: number;
  /** Bytes per chunk handed to the writer thread. */
  chunkBytes?: number;
  /** Rows per Parquet row group. */
  rowGroupRows?: number;
  /**
   * Files open at once, over all signals and partitions; beyond it the oldest is finished. A
   * backfill spanning many hours would otherwise keep a set of column buffers per hour.
   */
  maxOpenFiles?: number;
  logger: Logger;
  sink: FileSink;
  /** `max_value_bytes`: longer attribute values (and shared texts) are cut; default the exporter's. */
  maxValueBytes?: number;
  /** Milliseconds since the epoch (tests move time). */
  now?: () => number;
  /** Called for each finished file. */
  onWritten?: (file: WrittenFile, signal: Signal) => void;
  /** Called after a batch in which texts were cut at `maxValueBytes` or attributes dropped (see ValueLimit). */
  onLimited?: (counts: { truncated: number; dropped: number }, signal: Signal) => void;
  createdBy?: string;
}

/** One write() call waiting for the files that hold its rows. */
interface Waiter {
  open: number;
  failed: boolean;
  resolve(): void;
  reject(err: unknown): void;
}

interface OpenFile {
  id: number;
  signal: Signal;
  hour: number;
  /** Partition bounds in ns: rows with lo <= time < hi belong here. */
  lo: bigint;
  hi: bigint;
  relPath: string;
  table: AnyTable;
  rows: number;
  /** Bytes handed to the writer thread so far. */
  shippedBytes: number;
  opened: boolean;
  rolled: boolean;
  timer?: NodeJS.Timeout;
  waiters: Waiter[];
  lastWaiter?: Waiter;
}

let nextFileId = 1;

/** `part-<UTC time>-<random>.parquet`: sorts by creation, unique across processes. */
export function partName(nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:.]/g, '');
  return `part-${stamp}-${randomBytes(6).toString('hex')}.parquet`;
}

/** `<signal>/date=YYYY-MM-DD/hour=HH` of an hour since the epoch. */
export function partitionOf(signal: Signal, hour: number): string {
  const iso = new Date(hour * 3_600_000).toISOString();
  return `${signal}/date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
}

export class FileSet {
  private readonly open: Record<Signal, Map<number, OpenFile>> = { traces: new Map(), logs: new Map(), metrics: new Map() };
  /** The file the previous row went to, per signal: consecutive rows mostly share it. */
  private readonly last: Partial<Record<Signal, OpenFile>> = {};
  private readonly held: Record<Signal, number> = { traces: 0, logs: 0, metrics: 0 };
  private readonly finishing = new Set<Promise<void>>();
  /** Batches waiting for room in the writer thread, not yet in files. */
  private readonly deferred = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly chunkRows: number;
  private readonly chunkBytes: number;
  private readonly rowGroupRows: number;
  private readonly maxOpenFiles: number;
  private readonly windowHours: number;
  private readonly limit: ValueLimit;
  private readonly dictionaryPageBytes: number;
  private immediate = false;
  private flushScheduled = false;
  private closed = false;

  constructor(private readonly o: FileSetOptions) {
    this.now = o.now ?? Date.now;
    this.chunkRows = Math.max(1, Math.min(o.chunkRows ?? 16_384, o.maxRows));
    this.chunkBytes = o.chunkBytes ?? 16 * 1024 * 1024;
    this.rowGroupRows = o.rowGroupRows ?? 128 * 1024;
    this.maxOpenFiles = Math.max(1, o.maxOpenFiles ?? 32);
    this.windowHours = Math.ceil((o.partitionWindowMs ?? 0) / 3_600_000);
    this.limit = new ValueLimit(o.maxValueBytes ?? parseSize(PARQUET_DEFAULTS.max_value_bytes));
    this.dictionaryPageBytes = dictionaryPageBytes(this.limit);
  }

  /** Rows waiting in open files, per signal (for tests and telemetry). */
  openRows(signal: Signal): number {
    let n = 0;
    for (const f of this.open[signal].values()) n += f.rows;
    return n;
  }

  openFiles(): number {
    return this.open.traces.size + this.open.logs.size + this.open.metrics.size;
  }

  /** Resolves once all rows of `data` are in complete files; rejects (retryable) if one failed. */
  write<S extends Signal>(signal: S, data: SignalData[S]): Promise<void> {
    if (this.closed) return Promise.reject(retryableError('parquet exporter: shut down'));
    // The writer thread is behind: hold this batch back (the helper's queue fills and pushes back).
    const room = this.o.sink.waitForRoom?.();
    if (room) {
      const done = room.then(() => this.write(signal, data));
      // settles right after the batch was routed (or deferred again): flush() waits for it
      const routed = room.then(() => undefined);
      this.deferred.add(routed);
      void routed.then(() => this.deferred.delete(routed));
      return done;
    }
    let waiter!: Waiter;
    const done = new Promise<void>((resolve, reject) => {
      waiter = { open: 0, failed: false, resolve, reject };
    });
    const touched = new Set<OpenFile>();
    try {
      if (signal === 'traces') this.addTraces(data as Traces, waiter, touched);
      else if (signal === 'logs') this.addLogs(data as Logs, waiter, touched);
      else this.addMetrics(data as Metrics, waiter, touched);
    } catch (err) {
      // Rows already added stay in their files; this batch is refused and will be sent again.
      waiter.failed = true;
      waiter.reject(err);
      return done;
    } finally {
      const counts = this.limit.take();
      if (counts.truncated > 0 || counts.dropped > 0) this.o.onLimited?.(counts, signal);
    }
    if (waiter.open === 0) {
      waiter.resolve();
      return done;
    }
    for (const f of touched) if (!f.rolled) this.checkSize(f);
    this.held[signal]++;
    const release = () => {
      this.held[signal]--;
    };
    done.then(release, release);
    // Every send the helper can have in flight waits on an open file: nothing more can come
    // until one is finished, so finish them now rather than at max_age.
    if (this.held[signal] >= this.o.maxHeldSends) this.rollSignal(signal);
    if (this.immediate) this.scheduleFlush();
    return done;
  }

  /** Finishes every open file now (and those of batches waiting for room) and waits until all are written. */
  async flush(): Promise<void> {
    for (;;) {
      // batches waiting for room go into the files first (room comes as the writer takes chunks in)
      if (this.deferred.size > 0) {
        await Promise.all([...this.deferred]);
        continue;
      }
      for (const s of ['traces', 'logs', 'metrics'] as Signal[]) this.rollSignal(s);
      if (this.finishing.size === 0 && this.deferred.size === 0) return;
      await Promise.race([...this.finishing, ...this.deferred]);
    }
  }

  /**
   * Shutdown, first step: finish what is open, and from now on finish files as soon as the
   * writes of one turn of the event loop are in (the helper drains its queue into us).
   */
  beginClose(): void {
    this.immediate = true;
    this.scheduleFlush();
  }

  /** Shutdown, last step: everything written; later writes are refused. */
  async close(): Promise<void> {
    this.immediate = true;
    await this.flush();
    this.closed = true;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const s of ['traces', 'logs', 'metrics'] as Signal[]) this.rollSignal(s);
    });
  }

  // ---------------------------------------------------------------- routing rows

  private addTraces(data: Traces, waiter: Waiter, touched: Set<OpenFile>): void {
    for (const rs of data.resourceSpans) {
      const resource = new ResourceRow(rs.resource, rs.schemaUrl, this.limit);
      for (const ss of rs.scopeSpans) {
        const scope = new ScopeRow(ss.scope, ss.schemaUrl, this.limit);
        for (const span of ss.spans) {
          const t = span.startTimeUnixNano || span.endTimeUnixNano;
          const f = this.fileFor('traces', t, waiter, touched);
          (f.table as TracesTable).append(span, resource, scope);
          this.rowAdded(f);
        }
      }
    }
  }

  private addLogs(data: Logs, waiter: Waiter, touched: Set<OpenFile>): void {
    for (const rl of data.resourceLogs) {
      const resource = new ResourceRow(rl.resource, rl.schemaUrl, this.limit);
      for (const sl of rl.scopeLogs) {
        const scope = new ScopeRow(sl.scope, sl.schemaUrl, this.limit);
        for (const r of sl.logRecords) {
          const f = this.fileFor('logs', r.timeUnixNano || r.observedTimeUnixNano, waiter, touched);
          (f.table as LogsTable).append(r, resource, scope);
          this.rowAdded(f);
        }
      }
    }
  }

  private addMetrics(data: Metrics, waiter: Waiter, touched: Set<OpenFile>): void {
    for (const rm of data.resourceMetrics) {
      const resource = new ResourceRow(rm.resource, rm.schemaUrl, this.limit);
      for (const sm of rm.scopeMetrics) {
        const scope = new ScopeRow(sm.scope, sm.schemaUrl, this.limit);
        for (const m of sm.metrics) {
          const metric = new MetricRow(m, this.limit);
          for (const p of m.data.dataPoints) {
            const f = this.fileFor('metrics', p.timeUnixNano || p.startTimeUnixNano, waiter, touched);
            (f.table as MetricsTable).append(p, metric, resource, scope);
            this.rowAdded(f);
          }
        }
      }
    }
  }

  /** The open file for a row at time `t` (ns; 0 = unknown, use the arrival time). */
  private fileFor(signal: Signal, t: bigint, waiter: Waiter, touched: Set<OpenFile>): OpenFile {
    let f = this.last[signal];
    if (f === undefined || f.rolled || t < f.lo || t >= f.hi) {
      const hour = this.hourOf(t);
      f = this.open[signal].get(hour) ?? this.create(signal, hour);
      this.last[signal] = f;
    }
    if (f.lastWaiter !== waiter) {
      f.lastWaiter = waiter;
      f.waiters.push(waiter);
      waiter.open++;
      touched.add(f);
    }
    return f;
  }

  /**
   * The partition hour of a row at time `t` (ns): its own, or the arrival hour when unknown (0)
   * or outside the window. The window is whole hours, so every row of an hour goes to one file.
   */
  private hourOf(t: bigint): number {
    const arrival = Math.floor(this.now() / 3_600_000);
    if (t <= 0n) return arrival;
    const hour = Number(t / HOUR_NS);
    if (hour > MAX_HOUR) return arrival;
    if (this.windowHours === 0) return hour;
    return hour < arrival - this.windowHours || hour > arrival + 1 ? arrival : hour;
  }

  private create(signal: Signal, hour: number): OpenFile {
    if (this.openFiles() >= this.maxOpenFiles) this.rollOldest();
    const lo = BigInt(hour) * HOUR_NS;
    const f: OpenFile = {
      id: nextFileId++,
      signal,
      hour,
      // time 0 (unknown) is routed by arrival, so it never matches a partition's range
      lo: lo === 0n ? 1n : lo,
      hi: lo + HOUR_NS,
      relPath: `${partitionOf(signal, hour)}/${partName(this.now())}`,
      table: newTable(signal, this.limit),
      rows: 0,
      shippedBytes: 0,
      opened: false,
      rolled: false,
      waiters: [],
    };
    if (this.o.maxAgeMs > 0) f.timer = setTimeout(() => this.roll(f), this.o.maxAgeMs);
    this.open[signal].set(hour, f);
    return f;
  }

  private rollOldest(): void {
    let oldest: OpenFile | undefined;
    for (const s of ['traces', 'logs', 'metrics'] as Signal[]) for (const f of this.open[s].values()) if (!oldest || f.id < oldest.id) oldest = f;
    if (oldest) this.roll(oldest);
  }

  private rowAdded(f: OpenFile): void {
    f.rows++;
    if (f.rows >= this.o.maxRows || f.table.sharedBytes >= MAX_SHARED_BYTES) return this.roll(f);
    const n = f.table.length;
    // byteSize() sums every column: look every 256 rows, not on each
    if (n >= this.chunkRows || (n & 255) === 0) this.checkSize(f);
  }

  // ---------------------------------------------------------------- to the writer thread

  /** Rolls the file at max_bytes; otherwise hands its rows to the writer thread once they make a chunk. */
  private checkSize(f: OpenFile): void {
    const n = f.table.length;
    if (n === 0) return;
    const bytes = f.table.byteSize();
    if (f.shippedBytes + bytes >= this.o.maxBytes) this.roll(f);
    else if (n >= this.chunkRows || bytes >= this.chunkBytes) this.ship(f, bytes);
  }

  private ship(f: OpenFile, bytes = f.table.byteSize()): void {
    const n = f.table.length;
    if (n === 0) return;
    if (!f.opened) {
      f.opened = true;
      this.o.sink.open(this.fileToWrite(f.id, f.signal, f.table, f.relPath));
    }
    f.shippedBytes += bytes;
    this.o.sink.append(f.id, n, f.table.finish());
  }

  /** What the writer thread needs to write a file of `signal` under `relPath`. */
  private fileToWrite(id: number, signal: Signal, table: AnyTable, relPath: string): FileToWrite {
    return {
      id,
      spec: table.spec(),
      tmpPath: join(this.o.dir, '.tmp', `${relPath.slice(relPath.lastIndexOf('/') + 1)}.tmp`),
      finalPath: join(this.o.dir, relPath),
      compression: this.o.compression,
      rowGroupRows: this.rowGroupRows,
      noDictionary: table.noDictionary,
      dictionaryPageBytes: this.dictionaryPageBytes,
      statistics: table.statistics(),
      metadata: [
        ['summit.signal', signal],
        ['summit.schema_version', SCHEMA_VERSION],
        ...(this.o.createdBy ? ([['summit.writer', this.o.createdBy]] as [string, string][]) : []),
      ],
    };
  }

  /**
   * Writes the rows of finished files `sources` (of one partition, in order) into one new file
   * `name` of that partition; resolves once it is durable under its final name. The sources
   * are left for the caller to delete.
   */
  compact(signal: Signal, partition: string, sources: string[], name: string): Promise<WrittenFile> {
    const id = nextFileId++;
    this.o.sink.open({ ...this.fileToWrite(id, signal, newTable(signal, this.limit), `${partition}/${name}`), sources });
    return this.o.sink.finish(id);
  }

  private rollSignal(signal: Signal): void {
    for (const f of [...this.open[signal].values()]) this.roll(f);
  }

  /** Finishes a file: no more rows go to it; its waiters settle when it is on disk. */
  private roll(f: OpenFile): void {
    if (f.rolled) return;
    f.rolled = true;
    clearTimeout(f.timer);
    if (this.open[f.signal].get(f.hour) === f) this.open[f.signal].delete(f.hour);
    if (this.last[f.signal] === f) this.last[f.signal] = undefined;
    const waiters = f.waiters;
    f.waiters = [];
    let finished: Promise<WrittenFile>;
    try {
      this.ship(f);
      finished = this.o.sink.finish(f.id);
    } catch (err) {
      finished = Promise.reject(err);
    }
    const settled = finished.then(
      (file) => {
        this.o.logger.debug({ path: file.path, rows: file.rows, bytes: file.bytes }, 'parquet exporter: file written');
        this.o.onWritten?.(file, f.signal);
        for (const w of waiters) if (!w.failed && --w.open === 0) w.resolve();
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        this.o.logger.error({ err, rows: f.rows }, `parquet exporter: writing ${join(this.o.dir, f.relPath)} failed: ${message}; its batches are retried`);
        const error = retryableError(`parquet exporter: writing a file failed: ${message}`, undefined, err);
        for (const w of waiters) {
          if (w.failed) continue;
          w.failed = true;
          w.reject(error);
        }
      },
    );
    const tracked = settled.finally(() => this.finishing.delete(tracked));
    this.finishing.add(tracked);
  }
}
