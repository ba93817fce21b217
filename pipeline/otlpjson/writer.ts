/**
 * Encoding helpers. Fields at their proto3 default come back as `undefined`, which
 * JSON.stringify drops — the spec allows omitting defaults and it keeps lines short.
 */

export function str(s: string): string | undefined {
  return s === '' ? undefined : s;
}

/** 32-bit integers and enums stay JSON numbers. */
export function int(n: number): number | undefined {
  return n === 0 ? undefined : n;
}

export function bool(b: boolean): true | undefined {
  return b ? true : undefined;
}

/** 64-bit integers are decimal strings, so no JSON reader rounds them to a double. */
export function u64(n: bigint): string | undefined {
  return n === 0n ? undefined : n.toString();
}

/** A uint64 held as a JS number (histogram counts); exact up to 2^53. */
export function count(n: number): string {
  if (Number.isSafeInteger(n)) return String(n);
  if (!Number.isFinite(n) || n <= 0) return '0';
  return BigInt(Math.trunc(n)).toString();
}

export function optCount(n: number): string | undefined {
  return n === 0 ? undefined : count(n);
}

/** Doubles are JSON numbers except the three values JSON has no literal for. */
export function double(n: number): number | string {
  if (Number.isFinite(n)) return n;
  if (Number.isNaN(n)) return 'NaN';
  return n > 0 ? 'Infinity' : '-Infinity';
}

export function optDouble(n: number | undefined): number | string | undefined {
  return n === undefined ? undefined : double(n);
}

export function nonZeroDouble(n: number): number | string | undefined {
  return n === 0 ? undefined : double(n);
}

export function list<T, R>(items: readonly T[], encode: (item: T) => R): R[] | undefined {
  if (items.length === 0) return undefined;
  const out = new Array<R>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = encode(items[i]);
  return out;
}

export function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}
