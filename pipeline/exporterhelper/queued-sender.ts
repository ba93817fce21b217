/**
 * sending_queue.enabled: true — consume() returns once the batch is queued (in memory, or
 * durably written when a storage extension backs the queue); num_consumers senders drain it.
 */
import { clientInfo, withClientInfo, type ClientInfo } from '../client-info.js';
import type { Host, ShutdownContext } from '../component.js';
import { permanentError, retryableError, type ConsumerError } from '../errors.js';
import type { PipelineSignal, SignalData } from '../model.js';
import { countItems, ITEM_NOUN } from '../model-ops.js';
import { CancelSwitch } from './cancel.js';
import { unwrapRecord, wrapRecord } from './codec.js';
import { errorText, failureError, failureReason, reportDrop, retryObserver, type SenderEnv } from './env.js';
import { BoundedQueue, QueueClosedError, QueueFullError } from './queue.js';
import { sendWithRetry, type SendOutcome } from './retry.js';
import { isStorageExtension, type DurableQueue } from './storage.js';

interface Entry<S extends PipelineSignal> {
  /** The record in durable storage, when the queue is persistent. */
  id?: number;
  /** Absent for records that are only on disk (recovered, or queued behind a backlog). */
  data?: SignalData[S];
  items: number;
  size: number;
  /** wait_for_result: settles when the export finished. */
  done?: { resolve(): void; reject(err: ConsumerError): void };
  /** Who sent the batch (kept in memory only, as upstream's persistent queue keeps none). */
  client?: ClientInfo;
}

export class QueuedSender<S extends PipelineSignal> {
  private readonly queue: BoundedQueue<Entry<S>>;
  private durable?: DurableQueue;
  private accepting = false;
  /** Ends waits between retries. */
  private readonly stop = new CancelSwitch();
  /** Aborts attempts in flight too: the shutdown deadline passed. */
  private readonly cancel = new CancelSwitch();
  private workers: Promise<void>[] = [];
  private attempting = 0;
  private backingOff = 0;
  private busy = 0;
  private lost = { batches: 0, items: 0 };
  private onChange?: () => void;
  private stopping?: Promise<void>;
  /** Stopping with somewhere to pass undelivered batches to (ShutdownContext.handOver). */
  private handingOver = false;
  /** Batches whose sending ended with the stop, to hand over. */
  private readonly leftovers: Entry<S>[] = [];

  constructor(
    private readonly env: SenderEnv,
    readonly signal: S,
  ) {
    const { queue } = env.config;
    this.queue = new BoundedQueue(queue.capacity, (used) => {
      env.metrics.queueSize(signal, used);
      this.changed();
    });
    env.metrics.queueCapacity(signal, queue.capacity);
    env.metrics.queueSize(signal, 0);
  }

  async start(host: Host): Promise<void> {
    const storageId = this.env.config.queue.storage;
    if (storageId !== undefined) {
      const ext = host.getExtension(storageId);
      if (!ext) {
        throw new Error(
          `sending_queue.storage: extension "${storageId}" is not running; define it under extensions: and list it in service.extensions`,
        );
      }
      if (!isStorageExtension(ext)) throw new Error(`sending_queue.storage: extension "${storageId}" is not a storage extension (use e.g. file_storage)`);
      this.durable = await ext.openQueue(`exporter/${this.env.exporterId}`, this.signal);
      await this.recover();
    }
    this.accepting = true;
    for (let i = 0; i < this.env.config.queue.consumers; i++) this.workers.push(this.work());
  }

  async consume(data: SignalData[S]): Promise<void> {
    const { env, signal } = this;
    if (!this.accepting) throw retryableError(`exporter "${env.exporterId}" is ${this.stopping ? 'shutting down' : 'not started'}`);
    const items = countItems(signal, data);
    const size = env.config.queue.sizer === 'items' ? items : 1;
    try {
      await this.queue.reserve(size, env.config.queue.block);
    } catch (err) {
      if (err instanceof QueueClosedError) throw retryableError(`exporter "${env.exporterId}" is shutting down`);
      if (err instanceof QueueFullError) {
        this.refuse(items, 'full', `sending queue is full (capacity ${this.queue.capacity} ${env.config.queue.sizer})`);
        throw retryableError('sending queue is full');
      }
      throw err;
    }
    const entry: Entry<S> = { data, items, size, client: clientInfo() };
    if (this.durable) {
      try {
        entry.id = await this.persist(data, items);
      } catch (err) {
        this.queue.release(size);
        throw err;
      }
      // Behind a backlog the batch waits on disk only, so a long outage does not fill the heap.
      if (this.queue.waiting >= env.config.queue.consumers) entry.data = undefined;
    }
    const finished = env.config.queue.waitForResult
      ? new Promise<void>((resolve, reject) => (entry.done = { resolve, reject }))
      : undefined;
    if (!this.queue.push(entry)) {
      this.queue.release(size);
      entry.done?.reject(retryableError(`exporter "${env.exporterId}" is shutting down; the batch stays in the persistent queue`));
    }
    await finished;
  }

  private async persist(data: SignalData[S], items: number): Promise<number> {
    let record: Uint8Array;
    try {
      record = wrapRecord(this.env.codec, items, this.env.codec.encode(this.signal, data));
    } catch (err) {
      throw this.refuse(items, 'encode', `cannot encode the batch for the persistent queue: ${errorText(err)}`, false);
    }
    try {
      return await this.durable!.append(record);
    } catch (err) {
      throw this.refuse(items, 'write', `cannot write to the persistent queue: ${errorText(err)}`);
    }
  }

  /** A refusal is never silent: counted as enqueue_failed and logged, rate-limited per kind. */
  private refuse(items: number, kind: string, message: string, retryable = true): ConsumerError {
    const { env, signal } = this;
    env.metrics.enqueueFailed(signal, items);
    const consequence = retryable ? 'the sender is told to retry' : 'the sender is told the data is invalid';
    env.limiter.hit(`refuse:${kind}`, items, (f) =>
      env.logger.warn(
        { rejected_items: f.items, data_type: signal, ...(f.count > 1 ? { batches_since_last_log: f.count } : {}) },
        `Exporter "${env.exporterId}" refused ${f.count > 1 ? `${f.count} batches (${f.items} ${ITEM_NOUN[signal]}) since the last message` : `${items} ${ITEM_NOUN[signal]}`}: ${message}; ${consequence}`,
      ),
    );
    return retryable ? retryableError(message) : permanentError(message);
  }

  /** Records left by the previous run go first. */
  private async recover(): Promise<void> {
    let batches = 0;
    let items = 0;
    for await (const rec of this.durable!.readPending()) {
      let n = 0;
      try {
        n = unwrapRecord(rec.bytes).items;
      } catch {
        // Unreadable records are dropped (and logged) when a sender reaches them.
      }
      const size = this.env.config.queue.sizer === 'items' ? n : 1;
      this.queue.grow(size);
      this.queue.push({ id: rec.id, items: n, size });
      batches++;
      items += n;
    }
    if (batches > 0) {
      this.env.logger.info(
        { batches, items, data_type: this.signal },
        `Exporter "${this.env.exporterId}" found ${batches} batches (${items} ${ITEM_NOUN[this.signal]}) in its persistent queue; sending them first`,
      );
    }
  }

  private async work(): Promise<void> {
    for (;;) {
      const entry = await this.queue.take();
      if (!entry) return;
      this.busy++;
      try {
        await withClientInfo(entry.client, () => this.process(entry));
      } catch (err) {
        this.env.logger.error({ err }, `exporter "${this.env.exporterId}": unexpected error in a queue sender`);
      } finally {
        this.busy--;
        this.queue.release(entry.size);
      }
    }
  }

  private async process(entry: Entry<S>): Promise<void> {
    const { env, signal } = this;
    let data = entry.data;
    entry.data = undefined;
    if (data === undefined) {
      try {
        data = await this.load(entry.id!);
      } catch (err) {
        if (isIoError(err)) {
          // Left on disk, not dropped: a restart tries it again.
          env.logger.error({ err }, `exporter "${env.exporterId}": cannot read queued record ${entry.id}; it stays in storage and is retried after a restart`);
          entry.done?.reject(retryableError(`the queued record cannot be read: ${errorText(err)}`));
          return;
        }
        reportDrop(env, signal, entry.items, `the queued record ${entry.id} cannot be read: ${errorText(err)}`);
        entry.done?.reject(permanentError(`the queued record cannot be read: ${errorText(err)}`));
        await this.ack(entry);
        return;
      }
    }
    const outcome: SendOutcome = await sendWithRetry(
      env,
      signal,
      data,
      { stop: this.stop, cancel: this.cancel },
      retryObserver(env, signal, {
        attemptStarted: () => this.count('attempting', 1),
        attemptEnded: () => this.count('attempting', -1),
        backoffStarted: () => this.count('backingOff', 1),
        backoffEnded: () => this.count('backingOff', -1),
      }),
    );
    if (outcome.ok) {
      env.metrics.result(signal, entry.items, true);
      await this.ack(entry);
      entry.done?.resolve();
      return;
    }
    if (outcome.reason === 'shutdown' && this.handingOver) {
      entry.data = data;
      this.leftovers.push(entry);
      return;
    }
    if (outcome.reason === 'shutdown' && this.durable) {
      // Not acknowledged: it stays on disk and is sent after the restart.
      entry.done?.reject(retryableError(`exporter "${env.exporterId}" is shutting down; the batch stays in the persistent queue`));
      return;
    }
    if (outcome.reason === 'shutdown') {
      this.lost.batches++;
      this.lost.items += entry.items;
      env.metrics.result(signal, entry.items, false);
    } else {
      reportDrop(env, signal, entry.items, failureReason(env, outcome));
      await this.ack(entry);
    }
    entry.done?.reject(failureError(env, outcome));
  }

  private async load(id: number): Promise<SignalData[S]> {
    const rec = unwrapRecord(await this.durable!.read(id));
    const codec = this.env.codecs.get(rec.codec);
    if (!codec) throw new Error(`it was written with queue codec "${rec.codec}", which this build does not know`);
    return codec.decode(this.signal, rec.payload);
  }

  private async ack(entry: Entry<S>): Promise<void> {
    if (entry.id === undefined || !this.durable) return;
    try {
      await this.durable.ack(entry.id);
    } catch (err) {
      this.env.logger.warn({ err }, `exporter "${this.env.exporterId}": cannot acknowledge queued record ${entry.id}; it may be sent again after a restart`);
    }
  }

  private count(what: 'attempting' | 'backingOff', delta: number): void {
    this[what] += delta;
    this.changed();
  }

  private changed(): void {
    this.onChange?.();
  }

  shutdown(ctx?: ShutdownContext): Promise<void> {
    this.stopping ??= this.stopBy(ctx);
    return this.stopping;
  }

  private async stopBy(ctx: ShutdownContext | undefined): Promise<void> {
    // At the deadline nothing is waited for any more: attempts in flight are aborted too.
    const timer = ctx ? setTimeout(() => this.abandon(), Math.max(0, ctx.deadline - Date.now())) : undefined;
    try {
      if (ctx?.handOver) await this.stopHandingOver(ctx, ctx.handOver.bind(ctx));
      else if (this.durable) await this.stopPersistent();
      else await this.stopInMemory(ctx);
    } finally {
      clearTimeout(timer);
    }
  }

  private abandon(): void {
    this.stop.fire();
    this.cancel.fire();
    this.changed();
  }

  /**
   * Stops for good while the data can go elsewhere: nothing more is waited for from this
   * backend. Batches queued or waiting to retry are handed over at once; attempts in flight
   * finish (or the deadline aborts them) and what they did not deliver is handed over too.
   * A batch nobody takes is dropped and reported — or, in a persistent queue, stays on disk.
   */
  private async stopHandingOver(ctx: ShutdownContext, handOver: NonNullable<ShutdownContext['handOver']>): Promise<void> {
    const { env, signal } = this;
    this.accepting = false;
    this.handingOver = true;
    this.leftovers.push(...this.queue.halt());
    this.stop.fire();
    await Promise.all(this.workers);
    const passed = { batches: 0, items: 0 };
    for (const entry of this.leftovers.splice(0)) {
      try {
        await handOver(signal, entry.data ?? (await this.load(entry.id!)));
      } catch (err) {
        if (this.durable) {
          env.logger.error({ err, items: entry.items, data_type: signal }, `exporter "${env.exporterId}": a batch could not be handed over; it stays in the persistent queue`);
          entry.done?.reject(retryableError(`exporter "${env.exporterId}" stopped and could not hand the batch over: ${errorText(err)}`));
          continue;
        }
        this.lost.batches++;
        this.lost.items += entry.items;
        env.metrics.result(signal, entry.items, false);
        entry.done?.reject(retryableError(`exporter "${env.exporterId}" stopped and could not hand the batch over: ${errorText(err)}`));
        continue;
      }
      passed.batches++;
      passed.items += entry.items;
      await this.ack(entry);
      entry.done?.resolve();
    }
    await this.durable?.close();
    if (passed.batches) env.logger.info({ batches: passed.batches, items: passed.items, data_type: signal }, `exporter "${env.exporterId}" stopped and handed over ${passed.items} undelivered ${ITEM_NOUN[signal]}`);
    if (this.lost.items === 0) return;
    env.logger.error({ dropped_items: this.lost.items, batches: this.lost.batches, data_type: signal }, `exporter "${env.exporterId}": dropped ${this.lost.items} ${ITEM_NOUN[signal]} nothing else would take while it stopped`);
    ctx.dropped(signal, this.lost.items);
  }

  /**
   * Whatever is not delivered now stays on disk for the next start: batches waiting, waiting
   * for a retry, and — once the deadline aborts them — being sent.
   */
  private async stopPersistent(): Promise<void> {
    this.accepting = false;
    for (const e of this.queue.halt()) e.done?.reject(retryableError(`exporter "${this.env.exporterId}" is shutting down; the batch stays in the persistent queue`));
    this.stop.fire();
    await Promise.all(this.workers);
    const kept = this.durable!.size;
    await this.durable!.close();
    if (kept > 0) {
      this.env.logger.info(
        { batches: kept, data_type: this.signal },
        `Exporter "${this.env.exporterId}" keeps ${kept} undelivered batches in its persistent queue; they are sent after the next start`,
      );
    }
  }

  /**
   * Drains while progress is possible and time is left; gives up once every remaining batch
   * waits for a retry (the backend is down) or the deadline passed, and then counts, logs and
   * reports what is dropped.
   */
  private async stopInMemory(ctx: ShutdownContext | undefined): Promise<void> {
    this.accepting = false;
    this.queue.close();
    await new Promise<void>((resolve) => {
      let scheduled = false;
      const check = () => {
        scheduled = false;
        if ((this.queue.waiting === 0 && this.busy === 0) || this.stuck() || this.cancel.fired) {
          this.onChange = undefined;
          resolve();
        }
      };
      // Counters pass through transient states between a failed attempt and its backoff: look once they settle.
      this.onChange = () => {
        if (!scheduled) {
          scheduled = true;
          setImmediate(check);
        }
      };
      this.onChange();
    });
    for (const e of this.queue.halt()) {
      this.lost.batches++;
      this.lost.items += e.items;
      this.env.metrics.result(this.signal, e.items, false);
      e.done?.reject(retryableError(`exporter "${this.env.exporterId}" shut down before the batch was sent`));
    }
    this.stop.fire();
    await Promise.all(this.workers);
    if (this.lost.items === 0 && this.lost.batches === 0) return;
    const { exporterId } = this.env;
    this.env.logger.error(
      {
        dropped_items: this.lost.items,
        batches: this.lost.batches,
        data_type: this.signal,
        reason: this.cancel.fired ? 'the shutdown deadline (service.shutdown_timeout) passed' : 'every remaining batch was waiting to retry against a failing backend',
      },
      `exporter ${exporterId}: dropped ${this.lost.items} ${ITEM_NOUN[this.signal]} still queued at shutdown (in-memory queue; configure sending_queue.storage to keep them)`,
    );
    ctx?.dropped(this.signal, this.lost.items);
  }

  private stuck(): boolean {
    return this.attempting === 0 && this.backingOff > 0 && (this.queue.waiting === 0 || this.busy >= this.env.config.queue.consumers);
  }
}

/** A system error (EIO, EMFILE, ...) rather than bad content. */
function isIoError(err: unknown): boolean {
  return typeof (err as NodeJS.ErrnoException)?.code === 'string' && (err as NodeJS.ErrnoException).syscall !== undefined;
}
