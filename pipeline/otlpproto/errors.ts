/** Malformed protobuf input, or a model value that has no protobuf encoding. */
export class OtlpProtoError extends Error {
  constructor(
    message: string,
    /** Byte offset in the input where decoding stopped; -1 when encoding. */
    readonly offset = -1,
  ) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message);
    this.name = 'OtlpProtoError';
  }
}

/**
 * Nesting limit for array/kvlist values — the same as OTLP/JSON's, so a model one codec
 * accepts the other does too. Recursion deeper than this only serves to exhaust the stack of
 * every component that walks the value.
 */
export { MAX_VALUE_DEPTH } from '../otlpjson/common.js';
