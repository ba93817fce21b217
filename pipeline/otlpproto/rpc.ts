/**
 * The small messages around an export: ExportXServiceResponse with its partial success,
 * google.rpc.Status (the gRPC status details / the OTLP/HTTP error body) and
 * google.rpc.RetryInfo (how long a throttled sender should wait).
 */
import type { PipelineSignal } from '../model.js';
import { writeInt32Field, writeMessageField, writeStringField } from './common.js';
import { OtlpProtoError } from './errors.js';
import { LEN, Reader, VARINT } from './reader.js';
import { Writer } from './writer.js';

export interface PartialSuccess {
  /** rejected_spans / rejected_data_points / rejected_log_records / rejected_profiles (int64; exact to 2^53). */
  rejected: number;
  errorMessage: string;
}

export interface StatusDetail {
  typeUrl: string;
  value: Uint8Array;
}

export interface RpcStatus {
  code: number;
  message: string;
  details?: StatusDetail[];
}

export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** The gRPC method each signal is exported through (the collector services of OTLP). */
export const EXPORT_METHOD: Record<PipelineSignal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  profiles: '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export',
};

/** Runs `read` for each field of a whole top-level message, then checks nothing straddles the end. */
function readMessage(buf: Uint8Array, read: (r: Reader, tag: number, end: number) => void): void {
  const r = new Reader(buf);
  const end = r.len;
  while (r.pos < end) read(r, r.tag(), end);
  r.done(end);
}

function writeInt64Field(w: Writer, field: number, n: number): void {
  if (n === 0) return;
  if (!Number.isSafeInteger(n)) throw new OtlpProtoError(`expected an integer, got ${n}`);
  w.uint32((field << 3) | VARINT);
  w.int64(BigInt(n));
}

// ---------- ExportXServiceResponse { partial_success = 1 } ----------

/**
 * ExportXPartialSuccess { rejected_x = 1 int64, error_message = 2 }: the same numbers for the
 * three signals, so `signal` only documents which count `rejected` is. Without a partial
 * success the response is empty, which senders read as full success.
 */
export function encodeExportResponse(_signal: PipelineSignal, partialSuccess?: PartialSuccess): Uint8Array {
  const w = Writer.acquire();
  if (partialSuccess) {
    writeMessageField(w, 1, partialSuccess, (w, p) => {
      writeInt64Field(w, 1, p.rejected);
      writeStringField(w, 2, p.errorMessage);
    });
  }
  return w.finish();
}

/** The partial success, or undefined when the response carries none. */
export function decodeExportResponse(_signal: PipelineSignal, buf: Uint8Array): PartialSuccess | undefined {
  let out: PartialSuccess | undefined;
  readMessage(buf, (r, tag, end) => {
    if (tag !== ((1 << 3) | LEN)) return r.skip(tag, end);
    const partEnd = r.end(end);
    const p: PartialSuccess = { rejected: 0, errorMessage: '' };
    while (r.pos < partEnd) {
      const t = r.tag();
      if (t === ((1 << 3) | VARINT)) p.rejected = r.int64Number();
      else if (t === ((2 << 3) | LEN)) p.errorMessage = r.string(partEnd);
      else r.skip(t, partEnd);
    }
    r.done(partEnd);
    out = p;
  });
  return out;
}

// ---------- google.rpc.Status { code = 1, message = 2, details = 3 (google.protobuf.Any) } ----------

export function encodeStatus(status: RpcStatus): Uint8Array {
  const w = Writer.acquire();
  writeInt32Field(w, 1, status.code);
  writeStringField(w, 2, status.message);
  for (const d of status.details ?? []) {
    // Any { type_url = 1, value = 2 }
    writeMessageField(w, 3, d, (w, d) => {
      writeStringField(w, 1, d.typeUrl);
      if (d.value.length > 0) {
        w.uint32((2 << 3) | LEN);
        w.bytes(d.value);
      }
    });
  }
  return w.finish();
}

export function decodeStatus(buf: Uint8Array): Required<RpcStatus> {
  const status: Required<RpcStatus> = { code: 0, message: '', details: [] };
  readMessage(buf, (r, tag, end) => {
    if (tag === ((1 << 3) | VARINT)) status.code = r.int32();
    else if (tag === ((2 << 3) | LEN)) status.message = r.string(end);
    else if (tag === ((3 << 3) | LEN)) status.details.push(readAny(r, r.end(end)));
    else r.skip(tag, end);
  });
  return status;
}

function readAny(r: Reader, end: number): StatusDetail {
  const detail: StatusDetail = { typeUrl: '', value: new Uint8Array(0) };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) detail.typeUrl = r.string(end);
    else if (tag === ((2 << 3) | LEN)) detail.value = r.bytes(end);
    else r.skip(tag, end);
  }
  r.done(end);
  return detail;
}

// ---------- google.rpc.RetryInfo { retry_delay = 1 (google.protobuf.Duration) } ----------

/** Duration { seconds = 1 int64, nanos = 2 int32 }, both of the same sign. */
export function encodeRetryInfo(delayMs: number): Uint8Array {
  if (!Number.isFinite(delayMs)) throw new OtlpProtoError(`retry delay must be finite, got ${delayMs}`);
  // Split whole nanoseconds, so rounding can never yield nanos = ±1e9.
  const totalNanos = Math.round(delayMs * 1e6);
  const seconds = Math.trunc(totalNanos / 1e9);
  const nanos = totalNanos - seconds * 1e9;
  const w = Writer.acquire();
  writeMessageField(w, 1, null, (w) => {
    writeInt64Field(w, 1, seconds);
    writeInt32Field(w, 2, nanos);
  });
  return w.finish();
}

/** The retry delay in milliseconds, or undefined when the message carries none. */
export function decodeRetryInfo(buf: Uint8Array): number | undefined {
  let delayMs: number | undefined;
  readMessage(buf, (r, tag, end) => {
    if (tag !== ((1 << 3) | LEN)) return r.skip(tag, end);
    const durationEnd = r.end(end);
    let seconds = 0;
    let nanos = 0;
    while (r.pos < durationEnd) {
      const t = r.tag();
      if (t === ((1 << 3) | VARINT)) seconds = r.int64Number();
      else if (t === ((2 << 3) | VARINT)) nanos = r.int32();
      else r.skip(t, durationEnd);
    }
    r.done(durationEnd);
    delayMs = seconds * 1000 + nanos / 1e6;
  });
  return delayMs;
}
