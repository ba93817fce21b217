import { describe, expect, it } from 'vitest';
import { Lru } from './lru.js';

describe('Lru', () => {
  it('keeps what is used across generations and forgets what is not', () => {
    const cache = new Lru<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3); // young was full: a and b are old now
    expect(cache.get('a')).toBe(1); // used again: young once more
    cache.set('d', 4); // young (c, a) full: b is dropped with the old generation
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
  });

  it('tells a stored null (a remembered "nothing") from a missing key', () => {
    const cache = new Lru<string | null>(4);
    cache.set('x', null);
    expect(cache.get('x')).toBeNull();
    expect(cache.get('y')).toBeUndefined();
  });
});
