import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ResolvedFileConfig } from './config.js';
import { LineWriter } from './writer.js';

let dir: string;
let fileHandleProto: Record<string, unknown>;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'summit-writer-'));
  const fh = await open(join(dir, 'probe'), 'w');
  fileHandleProto = Object.getPrototypeOf(fh);
  await fh.close();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const cfg = (c: Partial<ResolvedFileConfig> = {}): ResolvedFileConfig => ({
  path: join(dir, 'out.json'),
  append: false,
  syncIntervalMs: 1000,
  createDirectory: true,
  directoryMode: 0o755,
  ...c,
});
const logger = pino({ level: 'silent' });

describe('LineWriter', () => {
  it('coalesces lines that arrive during a write into the next write', async () => {
    const writes = vi.spyOn(fileHandleProto as { write: () => unknown }, 'write');
    const w = new LineWriter(cfg(), logger);
    await w.open();
    await Promise.all(Array.from({ length: 100 }, (_, i) => w.write(Buffer.from(`{"n":${i}}\n`))));
    await w.close();
    expect(writes.mock.calls.length).toBeLessThanOrEqual(2);
    const lines = (await readFile(cfg().path, 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).n)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('fsyncs written data every interval and at close, not when idle', async () => {
    const syncs = vi.spyOn(fileHandleProto as { datasync: () => Promise<void> }, 'datasync');
    const w = new LineWriter(cfg({ syncIntervalMs: 20 }), logger);
    await w.open();
    await w.write(Buffer.from('a\n'));
    await vi.waitFor(() => expect(syncs).toHaveBeenCalledTimes(1));
    // Idle intervals have nothing to sync.
    await new Promise((r) => setTimeout(r, 100));
    expect(syncs).toHaveBeenCalledTimes(1);
    await w.write(Buffer.from('b\n'));
    await w.close();
    expect(syncs).toHaveBeenCalledTimes(2);
  });
});
