/**
 * Delivery ids (GitHub's `X-GitHub-Delivery`, GitLab's `Idempotency-Key`) handled within the
 * window, so a redelivery — GitHub's "Redeliver" button, a proxy retrying — is answered and
 * dropped instead of counted twice. Bounded: past `maxEntries` the oldest ids are forgotten
 * first. Map iteration order is insertion order, which is expiry order since the window is fixed.
 */
import { FifoMap } from '../../pipeline/fifo-map.js';

export class DeliveryWindow {
  private readonly seen = new FifoMap<string, number>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Claims a delivery id for handling: false when it was handled within the window or is being
   * handled now. Call done() or failed() afterwards; a failed delivery may be sent again.
   */
  claim(id: string): boolean {
    if (this.windowMs <= 0) return true;
    this.expire();
    if (this.seen.has(id) || this.inFlight.has(id)) return false;
    this.inFlight.add(id);
    return true;
  }

  done(id: string): void {
    if (!this.inFlight.delete(id)) return;
    this.seen.set(id, this.now() + this.windowMs);
    if (this.seen.size > this.maxEntries) this.seen.shift();
  }

  failed(id: string): void {
    this.inFlight.delete(id);
  }

  private expire(): void {
    const t = this.now();
    for (let id = this.seen.oldest(); id !== undefined && this.seen.get(id)! <= t; id = this.seen.oldest()) this.seen.delete(id);
  }
}
