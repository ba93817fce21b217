/**
 * Untrusted JSON in envelopes (header lines, item payloads), parsed within bounds: valid UTF-8,
 * nesting at most serde_json's recursion limit (what Relay parses with), and objects and arrays
 * across one request at most what a share of the heap holds, so no request can build more than
 * that before it is refused.
 */
import { isUtf8 } from 'node:buffer';
import { v8HeapLimit } from '../../pipeline/heap-limit.js';
import { jsonShape, jsonSyntaxErrorAt } from '../../pipeline/json-shape.js';
import { Refusal } from './answers.js';

/** serde_json's default recursion limit: Relay refuses deeper JSON too. */
export const MAX_JSON_DEPTH = 128;

/**
 * Objects and arrays one request may parse into: a quarter of the heap at ~256 bytes each once
 * converted to a record body (a kvlist Map and its entries).
 */
export function requestJsonContainers(heapLimit = v8HeapLimit()): number {
  return Math.floor(heapLimit / 4 / 256);
}

/** A payload that is not the JSON it should be; the message names where, never what. */
export class JsonPayloadError extends Error {}

/** What is left of one request's allowance of objects and arrays. */
export class JsonBudget {
  constructor(private remaining: number) {}

  /** Parses `bytes`, counting its objects and arrays; throws JsonPayloadError, or Refusal 413 past the budget. */
  parse(bytes: Buffer): unknown {
    if (!isUtf8(bytes)) throw new JsonPayloadError('not valid UTF-8');
    const { containers, violation } = jsonShape(bytes, { maxDepth: MAX_JSON_DEPTH, maxContainers: this.remaining });
    if (violation?.limit === 'depth') throw new JsonPayloadError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels at byte ${violation.at}`);
    if (violation) {
      throw new Refusal(413, 'envelope exceeded size limits', [`its JSON holds more objects and arrays than one request may (a quarter of the heap); split it`]);
    }
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new JsonPayloadError(`not valid JSON: ${jsonSyntaxErrorAt(err)}`);
    }
    this.remaining -= containers;
    return value;
  }
}
