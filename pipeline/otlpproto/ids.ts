/** Trace and span ids: raw bytes on the wire, lowercase hex strings in the model. */

interface NativeHex {
  hexSlice(this: Uint8Array, start: number, end: number): string;
}
const nativeHex = typeof Buffer === 'function' ? (Buffer.prototype as unknown as Partial<NativeHex>).hexSlice : undefined;

const BYTE_HEX: string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * Node's native slicer yields a flat string in one call; concatenating table entries builds a
 * rope that V8 flattens again the first time the id is hashed or compared, which ids always are.
 */
export const hex: (buf: Uint8Array, start: number, end: number) => string = nativeHex
  ? (buf, start, end) => nativeHex.call(buf, start, end)
  : (buf, start, end) => {
      let s = '';
      for (let i = start; i < end; i++) s += BYTE_HEX[buf[i]];
      return s;
    };

/** Hex digit value by char code, -1 for anything else; upper case accepted when encoding. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
  NIBBLE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Writes `id` (2·bytes hex digits) at `pos`; false if it is not such a string. */
export function writeHex(id: string, bytes: number, out: Uint8Array, pos: number): boolean {
  if (id.length !== bytes * 2) return false;
  for (let i = 0; i < bytes; i++) {
    const hi = NIBBLE[id.charCodeAt(2 * i)];
    const lo = NIBBLE[id.charCodeAt(2 * i + 1)];
    // undefined (char code ≥ 128) compares false too, so `| 0` would hide it; test both ways.
    if (!(hi >= 0 && lo >= 0)) return false;
    out[pos + i] = (hi << 4) | lo;
  }
  return true;
}
