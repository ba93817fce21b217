import { describe, expect, it } from 'vitest';
import { ExponentialBackoff, STOP } from './backoff.js';

const settings = { initialMs: 5000, maxIntervalMs: 30000, maxElapsedMs: 300000, multiplier: 1.5, randomization: 0 };

describe('ExponentialBackoff', () => {
  it('starts at initial_interval and grows by the multiplier up to max_interval', () => {
    const b = new ExponentialBackoff(settings, () => 0.5, () => 0);
    const waits = Array.from({ length: 8 }, () => b.next());
    expect(waits).toEqual([5000, 7500, 11250, 16875, 25312.5, 30000, 30000, 30000]);
  });

  it('draws each wait from interval × [1 − randomization_factor, 1 + randomization_factor]', () => {
    const low = new ExponentialBackoff({ ...settings, randomization: 0.5 }, () => 0, () => 0);
    const high = new ExponentialBackoff({ ...settings, randomization: 0.5 }, () => 0.999999, () => 0);
    expect(low.next()).toBe(2500);
    expect(high.next()).toBeCloseTo(7500, 0);
    expect(low.next()).toBe(3750);
    const mid = new ExponentialBackoff({ ...settings, randomization: 0.5 }, Math.random, () => 0);
    for (let i = 0; i < 50; i++) {
      const w = mid.next();
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThanOrEqual(45000);
    }
  });

  it('stops once the next wait would end past max_elapsed_time', () => {
    let now = 0;
    const b = new ExponentialBackoff({ ...settings, maxElapsedMs: 20000 }, () => 0.5, () => now);
    expect(b.next()).toBe(5000);
    now = 5000;
    expect(b.next()).toBe(7500);
    now = 12500;
    expect(b.next()).toBe(STOP); // 12.5 s + 11.25 s > 20 s
  });

  it('never stops with max_elapsed_time 0', () => {
    let now = 0;
    const b = new ExponentialBackoff({ ...settings, maxElapsedMs: 0 }, () => 0.5, () => now);
    now = 10 * 24 * 3600 * 1000;
    expect(b.next()).toBe(5000);
  });
});
