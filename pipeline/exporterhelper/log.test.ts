import { describe, expect, it } from 'vitest';
import { LogLimiter, type Folded } from './log.js';

describe('LogLimiter', () => {
  it('logs the first event at once and folds the rest into one line at the end of the interval', async () => {
    const lines: Folded[] = [];
    const limiter = new LogLimiter(50);
    limiter.hit('k', 3, (f) => lines.push(f));
    limiter.hit('k', 4, (f) => lines.push(f));
    limiter.hit('k', 5, (f) => lines.push(f));
    limiter.hit('other', 1, (f) => lines.push(f));
    expect(lines).toEqual([{ count: 1, items: 3 }, { count: 1, items: 1 }]);
    await new Promise((r) => setTimeout(r, 80));
    expect(lines).toEqual([{ count: 1, items: 3 }, { count: 1, items: 1 }, { count: 2, items: 9 }]);
  });

  it('flush reports what is still folded, so nothing goes unmentioned at shutdown', () => {
    const lines: Folded[] = [];
    const limiter = new LogLimiter(60_000);
    for (let i = 0; i < 5; i++) limiter.hit('drop', 2, (f) => lines.push(f));
    limiter.flush();
    limiter.flush();
    expect(lines).toEqual([{ count: 1, items: 2 }, { count: 4, items: 8 }]);
  });
});
