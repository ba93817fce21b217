/** The string cache may only ever make decoding faster, never different. */
import { describe, expect, it } from 'vitest';
import { StringCache, utf8Length } from './strings.js';
import { rng } from './testing/random.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe('StringCache', () => {
  it('returns exactly what a UTF-8 decoder would, through hits, misses and collisions', () => {
    // A tiny table forces constant collisions and evictions.
    const cache = new StringCache(3, 40);
    const r = rng(5);
    const pool = [
      '', 'a', 'GET', 'service.name', 'ünïcode', '😀', 'x'.repeat(40), 'x'.repeat(41),
      // same length, differing only between the sampled bytes
      'aaaaaaaaaaaaaaaaaaaaaXaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaYaaaaaaaaaaaaaaaaaa',
      ...Array.from({ length: 40 }, (_, i) => `item:${i}`),
    ];
    for (let i = 0; i < 20_000; i++) {
      const s = r.pick(pool);
      const bytes = encoder.encode(`..${s}..`);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect(cache.get(bytes, view, 2, bytes.length - 2)).toBe(s);
    }
  });

  it('invalid UTF-8 becomes U+FFFD, as TextDecoder does', () => {
    const cache = new StringCache(4, 40);
    const bytes = Uint8Array.from([0x61, 0xff, 0xc3, 0x28, 0x62]);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < 3; i++) expect(cache.get(bytes, view, 0, bytes.length)).toBe(decoder.decode(bytes));
  });
});

describe('utf8Length', () => {
  it.each(['', 'abc', 'é', '✓', '😀', 'a😀b', '\ud800', '\udc00x', '\ud83d'])('%j matches TextEncoder', (s) => {
    expect(utf8Length(s)).toBe(encoder.encode(s).length);
  });
});
