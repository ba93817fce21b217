/**
 * Reading untrusted HTTP request bodies for receivers: bounded before and after decompression,
 * and leaving a connection cleanly when the answer goes out before the body was read.
 */
import type { IncomingMessage } from 'node:http';
import { decompress, TOO_LARGE, type Compression } from './decompress.js';
import { concatLarge } from './large-buffer.js';

export type ContentEncoding = Compression;

export class BodyError extends Error {
  constructor(readonly status: 400 | 413, message: string) {
    super(message);
  }
}

export interface BodyLimits {
  /** Bytes on the wire; larger bodies are refused as they arrive. */
  maxBytes: number;
  /** Bytes once decompressed (defaults to maxBytes), so a small zip bomb is refused too. */
  maxDecodedBytes?: number;
  /** Content encodings accepted (gzip and deflate unless given). */
  encodings?: readonly ContentEncoding[];
  /** The config keys named in 413 answers (`max_request_body_size` unless given). */
  maxBytesKey?: string;
  maxDecodedBytesKey?: string;
}

/**
 * Reads a request body within `limits`, decompressing it per Content-Encoding. Stops reading at
 * the limit; a chunked body is counted as it arrives like one with a Content-Length.
 */
export async function readBody(req: IncomingMessage, limits: number | BodyLimits): Promise<Buffer> {
  const { maxBytes, maxDecodedBytes = maxBytes, encodings = ['gzip', 'deflate'], maxBytesKey = 'max_request_body_size', maxDecodedBytesKey = maxBytesKey } =
    typeof limits === 'number' ? { maxBytes: limits } : limits;
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) throw new BodyError(413, `request body of ${declared} bytes exceeds ${maxBytesKey} ${maxBytes}`);
  const raw = await readRaw(req, maxBytes, maxBytesKey);
  const encoding = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') {
    if (raw.length > maxDecodedBytes) throw new BodyError(413, `request body exceeds ${maxDecodedBytesKey} ${maxDecodedBytes}`);
    return raw;
  }
  // the header's value is not echoed: answers carry nothing of the request
  if (!(encodings as readonly string[]).includes(encoding)) throw new BodyError(400, `unsupported Content-Encoding; supported: ${encodings.join(', ')}`);
  const decoded = await decompress(encoding as ContentEncoding, raw, maxDecodedBytes);
  if (decoded instanceof Error) throw new BodyError(400, `cannot decompress ${encoding} body: ${decoded.message}`);
  if (decoded === TOO_LARGE) throw new BodyError(413, `decompressed request body exceeds ${maxDecodedBytesKey} ${maxDecodedBytes}`);
  return decoded;
}

/**
 * The body as it came, refused at `maxBytes`. Listeners rather than `for await`: the async
 * iterator costs a promise per chunk and an end-of-stream watcher per request, a measurable
 * share of a small request's CPU (issue 19).
 */
function readRaw(req: IncomingMessage, maxBytes: number, maxBytesKey: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      done();
      // the rest is not read: the caller answers 413 and closes the connection
      req.pause();
      reject(new BodyError(413, `request body exceeds ${maxBytesKey} ${maxBytes}`));
    };
    const onEnd = () => {
      done();
      resolve(concatLarge(chunks, size));
    };
    // 'close' before 'end': the client went away mid-body ('error' may come too, or not)
    const onClose = () => {
      done();
      reject(new Error('aborted'));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const done = () => {
      req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onError);
    };
    req.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onError);
  });
}

/**
 * A client still uploading when the answer goes out would see a reset instead of the answer if
 * the socket closed at once, so the rest of the body is read and thrown away (never buffered)
 * for a bounded time before the connection is dropped — Go's net/http "lingering close".
 */
export function lingerThenClose(req: IncomingMessage): void {
  if (req.complete) return;
  const timer = setTimeout(() => req.destroy(), LINGER_MS).unref();
  req.on('end', () => clearTimeout(timer));
  req.resume();
}

const LINGER_MS = 2000;
