import type { AnyValue } from '../model.js';
import type { CompareOp, KeyNode } from './ast.js';
import { OttlRuntimeError } from './errors.js';
import { timeToString } from './time-format.js';
import { formatDuration, OttlDuration, OttlTime } from './time.js';

/**
 * A runtime OTTL value. The model's AnyValue already carries most of OTTL's type system: string,
 * bool, int64 (bigint), double (number), bytes (Uint8Array), list, map, and nil (null). Time and
 * duration values exist only while a condition or statement runs: attributes cannot hold them.
 */
export type Value = AnyValue | OttlTime | OttlDuration;

export type TypeName = 'nil' | 'string' | 'bool' | 'int' | 'double' | 'bytes' | 'list' | 'map' | 'time' | 'duration';

/**
 * A value for a list or map being built: times and durations cannot be stored, so the
 * statement fails rather than losing them silently.
 */
export function storable(v: Value, where: string): AnyValue {
  if (isAnyValue(v)) return v;
  throw new OttlRuntimeError(`${where} cannot hold a ${typeName(v)} value; convert it first (UnixNano, FormatTime, String)`);
}

/** Whether a value can be stored in the model (an attribute, a body): everything but times and durations. */
export const isAnyValue = (v: Value): v is AnyValue => !(v instanceof OttlTime || v instanceof OttlDuration);

export function typeName(v: Value): TypeName {
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
  }
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof OttlTime) return 'time';
  if (v instanceof OttlDuration) return 'duration';
  return Array.isArray(v) ? 'list' : 'map';
}

/**
 * OTTL's comparison rules: nil equals only nil; values of different types are never equal
 * (so only `!=` is true) except int and double, which compare numerically; strings and bytes
 * order lexically, bools order false < true; maps and lists support only == and !=.
 */
export function compare(a: Value, b: Value, op: CompareOp): boolean {
  if (a === null || b === null) {
    if (a === null && b === null) return op === '==' || op === '<=' || op === '>=';
    return op === '!=';
  }
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'string' || ta === 'bigint' || ta === 'number') {
    if (ta === tb) return ordered(a as string | bigint | number, b as string | bigint | number, op);
    if ((ta === 'bigint' && tb === 'number') || (ta === 'number' && tb === 'bigint')) return ordered(Number(a), Number(b), op);
    return op === '!=';
  }
  if (ta === 'boolean') {
    if (tb !== 'boolean') return op === '!=';
    return ordered(a ? 1 : 0, b ? 1 : 0, op);
  }
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array)) return op === '!=';
    return ordered(Buffer.compare(a, b), 0, op);
  }
  if (a instanceof OttlTime) return b instanceof OttlTime ? ordered(a.unixNano, b.unixNano, op) : op === '!=';
  if (a instanceof OttlDuration) return b instanceof OttlDuration ? ordered(a.nanos, b.nanos, op) : op === '!=';
  if (typeName(a) !== typeName(b)) return op === '!=';
  if (op === '==') return deepEqual(a, b);
  if (op === '!=') return !deepEqual(a, b);
  return false;
}

// Direct operators rather than a -1/0/1 result, so NaN compares false like Go's float64.
function ordered<T extends string | bigint | number>(a: T, b: T, op: CompareOp): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** Structural equality of AnyValues; int 1 and double 1.0 differ, as in pdata's Value.Equal. */
export function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  if (a instanceof OttlTime) return b instanceof OttlTime && a.unixNano === b.unixNano;
  if (a instanceof OttlDuration) return b instanceof OttlDuration && a.nanos === b.nanos;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (!(b instanceof Map) || !(a instanceof Map) || a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !deepEqual(v, w)) return false;
  }
  return true;
}

/**
 * Follows `[key]` steps into maps and lists. A missing map key yields nil; indexing anything
 * else, a list out of bounds, or with the wrong key type is an error (as upstream).
 */
export function indexValue(v: Value, keys: readonly KeyNode[]): Value {
  for (const { value: key } of keys) {
    if (v instanceof Map) {
      if (typeof key !== 'string') throw new OttlRuntimeError(`a map must be indexed by a string, got [${key}]`);
      const next = v.get(key);
      if (next === undefined) return null;
      v = next;
    } else if (Array.isArray(v)) {
      if (typeof key !== 'bigint') throw new OttlRuntimeError(`a list must be indexed by an integer, got [${JSON.stringify(key)}]`);
      if (key < 0n || key >= BigInt(v.length)) throw new OttlRuntimeError(`index ${key} out of bounds`);
      v = v[Number(key)];
    } else {
      throw new OttlRuntimeError(`a value of type ${typeName(v)} cannot be indexed with [${JSON.stringify(typeof key === 'bigint' ? Number(key) : key)}]`);
    }
  }
  return v;
}

/**
 * The string OTTL's "string-like" arguments see: strings as is, numbers and bools formatted,
 * bytes as lowercase hex, maps and lists as JSON with sorted keys. nil stays nil.
 */
export function toStringLike(v: Value): string | null {
  if (v === null) return null;
  switch (typeof v) {
    case 'string':
      return v;
    case 'bigint':
    case 'boolean':
      return String(v);
    case 'number':
      return formatDouble(v);
  }
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (v instanceof OttlTime) return timeToString(v);
  if (v instanceof OttlDuration) return formatDuration(v.nanos);
  return toJSON(v);
}

// Go's encoding/json float format agrees with ECMAScript's Number#toString for finite values.
function formatDouble(v: number): string {
  return String(v);
}

function toJSON(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'bigint':
    case 'boolean':
      return String(v);
    case 'number':
      return Number.isFinite(v) ? formatDouble(v) : 'null';
  }
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));
  if (!isAnyValue(v)) return JSON.stringify(toStringLike(v));
  if (Array.isArray(v)) return `[${v.map(toJSON).join(',')}]`;
  const keys = [...v.keys()].sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${toJSON(v.get(k) ?? null)}`).join(',')}}`;
}

/**
 * Assigns `v` at `[key]...` below `container`, creating missing maps on the way (as OTTL's
 * setters do); a list index must be in bounds. Errors name types and keys, never values.
 */
export function setIndexed(container: Value, keys: readonly KeyNode[], v: AnyValue): void {
  let cur = container;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i].value;
    const last = i === keys.length - 1;
    if (cur instanceof Map) {
      if (typeof key !== 'string') throw new OttlRuntimeError(`a map must be indexed by a string, got [${key}]`);
      if (last) {
        cur.set(key, v);
        return;
      }
      let next = cur.get(key);
      if (next === undefined || next === null) {
        next = new Map();
        cur.set(key, next);
      }
      cur = next;
    } else if (Array.isArray(cur)) {
      if (typeof key !== 'bigint') throw new OttlRuntimeError(`a list must be indexed by an integer, got [${JSON.stringify(key)}]`);
      if (key < 0n || key >= BigInt(cur.length)) throw new OttlRuntimeError(`index ${key} out of bounds`);
      if (last) {
        cur[Number(key)] = v;
        return;
      }
      cur = cur[Number(key)];
    } else {
      throw new OttlRuntimeError(`a value of type ${typeName(cur)} cannot be indexed with [${JSON.stringify(typeof key === 'bigint' ? Number(key) : key)}]`);
    }
  }
}
