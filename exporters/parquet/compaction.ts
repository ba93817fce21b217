/**
 * Background compaction: a short `max_age` makes many small files, and every query opens each
 * one. Once an hour partition is over (its hour ended `settleMs` ago), its small finished files
 * are rewritten into as few files of up to `targetBytes` (on disk) as they fill, by the writer
 * threads with the exporter's own writer settings, and then deleted.
 *
 * Crash safety: before a merged file is made, a journal `.compaction-<merged name>.json` lists
 * it and its sources in the partition (engines skip dot files). After a crash, a journal whose
 * merged file exists means its sources are deleted (their rows are in it); one whose merged
 * file does not exist is dropped (the sources are intact). Between the merged file's rename
 * and its sources' deletion — a few file deletions — a query can see their rows twice.
 */
import { open, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SIGNALS, type Signal } from '../../pipeline/model.js';
import { partName } from './files.js';
import type { WrittenFile } from './worker.js';

export interface CompactionOptions {
  dir: string;
  /** On-disk size a merged file grows to at most; files of at least half of it are left alone. */
  targetBytes: number;
  /** Fewest small files in a partition worth rewriting. */
  minFiles: number;
  /** A partition is compacted once its hour ended this long ago (late rows and open files settle first). */
  settleMs: number;
  compact(signal: Signal, partition: string, sources: string[], name: string): Promise<WrittenFile>;
  logger: Logger;
  now?: () => number;
}

const PARTITION = /^date=(\d{4})-(\d{2})-(\d{2})$/;
const HOUR = /^hour=(\d{2})$/;
const JOURNAL = /^\.compaction-(part-.+\.parquet)\.json$/;

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
}

async function syncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Groups of consecutive files whose sizes add up to at most `target` (a file alone may exceed none: they are all under half of it). */
export function groupBySize(files: { name: string; size: number }[], target: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const f of files) {
    if (current.length && bytes + f.size > target) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f.name);
    bytes += f.size;
  }
  if (current.length) groups.push(current);
  return groups;
}

export class Compactor {
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Partitions whose compaction failed (e.g. files of another schema version): not tried again by this process. */
  private readonly failed = new Set<string>();

  constructor(private readonly o: CompactionOptions) {}

  /** Finishes what a crash interrupted, then compacts now and every `intervalMs`. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.run(), intervalMs).unref();
    void this.run();
  }

  run(): Promise<void> {
    this.running ??= this.pass()
      .catch((err) => this.o.logger.warn({ err }, `parquet exporter: compaction of ${this.o.dir} failed: ${(err as Error).message}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async pass(): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    for (const signal of SIGNALS) {
      for (const date of await list(join(this.o.dir, signal))) {
        const d = PARTITION.exec(date);
        if (!d) continue;
        for (const hour of await list(join(this.o.dir, signal, date))) {
          const h = HOUR.exec(hour);
          if (!h || this.stopped) continue;
          const partition = `${signal}/${date}/${hour}`;
          await this.recover(partition);
          const hourEnd = Date.UTC(+d[1], +d[2] - 1, +d[3], +h[1] + 1);
          if (hourEnd + this.o.settleMs <= now && !this.failed.has(partition)) await this.compactPartition(signal, partition);
        }
      }
    }
  }

  /** Completes or drops the journals a crash left in a partition. */
  private async recover(partition: string): Promise<void> {
    const dir = join(this.o.dir, partition);
    for (const name of await list(dir)) {
      const j = JOURNAL.exec(name);
      if (!j) continue;
      const { sources } = JSON.parse(await readFile(join(dir, name), 'utf8')) as { sources: string[] };
      if (await exists(join(dir, j[1]))) {
        for (const s of sources) await rm(join(dir, s), { force: true });
        this.o.logger.info({ partition, merged: j[1], sources: sources.length }, 'parquet exporter: finished a compaction interrupted by a crash');
      }
      await unlink(join(dir, name));
      await syncDir(dir);
    }
  }

  private async compactPartition(signal: Signal, partition: string): Promise<void> {
    const dir = join(this.o.dir, partition);
    const small: { name: string; size: number }[] = [];
    for (const name of (await list(dir)).sort()) {
      if (!name.startsWith('part-') || !name.endsWith('.parquet')) continue;
      const { size } = await stat(join(dir, name));
      if (size < this.o.targetBytes / 2) small.push({ name, size });
    }
    if (small.length < this.o.minFiles) return;
    for (const sources of groupBySize(small, this.o.targetBytes)) {
      if (sources.length < 2 || this.stopped) continue;
      const name = partName((this.o.now ?? Date.now)());
      const journal = join(dir, `.compaction-${name}.json`);
      await writeFile(journal, JSON.stringify({ sources }), { flush: true });
      await syncDir(dir);
      let written: WrittenFile;
      try {
        written = await this.o.compact(signal, partition, sources.map((s) => join(dir, s)), name);
      } catch (err) {
        await unlink(journal);
        this.failed.add(partition);
        this.o.logger.warn({ err, partition }, `parquet exporter: cannot compact ${partition}; its files are left as they are: ${(err as Error).message}`);
        return;
      }
      for (const s of sources) await rm(join(dir, s), { force: true });
      await unlink(journal);
      await syncDir(dir);
      this.o.logger.debug({ partition, merged: name, sources: sources.length, rows: written.rows, bytes: written.bytes }, 'parquet exporter: compacted files');
    }
  }
}
