/**
 * How an AnyValue is stored in a Parquet attribute map: a `type` tag and a `value` text.
 *
 * | type     | value                                                                      |
 * |----------|----------------------------------------------------------------------------|
 * | `Str`    | the string                                                                 |
 * | `Bool`   | `true` / `false`                                                           |
 * | `Int`    | decimal int64, exact (`9223372036854775807`)                               |
 * | `Double` | shortest round-trip digits, with `.0` when integral (`1.5`, `2.0`, `1e+21`, `-0.0`, `NaN`, `Infinity`, `-Infinity`) |
 * | `Bytes`  | base64                                                                     |
 * | `Slice`  | JSON array (see below)                                                     |
 * | `Map`    | JSON object (see below)                                                    |
 * | `Empty`  | NULL                                                                       |
 *
 * Inside `Slice` / `Map` JSON every element keeps its type: strings are JSON strings, booleans
 * and null are JSON's, an int64 is an integer literal (exact, never through a double), a finite
 * double always has a `.` or an exponent (`2.0`), kvlists are objects in their order. The two
 * things JSON cannot say are one-key objects: bytes `{"$bytes":"<base64>"}`, a non-finite double
 * `{"$double":"NaN"}`. So that these cannot be confused with a kvlist, a kvlist key that starts
 * with `$` is written with one more `$` (`$ref` → `$$ref`). Every value is read back exactly by
 * {@link decodeValue}; DuckDB reads the JSON as it is (`value::JSON`), ints as BIGINT.
 */
import { anyValueTypeName, base64 } from '../../pipeline/anyvalue.js';
import { anyValueJsonText, writeAnyValueJson, writeAscii, type JsonFlavour, type JsonSink } from '../../pipeline/json-writer.js';
import type { AnyValue } from '../../pipeline/model.js';
import { cutText, truncationMarker } from '../../pipeline/text-limit.js';

export type ValueType = ReturnType<typeof anyValueTypeName>;

/**
 * The type-map entry of a value that was cut (see {@link ValueLimit}): the text is no longer its
 * value's (a cut Map is not JSON), only a prefix of it, so no other type applies.
 */
export const TRUNCATED = 'Truncated';

export const valueType = anyValueTypeName;

/** A double as text that reads back to the same double and never looks like an int. */
export function doubleText(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const s = String(v);
  // String() writes integral doubles below 1e21 without a fraction or exponent.
  return Number.isInteger(v) && !s.includes('e') ? `${s}.0` : s;
}

/** The `value` text of an AnyValue; null for the empty value. */
export function valueText(v: AnyValue): string | null {
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      return doubleText(v);
  }
  if (v === null) return null;
  if (v instanceof Uint8Array) return base64(v);
  return json(v);
}

/** Parquet's typed JSON (see the top of this file) as a JSON flavour. */
const TYPED: JsonFlavour = {
  scalar(v, out) {
    if (typeof v === 'bigint') writeAscii(v.toString(), out);
    else if (typeof v === 'number') writeAscii(Number.isFinite(v) ? doubleText(v) : `{"$double":"${doubleText(v)}"}`, out);
    else writeAscii(`{"$bytes":"${base64(v)}"}`, out);
  },
  key: (k) => (k.charCodeAt(0) === 0x24 ? `$${k}` : k),
};

/** The typed JSON of a Slice or Map value (and of anything nested in one). */
export function json(v: AnyValue): string {
  return anyValueJsonText(v, TYPED);
}

/** Writes `v` as typed JSON straight into `out`'s bytes (a log body into its column). */
export function writeTypedJson(v: AnyValue, out: JsonSink): void {
  writeAnyValueJson(v, out, TYPED);
}

/** Reads a (type, value) pair back into the AnyValue it was written from. */
export function decodeValue(type: string, text: string | null): AnyValue {
  switch (type) {
    case 'Empty':
      return null;
    case 'Str':
    case TRUNCATED:
      return text ?? '';
    case 'Bool':
      return text === 'true';
    case 'Int':
      return BigInt(text ?? '0');
    case 'Double':
      return Number(text);
    case 'Bytes':
      return new Uint8Array(Buffer.from(text ?? '', 'base64'));
    case 'Slice':
    case 'Map':
      return new TypedJsonReader(text ?? 'null').read();
  }
  throw new Error(`unknown attribute value type "${type}"`);
}

/** A JSON reader that tells int literals (→ bigint, exact) from doubles and undoes the `$` tags. */
class TypedJsonReader {
  private i = 0;
  constructor(private readonly s: string) {}

  read(): AnyValue {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) this.fail('trailing characters');
    return v;
  }

  private fail(why: string): never {
    throw new Error(`invalid attribute JSON at ${this.i}: ${why}`);
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i])) this.i++;
  }

  private value(): AnyValue {
    this.ws();
    const c = this.s[this.i];
    if (c === '"') return this.string();
    if (c === '[') {
      this.i++;
      const out: AnyValue[] = [];
      this.ws();
      if (this.s[this.i] === ']') {
        this.i++;
        return out;
      }
      for (;;) {
        out.push(this.value());
        this.ws();
        const d = this.s[this.i++];
        if (d === ']') return out;
        if (d !== ',') this.fail('expected , or ]');
      }
    }
    if (c === '{') {
      this.i++;
      const out = new Map<string, AnyValue>();
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      for (;;) {
        this.ws();
        const k = this.string();
        this.ws();
        if (this.s[this.i++] !== ':') this.fail('expected :');
        out.set(k, this.value());
        this.ws();
        const d = this.s[this.i++];
        if (d === '}') break;
        if (d !== ',') this.fail('expected , or }');
      }
      if (out.size === 1) {
        const [[k, x]] = out;
        if (k === '$bytes' && typeof x === 'string') return new Uint8Array(Buffer.from(x, 'base64'));
        if (k === '$double' && typeof x === 'string') return Number(x);
      }
      const unescaped = new Map<string, AnyValue>();
      for (const [k, x] of out) unescaped.set(k.startsWith('$') ? k.slice(1) : k, x);
      return unescaped;
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    const m = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const hit = m.exec(this.s);
    if (!hit) this.fail('unexpected character');
    this.i = m.lastIndex;
    return hit[1] === undefined && hit[2] === undefined ? BigInt(hit[0]) : Number(hit[0]);
  }

  private string(): string {
    if (this.s[this.i] !== '"') this.fail('expected a string');
    const start = this.i;
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '\\') this.i += 2;
      else if (c === '"') break;
      else this.i++;
    }
    if (this.i >= this.s.length) this.fail('unterminated string');
    this.i++;
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }
}

/** Attribute bytes a resource, scope or metric keeps: 256 KiB, or max_value_bytes if larger (one value always fits). */
export const maxSetBytes = (maxValueBytes: number) => Math.max(256 * 1024, maxValueBytes);

/**
 * `max_value_bytes`: texts longer than this many UTF-8 bytes are cut to their first whole
 * characters within it, followed by {@link truncationMarker}, and counted.
 *
 * A resource's, scope's or metric's texts are shared by all its rows: written once per chunk
 * and once per Parquet dictionary, but hashed by the Parquet writer, and materialised by a
 * reader, once per row. So such a set keeps at most {@link maxSetBytes} of attribute keys and
 * values; attributes beyond it are dropped (and counted) rather than multiplied.
 */
export class ValueLimit {
  /** Attribute bytes (keys and values) a shared set keeps. */
  readonly maxSetBytes: number;
  private truncated = 0;
  private dropped = 0;

  constructor(readonly maxBytes: number) {
    this.maxSetBytes = maxSetBytes(maxBytes);
  }

  /** `s`, or its cut form; counted unless `count` is false. */
  text(s: string, count = true): string {
    const cut = cutText(s, this.maxBytes);
    if (count && cut !== s) this.truncated++;
    return cut;
  }

  countTruncated(n: number): void {
    this.truncated += n;
  }

  countDropped(n: number): void {
    this.dropped += n;
  }

  /** Texts cut and attributes dropped since the last call. */
  take(): { truncated: number; dropped: number } {
    const out = { truncated: this.truncated, dropped: this.dropped };
    this.truncated = 0;
    this.dropped = 0;
    return out;
  }
}

export { truncationMarker };
