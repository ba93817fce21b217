/**
 * One gzip stream assembled from pieces compressed separately (as pigz does): each piece is raw
 * deflate ending in a sync flush (byte-aligned, not final), so pieces concatenate into one valid
 * deflate stream; an empty final block, the combined CRC-32 and the length close it. A scrape
 * then compresses only the metric families that changed since the last one.
 */
import { constants, crc32, deflateRaw } from 'node:zlib';

export interface DeflatedPiece {
  data: Buffer;
  crc: number;
  length: number;
}

export function deflatePiece(input: Buffer, level: number): Promise<DeflatedPiece> {
  return new Promise((resolve, reject) => {
    deflateRaw(input, { level, finishFlush: constants.Z_SYNC_FLUSH }, (err, data) =>
      err ? reject(err) : resolve({ data, crc: crc32(input), length: input.length }),
    );
  });
}

// CRC-32 combination as zlib 1.2.12+ does it: multiplication modulo the CRC polynomial.
const POLY = 0xedb88320;

function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) modulo the polynomial. */
const X2N: number[] = [0x40000000];
for (let k = 1; k < 32; k++) X2N.push(multModP(X2N[k - 1], X2N[k - 1]));

/** x^(n·2^k) modulo the polynomial. */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000;
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X2N[k & 31], p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** The CRC-32 of A followed by B, from CRC(A), CRC(B) and B's length. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(x2nModP(lengthB, 3), crcA) ^ crcB) >>> 0;
}

const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** A final, empty, fixed-Huffman block. */
const FINAL_BLOCK = Buffer.from([3, 0]);

/** The gzip stream of the pieces' concatenated inputs, as buffers to write out in order. */
export function gzipOf(pieces: DeflatedPiece[]): Buffer[] {
  let crc = 0;
  let length = 0;
  const out: Buffer[] = [HEADER];
  for (const p of pieces) {
    crc = crc32Combine(crc, p.crc, p.length);
    length += p.length;
    out.push(p.data);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc, 0);
  trailer.writeUInt32LE(length % 0x100000000, 4);
  out.push(FINAL_BLOCK, trailer);
  return out;
}
