/**
 * Untrusted OTLP/JSON bytes to parsed JSON, for receivers. JSON.parse cannot stop early: it
 * builds the whole document first, ~65 bytes of heap per object or array, so 20 MB of `{},`
 * (a few kilobytes gzipped) costs 450 MB before a decode limit can be checked; and nesting
 * costs seconds (a 20 MB body of `[` takes ~15 s) though it does not overflow the stack. One
 * byte scan before parsing refuses both: nesting deeper than OTLP has, and more objects and
 * arrays than a request within the decode limits can hold.
 */
import { DecodeLimitError, NO_DECODE_LIMITS, type DecodeLimits } from '../decode-limits.js';
import { MAX_VALUE_DEPTH } from './common.js';
import { OtlpJsonError } from './reader.js';

/**
 * The deepest OTLP/JSON document: 15 levels down to an exemplar's attribute value
 * (request, resourceMetrics, entry, scopeMetrics, entry, metrics, metric, histogram,
 * dataPoints, point, exemplars, exemplar, filteredAttributes, key/value, value), then 4 per
 * nested kvlist (kvlistValue, values, key/value, value), plus a margin.
 */
export const MAX_JSON_DEPTH = 20 + 4 * MAX_VALUE_DEPTH;

/**
 * Objects and arrays a request within the limits holds at most: an item brings up to 10 of its
 * own (a data point with its attribute, exemplar, bucket and bound lists and both bucket sets;
 * a resource entry with its entity refs), a value up to 4 (the key/value, the AnyValue, an
 * arrayValue or kvlistValue and its list), the request 2.
 */
function maxContainers(limits: DecodeLimits): number {
  return 2 + 10 * limits.maxItems + 4 * limits.maxValues;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Parses `bytes` as UTF-8 JSON; errors name a position, never the text around it. With
 * `limits`, a document with more objects and arrays than they allow throws DecodeLimitError.
 */
export function parseJson(bytes: Uint8Array, limits: DecodeLimits = NO_DECODE_LIMITS): unknown {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkShape(buf, maxContainers(limits));
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    // V8's messages quote the text around the error; keep only where it is.
    const at = /at position (\d+)/.exec((err as Error).message)?.[1];
    throw new OtlpJsonError('', 'valid JSON', at === undefined ? 'a syntax error' : `a syntax error at character ${at}`);
  }
}

function checkShape(buf: Buffer, max: number): void {
  let depth = 0;
  let containers = 0;
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c === QUOTE) {
      i = stringEnd(buf, i);
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new OtlpJsonError('', `JSON nested at most ${MAX_JSON_DEPTH} levels deep`, `deeper nesting at byte ${i}`);
      }
      if (++containers > max) throw new DecodeLimitError('containers', max, `at byte ${i}`);
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
