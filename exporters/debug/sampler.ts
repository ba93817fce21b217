/**
 * zap's sampler, which upstream puts in front of the exporter's output: per key and per
 * one-second window, the first `initial` entries pass, then every `thereafter`-th
 * (0 = none after the initial ones).
 */
export class Sampler {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly initial: number,
    private readonly thereafter: number,
    private readonly now: () => number = Date.now,
    private readonly windowMs = 1000,
  ) {}

  allow(key: string): boolean {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      w = { start: t, count: 0 };
      this.windows.set(key, w);
    }
    const n = ++w.count;
    if (n <= this.initial) return true;
    return this.thereafter > 0 && (n - this.initial) % this.thereafter === 0;
  }
}
