/** Stand-ins for exporter tests: a storage extension in memory, and reading self-telemetry. */
import type { Signal } from '../model.js';
import type { SelfTelemetry } from '../telemetry.js';
import type { DurableQueue, PendingRecord, StorageExtension } from './storage.js';

/** A DurableQueue in memory that survives close/reopen within one MemoryStorage (a "restart"). */
export class MemoryStorage implements StorageExtension {
  readonly storageExtension = true as const;
  readonly records = new Map<string, Map<number, Uint8Array>>();
  /** How many times a record was read back (the queue did not hold the batch in memory). */
  reads = 0;
  private nextId = 1;

  async openQueue(ownerId: string, signal: Signal): Promise<DurableQueue> {
    const key = `${ownerId}:${signal}`;
    let recs = this.records.get(key);
    if (!recs) this.records.set(key, (recs = new Map()));
    const store = recs;
    const pendingAtOpen = [...store.keys()];
    let closed = false;
    const nextId = () => this.nextId++;
    const counted = () => this.reads++;
    return {
      async append(bytes) {
        if (closed) throw new Error('closed');
        const id = nextId();
        store.set(id, bytes);
        return id;
      },
      async *readPending(): AsyncIterable<PendingRecord> {
        for (const id of pendingAtOpen) {
          const bytes = store.get(id);
          if (bytes) yield { id, bytes };
        }
      },
      async read(id) {
        counted();
        const bytes = store.get(id);
        if (!bytes) throw new Error(`record ${id} is not pending`);
        return bytes;
      },
      async ack(id) {
        if (!closed) store.delete(id);
      },
      get size() {
        return store.size;
      },
      async close() {
        closed = true;
      },
    };
  }
}

/** Current value of a self-telemetry metric for the given labels (0 when never recorded). */
export async function metricValue(t: SelfTelemetry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = t.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val));
  return hit?.value ?? 0;
}
