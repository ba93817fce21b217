/**
 * One HTTP GET of a target's metrics as Prometheus sends it: the Accept header of the job's
 * scrape_protocols, gzip, X-Prometheus-Scrape-Timeout-Seconds, basic / bearer authorization,
 * TLS; bounded by scrape_timeout and by body_size_limit before and after decompression.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { resolve } from 'node:path';
import type { SecureVersion } from 'node:tls';
import { readBody } from '../../pipeline/http-body.js';
import { redactUrl } from '../../pipeline/redact.js';
import type { HttpSettings, PromTlsConfig } from './config.js';

const ACCEPT: Record<string, string> = {
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
};

/** Prometheus's Accept header: the protocols in order of preference with falling q, then anything. */
export function acceptHeader(protocols: string[]): string {
  const parts: string[] = [];
  let q = 0.5;
  for (const p of protocols) {
    if (!ACCEPT[p]) continue;
    parts.push(`${ACCEPT[p]};q=${q.toFixed(1)}`);
    q = Math.max(0.1, q - 0.1);
  }
  parts.push('*/*;q=0.1');
  return parts.join(',');
}

export interface ScrapeAnswer {
  body: string;
  contentType: string | undefined;
  /** Bytes once decompressed. */
  bytes: number;
}

export class ScrapeError extends Error {}

const VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/** The HTTP side of one job: its agent (keep-alive, TLS) and its authorization. */
export class ScrapeClient {
  private readonly agent: HttpAgent;
  private readonly secure: boolean;

  constructor(private readonly http: HttpSettings, scheme: string, private readonly baseDir: string, private readonly userAgent: string) {
    this.secure = scheme === 'https';
    this.agent = this.secure ? new HttpsAgent({ keepAlive: true, ...tlsOptions(http.tls_config, baseDir) }) : new HttpAgent({ keepAlive: true });
  }

  close(): void {
    this.agent.destroy();
  }

  /** The Authorization header, read anew each scrape so rotated credential files take effect. */
  private authorization(): string | undefined {
    const read = (f: string) => readFileSync(resolve(this.baseDir, f), 'utf8').trim();
    const { basic_auth: basic, authorization: auth } = this.http;
    if (basic) {
      const user = basic.username_file ? read(basic.username_file) : (basic.username ?? '');
      const password = basic.password_file ? read(basic.password_file) : (basic.password ?? '');
      return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    }
    if (auth) {
      const credentials = auth.credentials_file ? read(auth.credentials_file) : (auth.credentials ?? '');
      return `${auth.type || 'Bearer'} ${credentials}`;
    }
    if (this.http.bearer_token_file) return `Bearer ${read(this.http.bearer_token_file)}`;
    if (this.http.bearer_token) return `Bearer ${this.http.bearer_token}`;
    return undefined;
  }

  /** GETs `url`; rejects with a {@link ScrapeError} saying why (status, timeout, size). */
  async get(url: URL, opts: { timeoutMs: number; bodySizeLimit: number; accept: string; gzip: boolean }): Promise<ScrapeAnswer> {
    let authorization: string | undefined;
    try {
      authorization = this.authorization();
    } catch (err) {
      throw new ScrapeError(`cannot read credentials: ${(err as Error).message}`);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
    try {
      let target = url;
      for (let redirects = 0; ; redirects++) {
        const res = await this.request(target, opts, authorization, controller.signal);
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location && this.http.follow_redirects !== false && redirects < 10) {
          res.resume();
          target = new URL(res.headers.location, target);
          continue;
        }
        if (status !== 200) {
          res.resume();
          throw new ScrapeError(`server returned HTTP status ${status} ${res.statusMessage ?? ''}`.trim());
        }
        const limit = opts.bodySizeLimit > 0 ? opts.bodySizeLimit : Number.MAX_SAFE_INTEGER;
        const body = await readBody(res, { maxBytes: limit, maxDecodedBytes: limit, encodings: ['gzip', 'x-gzip', 'deflate'], maxBytesKey: 'body_size_limit' }).catch((err: Error) => {
          res.destroy();
          throw new ScrapeError(controller.signal.aborted ? `scrape timed out after ${opts.timeoutMs} ms` : err.message);
        });
        return { body: body.toString('utf8'), contentType: res.headers['content-type'], bytes: body.length };
      }
    } catch (err) {
      if (err instanceof ScrapeError) throw err;
      if (controller.signal.aborted) throw new ScrapeError(`scrape timed out after ${opts.timeoutMs} ms (scrape_timeout)`);
      throw new ScrapeError(`${redactUrl(url)}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private request(url: URL, opts: { timeoutMs: number; accept: string; gzip: boolean }, authorization: string | undefined, signal: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolvePromise, reject) => {
      const headers: Record<string, string> = {
        accept: opts.accept,
        'accept-encoding': opts.gzip ? 'gzip' : 'identity',
        'user-agent': this.userAgent,
        'x-prometheus-scrape-timeout-seconds': String(opts.timeoutMs / 1000),
      };
      if (authorization) headers.authorization = authorization;
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const agent = (url.protocol === 'https:') === this.secure ? this.agent : undefined;
      const req = send(url, { method: 'GET', headers, agent, signal });
      req.once('response', resolvePromise);
      req.once('error', reject);
      req.end();
    });
  }
}

function tlsOptions(tls: PromTlsConfig | undefined, baseDir: string) {
  const file = (f?: string) => (f ? readFileSync(resolve(baseDir, f)) : undefined);
  return {
    ca: file(tls?.ca_file) ?? tls?.ca,
    cert: file(tls?.cert_file) ?? tls?.cert,
    key: file(tls?.key_file) ?? tls?.key,
    servername: tls?.server_name,
    rejectUnauthorized: !tls?.insecure_skip_verify,
    minVersion: VERSIONS[tls?.min_version ?? 'TLS12'],
    ...(tls?.max_version ? { maxVersion: VERSIONS[tls.max_version] } : {}),
  };
}
