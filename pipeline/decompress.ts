/**
 * Decompressing an untrusted request body within a bound: zlib's one-shot functions, but
 * stopping at the bound and with a large result taken by concatLarge (see large-buffer.ts).
 */
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { concatLarge } from './large-buffer.js';

const ENGINES = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
} as const;

export type Compression = keyof typeof ENGINES;

export const TOO_LARGE = Symbol('too large');

/** The decompressed bytes; TOO_LARGE past `maxBytes`; the error for a corrupt stream. */
export function decompress(encoding: Compression, input: Uint8Array, maxBytes: number): Promise<Buffer | Error | typeof TOO_LARGE> {
  const engine = ENGINES[encoding]();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    engine.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      engine.destroy();
      resolve(TOO_LARGE);
    });
    engine.on('end', () => resolve(concatLarge(chunks, size)));
    engine.on('error', resolve);
    engine.end(input);
  });
}
