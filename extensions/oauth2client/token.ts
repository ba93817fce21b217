/** The OAuth 2.0 client-credentials grant (RFC 6749 §4.4) against one token endpoint. */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { retryableError } from '../../pipeline/errors.js';
import { redactUrl } from '../../pipeline/redact.js';

export interface Token {
  accessToken: string;
  /** `Bearer` unless the endpoint says otherwise. */
  type: string;
  /** Date.now() at which it expires; undefined: the endpoint gave no expires_in. */
  expiresAt?: number;
}

export interface TokenRequest {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  params: Record<string, string | string[]>;
  /** 0: no timeout of its own (the exporter's send timeout still applies). */
  timeoutMs: number;
  tls: ConnectionOptions;
}

/** Answers of a token endpoint are small; more than this is not a token. */
const MAX_ANSWER = 64 * 1024;

/**
 * Fetches a token. The client's credentials go in the Authorization header (HTTP Basic, the
 * form RFC 6749 requires servers to take), as Go's oauth2 package sends them first. A failure
 * is retryable: the exporter retries the batch, which asks again.
 */
export async function fetchToken(url: URL, r: TokenRequest): Promise<Token> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (r.scopes.length) form.set('scope', r.scopes.join(' '));
  for (const [k, v] of Object.entries(r.params)) for (const one of [v].flat()) form.append(k, one);
  const body = Buffer.from(form.toString());
  const basic = Buffer.from(`${encodeURIComponent(r.clientId)}:${encodeURIComponent(r.clientSecret)}`).toString('base64');
  const where = redactUrl(url);
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        ...(url.protocol === 'https:' ? r.tls : {}),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}`, 'content-length': body.length },
        ...(r.timeoutMs > 0 ? { timeout: r.timeoutMs } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_ANSWER) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${r.timeoutMs} ms`)));
    req.on('error', (err) => reject(retryableError(`oauth2 token endpoint ${where}: ${err.message}`)));
    req.end(body);
  });
  let json: { access_token?: unknown; token_type?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
  try {
    json = JSON.parse(answer.text);
  } catch {
    // described below
  }
  if (answer.status !== 200 || typeof json.access_token !== 'string' || !json.access_token) {
    // the endpoint's error code and description (RFC 6749 §5.2) say why; its body is not echoed, it may hold secrets
    const why = typeof json.error === 'string' ? `: ${json.error}${typeof json.error_description === 'string' ? ` (${json.error_description.slice(0, 200)})` : ''}` : '';
    throw retryableError(`oauth2 token endpoint ${where} answered ${answer.status}${answer.status === 200 ? ' without an access_token' : ''}${why}`);
  }
  const expiresIn = Number(json.expires_in);
  return {
    accessToken: json.access_token,
    // RFC 6750: the type is case-insensitive; Go's oauth2 sends "Bearer" for "bearer"
    type: typeof json.token_type === 'string' && json.token_type.toLowerCase() !== 'bearer' ? json.token_type : 'Bearer',
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? Date.now() + expiresIn * 1000 : undefined,
  };
}
