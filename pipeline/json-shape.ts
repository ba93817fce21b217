/**
 * Untrusted JSON bytes before JSON.parse. JSON.parse cannot stop early: it builds the whole
 * document first, ~65 bytes of heap per object or array, and deep nesting costs seconds (a
 * 20 MB body of `[` takes ~15 s). One byte scan before parsing finds both, so a receiver can
 * refuse the document with its own error instead of building it.
 */

export interface JsonShapeLimits {
  /** Objects and arrays nested inside each other, at most. */
  maxDepth: number;
  /** Objects and arrays in the whole document, at most. */
  maxContainers: number;
}

/** The first place a document goes beyond a limit: `at` is a byte offset. */
export interface JsonShapeViolation {
  limit: 'depth' | 'containers';
  at: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What a scan found: the objects and arrays counted, and where it stopped past a limit. */
export interface JsonShape {
  containers: number;
  violation?: JsonShapeViolation;
}

/** Scans `buf` (JSON text, valid or not) for nesting and containers beyond `limits`. */
export function jsonShape(buf: Buffer, limits: JsonShapeLimits): JsonShape {
  let depth = 0;
  let containers = 0;
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c === QUOTE) {
      i = stringEnd(buf, i);
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limits.maxDepth) return { containers, violation: { limit: 'depth', at: i } };
      if (++containers > limits.maxContainers) return { containers, violation: { limit: 'containers', at: i } };
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return { containers };
}

/** The index of the quote closing the string opened at `open` (or the end: JSON.parse then reports it). */
function stringEnd(buf: Buffer, open: number): number {
  let q = buf.indexOf(QUOTE, open + 1);
  while (q !== -1) {
    let backslashes = 0;
    while (buf[q - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q;
    q = buf.indexOf(QUOTE, q + 1);
  }
  return buf.length;
}

/**
 * Where JSON.parse found a syntax error, for answers that must not quote the request: V8's
 * messages quote the text around the error, so only the position is kept.
 */
export function jsonSyntaxErrorAt(err: unknown): string {
  const at = /at position (\d+)/.exec((err as Error)?.message ?? '')?.[1];
  return at === undefined ? 'a syntax error' : `a syntax error at character ${at}`;
}
