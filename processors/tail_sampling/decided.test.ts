import { describe, expect, it } from 'vitest';
import { RecentDecisions } from './decided.js';

describe('RecentDecisions', () => {
  it('remembers the last `capacity` decisions with their time, forgetting the oldest first', () => {
    const d = new RecentDecisions(3);
    for (let i = 1; i <= 5; i++) d.set(`t${i}`, i % 2 === 0, 1000 + i);
    expect(d.get('t1')).toBeUndefined();
    expect(d.get('t2')).toBeUndefined();
    expect(d.get('t3')).toEqual({ sampled: false, atMs: 1003 });
    expect(d.get('t4')).toEqual({ sampled: true, atMs: 1004 });
    expect(d.get('t5')).toEqual({ sampled: false, atMs: 1005 });
    // round and round the ring
    for (let i = 6; i <= 100; i++) d.set(`t${i}`, true, i);
    expect(['t97', 't98', 't99', 't100'].map((t) => d.get(t) !== undefined)).toEqual([false, true, true, true]);
  });

  it('forgets exactly the oldest at 50,000 remembered, many times round', () => {
    const d = new RecentDecisions(50_000);
    const ids = Array.from({ length: 300_000 }, (_, i) => i.toString(16).padStart(32, '0'));
    for (const id of ids) d.set(id, false, 1);
    expect(d.get(ids[249_999])).toBeUndefined();
    expect(d.get(ids[250_000])).toEqual({ sampled: false, atMs: 1 });
  });
});
