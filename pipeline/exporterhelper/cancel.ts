/**
 * A one-way switch that ends many waits and attempts at once. One AbortSignal shared by every
 * sender would get a listener per waiting send (1000 parquet consumers backing off at once)
 * and Node warns past 10 (MaxListenersExceededWarning); this keeps them in a Set instead, and
 * each wait takes itself out when it ends.
 */
export class CancelSwitch {
  private readonly subscribers = new Set<() => void>();
  private on = false;

  get fired(): boolean {
    return this.on;
  }

  /** Waits and attempts subscribed now; back to 0 once they all ended. */
  get subscribed(): number {
    return this.subscribers.size;
  }

  fire(): void {
    if (this.on) return;
    this.on = true;
    const subscribers = [...this.subscribers];
    this.subscribers.clear();
    for (const s of subscribers) s();
  }

  /** Runs `fn` once when the switch fires (at once if it has); returns what unsubscribes it. */
  subscribe(fn: () => void): () => void {
    if (this.on) {
      fn();
      return () => {};
    }
    const once = () => fn();
    this.subscribers.add(once);
    return () => this.subscribers.delete(once);
  }

  /** Resolves true when the switch fired before `ms` passed. */
  sleep(ms: number): Promise<boolean> {
    if (this.on) return Promise.resolve(true);
    return new Promise((resolve) => {
      const unsubscribe = this.subscribe(() => {
        clearTimeout(timer);
        resolve(true);
      });
      const timer = setTimeout(() => {
        unsubscribe();
        resolve(false);
      }, ms);
    });
  }
}
