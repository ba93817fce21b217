import { describe, expect, it } from 'vitest';
import { FifoMap } from './fifo-map.js';

describe('FifoMap', () => {
  it('shifts entries oldest first; a key set again after a delete counts as new', () => {
    const m = new FifoMap<string, number>([['a', 1], ['b', 2], ['c', 3]]);
    expect(m.shift()).toEqual(['a', 1]);
    m.delete('b');
    m.set('b', 20);
    m.set('d', 4);
    m.set('c', 30); // an update in place keeps its age
    expect([m.shift(), m.shift(), m.shift(), m.shift(), m.shift()]).toEqual([['c', 30], ['b', 20], ['d', 4], undefined, undefined]);
    expect(m.size).toBe(0);
  });

  it('keeps the order across drops, sets after the end was reached, and clear()', () => {
    const m = new FifoMap<number, number>();
    const shifted: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      m.set(i, i);
      if (m.size > 100) shifted.push(m.shift()![0]);
    }
    expect(shifted).toEqual(Array.from({ length: 9_900 }, (_, i) => i));
    while (m.size > 0) m.shift();
    m.set(-1, -1);
    expect(m.shift()).toEqual([-1, -1]);
    m.set(1, 1).set(2, 2);
    m.shift();
    m.clear();
    m.set(3, 3);
    expect(m.shift()).toEqual([3, 3]);
  });

  it('tells the oldest key without dropping it, and forgets it once it is deleted and set again', () => {
    const m = new FifoMap<string, number>([['a', 1], ['b', 2]]);
    expect(m.oldest()).toBe('a');
    expect(m.oldest()).toBe('a');
    m.delete('a');
    m.set('a', 1);
    expect(m.oldest()).toBe('b');
    m.delete('b');
    expect(m.oldest()).toBe('a');
    expect(m.shift()).toEqual(['a', 1]);
    expect(m.oldest()).toBeUndefined();
  });
});
