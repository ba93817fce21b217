/**
 * The store's thread: it owns the database connection that records occurrences, so SQLite's
 * work and its fsyncs never hold up the event loop that serves receivers. While one commit
 * runs, the occurrences that arrive queue up and share the next transaction.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { IssueVerdict } from '../../pipeline/exceptions/issues.js';
import { IssueDatabase, type Synchronous } from './db.js';
import { receivedOccurrence, type SentOccurrence } from './occurrence.js';
import { SqliteIssueStore, type IssueStoreOptions, type RetentionResult } from './store.js';

export interface StoreThreadData {
  path: string;
  synchronous: Synchronous;
  options: IssueStoreOptions;
}

/** `samples`: the UTF-8 bytes of the occurrences' sample JSON, each at its `sample.start`–`sample.end`. */
export type StoreRequest = { id: number; op: 'record'; occurrences: SentOccurrence[]; samples: ArrayBuffer } | { id: number; op: 'retention' } | { id: number; op: 'close' };

export type StoreReply =
  | { op: 'ready' }
  | { op: 'failed'; message: string }
  /** `samples`: a record request's buffer, given back for the next message. */
  | { id: number; ok: true; verdicts?: IssueVerdict[]; retention?: RetentionResult; samples?: ArrayBuffer }
  | { id: number; ok: false; message: string };

function serve(): void {
  const port = parentPort!;
  const { path, synchronous, options } = workerData as StoreThreadData;
  let store: SqliteIssueStore;
  try {
    store = new SqliteIssueStore(IssueDatabase.open(path, { create: true, synchronous }), options);
  } catch (err) {
    port.postMessage({ op: 'failed', message: (err as Error).message } satisfies StoreReply);
    return;
  }
  const answer = (id: number, work: Promise<Omit<Extract<StoreReply, { ok: true }>, 'id' | 'ok'>>) =>
    work.then(
      (result) => port.postMessage({ id, ok: true, ...result } satisfies StoreReply, result.samples ? [result.samples] : []),
      (err: Error) => port.postMessage({ id, ok: false, message: err.message } satisfies StoreReply),
    );
  port.on('message', (m: StoreRequest) => {
    if (m.op === 'record') {
      const samples = Buffer.from(m.samples);
      const occurrences = m.occurrences.map((o) => receivedOccurrence(o, samples));
      // the bytes are text now: the buffer goes back with the answer, to carry the next samples
      // (left to this thread's GC, such buffers piled up as tens of MiB of RSS)
      void answer(m.id, store.recordStored(occurrences).then((verdicts) => ({ verdicts, samples: m.samples })));
    } else if (m.op === 'retention') void answer(m.id, store.applyRetention().then((retention) => ({ retention })));
    else {
      void store.drained().then(() => {
        store.db.close();
        port.postMessage({ id: m.id, ok: true } satisfies StoreReply);
        port.close();
      });
    }
  });
  port.postMessage({ op: 'ready' } satisfies StoreReply);
}

serve();
