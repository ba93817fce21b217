/** The storage the exporter helper's persistent queue runs on: one FileQueue per (component, signal). */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DurableQueue, StorageExtension } from '../../pipeline/exporterhelper/storage.js';
import type { PipelineSignal } from '../../pipeline/model.js';
import type { SelfTelemetry } from '../../pipeline/telemetry.js';
import type { ResolvedFileStorageConfig } from './config.js';
import { FileQueue } from './file-queue.js';
import { acquireQueueLock } from './lock.js';
import type { QueueHealth } from './outage.js';

/**
 * `exporter/otlp/backend` + traces → `exporter%2Fotlp%2Fbackend.traces`: every id maps to its
 * own directory name, on every platform.
 */
export function queueDirName(ownerId: string, signal: PipelineSignal): string {
  const safe = ownerId.replace(/[^A-Za-z0-9_-]/g, (ch) => [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
  return `${safe}.${signal}`;
}

export class FileStorage implements StorageExtension {
  readonly storageExtension = true as const;
  private readonly open = new Set<FileQueue>();
  private checked?: Promise<void>;

  constructor(
    private readonly config: ResolvedFileStorageConfig,
    private readonly logger: Logger,
    private readonly id: string,
    private readonly telemetry: SelfTelemetry,
  ) {}

  /** Checks the directory now, so a wrong path fails the start instead of the first export. */
  async start(): Promise<void> {
    await this.ensureDirectory();
  }

  async openQueue(ownerId: string, signal: PipelineSignal): Promise<DurableQueue> {
    await this.ensureDirectory();
    const dir = join(this.config.directory, queueDirName(ownerId, signal));
    let release: (() => Promise<void>) | undefined;
    try {
      await mkdir(dir, { recursive: true });
      const unlock = (release = await acquireQueueLock(dir, this.config.timeoutMs));
      const q = await FileQueue.open(dir, {
        ...this.config.queue,
        logger: this.logger,
        health: this.health(ownerId, signal),
        onClose: async () => {
          this.open.delete(q);
          await unlock();
        },
      });
      this.open.add(q);
      return q;
    } catch (err) {
      await release?.();
      throw new Error(`${this.id}: cannot open the queue of ${ownerId} (${signal}) in ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Self-telemetry of one queue: whether it refuses new data because its disk cannot be written, and failed writes. */
  private health(owner: string, signal: PipelineSignal): QueueHealth {
    const labels = { extension: this.id, owner, data_type: signal };
    const unwritable = this.telemetry.gauge(
      'otelcol_file_storage_unwritable',
      'Whether the queue refuses new data because its directory cannot be written (1: disk full, read-only or failing; the log says which), 0 otherwise.',
      Object.keys(labels),
    );
    const failures = this.telemetry.counter('otelcol_file_storage_write_errors_total', 'Writes to the queue that failed, by error code (ENOSPC, EROFS, EIO, ...).', [
      ...Object.keys(labels),
      'error',
    ]);
    unwritable.set(labels, 0);
    return {
      unwritable: (on) => unwritable.set(labels, on ? 1 : 0),
      writeFailed: (error) => failures.inc({ ...labels, error }),
    };
  }

  /** Owners close their queues first; whatever is still open (a stuck owner) is flushed and closed here. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.open].map((q) => q.close()));
  }

  private ensureDirectory(): Promise<void> {
    this.checked ??= this.checkDirectory();
    return this.checked;
  }

  private async checkDirectory(): Promise<void> {
    const { directory, createDirectory, directoryMode } = this.config;
    const info = await stat(directory).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new Error(`${this.id}: cannot use directory ${directory}: ${err.message}`);
    });
    if (!info) {
      if (!createDirectory) {
        throw new Error(`${this.id}: directory ${directory} does not exist; create it, or set create_directory: true`);
      }
      await mkdir(directory, { recursive: true, mode: directoryMode });
    } else if (!info.isDirectory()) {
      throw new Error(`${this.id}: ${directory} is not a directory`);
    }
    await access(directory, constants.W_OK | constants.R_OK).catch(() => {
      throw new Error(`${this.id}: directory ${directory} is not readable and writable by this process`);
    });
  }
}
