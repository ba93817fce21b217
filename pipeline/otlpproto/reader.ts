/**
 * A cursor over protobuf bytes. Every read is bounds-checked against the buffer, every
 * length against the enclosing message, so hostile input ends in an {@link OtlpProtoError}
 * before anything of the claimed size is allocated. Message decoders check that they stopped
 * exactly at their end, which catches a fixed-width or varint value straddling it.
 *
 * Hot paths (one-byte tags and lengths) are inlined by hand; the rest goes to slow paths.
 */
import { DecodeLimitError, NO_DECODE_LIMITS, type DecodeLimit, type DecodeLimits } from '../decode-limits.js';
import { OtlpProtoError } from './errors.js';
import { hex } from './ids.js';
import { NAMES, VALUES } from './strings.js';

export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

const TWO_32 = 4294967296;

// Assembles an int64 from two uint32 halves without BigInt arithmetic.
const scratch32 = new Uint32Array(2);
const scratchI64 = new BigInt64Array(scratch32.buffer);

export class Reader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  readonly len: number;
  pos = 0;
  /** Halves of the last 64-bit varint read by {@link varint64}. */
  private lo = 0;
  private hi = 0;
  /** Spans of one trace usually travel together: reuse the previous trace id's string. */
  private readonly lastTrace = new Uint8Array(16);
  private lastTraceHex = '';
  /** Records and values read so far, against the request's {@link DecodeLimits}. */
  private items = 0;
  private values = 0;
  private readonly maxItems: number;
  private readonly maxValues: number;

  constructor(input: Uint8Array, limits: DecodeLimits = NO_DECODE_LIMITS) {
    // Buffer (a Uint8Array subclass) would make every element load polymorphic.
    const buf = input.constructor === Uint8Array ? input : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.len = buf.length;
    this.maxItems = limits.maxItems;
    this.maxValues = limits.maxValues;
  }

  /** Counts a record (see {@link DecodeLimits}) as its tag is read, before it is built. */
  countItem(): void {
    if (++this.items > this.maxItems) this.overLimit('items', this.maxItems);
  }

  /** Counts an attribute, array element or quantile as its tag is read. */
  countValue(): void {
    if (++this.values > this.maxValues) this.overLimit('values', this.maxValues);
  }

  private overLimit(limit: DecodeLimit, max: number): never {
    throw new DecodeLimitError(limit, max, `at byte ${this.pos}`);
  }

  fail(message: string): never {
    throw new OtlpProtoError(message, this.pos);
  }

  /** A field tag: field number ≥ 1 and a wire type; callers switch on the whole tag. */
  tag(): number {
    const b = this.buf[this.pos];
    if (b < 0x80 && b >= 8) {
      this.pos++;
      return b;
    }
    return this.tagSlow();
  }

  private tagSlow(): number {
    const start = this.pos;
    const t = this.varint32(5);
    if (t >>> 3 === 0) {
      this.pos = start;
      this.fail('invalid field number 0');
    }
    return t;
  }

  /** Reads a varint of at most `maxBytes` bytes and returns its low 32 bits, unsigned. */
  private varint32(maxBytes: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let v = 0;
    for (let shift = 0, i = 0; ; shift += 7, i++) {
      if (pos >= this.len) this.fail('truncated varint');
      if (i === maxBytes) this.fail(maxBytes === 10 ? 'varint longer than 10 bytes' : 'value too large');
      const b = buf[pos++];
      // Tags and lengths must fit in 32 bits; truncating would misread hostile input.
      if (i === 4 && maxBytes === 5 && b > 0x0f) this.fail('value too large');
      if (shift < 32) v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return v >>> 0;
      }
    }
  }

  uint32(): number {
    const b = this.buf[this.pos];
    if (b < 0x80) {
      this.pos++;
      return b;
    }
    return this.varint32(10);
  }

  /** int32 and enums: negative values arrive sign-extended to 10 bytes. */
  int32(): number {
    return this.uint32() | 0;
  }

  sint32(): number {
    const n = this.uint32();
    return (n >>> 1) ^ -(n & 1);
  }

  /** The end offset of a length-delimited field, checked against the enclosing `limit`. */
  end(limit: number): number {
    let len = this.buf[this.pos];
    if (len < 0x80) this.pos++;
    else len = this.varint32(5);
    if (len > limit - this.pos) this.fail(`length ${len} past the end of the message`);
    return this.pos + len;
  }

  /** Reads a full 64-bit varint into lo/hi. */
  private varint64(): void {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let i = 0; ; i++) {
      if (pos >= this.len) this.fail('truncated varint');
      if (i === 10) this.fail('varint longer than 10 bytes');
      b = buf[pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) break;
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** int64 as an exact bigint; small values (the usual case) avoid BigInt arithmetic. */
  int64(): bigint {
    const b = this.buf[this.pos];
    if (b < 0x80) {
      this.pos++;
      return BigInt(b);
    }
    this.varint64();
    return this.bigintOfHalves();
  }

  private bigintOfHalves(): bigint {
    const { lo, hi } = this;
    if (hi === 0 && lo < 0x40000000) return BigInt(lo);
    scratch32[0] = lo;
    scratch32[1] = hi;
    return scratchI64[0];
  }

  /** uint64 kept as a JS number (histogram counts): exact up to 2^53, rounded above. */
  uint64Number(): number {
    const b = this.buf[this.pos];
    if (b < 0x80) {
      this.pos++;
      return b;
    }
    this.varint64();
    return this.hi * TWO_32 + this.lo;
  }

  /** int64 that fits a JS number in practice (partial-success counts, durations). */
  int64Number(): number {
    this.varint64();
    return (this.hi | 0) * TWO_32 + this.lo;
  }

  bool(): boolean {
    const b = this.buf[this.pos];
    if (b < 0x80) {
      this.pos++;
      return b !== 0;
    }
    this.varint64();
    return (this.lo | this.hi) !== 0;
  }

  private need(n: number): number {
    const p = this.pos;
    if (p + n > this.len) this.fail('truncated fixed-width value');
    this.pos = p + n;
    return p;
  }

  fixed32(): number {
    return this.view.getUint32(this.need(4), true);
  }

  /** fixed64 timestamps: one native read straight to bigint, no per-half BigInt math. */
  fixed64(): bigint {
    return this.view.getBigUint64(this.need(8), true);
  }

  sfixed64(): bigint {
    return this.view.getBigInt64(this.need(8), true);
  }

  fixed64Number(): number {
    const p = this.need(8);
    return this.view.getUint32(p + 4, true) * TWO_32 + this.view.getUint32(p, true);
  }

  double(): number {
    return this.view.getFloat64(this.need(8), true);
  }

  /** Skips a field this decoder does not know (or knows with another wire type). */
  skip(tag: number, limit: number): void {
    switch (tag & 7) {
      case VARINT:
        this.varint64();
        return;
      case I64:
        this.need(8);
        return;
      case LEN:
        this.pos = this.end(limit);
        return;
      case I32:
        this.need(4);
        return;
      case 3:
      case 4:
        this.fail(`group (wire type ${tag & 7}) in field ${tag >>> 3}: groups are not supported`);
      // falls through: fail never returns
      default:
        this.fail(`invalid wire type ${tag & 7} in field ${tag >>> 3}`);
    }
  }

  /** Called after a message's field loop: a value that straddled its end is malformed. */
  done(end: number): void {
    if (this.pos !== end) this.fail('field runs past the end of its message');
  }

  /** A string field with few distinct values (keys, names), through {@link NAMES}. */
  name(limit: number): string {
    const end = this.end(limit);
    const start = this.pos;
    this.pos = end;
    return NAMES.get(this.buf, this.view, start, end);
  }

  /** A string field with possibly many distinct values; short ones go through {@link VALUES}. */
  string(limit: number): string {
    const end = this.end(limit);
    const start = this.pos;
    this.pos = end;
    return VALUES.get(this.buf, this.view, start, end);
  }

  /** A copy: the model must not pin (or alias) the request buffer. */
  bytes(limit: number): Uint8Array {
    const end = this.end(limit);
    const start = this.pos;
    this.pos = end;
    return this.buf.slice(start, end);
  }

  private idBounds(limit: number, size: number, what: string): number {
    const end = this.end(limit);
    const n = end - this.pos;
    if (n !== size && n !== 0) this.fail(`${what} of ${n} bytes (must be ${size} or empty)`);
    return end;
  }

  spanId(limit: number): string {
    const end = this.idBounds(limit, 8, 'span id');
    const start = this.pos;
    this.pos = end;
    return start === end ? '' : hex(this.buf, start, end);
  }

  traceId(limit: number): string {
    const end = this.idBounds(limit, 16, 'trace id');
    const start = this.pos;
    this.pos = end;
    if (start === end) return '';
    const buf = this.buf;
    const last = this.lastTrace;
    let i = 0;
    while (i < 16 && buf[start + i] === last[i]) i++;
    if (i === 16 && this.lastTraceHex !== '') return this.lastTraceHex;
    last.set(buf.subarray(start, end));
    return (this.lastTraceHex = hex(buf, start, end));
  }

  /** One element (unpacked) or a packed run of fixed64 counts, appended to `out`. */
  fixed64Numbers(tag: number, limit: number, out: number[]): void {
    if ((tag & 7) === I64) {
      out.push(this.fixed64Number());
      return;
    }
    const end = this.packedEnd(limit, 8);
    while (this.pos < end) out.push(this.fixed64Number());
  }

  doubles(tag: number, limit: number, out: number[]): void {
    if ((tag & 7) === I64) {
      out.push(this.double());
      return;
    }
    const end = this.packedEnd(limit, 8);
    while (this.pos < end) out.push(this.double());
  }

  uint64Numbers(tag: number, limit: number, out: number[]): void {
    if ((tag & 7) === VARINT) {
      out.push(this.uint64Number());
      return;
    }
    const end = this.end(limit);
    while (this.pos < end) out.push(this.uint64Number());
    this.done(end);
  }

  private packedEnd(limit: number, width: number): number {
    const end = this.end(limit);
    if ((end - this.pos) % width !== 0) this.fail(`packed field of ${end - this.pos} bytes is not a multiple of ${width}`);
    return end;
  }
}
