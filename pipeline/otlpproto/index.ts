/**
 * OTLP protobuf encoding of Summit's model (opentelemetry-proto v1.x): the
 * ExportXServiceRequest bytes OTLP/gRPC and OTLP/HTTP (application/x-protobuf) carry, the
 * responses, and the google.rpc messages around them. Decoders take untrusted bytes and throw
 * {@link OtlpProtoError} on malformed input; see README.md for guarantees and figures.
 */
import type { DecodeLimits } from '../decode-limits.js';
import type { PipelineSignal, SignalData } from '../model.js';
import { decodeLogs, encodeLogs } from './logs.js';
import { decodeMetrics, encodeMetrics } from './metrics.js';
import { decodeProfiles, encodeProfiles } from './profiles.js';
import { decodeTraces, encodeTraces } from './traces.js';

export { MAX_VALUE_DEPTH, OtlpProtoError } from './errors.js';
export { dictionaryTables, profileFields, type DictionaryAttribute, type DictionaryTables, type ProfileFields, type ValueType } from './profile-fields.js';
export { DecodeLimitError, NO_DECODE_LIMITS, type DecodeLimit, type DecodeLimits } from '../decode-limits.js';
export {
  EXPORT_METHOD,
  RETRY_INFO_TYPE_URL,
  decodeExportResponse,
  decodeRetryInfo,
  decodeStatus,
  encodeExportResponse,
  encodeRetryInfo,
  encodeStatus,
  type PartialSuccess,
  type RpcStatus,
  type StatusDetail,
} from './rpc.js';
export { decodeLogs, decodeMetrics, decodeProfiles, decodeTraces, encodeLogs, encodeMetrics, encodeProfiles, encodeTraces };
export { decodeSpanList, SpanListBuffers } from './traces.js';

const CODECS: { [S in PipelineSignal]: { encode(data: SignalData[S]): Uint8Array; decode(buf: Uint8Array, limits?: DecodeLimits): SignalData[S] } } = {
  traces: { encode: encodeTraces, decode: decodeTraces },
  metrics: { encode: encodeMetrics, decode: decodeMetrics },
  logs: { encode: encodeLogs, decode: decodeLogs },
  profiles: { encode: encodeProfiles, decode: decodeProfiles },
};

export function encodeSignal<S extends PipelineSignal>(signal: S, data: SignalData[S]): Uint8Array {
  return CODECS[signal].encode(data);
}

/** Untrusted bytes to the model; with `limits`, a request holding more throws {@link DecodeLimitError}. */
export function decodeSignal<S extends PipelineSignal>(signal: S, buf: Uint8Array, limits?: DecodeLimits): SignalData[S] {
  return CODECS[signal].decode(buf, limits);
}
