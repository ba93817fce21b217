/**
 * FileQueue on a disk that fills up, goes read-only or fails. The disk is emulated under the
 * real files: writes go through to the queue directory until its files reach `capacity`, then
 * land partly and fail with ENOSPC, as the kernel does — so truncating and deleting really free
 * space. test/disk-full.test.ts does the same through a real `summit` on a real full tmpfs.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileQueue, type FileQueueOptions } from './file-queue.js';
import { scan } from './frame.js';
import { PROBE_INTERVAL_MS, UnwritableStorageError, WriteOutage } from './outage.js';

type Log = { level: number; msg: string };

const RECORD = 1000;
/** A data record on disk: 21-byte head and the payload. */
const FRAME = 21 + RECORD;

function segments(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .sort()
    .map((n) => join(dir, n));
}

const used = (dir: string) => segments(dir).reduce((n, f) => n + statSync(f).size, 0);

class Disk {
  /** Bytes the queue's files may take; Infinity = not full. */
  capacity = Infinity;
  /** Set: every write fails with this code (a read-only remount, a failing device). */
  failWith?: string;
  writes = 0;

  constructor(readonly dir: string) {}

  async install(): Promise<void> {
    const probe = await open(join(this.dir, '..', 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const real = proto.writev;
    const disk = this;
    vi.spyOn(proto, 'writev').mockImplementation(async function (this: FileHandle, buffers: NodeJS.ArrayBufferView[], position?: number) {
      disk.writes++;
      if (disk.failWith) throw Object.assign(new Error(`${disk.failWith}: emulated, write`), { code: disk.failWith, syscall: 'write' });
      const room = Math.floor(disk.capacity - used(disk.dir));
      const wanted = buffers.reduce((n, b) => n + b.byteLength, 0);
      if (room < 1) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
      if (wanted <= room) return real.call(this, buffers, position);
      // Like the kernel: what fits lands, the caller sees a short write and fails on the next one.
      const part = Buffer.concat(buffers.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength))).subarray(0, room);
      return real.call(this, [part], position);
    } as typeof proto.writev);
  }
}

function options(logs: Log[], health: { unwritable: boolean[]; errors: string[] }, segmentBytes = 1 << 20): FileQueueOptions {
  return {
    logger: pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s)) }),
    fsync: false,
    segmentBytes,
    compaction: { onStart: false, onRebound: false, reboundNeededBytes: 0, reboundTriggerBytes: 0, checkIntervalMs: 1000, maxTransactionSize: 100 },
    health: { unwritable: (on) => health.unwritable.push(on), writeFailed: (code) => health.errors.push(code) },
  };
}

const record = (i: number) => Buffer.alloc(RECORD, i % 256);

let disk: Disk;
let logs: Log[];
let health: { unwritable: boolean[]; errors: string[] };

beforeEach(async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'summit-fq-full-')), 'q');
  disk = new Disk(dir);
  logs = [];
  health = { unwritable: [], errors: [] };
  vi.useFakeTimers({ toFake: ['Date'] });
  await disk.install();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function fill(q: FileQueue): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; ; i++) {
    try {
      ids.push(await q.append(record(i)));
    } catch (err) {
      expect(err).toBeInstanceOf(UnwritableStorageError);
      return ids;
    }
  }
}

const fullLogs = () => logs.filter((l) => /disk full at .*refusing new data until space is freed/.test(l.msg));

describe('FileQueue on a full disk', () => {
  it('rolls back a record cut short by ENOSPC: the segment stays readable and holds exactly the stored records', async () => {
    disk.capacity = 3 * FRAME + 500;
    const q = await FileQueue.open(disk.dir, options(logs, health));
    const ids = await fill(q);
    expect(ids).toHaveLength(3);
    const [file] = segments(disk.dir);
    expect(statSync(file).size).toBe(3 * FRAME);
    const damage: unknown[] = [];
    const found: number[] = [];
    scan(readFileSync(file), (r) => found.push(r.id), (d) => damage.push(d));
    expect(damage).toEqual([]);
    expect(found).toEqual(ids);
    await q.close();
    disk.capacity = Infinity;
    const again = await FileQueue.open(disk.dir, options([], health));
    expect(again.size).toBe(3);
    await again.close();
  });

  it('says so once per episode, and refuses at once meanwhile without writing', async () => {
    disk.capacity = 4 * FRAME;
    const q = await FileQueue.open(disk.dir, options(logs, health));
    await fill(q);
    const writes = disk.writes;
    for (let i = 0; i < 50; i++) await expect(q.append(record(i))).rejects.toThrow('disk full (ENOSPC); refusing new data until space is freed');
    expect(disk.writes).toBe(writes);
    expect(fullLogs()).toHaveLength(1);
    expect(fullLogs()[0].level).toBe(50);
    expect(fullLogs()[0].msg).toContain(disk.dir);
    expect(fullLogs()[0].msg).toContain('4 batches wait to be sent');
    expect(health.unwritable).toEqual([true]);
    await q.close();
  });

  it('once the backlog drained, frees its active segment and accepts again', async () => {
    disk.capacity = 5 * FRAME;
    const q = await FileQueue.open(disk.dir, options(logs, health));
    const ids = await fill(q);
    expect(ids).toHaveLength(5);
    // Acks cannot be written on the full disk; they must not fail the sender either.
    for (const id of ids) await q.ack(id);
    // Emptied as soon as the last ack came, in the background; the next append then gets through.
    const next = await vi.waitFor(() => q.append(record(9)));
    expect(used(disk.dir)).toBe(FRAME);
    expect(q.size).toBe(1);
    await q.close();
    const again = await FileQueue.open(disk.dir, options([], health));
    expect([...(await pendingIds(again))]).toEqual([next]);
    await again.close();
  });

  it('frees drained segments while the rest of the backlog waits, and accepts again as soon as a write fits', async () => {
    disk.capacity = 8 * FRAME;
    const q = await FileQueue.open(disk.dir, options(logs, health, 2 * FRAME));
    const ids = await fill(q);
    expect(ids).toHaveLength(8);
    await q.ack(ids[0]);
    await q.ack(ids[1]);
    await vi.waitFor(() => q.append(record(8)));
    expect(used(disk.dir)).toBe(7 * FRAME);
    await q.close();
  });

  it('writes the acks it held back with the next write that gets through, so a restart does not send those records again', async () => {
    disk.capacity = 4 * FRAME;
    const q = await FileQueue.open(disk.dir, options(logs, health));
    const ids = await fill(q);
    await q.ack(ids[0]);
    await q.ack(ids[2]);
    // Someone else frees space; the next append is let through after the probe interval.
    disk.capacity = Infinity;
    await expect(q.append(record(7))).rejects.toThrow(UnwritableStorageError);
    vi.setSystemTime(Date.now() + PROBE_INTERVAL_MS);
    const late = await q.append(record(7));
    await q.close();
    const again = await FileQueue.open(disk.dir, options([], health));
    expect(await pendingIds(again)).toEqual([ids[1], ids[3], late]);
    await again.close();
  });

  it('a read-only file system: refuses with its own message until writes succeed again', async () => {
    const q = await FileQueue.open(disk.dir, options(logs, health));
    const first = await q.append(record(0));
    disk.failWith = 'EROFS';
    await expect(q.append(record(1))).rejects.toThrow('read-only file system (EROFS); refusing new data until it is writable again');
    await q.ack(first); // held back, not an error
    await expect(q.append(record(2))).rejects.toThrow(UnwritableStorageError);
    expect(logs.filter((l) => /read-only file system at .*refusing new data until it is writable again/.test(l.msg))).toHaveLength(1);
    expect(health.errors).toEqual(['EROFS']);
    disk.failWith = undefined;
    vi.setSystemTime(Date.now() + PROBE_INTERVAL_MS);
    const last = await q.append(record(3));
    await q.close();
    // The ack held back went out with that write: the first record does not come back.
    const again = await FileQueue.open(disk.dir, options([], health));
    expect(await pendingIds(again)).toEqual([last]);
    await again.close();
  });

  it('an I/O error: the same, with its own message', async () => {
    const q = await FileQueue.open(disk.dir, options(logs, health));
    disk.failWith = 'EIO';
    await expect(q.append(record(0))).rejects.toThrow('I/O error (EIO); refusing new data until writes succeed again');
    expect(logs.filter((l) => /I\/O error at .*refusing new data until writes succeed again/.test(l.msg))).toHaveLength(1);
    await q.close();
  });
});

async function pendingIds(q: FileQueue): Promise<number[]> {
  const out: number[] = [];
  for await (const r of q.readPending()) out.push(r.id);
  return out;
}

describe('a disk-full episode', () => {
  const QUIET = 10_000;
  const silentQueueLogs = () => ({ logs: [] as Log[], health: { unwritable: [] as boolean[], errors: [] as string[] } });
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

  function outage() {
    const o = silentQueueLogs();
    const w = new WriteOutage(
      '/q',
      pino({ level: 'info' }, { write: (s: string) => void o.logs.push(JSON.parse(s)) }),
      { unwritable: (on) => o.health.unwritable.push(on), writeFailed: (c) => o.health.errors.push(c) },
      QUIET,
    );
    return { w, ...o };
  }

  it('spans a disk that fills again each time a segment drains, and ends once no write failed for the quiet period', async () => {
    vi.useFakeTimers();
    const { w, logs: lines, health: h } = outage();
    w.failed(enospc(), () => '3 batches wait');
    // Drains, accepts, fills again, a few times within the quiet period: still one episode.
    for (let i = 0; i < 5; i++) {
      w.spaceFreed();
      w.admit();
      w.succeeded();
      vi.advanceTimersByTime(QUIET / 2);
      w.failed(enospc(), () => '');
      expect(w.refusing).toBe(true);
    }
    w.spaceFreed();
    w.admit();
    w.succeeded();
    expect(w.refusing).toBe(false);
    vi.advanceTimersByTime(QUIET - 1);
    expect(h.unwritable).toEqual([true]);
    vi.advanceTimersByTime(1);
    expect(h.unwritable).toEqual([true, false]);
    expect(h.errors).toEqual(Array(6).fill('ENOSPC'));
    expect(lines.map((l) => l.msg)).toEqual([
      'file_storage: disk full at /q: ENOSPC: no space left on device, write; refusing new data until space is freed (3 batches wait)',
      expect.stringMatching(/^file_storage: \/q is writable again \(disk full for 25\.0s, no failed write since\); accepting new data/),
    ]);
  });

  it('lets one append through per probe interval, and one right after the queue freed space', () => {
    vi.useFakeTimers();
    const { w } = outage();
    w.failed(enospc(), () => '');
    expect(() => w.admit()).toThrow(UnwritableStorageError);
    vi.advanceTimersByTime(PROBE_INTERVAL_MS);
    w.admit();
    expect(() => w.admit()).toThrow(UnwritableStorageError);
    w.spaceFreed();
    w.admit();
    expect(() => w.admit()).toThrow(UnwritableStorageError);
  });
});
