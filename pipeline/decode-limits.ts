/**
 * Per-request bounds on what an OTLP decoder builds from untrusted input. Byte limits alone do
 * not bound memory: a 2-byte empty span becomes a ~450-byte model object, so 20 MB of them
 * decode to gigabytes. Decoders count as they read and stop at the limit, before building
 * what lies beyond it.
 */

export interface DecodeLimits {
  /**
   * Records, each a model object with its own attribute map: resource and scope entries,
   * spans, span events and links, metrics, data points, exemplars, log records.
   */
  maxItems: number;
  /** Attributes (key/value pairs at every level, kvlist entries included), array elements, summary quantiles. */
  maxValues: number;
}

/**
 * `containers`: OTLP/JSON objects and arrays, refused before JSON.parse builds them when there
 * are more than a request within the other two limits can hold (see otlpjson/parse.ts).
 */
export type DecodeLimit = 'items' | 'values' | 'containers';

export const NO_DECODE_LIMITS: DecodeLimits = { maxItems: Infinity, maxValues: Infinity };

/** The request holds more than a limit allows; `where` is a byte offset or a JSON path, never content. */
export class DecodeLimitError extends Error {
  constructor(
    readonly limit: DecodeLimit,
    readonly max: number,
    readonly where: string,
  ) {
    super(`more than ${max} ${limit} in one request (${where})`);
    this.name = 'DecodeLimitError';
  }
}
