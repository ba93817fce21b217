import { describe, expect, it } from 'vitest';
import type { AnyValue } from '../../pipeline/model.js';
import { BufferPool, Utf8Builder } from './columns.js';
import { json } from './values.js';

describe('Utf8Builder.appendValue', () => {
  it('writes a Map or Slice as its typed JSON and anything else as its text; a value that fails midway leaves nothing behind', () => {
    const b = new Utf8Builder(16);
    const event = new Map<string, AnyValue>([['frames', [1n, 2.0, 'é🦆', 'x'.repeat(5000)]]]);
    b.appendValue(event);
    b.appendValue('plain');
    b.appendValue(null);
    let deep: AnyValue = 'leaf';
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(() => b.appendValue(deep)).toThrow(RangeError);
    b.appendValue(['after']);
    const d = b.finish();
    const offsets = d.offsets!;
    const values = d.values as Uint8Array;
    const text = (i: number) => Buffer.from(values.buffer, values.byteOffset + offsets[i], offsets[i + 1] - offsets[i]).toString('utf8');
    expect(d.length).toBe(4);
    expect([0, 1, 3].map(text)).toEqual([json(event), 'plain', '["after"]']);
    expect(d.nullCount).toBe(1);
  });
});

describe('BufferPool', () => {
  const MIB = 1024 * 1024;

  it('reuses what it was given, up to its total', () => {
    const pool = new BufferPool(3 * MIB, 4 * MIB);
    const a = pool.take(MIB);
    const b = pool.take(MIB);
    const c = pool.take(MIB);
    const d = pool.take(MIB);
    for (const x of [a, b, c, d]) pool.give(x);
    expect(pool.pooledBytes).toBe(3 * MIB);
    expect([a, b, c]).toContain(pool.take(1000 * 1024));
    expect(pool.pooledBytes).toBe(2 * MIB);
  });

  it('does not keep an outlier bigger than its largest buffer', () => {
    const pool = new BufferPool(64 * MIB, 4 * MIB);
    const big = pool.take(5 * MIB);
    expect(big.byteLength).toBe(8 * MIB);
    pool.give(big);
    expect(pool.pooledBytes).toBe(0);
  });
});
