/** How batches are turned into bytes for a persistent queue: OTLP protobuf, or OTLP/JSON. */
import type { PipelineSignal, SignalData } from '../model.js';
import { decodeSignal, encodeSignal } from '../otlpjson/index.js';
import { decodeSignal as decodeProto, encodeSignal as encodeProto } from '../otlpproto/index.js';

export interface QueueCodec {
  /** Stored with every record, so records written by another codec are recognised after a change. */
  readonly name: string;
  encode<S extends PipelineSignal>(signal: S, data: SignalData[S]): Uint8Array;
  decode<S extends PipelineSignal>(signal: S, bytes: Uint8Array): SignalData[S];
}

export const otlpJsonCodec: QueueCodec = {
  name: 'otlp_json',
  encode(signal, data) {
    return Buffer.from(JSON.stringify(encodeSignal(signal, data)));
  },
  decode(signal, bytes) {
    return decodeSignal(signal, JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')));
  },
};

/** The default: compact and the fastest to write and read back. */
export const otlpProtoCodec: QueueCodec = {
  name: 'otlp_proto',
  encode: (signal, data) => encodeProto(signal, data),
  decode: (signal, bytes) => decodeProto(signal, bytes),
};

const VERSION = 1;

/**
 * A record: version, codec name, item count, payload. The item count lets a restart rebuild
 * the queue's size (sizer: items) without decoding every batch.
 */
export function wrapRecord(codec: QueueCodec, items: number, payload: Uint8Array): Uint8Array {
  const name = Buffer.from(codec.name, 'utf8');
  if (name.length > 255) throw new Error(`queue codec name "${codec.name}" is longer than 255 bytes`);
  const out = Buffer.allocUnsafe(2 + name.length + 4 + payload.length);
  out[0] = VERSION;
  out[1] = name.length;
  name.copy(out, 2);
  out.writeUInt32BE(items, 2 + name.length);
  out.set(payload, 6 + name.length);
  return out;
}

export interface RecordHeader {
  codec: string;
  items: number;
  payload: Uint8Array;
}

export function unwrapRecord(bytes: Uint8Array): RecordHeader {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 6 || b[0] !== VERSION) throw new Error(`unknown queue record format (version byte ${b[0]})`);
  const n = b[1];
  if (b.length < 6 + n) throw new Error('queue record is shorter than its header');
  return { codec: b.toString('utf8', 2, 2 + n), items: b.readUInt32BE(2 + n), payload: b.subarray(6 + n) };
}
