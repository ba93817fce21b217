import type { DecodeLimits } from '../../pipeline/decode-limits.js';
import type { PipelineSignal, SignalData } from '../../pipeline/model.js';
import { decodeSignal as decodeJson, parseJson } from '../../pipeline/otlpjson/index.js';
import { decodeSignal as decodeProto, encodeExportResponse, encodeStatus } from '../../pipeline/otlpproto/index.js';
import type { PartialSuccess } from '../../pipeline/otlpproto/index.js';

export type Format = 'proto' | 'json';

export const CONTENT_TYPE: Record<Format, string> = { proto: 'application/x-protobuf', json: 'application/json' };

/** The format of a Content-Type header, or undefined for one OTLP/HTTP does not speak. */
export function formatOf(contentType: string | undefined): Format | undefined {
  const media = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (media === 'application/x-protobuf') return 'proto';
  if (media === 'application/json') return 'json';
  return undefined;
}

/** Throws on malformed data, and DecodeLimitError for more than `limits` allow (see limits.ts). */
export function decodeRequest<S extends PipelineSignal>(signal: S, format: Format, body: Buffer, limits: DecodeLimits): SignalData[S] {
  if (format === 'proto') return decodeProto(signal, body, limits) as SignalData[S];
  return decodeJson(signal, parseJson(body, limits), limits) as SignalData[S];
}

const PARTIAL_FIELD: Record<PipelineSignal, string> = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords', profiles: 'rejectedProfiles' };

export function encodeResponse(signal: PipelineSignal, format: Format, partial?: PartialSuccess): Uint8Array | string {
  if (format === 'proto') return encodeExportResponse(signal, partial);
  if (!partial) return '{}';
  return JSON.stringify({ partialSuccess: { [PARTIAL_FIELD[signal]]: String(partial.rejected), errorMessage: partial.errorMessage } });
}

/** A google.rpc.Status body, as the OTLP/HTTP specification wants for errors. */
export function encodeStatusBody(format: Format, code: number, message: string): Uint8Array | string {
  return format === 'proto' ? encodeStatus({ code, message }) : JSON.stringify({ code, message });
}

/** google.rpc.Code values used in answers. */
export const RPC_CODE = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 } as const;
