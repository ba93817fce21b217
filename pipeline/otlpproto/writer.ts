/**
 * A growable output buffer for protobuf, written in one pass. A nested message's length is
 * unknown until its fields are written, so {@link Writer.open} reserves one byte for it and
 * {@link Writer.close} patches it in; the rare message of 128 bytes or more moves its body
 * up by the extra length bytes (one memmove, cheaper than a separate sizing pass that would
 * have to walk and UTF-8-measure every string twice).
 */
import { allocLarge, LARGE_BUFFER_BYTES } from '../large-buffer.js';
import { OtlpProtoError } from './errors.js';
import { writeHex } from './ids.js';
import { utf8Length } from './strings.js';

const TWO_32 = 4294967296;
const INITIAL_SIZE = 64 * 1024;
/** Larger buffers are handed out instead of kept, so one huge batch does not pin memory. */
const MAX_RETAINED = 1024 * 1024;

const encoder = new TextEncoder();
let spare: Writer | undefined;

export class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  /** Writes from the start of `buf` on. */
  restart(buf: Uint8Array): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = 0;
  }

  /** A writer for one encode call: the module's reusable one unless another call holds it. */
  static acquire(): Writer {
    const w = spare ?? new Writer(INITIAL_SIZE);
    spare = undefined;
    w.pos = 0;
    return w;
  }

  /** The bytes written, as a buffer of their own; the writer returns to the pool. */
  finish(): Uint8Array {
    if (this.buf.length > MAX_RETAINED) return this.buf.subarray(0, this.pos);
    const out = this.buf.slice(0, this.pos);
    spare = this;
    return out;
  }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const size = Math.max(this.buf.length * 2, this.pos + n);
    const next = size >= LARGE_BUFFER_BYTES ? allocLarge(size) : new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** Unsigned varint of a value in [0, 2^32). */
  uint32(n: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (n > 0x7f) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  /** int32 and enums: negative values are sign-extended to 64 bits, as protobuf requires. */
  int32(n: number): void {
    if (n >= 0) this.uint32(n);
    else this.varint64(n >>> 0, 0xffffffff);
  }

  sint32(n: number): void {
    this.uint32(((n << 1) ^ (n >> 31)) >>> 0);
  }

  bool(b: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = b ? 1 : 0;
  }

  varint64(lo: number, hi: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  int64(v: bigint): void {
    if (v >= 0n && v < 0x80000000n) {
      this.uint32(Number(v));
      return;
    }
    const u = BigInt.asUintN(64, v);
    this.varint64(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  /** A count the model keeps as a JS number, as uint64 (see {@link uint64Of}). */
  uint64Number(n: number): void {
    if (n >= 0 && n < TWO_32 && Number.isInteger(n)) {
      this.uint32(n);
      return;
    }
    const v = uint64Of(n);
    const hi = Math.floor(v / TWO_32);
    this.varint64(v - hi * TWO_32, hi);
  }

  fixed32(n: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, n, true);
    this.pos += 4;
  }

  fixed64(v: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
  }

  sfixed64(v: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, v, true);
    this.pos += 8;
  }

  fixed64Number(n: number): void {
    const v = uint64Of(n);
    const hi = Math.floor(v / TWO_32);
    this.ensure(8);
    this.view.setUint32(this.pos, v - hi * TWO_32, true);
    this.view.setUint32(this.pos + 4, hi, true);
    this.pos += 8;
  }

  double(n: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, n, true);
    this.pos += 8;
  }

  /** Length-prefixed UTF-8; ASCII below 128 characters (nearly every string) in one loop. */
  string(s: string): void {
    const n = s.length;
    if (n < 0x80) {
      this.ensure(n + 1);
      const buf = this.buf;
      const start = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + 1 + i] = c;
      }
      if (i === n) {
        buf[start] = n;
        this.pos = start + 1 + n;
        return;
      }
    }
    const len = utf8Length(s);
    this.uint32(len);
    this.ensure(len);
    const { written } = encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + len));
    if (written !== len) throw new OtlpProtoError(`UTF-8 length mismatch encoding a string of ${n} characters`);
    this.pos += len;
  }

  /** Bytes that are already encoded fields (a message kept as protobuf), without a length. */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  bytes(b: Uint8Array): void {
    this.uint32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A trace or span id field; "" (absent) writes nothing. */
  id(tag: number, id: string, size: number, what: string): void {
    if (id === '') return;
    this.uint32(tag);
    this.ensure(size + 1);
    this.buf[this.pos++] = size;
    if (!writeHex(id, size, this.buf, this.pos)) {
      throw new OtlpProtoError(`${what} must be ${size * 2} hex digits or empty, got ${JSON.stringify(id.slice(0, 40))}`);
    }
    this.pos += size;
  }

  /** Starts a nested message; returns where its length goes. */
  open(): number {
    this.ensure(1);
    return this.pos++;
  }

  close(at: number): void {
    const len = this.pos - at - 1;
    if (len < 0x80) {
      this.buf[at] = len;
      return;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    const buf = this.buf;
    buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    let p = at;
    let n = len;
    while (n > 0x7f) {
      buf[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[p] = n;
  }
}

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/**
 * A count held as a JS number, made a valid uint64: fractions truncated, negative and NaN as 0,
 * and anything at or above 2^64 as the largest double below it. Exact up to 2^53, like the
 * model.
 */
function uint64Of(n: number): number {
  if (!(n > 0)) return 0;
  return n < 18446744073709551616 ? Math.trunc(n) : 18446744073709549568;
}
