/**
 * Retention: hour partitions (`<signal>/date=YYYY-MM-DD/hour=HH`) that ended longer than
 * `retention` ago are deleted, then date directories left empty. Also removes temporary files
 * (`<path>/.tmp/*.tmp`) left by a process that died while writing them.
 */
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SIGNALS } from '../../pipeline/model.js';

const DATE_DIR = /^date=(\d{4})-(\d{2})-(\d{2})$/;
const HOUR_DIR = /^hour=(\d{2})$/;

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Deletes partitions whose hour ended before `nowMs - retentionMs`; returns their paths. */
export async function deleteExpiredPartitions(dir: string, retentionMs: number, nowMs: number): Promise<string[]> {
  const cutoff = nowMs - retentionMs;
  const removed: string[] = [];
  for (const signal of SIGNALS) {
    const signalDir = join(dir, signal);
    for (const date of await entries(signalDir)) {
      const d = DATE_DIR.exec(date);
      if (!d) continue;
      const dayStart = Date.UTC(+d[1], +d[2] - 1, +d[3]);
      const dateDir = join(signalDir, date);
      if (dayStart + 24 * 3_600_000 <= cutoff) {
        await rm(dateDir, { recursive: true, force: true });
        removed.push(dateDir);
        continue;
      }
      let left = 0;
      let gone = 0;
      for (const hour of await entries(dateDir)) {
        const h = HOUR_DIR.exec(hour);
        if (h && dayStart + (+h[1] + 1) * 3_600_000 <= cutoff) {
          await rm(join(dateDir, hour), { recursive: true, force: true });
          removed.push(join(dateDir, hour));
          gone++;
        } else {
          left++;
        }
      }
      if (left === 0 && gone > 0) await rmdir(dateDir).catch(() => {});
    }
  }
  return removed;
}

/** Deletes temporary files not written to for `olderThanMs` (their writer is gone). */
export async function deleteStaleTemporaryFiles(dir: string, olderThanMs: number, nowMs: number): Promise<string[]> {
  const tmp = join(dir, '.tmp');
  const removed: string[] = [];
  for (const name of await entries(tmp)) {
    if (!name.endsWith('.tmp')) continue;
    const file = join(tmp, name);
    try {
      if ((await stat(file)).mtimeMs <= nowMs - olderThanMs) {
        await rm(file, { force: true });
        removed.push(file);
      }
    } catch {
      // gone already
    }
  }
  return removed;
}

export interface SweeperOptions {
  dir: string;
  retentionMs: number;
  /** Temporary files untouched this long are removed. */
  staleTmpMs: number;
  logger: Logger;
  now?: () => number;
}

/** Runs the sweeps at start and then periodically (a tenth of the retention, 1 min to 1 h). */
export class Sweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly o: SweeperOptions) {}

  start(): Promise<void> {
    const every = Math.min(3_600_000, Math.max(60_000, this.o.retentionMs / 10));
    this.timer = setInterval(() => void this.sweep(), every).unref();
    return this.sweep();
  }

  sweep(): Promise<void> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    try {
      const tmp = await deleteStaleTemporaryFiles(this.o.dir, this.o.staleTmpMs, now);
      if (tmp.length) this.o.logger.info({ files: tmp }, `parquet exporter: removed ${tmp.length} temporary files left by an interrupted write`);
      if (this.o.retentionMs > 0) {
        const removed = await deleteExpiredPartitions(this.o.dir, this.o.retentionMs, now);
        if (removed.length) this.o.logger.info({ partitions: removed }, `parquet exporter: retention removed ${removed.length} partitions`);
      }
    } catch (err) {
      this.o.logger.warn({ err }, `parquet exporter: retention sweep of ${this.o.dir} failed: ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
