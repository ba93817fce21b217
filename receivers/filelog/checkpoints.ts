/**
 * Read offsets kept in a storage extension (file_storage), so a restart resumes where the
 * pipeline last accepted: each checkpoint is one record of the extension's durable queue (the
 * offsets of every known file by fingerprint), and writing a new one acknowledges the old.
 */
import type { Logger } from 'pino';
import type { DurableQueue } from '../../pipeline/exporterhelper/storage.js';
import type { FileState } from './tracked-file.js';

interface StoredState {
  fp: string;
  offset: number;
  path: string;
  i?: number;
  h?: FileState['header'];
}

export class Checkpoints {
  private lastId?: number;
  private writing?: Promise<void>;
  private next?: FileState[];

  private constructor(
    private readonly queue: DurableQueue,
    private readonly logger: Logger,
  ) {}

  /** Opens the queue and returns the last checkpoint's file states (older leftovers are acknowledged). */
  static async open(queue: DurableQueue, logger: Logger): Promise<{ checkpoints: Checkpoints; restored: FileState[] }> {
    const c = new Checkpoints(queue, logger);
    let restored: FileState[] = [];
    for await (const rec of queue.readPending()) {
      try {
        const parsed = JSON.parse(Buffer.from(rec.bytes).toString('utf8')) as StoredState[];
        restored = parsed.map((s) => ({ fingerprint: Buffer.from(s.fp, 'base64'), offset: s.offset, path: s.path, inode: s.i, header: s.h }));
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'skipping an unreadable filelog checkpoint');
      }
      if (c.lastId !== undefined) await queue.ack(c.lastId);
      c.lastId = rec.id;
    }
    return { checkpoints: c, restored };
  }

  /** Stores these states; calls made while a write runs are coalesced into one write of the latest. */
  save(states: FileState[]): Promise<void> {
    this.next = states;
    this.writing ??= this.drain().finally(() => (this.writing = undefined));
    return this.writing;
  }

  private async drain(): Promise<void> {
    while (this.next) {
      const states = this.next;
      this.next = undefined;
      const payload = JSON.stringify(states.map((s): StoredState => ({ fp: s.fingerprint.toString('base64'), offset: s.offset, path: s.path, i: s.inode, h: s.header })));
      try {
        const id = await this.queue.append(Buffer.from(payload));
        if (this.lastId !== undefined) await this.queue.ack(this.lastId);
        this.lastId = id;
      } catch (err) {
        // the offsets stay in memory and go with the next checkpoint; a restart meanwhile re-reads (duplicates, no loss)
        this.logger.warn({ err: (err as Error).message }, 'cannot store filelog offsets');
      }
    }
  }

  async close(): Promise<void> {
    await this.writing;
    await this.queue.close();
  }
}
