/**
 * A durable queue as an append-only log of segment files in one directory. Appends and acks
 * are records; on open, data records without an ack are pending. Segments whose data is all
 * acknowledged are deleted oldest first; compaction moves the few pending records of old
 * segments forward so those can go too.
 */
import { mkdir, open, readdir, readFile, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DurableQueue, PendingRecord } from '../../pipeline/exporterhelper/storage.js';
import { BODY_PREFIX, crc32, frameHead, HEADER, MAGIC, MAX_RECORD, scan, TYPE_ACK, TYPE_DATA } from './frame.js';
import { isUnwritable, UnwritableStorageError, WriteOutage, type QueueHealth } from './outage.js';

export interface FileQueueOptions {
  logger: Logger;
  /** Resolve appends only after fdatasync (survives power loss), not just after write(). */
  fsync: boolean;
  /** A new segment is started once the current one reaches this size (or 1/16 of a smaller file system). */
  segmentBytes: number;
  compaction: {
    onStart: boolean;
    onRebound: boolean;
    /** Compaction on rebound runs once the files take at least this much... */
    reboundNeededBytes: number;
    /** ...and the pending records at most this much. */
    reboundTriggerBytes: number;
    checkIntervalMs: number;
    /** Records moved per write during compaction. */
    maxTransactionSize: number;
  };
  /** Called once the queue is closed (releases the directory for the next opener). */
  onClose?: () => void | Promise<void>;
  health?: QueueHealth;
}

export const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
/**
 * On a small file system segments are smaller, so that a backlog spans many of them and space
 * comes back segment by segment while it drains, instead of only once all of it was sent.
 */
const SEGMENTS_PER_FILE_SYSTEM = 16;
const MIN_SEGMENT_BYTES = 64 * 1024;

interface Segment {
  seq: number;
  path: string;
  /** Bytes written (valid or not). */
  bytes: number;
  /** Data records here that are not acknowledged and not moved elsewhere. */
  pending: number;
}

interface Location {
  seg: Segment;
  offset: number;
  payloadLength: number;
}

interface WriteOp {
  /** Frames: head and payload buffers, in order. */
  frames: Uint8Array[];
  sync: boolean;
  resolve(pos: { seg: Segment; offset: number }): void;
  reject(err: Error): void;
}

const SEGMENT_NAME = /^seg-(\d{20})\.log$/;
const segmentName = (seq: number) => `seg-${String(seq).padStart(20, '0')}.log`;

export class FileQueue implements DurableQueue {
  private readonly segments: Segment[] = [];
  private readonly index = new Map<number, Location>();
  private recovered: number[] = [];
  private nextId = 1;
  private liveBytes = 0;
  private fh?: FileHandle;
  private queued: WriteOp[] = [];
  private flushing?: Promise<void>;
  /** Appends written or being written but not yet in the index. */
  private appending = 0;
  private segmentBytes: number;
  private readonly outage: WriteOutage;
  /** Acks that could not be written (disk full): written with the next write that gets through. */
  private deferredAcks: { id: number; seg: Segment }[] = [];
  private reclaimDue = false;
  private closed = false;
  private closing?: Promise<void>;
  private compacting?: Promise<void>;
  private timer?: NodeJS.Timeout;

  private constructor(
    readonly dir: string,
    private readonly opts: FileQueueOptions,
  ) {
    this.segmentBytes = opts.segmentBytes;
    this.outage = new WriteOutage(dir, opts.logger, opts.health);
  }

  static async open(dir: string, opts: FileQueueOptions): Promise<FileQueue> {
    const q = new FileQueue(dir, opts);
    await q.load();
    return q;
  }

  get size(): number {
    return this.index.size;
  }

  /** Bytes of all segment files, and of the pending records in them. */
  stats(): { fileBytes: number; liveBytes: number; segments: number } {
    return { fileBytes: this.segments.reduce((n, s) => n + s.bytes, 0), liveBytes: this.liveBytes, segments: this.segments.length };
  }

  async append(bytes: Uint8Array): Promise<number> {
    if (this.closed) throw new Error(`queue ${this.dir} is closed`);
    if (bytes.length > MAX_RECORD - BODY_PREFIX) throw new Error(`a record of ${bytes.length} bytes is larger than the queue accepts (${MAX_RECORD - BODY_PREFIX})`);
    const id = this.nextId++;
    let pos: { seg: Segment; offset: number };
    this.appending++;
    try {
      this.outage.admit();
      pos = await this.write([frameHead(TYPE_DATA, id, bytes), bytes], false);
    } catch (err) {
      if (err instanceof UnwritableStorageError) this.outage.refused();
      throw err;
    } finally {
      this.appending--;
    }
    this.track(id, { seg: pos.seg, offset: pos.offset, payloadLength: bytes.length });
    return id;
  }

  async *readPending(): AsyncIterable<PendingRecord> {
    for (const id of this.recovered) {
      if (!this.index.has(id)) continue;
      let bytes: Uint8Array;
      try {
        bytes = await this.read(id);
      } catch (err) {
        // An I/O error may pass (the caller fails and retries later); a changed record will not.
        if (!(err instanceof DamagedRecordError)) throw err;
        this.opts.logger.error({ err }, `file_storage: pending record ${id} in ${this.dir} is damaged; dropping it`);
        await this.ack(id);
        continue;
      }
      yield { id, bytes };
    }
  }

  async read(id: number): Promise<Uint8Array> {
    for (let tries = 0; ; tries++) {
      const loc = this.index.get(id);
      if (!loc) throw new Error(`record ${id} is not pending in ${this.dir}`);
      try {
        return await readRecord(loc);
      } catch (err) {
        // Compaction may have moved the record and deleted the file in between: look again.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || this.index.get(id) === loc || tries > 2) throw err;
      }
    }
  }

  async ack(id: number): Promise<void> {
    const loc = this.index.get(id);
    if (!loc || this.closed) return;
    this.untrack(id, loc);
    // While the disk refuses writes an ack waits in memory; a drained queue then frees its files.
    if (this.outage.refusing) return this.deferAck(id, loc.seg);
    try {
      await this.write([frameHead(TYPE_ACK, id, new Uint8Array(0))], false);
    } catch (err) {
      if (!isUnwritable(err)) throw err;
      this.deferAck(id, loc.seg);
    }
  }

  private deferAck(id: number, seg: Segment): void {
    this.deferredAcks.push({ id, seg });
    this.reclaimDue = true;
    this.flushing ??= this.flush();
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  /** Moves the pending records of all but the active segment into it, then deletes those segments. */
  compact(): Promise<void> {
    this.compacting ??= this.doCompact().finally(() => (this.compacting = undefined));
    return this.compacting;
  }

  // ---------- opening ----------

  private async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const fs = await statfs(this.dir);
    this.segmentBytes = Math.min(this.opts.segmentBytes, Math.max(MIN_SEGMENT_BYTES, Math.floor((fs.blocks * fs.bsize) / SEGMENTS_PER_FILE_SYSTEM)));
    const names = (await readdir(this.dir)).filter((n) => SEGMENT_NAME.test(n)).sort();
    const acked = new Set<number>();
    let maxId = 0;
    for (const name of names) {
      const seg: Segment = { seq: Number(SEGMENT_NAME.exec(name)![1]), path: join(this.dir, name), bytes: 0, pending: 0 };
      const buf = await readFile(seg.path);
      seg.bytes = buf.length;
      this.segments.push(seg);
      scan(
        buf,
        (r) => {
          maxId = Math.max(maxId, r.id);
          if (r.type === TYPE_ACK) {
            acked.add(r.id);
            const loc = this.index.get(r.id);
            if (loc) this.untrack(r.id, loc);
          } else if (!acked.has(r.id)) {
            // A second copy (left by a compaction cut short) replaces the first.
            const old = this.index.get(r.id);
            if (old) this.untrack(r.id, old);
            this.track(r.id, { seg, offset: r.offset, payloadLength: r.payload.length });
          }
        },
        (d) =>
          this.opts.logger.warn(
            { file: seg.path, offset: d.offset, skipped_bytes: d.length },
            d.kind === 'truncated'
              ? `file_storage: ${seg.path}: the last record (at offset ${d.offset}) was cut short by a crash; skipping it`
              : `file_storage: ${seg.path}: damaged data at offset ${d.offset} (${d.length} bytes); skipping it, records after it are kept`,
          ),
      );
    }
    this.recovered = [...this.index.keys()].sort((a, b) => a - b);
    // Past the clock too: if the newest records were lost (a torn tail), their ids are still not reused.
    this.nextId = Math.max(maxId + 1, Date.now() * 1000);
    // Never append after a possibly torn tail: every run writes to a fresh segment.
    await this.startSegment((this.segments.at(-1)?.seq ?? 0) + 1);
    await this.deleteDeadPrefix();
    if (this.opts.compaction.onStart && this.segments.length > 1) {
      await this.compact().catch((err) => this.opts.logger.warn({ err }, `file_storage: compaction on start of ${this.dir} failed; the queue works without it`));
    }
    if (this.opts.compaction.onRebound) {
      this.timer = setInterval(() => void this.checkRebound(), this.opts.compaction.checkIntervalMs);
      this.timer.unref();
    }
  }

  private track(id: number, loc: Location): void {
    this.index.set(id, loc);
    loc.seg.pending++;
    this.liveBytes += loc.payloadLength;
  }

  private untrack(id: number, loc: Location): void {
    this.index.delete(id);
    loc.seg.pending--;
    this.liveBytes -= loc.payloadLength;
  }

  // ---------- writing ----------

  /** Queues frames for the next group write; resolves with where the first frame landed. */
  private write(frames: Uint8Array[], sync: boolean): Promise<{ seg: Segment; offset: number }> {
    return new Promise((resolve, reject) => {
      this.queued.push({ frames, sync, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** One write (and at most one fdatasync) for everything queued meanwhile: group commit. */
  private async flush(): Promise<void> {
    for (;;) {
      if (this.queued.length === 0) {
        if (this.reclaimDue) {
          this.reclaimDue = false;
          await this.reclaim();
          continue;
        }
        // Cleared in the same step as the last look at the queue, so no write is left behind.
        this.flushing = undefined;
        return;
      }
      const ops = this.queued;
      this.queued = [];
      try {
        if (this.active.bytes >= this.segmentBytes) await this.startSegment(this.active.seq + 1);
      } catch (err) {
        const failure = this.outage.failed(err, () => this.backlog());
        for (const op of ops) op.reject(failure);
        continue;
      }
      const seg = this.active;
      const fh = this.fh!;
      const acks = this.takeDeferredAcks();
      const buffers: Uint8Array[] = acks.map((a) => frameHead(TYPE_ACK, a.id, new Uint8Array(0)));
      const offsets: number[] = [];
      let end = seg.bytes + buffers.reduce((n, b) => n + b.length, 0);
      for (const op of ops) {
        offsets.push(end);
        for (const f of op.frames) {
          buffers.push(f);
          end += f.length;
        }
      }
      try {
        await writeAll(fh, buffers, seg.bytes);
        if (this.opts.fsync || ops.some((o) => o.sync)) await fh.datasync();
      } catch (err) {
        // Cut off what part of the batch did land, so the next write does not follow a torn record.
        await fh.truncate(seg.bytes).catch(() => (seg.bytes = end));
        this.deferredAcks.unshift(...acks);
        const failure = this.outage.failed(err, () => this.backlog());
        for (const op of ops) op.reject(failure);
        await this.reclaim();
        continue;
      }
      seg.bytes = end;
      this.outage.succeeded();
      ops.forEach((op, i) => op.resolve({ seg, offset: offsets[i] }));
      await this.reclaim();
    }
  }

  /** Deferred acks whose data record still exists (a deleted or emptied segment needs none). */
  private takeDeferredAcks(): { id: number; seg: Segment }[] {
    if (this.deferredAcks.length === 0) return [];
    const live = new Set(this.segments);
    const acks = this.deferredAcks.filter((a) => live.has(a.seg));
    this.deferredAcks = [];
    return acks;
  }

  /**
   * Frees what finished work holds: segments whose batches are all acknowledged, oldest first;
   * and while the disk refuses writes, the active segment too once nothing at all is pending —
   * without that a full disk holding only one segment would never get its space back.
   */
  private async reclaim(): Promise<void> {
    const before = this.segments.length;
    await this.deleteDeadPrefix();
    let freed = this.segments.length < before;
    if (freed) this.deferredAcks = this.takeDeferredAcks();
    const active = this.active;
    if (this.outage.refusing && this.index.size === 0 && this.appending === 0 && active.bytes > 0) {
      try {
        await this.fh!.truncate(0);
        active.bytes = 0;
        this.deferredAcks = [];
        freed = true;
      } catch (err) {
        // A read-only file system cannot be truncated either; the episode is already logged.
        if (!isUnwritable(err)) this.opts.logger.warn({ err }, `file_storage: cannot empty ${active.path}`);
      }
    }
    if (freed) this.outage.spaceFreed();
  }

  private backlog(): string {
    const { fileBytes, segments } = this.stats();
    return `${this.index.size} batches wait to be sent; the queue's ${segments} files take ${(fileBytes / (1024 * 1024)).toFixed(1)} MiB`;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  private async startSegment(seq: number): Promise<void> {
    const path = join(this.dir, segmentName(seq));
    const fh = await open(path, 'wx');
    if (this.opts.fsync) {
      try {
        await fh.sync();
        await syncDir(this.dir);
      } catch (err) {
        // Gone again, or the next try would find the name taken (EEXIST) for ever.
        await fh.close().catch(() => {});
        await unlink(path).catch(() => {});
        throw err;
      }
    }
    const previous = this.fh;
    this.fh = fh;
    this.segments.push({ seq, path, bytes: 0, pending: 0 });
    await previous?.close();
  }

  /** Oldest first only: an ack record must never outlive the data record it cancels. */
  private async deleteDeadPrefix(): Promise<void> {
    while (this.segments.length > 1 && this.segments[0].pending === 0) {
      const seg = this.segments.shift()!;
      await unlink(seg.path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') this.opts.logger.warn({ err }, `file_storage: cannot delete ${seg.path}`);
      });
    }
  }

  // ---------- compaction ----------

  private async checkRebound(): Promise<void> {
    const { fileBytes } = this.stats();
    const c = this.opts.compaction;
    // No copies while the disk refuses writes: they would fail, and compete with new data for the space.
    if (this.closed || this.outage.refusing || this.segments.length < 2 || fileBytes < c.reboundNeededBytes || this.liveBytes > c.reboundTriggerBytes) return;
    // Rewriting mostly-live files frees little; without this a low needed threshold would rewrite every check.
    if (this.liveBytes * 2 > fileBytes) return;
    await this.compact().catch((err) => this.opts.logger.warn({ err }, `file_storage: compaction of ${this.dir} failed; will try again`));
  }

  private async doCompact(): Promise<void> {
    const old = new Set(this.segments.slice(0, -1));
    if (old.size === 0) return;
    const ids = [...this.index].filter(([, loc]) => old.has(loc.seg)).map(([id]) => id);
    const started = Date.now();
    for (let i = 0; i < ids.length && !this.closed; ) {
      const read: { id: number; from: Location; payload: Buffer }[] = [];
      let bytes = 0;
      for (; i < ids.length && read.length < this.opts.compaction.maxTransactionSize && bytes < this.segmentBytes; i++) {
        const from = this.index.get(ids[i]);
        if (!from || !old.has(from.seg)) continue;
        try {
          const payload = await readRecord(from);
          read.push({ id: ids[i], from, payload });
          bytes += payload.length;
        } catch (err) {
          // Left where it is: the exporter drops it, logged, when it gets to it.
          this.opts.logger.warn({ err }, `file_storage: compaction cannot read record ${ids[i]} of ${this.dir}; leaving it in place`);
        }
      }
      // Checked in the same step as the write is queued: a copy must never land after its ack,
      // or deleting the ack's segment later would bring the record back.
      const moved = read.filter((r) => this.index.get(r.id) === r.from);
      if (moved.length === 0) continue;
      const frames: Uint8Array[] = [];
      const at: number[] = [];
      let offset = 0;
      for (const m of moved) {
        frames.push(frameHead(TYPE_DATA, m.id, m.payload), m.payload);
        at.push(offset);
        offset += HEADER + BODY_PREFIX + m.payload.length;
      }
      // Synced even without fsync: the originals are deleted next, and they were durable.
      const pos = await this.write(frames, true);
      moved.forEach((m, k) => {
        if (this.index.get(m.id) !== m.from) return;
        this.untrack(m.id, m.from);
        this.track(m.id, { seg: pos.seg, offset: pos.offset + at[k], payloadLength: m.payload.length });
      });
    }
    await this.deleteDeadPrefix();
    this.opts.logger.debug({ dir: this.dir, moved: ids.length, ms: Date.now() - started }, 'file_storage: compacted');
  }

  // ---------- closing ----------

  private async doClose(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.outage.close();
    await this.compacting?.catch(() => {});
    while (this.flushing) await this.flushing;
    // Acks the full disk held back: written now if it has room, else the records are sent again after the restart.
    if (this.deferredAcks.length > 0 && this.index.size > 0) await this.write([], false).catch(() => {});
    await this.fh?.close();
    this.fh = undefined;
    // Nothing pending: leave an empty directory rather than a log of finished work.
    if (this.index.size === 0) {
      for (const seg of this.segments.splice(0)) await unlink(seg.path).catch(() => {});
    }
    await this.opts.onClose?.();
  }
}

/** The bytes on disk no longer match their CRC: reading again will not help. */
export class DamagedRecordError extends Error {}

async function readRecord(loc: Location): Promise<Buffer> {
  const fh = await open(loc.seg.path, 'r');
  try {
    const length = HEADER + BODY_PREFIX + loc.payloadLength;
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await fh.read(buf, 0, length, loc.offset);
    if (bytesRead !== length || buf.readUInt32BE(0) !== MAGIC || crc32(buf.subarray(HEADER)) !== buf.readUInt32BE(8)) {
      throw new DamagedRecordError(`record at offset ${loc.offset} of ${loc.seg.path} is damaged`);
    }
    return buf.subarray(HEADER + BODY_PREFIX);
  } finally {
    await fh.close();
  }
}

/** writev may write less than asked (large batches, signals); carry on from where it stopped. */
async function writeAll(fh: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    const chunk = rest.length > 512 ? rest.slice(0, 512) : rest;
    let { bytesWritten } = await fh.writev(chunk, position);
    if (bytesWritten === 0) throw new Error('write made no progress');
    position += bytesWritten;
    let i = 0;
    while (i < rest.length && bytesWritten >= rest[i].length) bytesWritten -= rest[i++].length;
    rest = rest.slice(i);
    if (bytesWritten > 0) rest[0] = rest[0].subarray(bytesWritten);
  }
}

/** Makes a new file's directory entry durable, where the platform allows fsync on a directory. */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows cannot open directories; its file system journals the entry itself.
  } finally {
    await fh?.close();
  }
}
