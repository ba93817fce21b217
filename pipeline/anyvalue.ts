import type { AnyValue } from './model.js';
import { anyValueJsonText, writeAnyValueJson, writeAscii, type JsonFlavour, type JsonSink } from './json-writer.js';

/** pcommon.ValueType.String(): upstream's name for an AnyValue's type. */
export function anyValueTypeName(v: AnyValue): 'Empty' | 'Str' | 'Bool' | 'Int' | 'Double' | 'Bytes' | 'Slice' | 'Map' {
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
  if (v === null) return 'Empty';
  if (v instanceof Uint8Array) return 'Bytes';
  return Array.isArray(v) ? 'Slice' : 'Map';
}

export function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/**
 * pcommon.Value.AsString(), so conversions, hashes, matches and the debug exporter produce the
 * same text as the Collector: int64 exactly, doubles as shortest round-trip digits, bytes as
 * base64, arrays and kvlists as Go's json.Marshal writes them (sorted keys, HTML-safe escapes).
 */
export function anyValueAsString(v: AnyValue): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : `json: unsupported value: ${v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN'}`;
  }
  if (v === null) return '';
  if (v instanceof Uint8Array) return base64(v);
  return goJson(v);
}

// Go's encoding/json escapes these so its output is safe inside HTML.
const GO_JSON_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };
const goString = (s: string) => JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => GO_JSON_ESCAPES[c]);

// JSON.stringify cannot write bigint exactly, hence a small writer of our own.
function goJson(v: AnyValue): string {
  switch (typeof v) {
    case 'string':
      return goString(v);
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
  }
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `"${base64(v)}"`;
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const keys = [...v.keys()].sort();
  return `{${keys.map((k) => `${goString(k)}:${goJson(v.get(k) as AnyValue)}`).join(',')}}`;
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

/** model-ops' fromAnyValue as a JSON flavour: int64 a number while exact, else its digits as a string; bytes base64. */
const PLAIN: JsonFlavour = {
  scalar(v, out) {
    if (typeof v === 'bigint') {
      const digits = v.toString();
      writeAscii(v <= MAX_SAFE && v >= -MAX_SAFE ? digits : `"${digits}"`, out);
    } else if (typeof v === 'number') writeAscii(Number.isFinite(v) ? String(v) : 'null', out);
    else writeAscii(`"${base64(v)}"`, out);
  },
  key: (k) => k,
};
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * What JSON.stringify(fromAnyValue(v)) writes, straight from `v` (this runs on a whole Sentry
 * event per error) — except that kvlist keys keep their order, where an object would move
 * array-index keys (`"2"`) first.
 */
export function anyValueToJson(v: AnyValue): string {
  return anyValueJsonText(v, PLAIN);
}

/** anyValueToJson's JSON written as UTF-8 straight into `out`. */
export function writeAnyValueToJson(v: AnyValue, out: JsonSink): void {
  writeAnyValueJson(v, out, PLAIN);
}
