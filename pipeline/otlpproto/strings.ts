/**
 * Bytes → JS strings, the decoder's largest cost. Telemetry repeats itself: the same attribute
 * keys, span names and short values ("GET", "https", "200") arrive in every span of every
 * request. Allocating, UTF-8-decoding and later re-hashing (as a Map key) a fresh copy of each
 * is most of what a generic decoder spends; returning the very string object seen last time
 * removes all three.
 */

/** Node's native slicers (Buffer.prototype, callable on any Uint8Array); absent elsewhere. */
interface NativeSlicers {
  utf8Slice(this: Uint8Array, start: number, end: number): string;
  latin1Slice(this: Uint8Array, start: number, end: number): string;
}
const native: Partial<NativeSlicers> = typeof Buffer === 'function' ? (Buffer.prototype as unknown as NativeSlicers) : {};
const textDecoder = new TextDecoder();

/**
 * Invalid UTF-8 becomes U+FFFD, as TextDecoder does, rather than failing the whole request:
 * OTLP senders in the wild do produce it, and one bad attribute must not cost a batch.
 */
export const utf8: (buf: Uint8Array, start: number, end: number) => string = native.utf8Slice
  ? (buf, start, end) => native.utf8Slice!.call(buf, start, end)
  : (buf, start, end) => textDecoder.decode(buf.subarray(start, end));

/** Only for bytes known to be ASCII. */
const ascii: (buf: Uint8Array, start: number, end: number) => string = native.latin1Slice
  ? (buf, start, end) => native.latin1Slice!.call(buf, start, end)
  : (buf, start, end) => String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);

/**
 * A direct-mapped table from (hash of bytes) to the string last decoded from such bytes. Each
 * slot keeps a copy of those bytes and every hit compares them all, so a collision costs one
 * decode and never a wrong string. Only ASCII is cached, which lets a string's length stand for
 * its byte count in that check; keys and enum-like values are ASCII in practice. Memory is
 * bounded: slots × (maxLength bytes + one string of at most maxLength characters).
 */
export class StringCache {
  private readonly slots: string[];
  private readonly bytes: Uint8Array;
  private readonly words: DataView;
  /** Per slot, the hash of the last string that missed there. */
  private readonly candidates: Int32Array;
  private readonly shift: number;

  constructor(
    bits: number,
    readonly maxLength: number,
  ) {
    this.slots = new Array<string>(1 << bits).fill('');
    this.bytes = new Uint8Array((1 << bits) * maxLength);
    this.words = new DataView(this.bytes.buffer);
    this.candidates = new Int32Array(1 << bits);
    this.shift = 32 - bits;
  }

  /** `view` covers the same bytes as `buf`, for comparing four at a time. */
  get(buf: Uint8Array, view: DataView, start: number, end: number): string {
    const n = end - start;
    if (n === 0) return '';
    if (n > this.maxLength) return utf8(buf, start, end);
    // Sampling at most 20 bytes (start, end, middle, quarters) keeps the hit path to one pass
    // over the bytes (the verification below); strings that differ only between the samples
    // share a slot and evict each other, which costs speed, never correctness.
    let h: number;
    if (n >= 4) {
      const mid = (start + end) >> 1;
      h = Math.imul((buf[start] | (buf[start + 1] << 8) | (buf[start + 2] << 16) | (buf[start + 3] << 24)) ^ n, 0x9e3779b1);
      h ^= Math.imul(buf[end - 4] | (buf[end - 3] << 8) | (buf[end - 2] << 16) | (buf[end - 1] << 24), 0x85ebca77);
      h ^= Math.imul(buf[mid - 2] | (buf[mid - 1] << 8) | (buf[mid] << 16) | (buf[mid + 1] << 24), 0xc2b2ae3d);
      if (n > 12) {
        const q = start + (n >> 2);
        const q3 = end - (n >> 2);
        h ^= Math.imul(buf[q - 2] | (buf[q - 1] << 8) | (buf[q] << 16) | (buf[q + 1] << 24), 0x27d4eb2f);
        h ^= Math.imul(buf[q3 - 2] | (buf[q3 - 1] << 8) | (buf[q3] << 16) | (buf[q3 + 1] << 24), 0x165667b1);
      }
    } else {
      h = n;
      for (let i = start; i < end; i++) h = (h << 8) | buf[i];
      h = Math.imul(h, 0x9e3779b1);
    }
    // A product's high bits depend on all input bits; its low bits only on the low ones.
    const slot = h >>> this.shift;
    const cached = this.slots[slot];
    // A cached string is ASCII, so a match also proves these bytes are.
    const base = slot * this.maxLength;
    const bytes = this.bytes;
    if (cached.length === n) {
      const words = this.words;
      let i = 0;
      while (i + 4 <= n && words.getInt32(base + i) === view.getInt32(start + i)) i += 4;
      while (i < n && bytes[base + i] === buf[start + i]) i++;
      if (i === n) return cached;
    }
    // Admit a string on its second sighting only: a stream of one-off values (ids, URLs)
    // then neither evicts the hot keys nor keeps every string it passes alive into old space.
    if (this.candidates[slot] !== h) {
      this.candidates[slot] = h;
      return utf8(buf, start, end);
    }
    let high = 0;
    for (let i = start; i < end; i++) high |= buf[i];
    if (high & 0x80) return utf8(buf, start, end);
    const fresh = ascii(buf, start, end);
    this.slots[slot] = fresh;
    for (let i = 0; i < n; i++) bytes[base + i] = buf[start + i];
    return fresh;
  }
}

/** Attribute keys and names (span, event, metric, scope, unit): few distinct values. */
export const NAMES = new StringCache(12, 96);
/** String attribute values: more distinct values, so only short ones are worth a slot. */
export const VALUES = new StringCache(12, 48);

/** UTF-8 length of a JS string as TextEncoder writes it (a lone surrogate becomes U+FFFD). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}
