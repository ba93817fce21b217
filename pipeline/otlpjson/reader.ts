/**
 * A typed, path-aware view over untrusted OTLP/JSON. Every accessor validates the value it
 * returns, so decoders read like a field list and hostile input ends in an {@link OtlpJsonError}
 * naming the exact JSON path, never in a TypeError deep inside a component.
 *
 * Protobuf's JSON mapping is followed on the decode side: lowerCamelCase or original
 * snake_case names, `null` meaning "not set", unknown fields ignored, 64-bit integers as
 * string or number, enums as number or name.
 */

import { DecodeLimitError, NO_DECODE_LIMITS, type DecodeLimit, type DecodeLimits } from '../decode-limits.js';

/**
 * The message names where (a path of schema field names and indices) and what was found, by
 * kind rather than by value: receivers send it back to whoever sent the request and it must
 * carry none of the request's text.
 */
export class OtlpJsonError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    /** What was found instead, e.g. "a string of 3 characters" (see {@link describe}). */
    got: string,
  ) {
    super(`${path || '(root)'}: expected ${expected}, got ${got}`);
    this.name = 'OtlpJsonError';
  }
}

/** A JSON value by kind: numbers and booleans as themselves (a double carries no text), strings by length only. */
function describe(v: unknown): string {
  if (typeof v === 'string') return v.length === 0 ? 'an empty string' : `a string of ${v.length} character${v.length === 1 ? '' : 's'}`;
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

const snakeNames = new Map<string, string>();
function snake(name: string): string {
  let s = snakeNames.get(name);
  if (s === undefined) {
    s = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    snakeNames.set(name, s);
  }
  return s;
}

/** How to read one scalar field: `parse` returns undefined for a value of the wrong shape. */
export interface Scalar<T> {
  expected: string;
  zero: T;
  parse(v: unknown): T | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Maps both spellings of each member of a oneof to its lowerCamelCase name. */
export type OneofTable = ReadonlyMap<string, string>;
export function oneofTable(names: readonly string[]): OneofTable {
  return new Map(names.flatMap((n) => [[n, n] as const, [snake(n), n] as const]));
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/** What lists count against; objects and arrays (`containers`) are counted by parseJson. */
type Counted = Exclude<DecodeLimit, 'containers'>;

/** What one decode has taken of its {@link DecodeLimits}; shared by every Msg of a document. */
class Budget {
  private items = 0;
  private values = 0;

  constructor(private readonly limits: DecodeLimits) {}

  /** Takes a whole list at once, before any of it is decoded. */
  take(limit: Counted, n: number, where: () => string): void {
    const max = limit === 'items' ? this.limits.maxItems : this.limits.maxValues;
    const taken = limit === 'items' ? (this.items += n) : (this.values += n);
    if (taken > max) throw new DecodeLimitError(limit, max, `at ${where()}`);
  }
}

/**
 * One JSON object that is expected to be a protobuf message. It remembers where it sits in the
 * document (parent, key, index) so a path can be named, but only builds that text on error.
 */
export class Msg {
  private constructor(
    private readonly o: Readonly<Record<string, unknown>>,
    private readonly parent: Msg | undefined,
    private readonly key: string,
    private readonly index: number,
    private readonly budget: Budget,
  ) {}

  static root(json: unknown, limits: DecodeLimits = NO_DECODE_LIMITS): Msg {
    if (!isObject(json)) throw new OtlpJsonError('', 'an object', describe(json));
    return new Msg(json, undefined, '', -1, new Budget(limits));
  }

  /** This message's JSON path, e.g. `resourceSpans[0].scopeSpans[1]`; "" for the root. */
  path(): string {
    if (!this.parent) return '';
    const head = this.parent.path();
    const here = this.index >= 0 ? `${this.key}[${this.index}]` : this.key;
    return head ? `${head}.${here}` : here;
  }

  private raw(name: string): unknown {
    const v = this.o[name];
    if (v !== undefined && v !== null) return v;
    const alt = snake(name);
    if (alt === name) return undefined;
    return this.o[alt] ?? undefined;
  }

  /** The spelling actually present, so error paths match what the sender wrote. */
  private spelled(name: string): string {
    if (this.o[name] != null) return name;
    return this.o[snake(name)] != null ? snake(name) : name;
  }

  private fail(name: string, expected: string, got: unknown, index = -1): never {
    const head = this.path();
    const here = index >= 0 ? `${this.spelled(name)}[${index}]` : this.spelled(name);
    throw new OtlpJsonError(head ? `${head}.${here}` : here, expected, describe(got));
  }

  get<T>(name: string, kind: Scalar<T>): T {
    const v = this.raw(name);
    if (v === undefined) return kind.zero;
    const out = kind.parse(v);
    if (out === undefined) this.fail(name, kind.expected, v);
    return out;
  }

  /** For proto3 `optional` fields, where absent and zero differ. */
  opt<T>(name: string, kind: Scalar<T>): T | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const out = kind.parse(v);
    if (out === undefined) this.fail(name, kind.expected, v);
    return out;
  }

  /** Whether a field is set (present and not null), for fields whose presence matters. */
  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  /** A nested message; an absent one reads as all defaults. */
  message(name: string): Msg {
    const v = this.raw(name);
    if (v === undefined) return new Msg(EMPTY, this, name, -1, this.budget);
    if (!isObject(v)) this.fail(name, 'an object', v);
    return new Msg(v, this, this.spelled(name), -1, this.budget);
  }

  /** A repeated message field; its length counts against the decode's `limit` before any element is read. */
  messages<T>(name: string, limit: Counted, decode: (m: Msg) => T): T[] {
    const out: T[] = [];
    this.each(name, limit, (m) => {
      out.push(decode(m));
    });
    return out;
  }

  each(name: string, limit: Counted, visit: (m: Msg) => void): void {
    const list = this.list(name);
    if (list.length === 0) return;
    const key = this.spelled(name);
    this.budget.take(limit, list.length, () => {
      const head = this.path();
      return head ? `${head}.${key}` : key;
    });
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (!isObject(v)) this.fail(name, 'an object', v, i);
      visit(new Msg(v, this, key, i, this.budget));
    }
  }

  scalars<T>(name: string, kind: Scalar<T>): T[] {
    const list = this.list(name);
    const out = new Array<T>(list.length);
    for (let i = 0; i < list.length; i++) {
      const v = kind.parse(list[i]);
      if (v === undefined) this.fail(name, kind.expected, list[i], i);
      out[i] = v;
    }
    return out;
  }

  private list(name: string): readonly unknown[] {
    const v = this.raw(name);
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(name, 'an array', v);
    return v;
  }

  /** Which member of a oneof is set (camelCase name), or undefined when none is. */
  oneof(table: OneofTable): string | undefined {
    let found: string | undefined;
    for (const key in this.o) {
      const name = table.get(key);
      if (name === undefined || this.o[key] == null) continue;
      if (found !== undefined && found !== name) {
        this.fail(name, `only one of ${found} and ${name} to be set`, this.o[key]);
      }
      found = name;
    }
    return found;
  }

  /** Reports a problem found by the caller (e.g. nesting too deep) at this message's path. */
  error(expected: string, got: string): OtlpJsonError {
    return new OtlpJsonError(this.path(), expected, got);
  }
}

// ---------- scalars ----------

export const STRING: Scalar<string> = {
  expected: 'a string',
  zero: '',
  parse: (v) => (typeof v === 'string' ? v : undefined),
};

export const BOOL: Scalar<boolean> = {
  expected: 'true or false',
  zero: false,
  parse: (v) => (typeof v === 'boolean' ? v : undefined),
};

const INTEGER_TEXT = /^-?\d{1,20}$/;

function integer(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string' && INTEGER_TEXT.test(v)) return BigInt(v);
  return undefined;
}

function bigintRange(expected: string, min: bigint, max: bigint): Scalar<bigint> {
  return {
    expected,
    zero: 0n,
    parse(v) {
      const n = integer(v);
      return n !== undefined && n >= min && n <= max ? n : undefined;
    },
  };
}

function numberRange(expected: string, min: number, max: number): Scalar<number> {
  return {
    expected,
    zero: 0,
    parse(v) {
      // Small integers arrive as JSON numbers almost always; keep that path allocation-free.
      if (typeof v === 'number') return Number.isInteger(v) && v >= min && v <= max ? v : undefined;
      const n = integer(v);
      return n !== undefined && n >= BigInt(min) && n <= BigInt(max) ? Number(n) : undefined;
    },
  };
}

export const INT64 = bigintRange('a 64-bit integer (decimal string or number)', -(2n ** 63n), 2n ** 63n - 1n);
export const UINT64 = bigintRange('an unsigned 64-bit integer (decimal string or number)', 0n, 2n ** 64n - 1n);
/** uint64 counts the model keeps as JS numbers (exact up to 2^53). */
export const UINT64_NUMBER = numberRange('an unsigned 64-bit integer (decimal string or number)', 0, 2 ** 64 - 1);
export const INT32 = numberRange('a 32-bit integer', -(2 ** 31), 2 ** 31 - 1);
export const UINT32 = numberRange('an unsigned 32-bit integer', 0, 2 ** 32 - 1);

const FLOAT_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const SPECIAL_DOUBLES: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

export const DOUBLE: Scalar<number> = {
  expected: 'a number (or "NaN", "Infinity", "-Infinity")',
  zero: 0,
  parse(v) {
    if (typeof v === 'number') return v;
    if (typeof v !== 'string') return undefined;
    if (Object.hasOwn(SPECIAL_DOUBLES, v)) return SPECIAL_DOUBLES[v];
    return FLOAT_TEXT.test(v) ? Number(v) : undefined;
  },
};

const BASE64_TEXT = /^[A-Za-z0-9+/_-]*={0,2}$/;

function base64(v: unknown): Uint8Array | undefined {
  if (typeof v !== 'string' || !BASE64_TEXT.test(v) || v.replace(/=+$/, '').length % 4 === 1) return undefined;
  // Copy out of Buffer's shared pool so the model never keeps a view on unrelated memory.
  return new Uint8Array(Buffer.from(v, 'base64'));
}

export const BYTES: Scalar<Uint8Array> = {
  expected: 'base64-encoded bytes',
  zero: new Uint8Array(0),
  parse: base64,
};

function hexId(bytes: number): Scalar<string> {
  const hex = new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`);
  // Generic protobuf-JSON encoders emit bytes fields as base64; OTLP says hex. Accept both.
  const b64Length = Math.ceil(bytes / 3) * 4;
  return {
    expected: `${bytes * 2} hex characters`,
    zero: '',
    parse(v) {
      if (typeof v !== 'string') return undefined;
      if (v === '') return '';
      if (hex.test(v)) return v.toLowerCase();
      if (v.length === b64Length && v.endsWith('=')) {
        const b = base64(v);
        if (b && b.length === bytes) return Buffer.from(b).toString('hex');
      }
      return undefined;
    },
  };
}

export const TRACE_ID = hexId(16);
export const SPAN_ID = hexId(8);

/** An enum given as integer (any int32, protobuf enums are open) or as its proto name. */
export function enumOf(names: readonly string[]): Scalar<number> {
  const byName = new Map(names.map((n, i) => [n, i]));
  const prefix = names[0].slice(0, names[0].lastIndexOf('_') + 1);
  return {
    expected: `an integer or a ${prefix}* name`,
    zero: 0,
    parse(v) {
      if (typeof v === 'string') return byName.get(v);
      return INT32.parse(v);
    },
  };
}
