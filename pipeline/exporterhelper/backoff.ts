/**
 * Exponential backoff with jitter, computed as upstream's (cenkalti/backoff v4) so retry
 * timing under the same config matches the Collector's.
 */
export interface BackoffSettings {
  initialMs: number;
  maxIntervalMs: number;
  /** 0 = retry forever. */
  maxElapsedMs: number;
  multiplier: number;
  /** The wait is drawn uniformly from interval × [1 − f, 1 + f]. */
  randomization: number;
}

export const STOP = -1;

export class ExponentialBackoff {
  private current: number;
  private readonly started: number;

  constructor(
    private readonly s: BackoffSettings,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {
    this.current = s.initialMs;
    this.started = now();
  }

  elapsedMs(): number {
    return this.now() - this.started;
  }

  /** The next wait in ms, or STOP when waiting it would pass max_elapsed_time. */
  next(): number {
    const delta = this.s.randomization * this.current;
    const low = this.current - delta;
    const wait = low + this.random() * (2 * delta);
    this.current = this.current >= this.s.maxIntervalMs / this.s.multiplier ? this.s.maxIntervalMs : this.current * this.s.multiplier;
    return this.fits(wait) ? wait : STOP;
  }

  /** Whether waiting `ms` more still ends within max_elapsed_time. */
  fits(ms: number): boolean {
    return this.s.maxElapsedMs <= 0 || this.elapsedMs() + ms <= this.s.maxElapsedMs;
  }
}
