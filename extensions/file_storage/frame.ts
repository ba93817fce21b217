/**
 * Record framing of a queue segment:
 *
 *   magic u32 | length u32 | crc32 u32 | type u8 | id u64 | payload (length − 9 bytes)
 *
 * all big-endian; the CRC covers type, id and payload. A record is either whole with a matching
 * CRC or it is skipped: that is what makes a write torn by `kill -9` or power loss harmless.
 * The magic lets a reader find the next record after a damaged one.
 */
import * as zlib from 'node:zlib';

export const MAGIC = 0x53_4d_51_f1; // "SMQ" + a byte no text payload starts with
export const HEADER = 12;
export const BODY_PREFIX = 9;
export const TYPE_DATA = 1;
export const TYPE_ACK = 2;
/** A length beyond this is damage, not a record. */
export const MAX_RECORD = 1 << 30;

const MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32BE(MAGIC);

/** zlib.crc32 arrived in Node 20.15 / 22.2; the table version keeps older runtimes working. */
const crc32: (data: Uint8Array, initial?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (d, i) => zlib.crc32(d, i) : tableCrc32;

let table: Uint32Array | undefined;
function tableCrc32(data: Uint8Array, initial = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~initial >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

export { crc32 };

/** The head of a record (everything but the payload), to be written right before the payload. */
export function frameHead(type: number, id: number, payload: Uint8Array): Buffer {
  const head = Buffer.allocUnsafe(HEADER + BODY_PREFIX);
  head.writeUInt32BE(MAGIC, 0);
  head.writeUInt32BE(BODY_PREFIX + payload.length, 4);
  head[HEADER] = type;
  head.writeBigUInt64BE(BigInt(id), HEADER + 1);
  head.writeUInt32BE(crc32(payload, crc32(head.subarray(HEADER))), 8);
  return head;
}

export interface ScannedRecord {
  type: number;
  id: number;
  /** Offset of the record's first byte in the file. */
  offset: number;
  /** Bytes the whole record takes. */
  frameLength: number;
  payload: Buffer;
}

export interface Damage {
  offset: number;
  /** Bytes skipped: up to the next valid record, or to the end of the file. */
  length: number;
  kind: 'corrupt' | 'truncated';
}

/** The record starting at `offset`, or why there is none. */
export function parseAt(buf: Buffer, offset: number): ScannedRecord | 'truncated' | 'corrupt' {
  if (buf.length - offset < HEADER + BODY_PREFIX) return buf.length - offset >= 4 && buf.readUInt32BE(offset) !== MAGIC ? 'corrupt' : 'truncated';
  if (buf.readUInt32BE(offset) !== MAGIC) return 'corrupt';
  const length = buf.readUInt32BE(offset + 4);
  if (length < BODY_PREFIX || length > MAX_RECORD) return 'corrupt';
  const end = offset + HEADER + length;
  if (end > buf.length) return 'truncated';
  const body = buf.subarray(offset + HEADER, end);
  if (crc32(body) !== buf.readUInt32BE(offset + 8)) return 'corrupt';
  const type = body[0];
  if (type !== TYPE_DATA && type !== TYPE_ACK) return 'corrupt';
  const id = body.readBigUInt64BE(1);
  if (id > BigInt(Number.MAX_SAFE_INTEGER)) return 'corrupt';
  return { type, id: Number(id), offset, frameLength: HEADER + length, payload: body.subarray(BODY_PREFIX) };
}

/**
 * Every valid record of a segment in order. After a damaged one the scan resumes at the next
 * magic that starts a valid record, so records written after the damage are still delivered.
 */
export function scan(buf: Buffer, onRecord: (r: ScannedRecord) => void, onDamage: (d: Damage) => void): void {
  let pos = 0;
  while (pos < buf.length) {
    const r = parseAt(buf, pos);
    if (typeof r === 'object') {
      onRecord(r);
      pos += r.frameLength;
      continue;
    }
    const next = resync(buf, pos + 1);
    // Damage that reaches the end of the file is a write cut short, unless it is garbage.
    const kind = next === -1 && r === 'truncated' ? 'truncated' : 'corrupt';
    onDamage({ offset: pos, length: (next === -1 ? buf.length : next) - pos, kind });
    if (next === -1) return;
    pos = next;
  }
}

function resync(buf: Buffer, from: number): number {
  for (let at = buf.indexOf(MAGIC_BYTES, from); at !== -1; at = buf.indexOf(MAGIC_BYTES, at + 1)) {
    if (typeof parseAt(buf, at) === 'object') return at;
  }
  return -1;
}
