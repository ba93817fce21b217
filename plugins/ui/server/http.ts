/** Small HTTP helpers of the UI server: answers with the security headers, bounded JSON bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Scripts and styles only from this origin: a hostile event message cannot run anything even if it escaped. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function send(res: ServerResponse, status: number, body: string | Buffer, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', headers);
}

/** Sentry's error shape, `{"detail": "..."}`, which sentry-cli prints. */
export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { detail: message });
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { ...SECURITY_HEADERS, location, 'content-length': 0 });
  res.end();
}

const MAX_BODY = 1 << 20;

/** The request's JSON body (an object), at most 1 MiB; an HttpError 400/413/415 says what was wrong. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'the body must be JSON (Content-Type: application/json)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, `the body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch (err) {
    throw new HttpError(400, `the body is not valid JSON: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** A query parameter as a finite number, or undefined when absent; an HttpError 400 names a bad one. */
export function numberParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null || text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new HttpError(400, `query parameter ${name}: expected a number, got "${text}"`);
  return n;
}

/** `key=value` pairs of a repeated query parameter. */
export function pairsParam(params: URLSearchParams, name: string): [string, string][] {
  return params.getAll(name).map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new HttpError(400, `query parameter ${name}: expected key=value, got "${p}"`);
    return [p.slice(0, eq), p.slice(eq + 1)];
  });
}
