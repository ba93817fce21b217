import { describe, expect, it } from 'vitest';
import { allocLarge, concatLarge, LARGE_BUFFER_BYTES } from './large-buffer.js';

describe('large buffers', () => {
  it('takes buffers of a large body from memory V8 maps itself, small ones from Node as usual', () => {
    const large = allocLarge(LARGE_BUFFER_BYTES);
    expect(large.length).toBe(LARGE_BUFFER_BYTES);
    expect((large.buffer as ArrayBuffer & { resizable: boolean }).resizable).toBe(true);
    const small = allocLarge(1000);
    expect((small.buffer as ArrayBuffer & { resizable: boolean }).resizable).toBe(false);
    expect(small.buffer.byteLength).toBe(1000); // its own, not a slice of Node's pool
  });

  it('concatenates chunks in order, whatever the size', () => {
    const chunks = [Buffer.from('abc'), Buffer.alloc(LARGE_BUFFER_BYTES, 0x78), Buffer.from('def')];
    const joined = concatLarge(chunks, LARGE_BUFFER_BYTES + 6);
    expect(joined.equals(Buffer.concat(chunks))).toBe(true);
    expect(joined.toString('latin1', 0, 4)).toBe('abcx');
    expect(joined.toString('latin1', joined.length - 4)).toBe('xdef');
    expect(concatLarge([Buffer.from('one')], 3).toString()).toBe('one');
    expect(concatLarge([], 0).length).toBe(0);
  });
});
