/** What one log line stands for: `count` events (1 unless some were folded in) with `items` items in all. */
export interface Folded {
  count: number;
  items: number;
}

interface KeyState {
  lastAt: number;
  count: number;
  items: number;
  emit?: (f: Folded) => void;
  timer?: NodeJS.Timeout;
}

/**
 * Keeps a failing backend from flooding the log without hiding anything: the first event of a
 * kind is logged at once; later ones within the interval are folded into one line at its end.
 */
export class LogLimiter {
  private readonly state = new Map<string, KeyState>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  hit(key: string, items: number, emit: (f: Folded) => void): void {
    const t = this.now();
    const s = this.state.get(key);
    if (!s || (t - s.lastAt >= this.intervalMs && s.count === 0)) {
      this.state.set(key, { lastAt: t, count: 0, items: 0 });
      emit({ count: 1, items });
      return;
    }
    s.count++;
    s.items += items;
    s.emit = emit;
    s.timer ??= setTimeout(() => this.release(s), Math.max(0, this.intervalMs - (t - s.lastAt)));
    s.timer.unref?.();
  }

  /** Logs whatever is still folded (at shutdown, so nothing goes unmentioned). */
  flush(): void {
    for (const s of this.state.values()) this.release(s);
  }

  private release(s: KeyState): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    if (s.count === 0 || !s.emit) return;
    const folded = { count: s.count, items: s.items };
    s.count = 0;
    s.items = 0;
    s.lastAt = this.now();
    s.emit(folded);
  }
}
