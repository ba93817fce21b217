/**
 * Appends whole lines to a file, one writer at a time, with lumberjack-style size rotation.
 *
 * Lines that arrive while a write is in flight are coalesced into the next write (group
 * commit), so a busy exporter makes few large writes while a quiet one adds no latency.
 * `write()` resolves once its line has been handed to the OS: an acknowledged batch survives a
 * crash of this process. An fsync every `syncIntervalMs` bounds what a crash of the machine
 * can take.
 */
import { constants, type FileHandle, mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { retryableError } from '../../pipeline/errors.js';
import type { ResolvedFileConfig } from './config.js';
import { freeBackupName, pruneBackups } from './rotation.js';

interface Pending {
  line: Buffer;
  resolve(): void;
  reject(err: unknown): void;
}

// Always O_APPEND: after a failed write is truncated away, the next one lands at the true end.
const APPEND = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;
const FILE_MODE = 0o644;

export class LineWriter {
  private fh?: FileHandle;
  private size = 0;
  private state: 'new' | 'open' | 'closing' | 'closed' = 'new';
  private queue: Pending[] = [];
  private drainScheduled = false;
  /** Tail of the chain every file operation runs on, so none ever overlap. */
  private tail: Promise<void> = Promise.resolve();
  private unsynced = false;
  private syncTimer?: NodeJS.Timeout;

  constructor(
    private readonly cfg: ResolvedFileConfig,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async open(): Promise<void> {
    if (this.state !== 'new') return;
    if (this.cfg.createDirectory) await mkdir(dirname(this.cfg.path), { recursive: true, mode: this.cfg.directoryMode });
    // With rotation the live file is always continued, as lumberjack does.
    const truncate = !this.cfg.append && !this.cfg.rotation;
    this.fh = await open(this.cfg.path, APPEND | (truncate ? constants.O_TRUNC : 0), FILE_MODE);
    this.size = (await this.fh.stat()).size;
    this.state = 'open';
    this.syncTimer = setInterval(() => void this.run(() => this.sync()), this.cfg.syncIntervalMs);
    this.syncTimer.unref();
  }

  /** Resolves once the line is written to the OS; rejects (retryable) if it could not be. */
  write(line: Buffer): Promise<void> {
    if (this.state !== 'open') {
      return Promise.reject(retryableError(`file exporter: ${this.cfg.path} is ${this.state === 'new' ? 'not open yet' : 'closed'}`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ line, resolve, reject });
      if (this.drainScheduled) return;
      this.drainScheduled = true;
      void this.run(() => {
        this.drainScheduled = false;
        return this.writeBatch(this.queue.splice(0));
      });
    });
  }

  /** Writes what was accepted, syncs and closes. Later writes are refused. */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    clearInterval(this.syncTimer);
    await this.run(async () => {
      await this.sync();
      await this.fh?.close();
      this.fh = undefined;
    });
    this.state = 'closed';
  }

  private run(task: () => Promise<void>): Promise<void> {
    const done = this.tail.then(task);
    this.tail = done.catch((err) => this.logger.warn({ err, path: this.cfg.path }, 'file exporter: file operation failed'));
    return done;
  }

  private exceeds(bytes: number): boolean {
    return this.cfg.rotation !== undefined && this.size + bytes > this.cfg.rotation.maxBytes;
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    let i = 0;
    try {
      while (i < batch.length) {
        // A line larger than the limit gets a file of its own rather than being refused forever.
        if (this.size > 0 && this.exceeds(batch[i].line.length)) await this.rotate();
        let end = i + 1;
        let bytes = batch[i].line.length;
        while (end < batch.length && !this.exceeds(bytes + batch[end].line.length)) bytes += batch[end++].line.length;
        await this.append(end - i === 1 ? batch[i].line : Buffer.concat(batch.slice(i, end).map((p) => p.line), bytes));
        for (; i < end; i++) batch[i].resolve();
      }
    } catch (err) {
      const failure = retryableError(`file exporter: writing ${this.cfg.path} failed: ${(err as Error).message}`, undefined, err);
      for (; i < batch.length; i++) batch[i].reject(failure);
    }
  }

  private async append(buf: Buffer): Promise<void> {
    const fh = this.fh;
    if (!fh) throw new Error('file is not open');
    try {
      for (let off = 0; off < buf.length; ) off += (await fh.write(buf, off, buf.length - off, null)).bytesWritten;
    } catch (err) {
      // Cut off a partial line so the file stays one complete request per line.
      await fh.truncate(this.size).catch(() => undefined);
      throw err;
    }
    this.size += buf.length;
    this.unsynced = true;
  }

  private async rotate(): Promise<void> {
    const rotation = this.cfg.rotation!;
    const old = this.fh;
    this.fh = undefined;
    try {
      await this.syncHandle(old);
      await old?.close();
      await rename(this.cfg.path, await freeBackupName(this.cfg.path, this.now(), rotation.localTime));
    } finally {
      // Reopened even when the rename failed, so the exporter keeps a file to write to.
      this.fh = await open(this.cfg.path, APPEND, FILE_MODE);
      this.size = (await this.fh.stat()).size;
    }
    await pruneBackups(this.cfg.path, rotation, this.now().getTime()).catch((err) =>
      this.logger.warn({ err, path: this.cfg.path }, 'file exporter: could not remove old backups'),
    );
  }

  private async sync(): Promise<void> {
    await this.syncHandle(this.fh);
  }

  private async syncHandle(fh: FileHandle | undefined): Promise<void> {
    if (!fh || !this.unsynced) return;
    this.unsynced = false;
    await fh.datasync();
  }
}
