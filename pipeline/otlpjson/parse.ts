/**
 * Untrusted OTLP/JSON bytes to parsed JSON, for receivers. 20 MB of `{},` (a few kilobytes
 * gzipped) would cost 450 MB of heap before a decode limit could be checked, so a byte scan
 * (json-shape.ts) first refuses nesting deeper than OTLP has, and more objects and arrays than
 * a request within the decode limits can hold.
 */
import { DecodeLimitError, NO_DECODE_LIMITS, type DecodeLimits } from '../decode-limits.js';
import { jsonShape, jsonSyntaxErrorAt } from '../json-shape.js';
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

/**
 * Parses `bytes` as UTF-8 JSON; errors name a position, never the text around it. With
 * `limits`, a document with more objects and arrays than they allow throws DecodeLimitError.
 */
export function parseJson(bytes: Uint8Array, limits: DecodeLimits = NO_DECODE_LIMITS): unknown {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const max = maxContainers(limits);
  const { violation } = jsonShape(buf, { maxDepth: MAX_JSON_DEPTH, maxContainers: max });
  if (violation?.limit === 'depth') throw new OtlpJsonError('', `JSON nested at most ${MAX_JSON_DEPTH} levels deep`, `deeper nesting at byte ${violation.at}`);
  if (violation) throw new DecodeLimitError('containers', max, `at byte ${violation.at}`);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new OtlpJsonError('', 'valid JSON', jsonSyntaxErrorAt(err));
  }
}
