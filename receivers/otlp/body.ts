import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export class BodyError extends Error {
  constructor(readonly status: 400 | 413, message: string) {
    super(message);
  }
}

/**
 * Reads a request body of at most `limit` bytes, before and after decompression, so neither a
 * huge upload nor a small zip bomb is buffered. Stops reading at the limit.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new BodyError(413, `request body of ${declared} bytes exceeds max_request_body_size ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyError(413, `request body exceeds max_request_body_size ${limit}`);
    chunks.push(chunk);
  }
  const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
  const encoding = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return raw;
  // the header's value is not echoed: answers carry nothing of the request
  if (encoding !== 'gzip' && encoding !== 'deflate') throw new BodyError(400, 'unsupported Content-Encoding; supported: gzip, deflate');
  try {
    return await (encoding === 'gzip' ? gunzipAsync : inflateAsync)(raw, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new BodyError(413, `decompressed request body exceeds max_request_body_size ${limit}`);
    }
    throw new BodyError(400, `cannot decompress ${encoding} body: ${(err as Error).message}`);
  }
}
