import { withClientInfo, type ClientInfo } from '../../pipeline/client-info.js';
import type { Consumer } from '../../pipeline/component.js';
import type { Signal, SignalData } from '../../pipeline/model.js';
import { countItems } from '../../pipeline/model-ops.js';
import { SHAPES, takeItems, type Shape } from '../../pipeline/item-split.js';

export type Trigger = 'size' | 'timeout' | 'idle' | 'shutdown';

/**
 * The shortest time between a small idle flush (under 1/4 of send_batch_size) and the send
 * before it: upstream's default `timeout`, or the configured one when shorter. Without it,
 * steady light load (requests a few ms apart, each alone in its event-loop turn) sent every
 * request as a batch of its own: at 100 requests/s, 100 exports/s, each paying its encoding,
 * compression, connection and exporter-helper costs (issue 19). A 50 ms gap still made 20
 * exports/s of ~500 items at 10,000 items/s, ~1 ms of CPU each; at this gap the batches are as
 * upstream's (one per `timeout`). Larger idle batches — senders that all wait for their
 * answers, e.g. SDKs sending 512 spans — go at once, so waiting senders are not held to one
 * batch per gap.
 */
const IDLE_FLUSH_MIN_GAP_MS = 200;
const SMALL_IDLE_FLUSH_SHARE = 1 / 4;
/**
 * How long small idle flushes go at once after a hold that gained no input, before holding is
 * tried again: a sender that waits for each answer is held once per period (~4 % of its time).
 */
const NO_HOLD_MS = 5000;
/**
 * A hold shorter than this share of the gap tells nothing when it gains no input: the gap left after a send may
 * be a few ms, less than steady input's spacing (10 ms at 100 requests/s), and taking such a
 * hold for a waiting sender turned holding off for the open-loop load it was made for (as a
 * sender stalled for 50 ms on a loaded machine still did, now and then). A waiting sender's
 * holds last nearly the whole gap: its next request comes right after the send that answered it.
 */
const TELLING_HOLD_SHARE = 1 / 2;

export interface BatcherOptions {
  /** Items at which the pending batch is sent (0: every input is sent at once). */
  sendBatchSize: number;
  /** Upper bound of a batch; 0 = none. */
  sendBatchMaxSize: number;
  /** How long the first item of a pending batch may wait; 0 = send at once. */
  timeoutMs: number;
  /**
   * Send once a whole event-loop turn passed with no new input. Senders wait for delivery, so
   * when they are all waiting nothing more will come: holding the batch for `timeoutMs` would
   * only throttle them. Under steady load every turn brings input and batches still fill.
   */
  flushWhenIdle?: boolean;
  onSend?(trigger: Trigger, items: number): void;
  /** The client info every batch goes on with (metadata_keys); none by default. */
  client?: ClientInfo;
}

/**
 * One consume() call waiting for its items to be delivered. Its items may land in several
 * batches (the rest of a pending one, full ones cut from it, a new pending one), so it counts
 * the batches it is part of and resolves when the last of them is delivered.
 */
interface Waiter {
  open: number;
  done: boolean;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The batching engine for one signal. Unlike upstream, which acknowledges data as soon as it
 * is queued in memory, consume() settles only with the outcome of the batches carrying the
 * input's items: Summit acknowledges nothing before it is delivered.
 */
export class Batcher<S extends Signal> {
  private readonly shape: Shape<S>;
  private entries: object[] = [];
  private items = 0;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private closed = false;
  private idleCheck: NodeJS.Immediate | undefined;
  private arrivedSinceCheck = false;
  /** Wakes an idle flush held back by IDLE_FLUSH_MIN_GAP_MS. */
  private idleTimer: NodeJS.Timeout | undefined;
  private lastSend = -Infinity;
  /** Items pending when the current hold began: a hold that gains none only delayed its senders. */
  private itemsAtHold = 0;
  private holdStart = 0;
  /** Until when small idle flushes go at once, because the last hold gained nothing (see onIdleGapOver). */
  private noHoldUntil = -Infinity;

  constructor(
    private readonly signal: S,
    private readonly next: Consumer<S>,
    private readonly opts: BatcherOptions,
  ) {
    this.shape = SHAPES[signal];
  }

  consume(data: SignalData[S]): Promise<void> {
    const n = countItems(this.signal, data);
    // Upstream drops empty payloads too: there is nothing to deliver.
    if (n === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.add(this.shape.top(data), n, { open: 0, done: false, resolve, reject }));
  }

  /** Sends what is pending, then waits for every batch still in flight. Later inputs pass straight through. */
  async shutdown(): Promise<void> {
    this.closed = true;
    if (this.items > 0) this.send('shutdown');
    while (this.inflight.size > 0) await Promise.all(this.inflight);
  }

  private add(entries: readonly object[], n: number, waiter: Waiter): void {
    const { sendBatchSize, sendBatchMaxSize, timeoutMs } = this.opts;
    const immediate = this.closed || timeoutMs <= 0;
    while (n > 0) {
      const room = sendBatchMaxSize > 0 ? sendBatchMaxSize - this.items : n;
      let part = entries;
      let partItems = n;
      if (n > room) {
        [part, entries] = takeItems(this.shape.levels, entries, room);
        partItems = room;
      }
      n -= partItems;
      for (const e of part) this.entries.push(e);
      this.items += partItems;
      waiter.open++;
      this.waiters.push(waiter);
      // A batch cut at send_batch_max_size is full, and max >= size, so this sends it too.
      if (immediate || this.items >= sendBatchSize) this.send('size');
    }
    if (this.items > 0 && this.timer === undefined) this.timer = setTimeout(this.onTimeout, timeoutMs).unref();
    if (this.opts.flushWhenIdle && this.items > 0) {
      this.arrivedSinceCheck = true;
      this.idleCheck ??= setImmediate(this.onIdleCheck);
    }
  }

  private readonly onIdleCheck = (): void => {
    this.idleCheck = undefined;
    if (this.items === 0) return;
    if (this.arrivedSinceCheck) {
      this.arrivedSinceCheck = false;
      this.idleCheck = setImmediate(this.onIdleCheck);
      return;
    }
    const now = performance.now();
    const small = this.items < this.opts.sendBatchSize * SMALL_IDLE_FLUSH_SHARE && now >= this.noHoldUntil;
    const wait = small ? this.lastSend + this.idleGapMs() - now : 0;
    if (wait <= 0) this.send('idle');
    else if (this.idleTimer === undefined) {
      this.itemsAtHold = this.items;
      this.holdStart = now;
      this.idleTimer = setTimeout(this.onIdleGapOver, wait).unref();
    }
  };

  /**
   * A hold of half the gap or more that gained no input held senders that wait for their
   * answer (one SDK or syslog connection sending one request after another): holding them again
   * would cap them at one batch per gap. Small idle flushes then go at once, and holding is tried again NO_HOLD_MS later.
   */
  private readonly onIdleGapOver = (): void => {
    this.idleTimer = undefined;
    const now = performance.now();
    if (this.items <= this.itemsAtHold && now - this.holdStart >= this.idleGapMs() * TELLING_HOLD_SHARE) this.noHoldUntil = now + NO_HOLD_MS;
    if (this.items > 0) this.send('idle');
  };

  private idleGapMs(): number {
    return Math.min(IDLE_FLUSH_MIN_GAP_MS, this.opts.timeoutMs);
  }

  private readonly onTimeout = (): void => {
    this.timer = undefined;
    if (this.items > 0) this.send('timeout');
  };

  private send(trigger: Trigger): void {
    const data = this.shape.wrap(this.entries);
    const waiters = this.waiters;
    const items = this.items;
    this.entries = [];
    this.waiters = [];
    this.items = 0;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    this.lastSend = performance.now();
    this.opts.onSend?.(trigger, items);

    let delivery: Promise<void>;
    try {
      // a batch mixes requests: it goes on with no client info (upstream's batches without
      // metadata_keys carry none either), not that of the request that happened to fill it;
      // with metadata_keys, with the metadata its partition is made of
      delivery = withClientInfo(this.opts.client, () => this.next.consume(data));
    } catch (err) {
      delivery = Promise.reject(err);
    }
    // Sends are not serialized: each batch settles its own waiters whenever it completes.
    const settled: Promise<void> = delivery
      .then(
        () => settle(waiters, true),
        (err: unknown) => settle(waiters, false, err),
      )
      .then(() => {
        this.inflight.delete(settled);
      });
    this.inflight.add(settled);
  }
}

function settle(waiters: Waiter[], ok: boolean, err?: unknown): void {
  for (const w of waiters) {
    if (w.done) continue;
    if (!ok) {
      w.done = true;
      w.reject(err);
    } else if (--w.open === 0) {
      w.done = true;
      w.resolve();
    }
  }
}
