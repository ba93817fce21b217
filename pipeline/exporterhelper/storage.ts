/**
 * What the exporter helper needs of a storage extension (file_storage implements it). Defined
 * here so pipeline/ never imports a component folder; any extension instance that carries
 * these members can back a persistent sending queue.
 */
import type { ComponentInstance } from '../component.js';
import type { PipelineSignal } from '../model.js';

/** A record that was appended and not yet acknowledged. */
export interface PendingRecord {
  id: number;
  bytes: Uint8Array;
}

/**
 * A durable FIFO of opaque records. Ids grow with every append and are never reused, so an
 * acknowledgement can never hit a newer record.
 */
export interface DurableQueue {
  /**
   * Resolves with the record's id once it is written durably (per the storage's fsync policy).
   * Rejects when the record was not stored — e.g. the disk is full — and the caller refuses the
   * batch as retryable; the storage accepts again by itself once it has room.
   */
  append(bytes: Uint8Array): Promise<number>;
  /** The records that were pending when the queue was opened (left by an earlier run), oldest first. */
  readPending(): AsyncIterable<PendingRecord>;
  /** The bytes of a pending record; rejects if it was acknowledged or is unreadable. */
  read(id: number): Promise<Uint8Array>;
  /**
   * Marks a record done; it is never returned again. Acknowledging an unknown id is a no-op.
   * Does not fail for want of disk space: that is what lets a full storage drain.
   */
  ack(id: number): Promise<void>;
  /** Records appended (or recovered) and not yet acknowledged. */
  readonly size: number;
  /** Flushes and releases the queue; later appends reject, later acks are ignored. */
  close(): Promise<void>;
}

export interface StorageExtension extends ComponentInstance {
  /** Marks the instance as a storage extension, so a wrong `storage:` id gets a clear error. */
  readonly storageExtension: true;
  /**
   * Opens (creating when needed) the queue of one component and signal. Each (owner, signal)
   * pair may be open once at a time.
   */
  openQueue(ownerId: string, signal: PipelineSignal): Promise<DurableQueue>;
}

export function isStorageExtension(x: unknown): x is StorageExtension {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as Partial<StorageExtension>).storageExtension === true &&
    typeof (x as Partial<StorageExtension>).openQueue === 'function'
  );
}
