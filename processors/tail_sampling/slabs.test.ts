import { describe, expect, it } from 'vitest';
import { Slabs } from './slabs.js';

describe('Slabs', () => {
  it('keeps each copy intact when its source is overwritten and later copies fill the same slab', () => {
    const slabs = new Slabs();
    const source = new Uint8Array(1000);
    const copies: { bytes: Uint8Array; fill: number }[] = [];
    for (let i = 0; i < 1000; i++) {
      source.fill(i & 0xff);
      copies.push({ bytes: slabs.copy(source.subarray(0, 1 + (i % 700))), fill: i & 0xff });
    }
    for (const [i, c] of copies.entries()) {
      expect(c.bytes.length).toBe(1 + (i % 700));
      expect(c.bytes.every((b) => b === c.fill)).toBe(true);
    }
    // 1000 copies of ~350 bytes share a few slabs, not one buffer each
    expect(new Set(copies.map((c) => c.bytes.buffer)).size).toBeLessThan(5);
  });

  it('gives a large copy a buffer of its own, so it does not pin a slab', () => {
    const slabs = new Slabs();
    const big = new Uint8Array(200 * 1024).fill(7);
    const copy = slabs.copy(big);
    expect(copy.buffer.byteLength).toBe(big.length);
    expect(copy.every((b) => b === 7)).toBe(true);
  });
});
