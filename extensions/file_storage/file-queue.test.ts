import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileQueue, type FileQueueOptions } from './file-queue.js';
import { BODY_PREFIX, HEADER, scan, TYPE_ACK } from './frame.js';

type Log = { level: number; msg: string; file?: string; offset?: number };

function options(p: Partial<FileQueueOptions> & { logs?: Log[] } = {}): FileQueueOptions {
  const logs = p.logs ?? [];
  return {
    logger: pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s)) }),
    fsync: false,
    segmentBytes: 1 << 20,
    ...p,
    compaction: { onStart: false, onRebound: false, reboundNeededBytes: 0, reboundTriggerBytes: 0, checkIntervalMs: 1000, maxTransactionSize: 100, ...p.compaction },
  };
}

const text = (b: Uint8Array) => Buffer.from(b).toString();
const rec = (s: string) => Buffer.from(s);

async function pending(q: FileQueue): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for await (const r of q.readPending()) out.push([r.id, text(r.bytes)]);
  return out;
}

function segments(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
}

const dirs: string[] = [];
function tempQueueDir(): string {
  const d = join(mkdtempSync(join(tmpdir(), 'summit-fq-')), 'q');
  dirs.push(d);
  return d;
}

afterEach(() => vi.restoreAllMocks());

describe('FileQueue', () => {
  it('replays appended records without an ack, oldest first, and keeps ids growing', async () => {
    const dir = tempQueueDir();
    const q = await FileQueue.open(dir, options());
    const ids: number[] = [];
    for (const s of ['a', 'b', 'c', 'd', 'e']) ids.push(await q.append(rec(s)));
    expect(ids.map((id) => id - ids[0])).toEqual([0, 1, 2, 3, 4]);
    await q.ack(ids[1]);
    await q.ack(ids[3]);
    await q.ack(999); // unknown: ignored
    expect(q.size).toBe(3);
    expect(text(await q.read(ids[2]))).toBe('c');
    await expect(q.read(ids[1])).rejects.toThrow('not pending');
    await q.close();
    await expect(q.append(rec('late'))).rejects.toThrow('closed');
    await q.ack(ids[0]); // after close: ignored, the record stays

    const r = await FileQueue.open(dir, options());
    expect(await pending(r)).toEqual([
      [ids[0], 'a'],
      [ids[2], 'c'],
      [ids[4], 'e'],
    ]);
    expect(r.size).toBe(3);
    expect(await r.append(rec('f'))).toBeGreaterThan(ids[4]);
    await r.close();
  });

  it('leaves no segment files behind once everything is acknowledged', async () => {
    const dir = tempQueueDir();
    const q = await FileQueue.open(dir, options({ segmentBytes: 64 }));
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push(await q.append(rec(`record-${i}`)));
    expect(segments(dir).length).toBeGreaterThan(1);
    for (const id of ids) await q.ack(id);
    // acknowledged segments go while running, oldest first; only the one being written stays
    for (let i = 0; i < 100 && segments(dir).length > 1; i++) await new Promise((r) => setTimeout(r, 5));
    expect(segments(dir)).toHaveLength(1);
    await q.close();
    expect(segments(dir)).toEqual([]);
  });

  it('skips a record cut short at the end of a file (a crash mid-write), with a warning naming file and offset', async () => {
    const dir = tempQueueDir();
    const q = await FileQueue.open(dir, options());
    await q.append(rec('first'));
    await q.append(rec('second'));
    const third = await q.append(rec('third-record'));
    await q.close();
    const [file] = segments(dir);
    const path = join(dir, file);
    truncateSync(path, statSync(path).size - 4);

    const logs: Log[] = [];
    const r = await FileQueue.open(dir, options({ logs }));
    expect((await pending(r)).map(([, s]) => s)).toEqual(['first', 'second']);
    const warning = logs.find((l) => l.level === 40)!;
    const thirdOffset = 2 * (HEADER + BODY_PREFIX) + 'first'.length + 'second'.length;
    expect(warning.msg).toContain(`${path}: the last record (at offset ${thirdOffset}) was cut short`);
    expect(warning).toMatchObject({ file: path, offset: thirdOffset });
    // new records are never written after the torn one
    expect(await r.append(rec('fourth'))).toBeGreaterThan(third);
    await r.close();
    const again = await FileQueue.open(dir, options());
    expect((await pending(again)).map(([, s]) => s)).toEqual(['first', 'second', 'fourth']);
    await again.close();
  });

  it('skips a record whose CRC does not match and delivers the records after it', async () => {
    const dir = tempQueueDir();
    const q = await FileQueue.open(dir, options());
    for (const s of ['one', 'two', 'three']) await q.append(rec(s));
    await q.close();
    const path = join(dir, segments(dir)[0]);
    const buf = readFileSync(path);
    const secondPayload = HEADER + BODY_PREFIX + 'one'.length + HEADER + BODY_PREFIX;
    buf[secondPayload] ^= 0xff; // a flipped bit in "two"
    writeFileSync(path, buf);

    const logs: Log[] = [];
    const r = await FileQueue.open(dir, options({ logs }));
    expect((await pending(r)).map(([, s]) => s)).toEqual(['one', 'three']);
    expect(logs.find((l) => l.level === 40)?.msg).toContain(`${path}: damaged data at offset ${HEADER + BODY_PREFIX + 3}`);
    await r.close();
  });

  it('skips garbage at the end of a file', async () => {
    const dir = tempQueueDir();
    const q = await FileQueue.open(dir, options());
    await q.append(rec('kept'));
    await q.close();
    const path = join(dir, segments(dir)[0]);
    appendFileSync(path, Buffer.from('not a record at all, just noise'));
    const logs: Log[] = [];
    const r = await FileQueue.open(dir, options({ logs }));
    expect((await pending(r)).map(([, s]) => s)).toEqual(['kept']);
    expect(logs.filter((l) => l.level === 40)).toHaveLength(1);
    await r.close();
  });

  it('compacts: moves the pending records of old segments forward and deletes those segments', async () => {
    const dir = tempQueueDir();
    const q = await FileQueue.open(dir, options({ segmentBytes: 100 }));
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push(await q.append(rec(`payload-${i}`)));
    // the oldest record stays pending: without compaction every later segment is kept for it
    for (const id of ids.slice(1)) await q.ack(id);
    const before = segments(dir).length;
    expect(before).toBeGreaterThan(5);
    await q.compact();
    expect(segments(dir)).toHaveLength(1);
    expect(text(await q.read(ids[0]))).toBe('payload-0');
    expect(q.stats()).toMatchObject({ liveBytes: 'payload-0'.length, segments: 1 });
    await q.close();
    const r = await FileQueue.open(dir, options());
    expect(await pending(r)).toEqual([[ids[0], 'payload-0']]);
    await r.close();
  });

  it('compacts on start when asked (dropping damaged tails with the old files)', async () => {
    const dir = tempQueueDir();
    const q = await FileQueue.open(dir, options({ segmentBytes: 100 }));
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await q.append(rec(`r${i}`)));
    for (const [i, id] of ids.entries()) if (i % 3 !== 2) await q.ack(id);
    await q.close();
    expect(segments(dir).length).toBeGreaterThan(2);
    const r = await FileQueue.open(dir, options({ compaction: { onStart: true } as FileQueueOptions['compaction'] }));
    expect(segments(dir)).toHaveLength(1);
    expect((await pending(r)).map(([, s]) => s)).toEqual(['r2', 'r5', 'r8', 'r11']);
    await r.close();
  });

  it('compacts on rebound once the files grew and the pending data shrank', async () => {
    const dir = tempQueueDir();
    const q = await FileQueue.open(
      dir,
      options({ segmentBytes: 100, compaction: { onRebound: true, reboundNeededBytes: 500, reboundTriggerBytes: 50, checkIntervalMs: 10 } as FileQueueOptions['compaction'] }),
    );
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push(await q.append(rec(`item-${i}`)));
    for (const id of ids.slice(1)) await q.ack(id);
    expect(segments(dir).length).toBeGreaterThan(5);
    const end = Date.now() + 2000;
    while (segments(dir).length > 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(segments(dir)).toHaveLength(1);
    expect(text(await q.read(ids[0]))).toBe('item-0');
    await q.close();
  });

  it('with fsync, syncs before an append resolves, grouping concurrent appends into one sync', async () => {
    const probe = await open(join(tmpdir(), `summit-fq-probe-${process.pid}`), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    await probe.close();
    const spy = vi.spyOn(proto, 'datasync');

    const lazy = await FileQueue.open(tempQueueDir(), options({ fsync: false }));
    await lazy.append(rec('x'));
    expect(spy).not.toHaveBeenCalled();
    await lazy.close();

    const q = await FileQueue.open(tempQueueDir(), options({ fsync: true }));
    await q.append(rec('x'));
    expect(spy).toHaveBeenCalledTimes(1);
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => q.append(rec(`c${i}`))));
    expect(new Set(ids).size).toBe(50);
    expect(spy.mock.calls.length).toBeLessThan(10);
    await q.close();
  });

  it('reads a record that compaction moved while the reader was looking', async () => {
    const dir = tempQueueDir();
    const q = await FileQueue.open(dir, options({ segmentBytes: 60 }));
    const first = await q.append(rec('moving'));
    for (let i = 0; i < 10; i++) await q.ack(await q.append(rec(`filler-${i}`)));
    const [readBack] = await Promise.all([q.read(first), q.compact()]);
    expect(text(readBack)).toBe('moving');
    expect(text(await q.read(first))).toBe('moving');
    await q.close();
  });

  it('never writes a compaction copy after the ack of the same record (it would come back once the ack is deleted)', async () => {
    const dir = tempQueueDir();
    const q = await FileQueue.open(dir, options({ segmentBytes: 1 }));
    const x = await q.append(rec('acked while being moved'));
    await q.append(rec('y'));
    await q.append(rec('z'));
    const compacting = q.compact();
    await q.ack(x); // lands while compaction reads x
    await compacting;
    const order: string[] = [];
    for (const name of segments(dir)) scan(readFileSync(join(dir, name)), (r) => r.id === x && order.push(r.type === TYPE_ACK ? 'ack' : 'data'), () => {});
    expect(order.slice(order.indexOf('ack'))).toEqual(['ack']);
    await q.close();
    const r = await FileQueue.open(dir, options());
    expect((await pending(r)).map(([, s]) => s)).toEqual(['y', 'z']);
    await r.close();
  });
});
