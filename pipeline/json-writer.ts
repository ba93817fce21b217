/**
 * AnyValues written as JSON straight into a byte buffer: no plain copy of the value for
 * JSON.stringify and no text built piece by piece (for a Sentry event in a log body either made
 * several times the event's size in garbage). Strings come out exactly as JSON.stringify writes
 * them; what JSON has no single form for (int64, non-finite doubles, bytes) and kvlist keys are
 * up to the flavour.
 */
import { allocLarge } from './large-buffer.js';
import type { AnyValue } from './model.js';

/** Where JSON goes: UTF-8 bytes written into `buf` from `pos`, after `reserve` made room. */
export interface JsonSink {
  buf: Buffer;
  pos: number;
  /** Makes room for `bytes` more bytes at `pos` (`buf` may be another buffer afterwards). */
  reserve(bytes: number): void;
}

export interface JsonFlavour {
  /** Writes an int64, a double or bytes. */
  scalar(v: bigint | number | Uint8Array, out: JsonSink): void;
  /** The key as written (before JSON escaping). */
  key(k: string): string;
}

/** `v` as JSON in `flavour`, kvlists as objects with their keys in their order. */
export function writeAnyValueJson(v: AnyValue, out: JsonSink, flavour: JsonFlavour): void {
  switch (typeof v) {
    case 'string':
      return writeJsonString(v, out);
    case 'boolean':
      return writeAscii(v ? 'true' : 'false', out);
    case 'bigint':
    case 'number':
      return flavour.scalar(v, out);
  }
  if (v === null) return writeAscii('null', out);
  if (v instanceof Uint8Array) return flavour.scalar(v, out);
  if (Array.isArray(v)) {
    writeByte(0x5b, out); // [
    for (let i = 0; i < v.length; i++) {
      if (i > 0) writeByte(0x2c, out); // ,
      writeAnyValueJson(v[i], out, flavour);
    }
    return writeByte(0x5d, out); // ]
  }
  writeByte(0x7b, out); // {
  let first = true;
  for (const k of v.keys()) {
    if (!first) writeByte(0x2c, out);
    first = false;
    writeJsonString(flavour.key(k), out);
    writeByte(0x3a, out); // :
    writeAnyValueJson(v.get(k)!, out, flavour);
  }
  writeByte(0x7d, out); // }
}

function writeByte(b: number, out: JsonSink): void {
  if (out.pos >= out.buf.length) out.reserve(1);
  out.buf[out.pos++] = b;
}

/** Text known to be ASCII without anything to escape (punctuation, numbers, base64). */
export function writeAscii(s: string, out: JsonSink): void {
  out.reserve(s.length);
  const buf = out.buf;
  const pos = out.pos;
  for (let i = 0; i < s.length; i++) buf[pos + i] = s.charCodeAt(i);
  out.pos = pos + s.length;
}

/** What JSON.stringify escapes in a string (lone surrogates among the surrogates). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string exactly as JSON.stringify writes it. */
export function writeJsonString(s: string, out: JsonSink): void {
  const n = s.length;
  if (n <= 64) {
    // Short printable ASCII is the common case; a JS loop beats a call into C++ for it.
    out.reserve(n + 2);
    const buf = out.buf;
    const pos = out.pos;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) break;
      buf[pos + 1 + i] = c;
    }
    if (i === n) {
      buf[pos] = 0x22;
      buf[pos + 1 + n] = 0x22;
      out.pos = pos + n + 2;
      return;
    }
  }
  if (NEEDS_ESCAPE.test(s)) {
    const text = JSON.stringify(s);
    out.reserve(3 * text.length);
    out.pos += out.buf.write(text, out.pos);
    return;
  }
  out.reserve(3 * n + 2);
  const buf = out.buf;
  let pos = out.pos;
  buf[pos++] = 0x22;
  pos += buf.write(s, pos);
  buf[pos++] = 0x22;
  out.pos = pos;
}

const SCRATCH_BYTES = 64 * 1024;

/**
 * A growing buffer of JSON bytes. Its ArrayBuffer is its own (never a slice of Node's shared
 * pool), so it can be transferred to another thread whole; `take` gives the text instead and
 * starts over, giving back what one huge value made it grow to.
 */
export class JsonBytes implements JsonSink {
  buf: Buffer;
  pos = 0;

  /** `room`: the first buffer's size, or a buffer to reuse (its old content is overwritten). */
  constructor(room: number | ArrayBuffer = SCRATCH_BYTES) {
    this.buf = typeof room === 'number' ? Buffer.allocUnsafeSlow(room) : Buffer.from(room);
  }

  reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = allocLarge(Math.max(2 * this.buf.length, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Appends text (any JSON made elsewhere). */
  write(text: string): void {
    this.reserve(3 * text.length);
    this.pos += this.buf.write(text, this.pos);
  }

  take(): string {
    const text = this.buf.toString('utf8', 0, this.pos);
    this.pos = 0;
    if (this.buf.length > 16 * SCRATCH_BYTES) this.buf = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
    return text;
  }
}

const scratch = new JsonBytes();

/** `v` as JSON text in `flavour`. */
export function anyValueJsonText(v: AnyValue, flavour: JsonFlavour): string {
  scratch.pos = 0; // a value that threw midway (nested too deep for the stack) left its start behind
  writeAnyValueJson(v, scratch, flavour);
  return scratch.take();
}
