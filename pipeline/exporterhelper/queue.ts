/**
 * The bounded FIFO between consume() and the senders. Capacity covers everything accepted and
 * not yet finished (waiting and being sent), so a full queue really bounds what is held.
 */

export class QueueFullError extends Error {}
export class QueueClosedError extends Error {}

interface SpaceWaiter {
  size: number;
  resolve(): void;
  reject(err: Error): void;
}

export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private used = 0;
  private closed = false;
  private halted = false;
  private readonly spaceWaiters: SpaceWaiter[] = [];
  private readonly takers: ((item: T | undefined) => void)[] = [];

  constructor(
    readonly capacity: number,
    private readonly onSizeChange: (used: number) => void = () => {},
  ) {}

  /** Units accepted and not yet released. */
  get size(): number {
    return this.used;
  }

  /** Entries waiting for a sender. */
  get waiting(): number {
    return this.items.length - this.head;
  }

  /** Idle senders waiting in take(). */
  get idleTakers(): number {
    return this.takers.length;
  }

  /**
   * Claims room for `size` units: at once, after waiting (block), or not at all (throws
   * QueueFullError). A batch larger than the whole capacity gets in when the queue is empty, so
   * it is slowed down rather than refused forever.
   */
  reserve(size: number, block: boolean): Promise<void> | void {
    if (this.closed) throw new QueueClosedError('the exporter is shutting down');
    if (this.spaceWaiters.length === 0 && this.fits(size)) {
      this.grow(size);
      return;
    }
    if (!block) throw new QueueFullError('sending queue is full');
    return new Promise<void>((resolve, reject) => this.spaceWaiters.push({ size, resolve, reject }));
  }

  /** Space that was claimed without adding (or is taken by recovered entries, beyond capacity). */
  grow(size: number): void {
    this.used += size;
    this.onSizeChange(this.used);
  }

  /** Adds an entry whose room was reserved; false once halted (nobody would take it). */
  push(item: T): boolean {
    if (this.halted) return false;
    const taker = this.takers.shift();
    if (taker) taker(item);
    else this.items.push(item);
    return true;
  }

  /** The next entry, or undefined once the queue is halted, or closed and empty. */
  take(): Promise<T | undefined> {
    if (this.halted) return Promise.resolve(undefined);
    if (this.head < this.items.length) return Promise.resolve(this.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.takers.push(resolve));
  }

  /** Frees the room of an entry that finished (or whose append failed). */
  release(size: number): void {
    this.used = Math.max(0, this.used - size);
    this.onSizeChange(this.used);
    while (this.spaceWaiters.length > 0 && this.fits(this.spaceWaiters[0].size)) {
      const w = this.spaceWaiters.shift()!;
      this.grow(w.size);
      w.resolve();
    }
  }

  /** No new entries; blocked producers are refused; senders drain what is there. */
  close(): void {
    this.closed = true;
    for (const w of this.spaceWaiters.splice(0)) w.reject(new QueueClosedError('the exporter is shutting down'));
    if (this.waiting === 0) for (const t of this.takers.splice(0)) t(undefined);
  }

  /** Senders stop taking; returns what was still waiting. */
  halt(): T[] {
    this.close();
    this.halted = true;
    for (const t of this.takers.splice(0)) t(undefined);
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }

  private fits(size: number): boolean {
    return this.used === 0 || this.used + size <= this.capacity;
  }

  private shift(): T {
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    // Compact now and then so a long-lived queue does not keep a growing dead prefix.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
