/**
 * Byte limits on texts that components keep: checks cheap enough for hot paths, and cuts that
 * do not keep the original alive (a V8 slice shares its parent's memory, so a 64-byte slice of
 * a 20 MB attribute holds all 20 MB for as long as the slice lives).
 */

const utf8 = new TextEncoder();
let scratch = new Uint8Array(256);

/** Whether `s` takes more than `maxBytes` in UTF-8; counts bytes only when its length leaves a doubt. */
export function utf8LongerThan(s: string, maxBytes: number): boolean {
  return s.length > maxBytes || (s.length * 3 > maxBytes && Buffer.byteLength(s) > maxBytes);
}

/** The longest prefix of `s` that fits in `maxBytes` of UTF-8 (whole characters), as a string of its own. */
export function utf8Prefix(s: string, maxBytes: number): string {
  if (scratch.length < maxBytes) scratch = new Uint8Array(maxBytes);
  const { written } = utf8.encodeInto(s, scratch.subarray(0, maxBytes));
  return Buffer.from(scratch.buffer, scratch.byteOffset, written).toString('utf8');
}

/** What follows the kept prefix of a cut text. */
export const truncationMarker = (originalBytes: number) => `…[truncated from ${originalBytes} bytes]`;

/** `s`, or its first `maxBytes` followed by the truncation marker when it is longer. */
export function cutText(s: string, maxBytes: number): string {
  if (!utf8LongerThan(s, maxBytes)) return s;
  return utf8Prefix(s, maxBytes) + truncationMarker(Buffer.byteLength(s));
}
