/**
 * Untrusted OTLP/JSON bytes to parsed JSON, for receivers. JSON.parse itself does not overflow
 * the stack on deep nesting, but it takes seconds and ~30 bytes of heap per level: a 20 MB
 * body of `[` (a few kilobytes gzipped) costs ~15 s of CPU. OTLP has a fixed depth, so
 * anything deeper is refused by a byte scan before parsing.
 */
import { MAX_VALUE_DEPTH } from './common.js';
import { OtlpJsonError } from './reader.js';

/**
 * The deepest OTLP/JSON document: 15 levels down to an exemplar's attribute value
 * (request, resourceMetrics, entry, scopeMetrics, entry, metrics, metric, histogram,
 * dataPoints, point, exemplars, exemplar, filteredAttributes, key/value, value), then 4 per
 * nested kvlist (kvlistValue, values, key/value, value), plus a margin.
 */
export const MAX_JSON_DEPTH = 20 + 4 * MAX_VALUE_DEPTH;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Parses `bytes` as UTF-8 JSON; errors name a position, never the text around it. */
export function parseJson(bytes: Uint8Array): unknown {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkDepth(buf);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    // V8's messages quote the text around the error; keep only where it is.
    const at = /at position (\d+)/.exec((err as Error).message)?.[1];
    throw new OtlpJsonError('', 'valid JSON', at === undefined ? 'a syntax error' : `a syntax error at character ${at}`);
  }
}

function checkDepth(buf: Buffer): void {
  let depth = 0;
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c === QUOTE) {
      i = stringEnd(buf, i);
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new OtlpJsonError('', `JSON nested at most ${MAX_JSON_DEPTH} levels deep`, `deeper nesting at byte ${i}`);
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
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
