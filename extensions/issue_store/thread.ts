/** The main thread's side of the store's thread (worker.ts): calls as promises, and a thread that died. */
import { Worker } from 'node:worker_threads';
import type { IssueOccurrence, IssueVerdict } from '../../pipeline/exceptions/issues.js';
import { JsonBytes } from '../../pipeline/json-writer.js';
import { workerScript } from '../../pipeline/worker-script.js';
import { IssueDatabaseError } from './db.js';
import { sentOccurrence, type SentOccurrence } from './occurrence.js';
import type { RetentionResult } from './store.js';
import type { StoreReply, StoreRequest, StoreThreadData } from './worker.js';

type Done = Extract<StoreReply, { ok: true }>;
type Request = StoreRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** A message's first room for sample JSON: about two Sentry SDK events; it doubles as needed. */
const SAMPLE_BYTES = 16 * 1024;
/** Sample buffers the thread gave back are reused up to this size (a rare huge one is let go). */
const MAX_REUSED_SAMPLE_BYTES = 1024 * 1024;

/** Record calls made during one turn of the event loop, sent to the thread as one message. */
interface Pending {
  occurrences: SentOccurrence[];
  /** The occurrences' sample JSON, transferred with the message. */
  samples: JsonBytes;
  callers: { count: number; resolve(v: IssueVerdict[]): void; reject(err: Error): void }[];
}

export class StoreThread {
  private nextId = 1;
  private readonly calls = new Map<number, { resolve(r: Done): void; reject(err: Error): void }>();
  private death?: Error;
  private pending?: Pending;
  /** A record message is with the thread and not yet answered. */
  private recording = false;
  /** The last sample buffer the thread gave back, for the next message. */
  private spareSamples?: ArrayBuffer;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: StoreReply) => {
      if (!('id' in m)) return;
      const call = this.calls.get(m.id);
      this.calls.delete(m.id);
      if (m.ok) call?.resolve(m);
      else call?.reject(new Error(m.message));
    });
    const died = (err: Error) => {
      this.death ??= err;
      for (const c of this.calls.values()) c.reject(this.death);
      this.calls.clear();
    };
    worker.on('error', (err) => died(new Error(`the issue store's thread failed: ${err.message}`)));
    worker.on('exit', (code) => died(new Error(`the issue store's thread exited (code ${code})`)));
  }

  /** A thread with the database at `data.path` open (created when missing); rejects with why it could not open it. */
  static start(data: StoreThreadData): Promise<StoreThread> {
    const worker = new Worker(workerScript(import.meta.url, 'worker.js'), { workerData: data });
    return new Promise((resolve, reject) => {
      const onExit = (code: number) => reject(new IssueDatabaseError(`the issue store's thread exited (code ${code}) while opening ${data.path}`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (m: StoreReply) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if ('op' in m && m.op === 'ready') resolve(new StoreThread(worker));
        else {
          void worker.terminate();
          reject(new IssueDatabaseError('op' in m && m.op === 'failed' ? m.message : `unexpected first message from the issue store's thread`));
        }
      });
    });
  }

  /**
   * Calls go to the thread as one message per event-loop turn, and while a message is being
   * recorded, the calls that arrive meanwhile wait and go together once it is answered (they
   * would wait for its transaction in the thread anyway). A message costs a structured clone
   * and a wake-up of each thread, which with one Sentry event per request and a message per
   * request was as much main-thread time as building the occurrence.
   */
  record(occurrences: IssueOccurrence[], nowMs: number): Promise<IssueVerdict[]> {
    if (this.death) return Promise.reject(this.death);
    if (!this.pending) {
      this.pending = { occurrences: [], samples: new JsonBytes(this.spareSamples ?? SAMPLE_BYTES), callers: [] };
      this.spareSamples = undefined;
      if (!this.recording) setImmediate(() => this.sendPending());
    }
    const pending = this.pending;
    const count = pending.occurrences.length;
    try {
      for (const o of occurrences) pending.occurrences.push(sentOccurrence(o, nowMs, pending.samples));
    } catch (err) {
      pending.occurrences.length = count; // this call's occurrences go nowhere; the other calls' stay
      throw err;
    }
    return new Promise((resolve, reject) => pending.callers.push({ count: occurrences.length, resolve, reject }));
  }

  private sendPending(): void {
    if (!this.pending) return;
    const { occurrences, samples, callers } = this.pending;
    this.pending = undefined;
    if (callers.length === 0) return; // every call of the turn failed before it was queued
    this.recording = true;
    const buffer = samples.buf.buffer as ArrayBuffer;
    this.call({ op: 'record', occurrences, samples: buffer }, [buffer])
      .then(
        ({ verdicts, samples: given }) => {
          if (given && given.byteLength <= MAX_REUSED_SAMPLE_BYTES) this.spareSamples = given;
          let at = 0;
          for (const c of callers) c.resolve(verdicts!.slice(at, (at += c.count)));
        },
        (err: Error) => {
          for (const c of callers) c.reject(err);
        },
      )
      .finally(() => {
        this.recording = false;
        this.sendPending();
      });
  }

  async retention(): Promise<RetentionResult> {
    return (await this.call({ op: 'retention' })).retention!;
  }

  /** Waits for the calls in progress, closes the database and ends the thread. */
  async close(): Promise<void> {
    if (this.death) return;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.sendPending();
    await this.call({ op: 'close' }).catch(() => undefined);
    await exited;
  }

  private call(request: Request, transfer: ArrayBuffer[] = []): Promise<Done> {
    if (this.death) return Promise.reject(this.death);
    const id = this.nextId++;
    return new Promise<Done>((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }
}
