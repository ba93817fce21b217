/**
 * OTLP/JSON encoding of Summit's model, as the OTLP specification defines it: lowerCamelCase
 * names, hex trace/span ids, integer enums, 64-bit integers as decimal strings, bytes as
 * base64. Encoders return the ExportXServiceRequest as a plain object ready for
 * JSON.stringify; decoders take parsed JSON and throw {@link OtlpJsonError} on bad input.
 */
import type { DecodeLimits } from '../decode-limits.js';
import type { PipelineSignal, SignalData } from '../model.js';
import { decodeLogs, encodeLogs } from './logs.js';
import { decodeMetrics, encodeMetrics } from './metrics.js';
import { decodeProfiles, encodeProfiles } from './profiles.js';
import { decodeTraces, encodeTraces } from './traces.js';

export { OtlpJsonError } from './reader.js';
export { MAX_VALUE_DEPTH } from './common.js';
export { MAX_JSON_DEPTH, parseJson } from './parse.js';
export { DecodeLimitError, NO_DECODE_LIMITS, type DecodeLimit, type DecodeLimits } from '../decode-limits.js';
export { decodeLogs, decodeMetrics, decodeProfiles, decodeTraces, encodeLogs, encodeMetrics, encodeProfiles, encodeTraces };

const CODECS: { [S in PipelineSignal]: { encode(data: SignalData[S]): object; decode(json: unknown, limits?: DecodeLimits): SignalData[S] } } = {
  traces: { encode: encodeTraces, decode: decodeTraces },
  metrics: { encode: encodeMetrics, decode: decodeMetrics },
  logs: { encode: encodeLogs, decode: decodeLogs },
  profiles: { encode: encodeProfiles, decode: decodeProfiles },
};

export function encodeSignal<S extends PipelineSignal>(signal: S, data: SignalData[S]): object {
  return CODECS[signal].encode(data);
}

/** Parsed JSON to the model; with `limits`, a request holding more throws {@link DecodeLimitError}. */
export function decodeSignal<S extends PipelineSignal>(signal: S, json: unknown, limits?: DecodeLimits): SignalData[S] {
  return CODECS[signal].decode(json, limits);
}
