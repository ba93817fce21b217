import type { AnyValue } from '../../pipeline/model.js';

/** A check on a config list: where it went wrong (key path inside the component) and why. */
export interface Problem {
  path: string;
  message: string;
}

/** One Error carrying every problem, for create() when validate() was bypassed. */
export function problemsError(component: string, problems: Problem[]): Error {
  return new Error(`${component}: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`);
}

/**
 * The Collector's `pcommon.Value.AsString()`, so conversions and matches produce the same text
 * as upstream: doubles as ECMAScript number strings, int64 exactly, bytes as base64, arrays and
 * kvlists as JSON. One deliberate difference: kvlist keys are emitted in sorted order (Go's
 * json.Marshal sorts map keys too) but without Go's HTML escaping of <, > and &.
 */
export function asString(v: AnyValue): string {
  if (v === null) return '';
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : `json: unsupported value: ${v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN'}`;
  }
  if (v instanceof Uint8Array) return base64(v);
  return toJSON(v);
}

function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

// JSON.stringify cannot write bigint exactly, hence a small writer of our own.
function toJSON(v: AnyValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
  }
  if (v instanceof Uint8Array) return JSON.stringify(base64(v));
  if (Array.isArray(v)) return `[${v.map(toJSON).join(',')}]`;
  const keys = [...v.keys()].sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${toJSON(v.get(k)!)}`).join(',')}}`;
}

/**
 * The text upstream's attribute matcher compares regexps against: only scalars have one
 * (Go's strconv forms, doubles never in exponent notation); other types never match.
 */
export function scalarString(v: AnyValue): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      return plainDecimal(v);
  }
  return undefined;
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): shortest round-trip digits, no exponent. */
export function plainDecimal(f: number): string {
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : f < 0 ? '-Inf' : 'NaN';
  const s = String(f);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const sign = s[0] === '-' ? '-' : '';
  const mantissa = s.slice(sign.length, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot < 0 ? mantissa.length : dot) + exp; // position of the decimal point in digits
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Typed equality as pdata's: an int never equals a double; kvlists compare regardless of order. */
export function anyValueEqual(a: AnyValue, b: AnyValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => anyValueEqual(x, b[i]));
  }
  if (!(b instanceof Map) || !(a instanceof Map) || a.size !== b.size) return false;
  for (const [k, x] of a) if (!b.has(k) || !anyValueEqual(x, b.get(k)!)) return false;
  return true;
}

/** Upstream's name for an AnyValue's type, for error messages. */
export function typeName(v: AnyValue): string {
  if (v === null) return 'Empty';
  switch (typeof v) {
    case 'string':
      return 'Str';
    case 'boolean':
      return 'Bool';
    case 'bigint':
      return 'Int';
    case 'number':
      return 'Double';
  }
  if (v instanceof Uint8Array) return 'Bytes';
  return Array.isArray(v) ? 'Slice' : 'Map';
}
