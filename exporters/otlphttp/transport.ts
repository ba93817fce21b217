import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import type { ClientAuthenticator } from '../../pipeline/auth.js';
import { clientInfo } from '../../pipeline/client-info.js';
import { CookieJar, httpClientAgent, type HttpClientSettings } from '../../pipeline/http-client.js';
import { permanentError, retryableError } from '../../pipeline/errors.js';
import { backendTextScrubber } from '../../pipeline/exporterhelper/index.js';
import type { PipelineSignal, SignalData } from '../../pipeline/model.js';
import { encodeSignal as encodeJson } from '../../pipeline/otlpjson/index.js';
import { decodeExportResponse, decodeStatus, encodeSignal as encodeProto, type PartialSuccess } from '../../pipeline/otlpproto/index.js';
import { warnPartialSuccess } from '../../pipeline/partial-success.js';
import { redactUrl } from '../../pipeline/redact.js';
import { clientTlsOptions, type ClientTlsConfig } from '../../pipeline/tlsconfig.js';

const gzipAsync = promisify(gzip);
/**
 * Bodies up to this size are compressed on the event loop: a hand-off to the thread pool costs
 * ~10× the CPU of compressing a few KiB (issue 19); 256 KiB blocks the loop ~5 ms at level 6,
 * about what encoding that batch took.
 */
const SYNC_GZIP_MAX_BYTES = 256 * 1024;

export interface HttpTransportOptions {
  urls: Partial<Record<PipelineSignal, URL>>;
  encoding: 'proto' | 'json';
  compression: 'gzip' | 'none';
  headers: Record<string, string>;
  tls?: ClientTlsConfig;
  client?: HttpClientSettings;
  configDir: string;
  logger: Logger;
}

/** The OTLP/HTTP specification's retryable answers; every other error status is permanent. */
const RETRYABLE = new Set([429, 502, 503, 504]);

/** Retry-After as seconds or an HTTP date, in milliseconds. */
export function retryAfterMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** POSTs one batch per call over keep-alive connections; maps answers to retryable or permanent errors. */
export class OtlpHttpTransport {
  private readonly agents = new Map<string, Agent>();
  private readonly cookies?: CookieJar;
  /** auth's authenticator, found once the exporter starts. */
  auth?: ClientAuthenticator;

  constructor(private readonly opts: HttpTransportOptions) {
    if (opts.client?.cookies?.enabled) this.cookies = new CookieJar();
  }

  async send<S extends PipelineSignal>(signal: S, data: SignalData[S], abort: AbortSignal): Promise<void> {
    const format = this.opts.encoding;
    let body: Uint8Array | Buffer =
      format === 'proto' ? encodeProto(signal, data) : Buffer.from(JSON.stringify(encodeJson(signal, data)));
    const url = this.opts.urls[signal]!;
    const headers: Record<string, string> = { ...this.opts.headers };
    await this.auth?.applyHeaders(headers, clientInfo());
    headers['content-type'] = format === 'proto' ? 'application/x-protobuf' : 'application/json';
    const cookie = this.cookies?.header(url);
    if (cookie) headers.cookie = cookie;
    if (this.opts.compression === 'gzip') {
      const level = this.opts.client?.compression_params?.level;
      const options = level === undefined ? {} : { level };
      body = body.byteLength <= SYNC_GZIP_MAX_BYTES ? gzipSync(body, options) : await gzipAsync(body, options);
      headers['content-encoding'] = 'gzip';
    }
    const res = await this.post(url, body, headers, abort);
    this.cookies?.store(url, res.headers['set-cookie']);
    if (res.status >= 200 && res.status < 300) {
      this.logPartialSuccess(signal, res);
      return;
    }
    // Backends may echo the request: its headers never reach an error message.
    const scrub = backendTextScrubber([...Object.values(headers), ...(this.auth?.secrets?.() ?? [])]);
    const message = `${redactUrl(url)} answered ${res.status}${describeError(res, scrub)}`;
    if (RETRYABLE.has(res.status)) throw retryableError(message, retryAfterMs(res.headers['retry-after'] as string | undefined));
    throw permanentError(message);
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
  }

  /** One agent per scheme: the signals' URLs may mix http and https. */
  private agent(url: URL): Agent {
    let agent = this.agents.get(url.protocol);
    if (!agent) {
      agent = httpClientAgent(this.opts.client ?? {}, url.protocol === 'https:', clientTlsOptions(this.opts.tls, this.opts.configDir));
      this.agents.set(url.protocol, agent);
    }
    return agent;
  }

  private post(url: URL, body: Uint8Array, headers: Record<string, string>, abort: AbortSignal): Promise<Answer> {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.byteLength) }, agent: this.agent(url), signal: abort }, (res) => {
        collect(res).then(resolve, reject);
      });
      // Network failures (refused, reset, aborted by the timeout) are worth retrying.
      req.on('error', (err) => reject(retryableError(`${redactUrl(url)}: ${err.message}`, undefined, err)));
      req.end(body);
    });
  }

  private logPartialSuccess(signal: PipelineSignal, res: Answer): void {
    if (res.body.length === 0) return;
    try {
      warnPartialSuccess(
        this.opts.logger,
        this.opts.encoding === 'proto' ? decodeExportResponse(signal, res.body) : jsonPartial(JSON.parse(res.body.toString('utf8'))),
      );
    } catch {
      // an unreadable success body is still a success
    }
  }
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

async function collect(res: IncomingMessage): Promise<Answer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    // answers are small; don't let a misbehaving server make us buffer much
    if (size < 64 * 1024) chunks.push(c);
    size += c.length;
  }
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
}

/** The backend's explanation of an error answer, scrubbed and cut short. */
function describeError(res: Answer, scrub: (text: string) => string): string {
  if (res.body.length === 0) return '';
  const type = String(res.headers['content-type'] ?? '');
  let text: string | undefined;
  try {
    if (type.includes('protobuf')) text = decodeStatus(res.body).message;
    else if (type.includes('json')) text = String((JSON.parse(res.body.toString('utf8')) as { message?: unknown }).message ?? '');
  } catch {
    // fall through to the raw text
  }
  // all of it is scrubbed before it is cut, so a cut cannot leave part of a secret unrecognised
  return `: ${scrub(text ?? res.body.toString('utf8'))}`;
}

function jsonPartial(json: { partialSuccess?: Record<string, unknown> }): PartialSuccess | undefined {
  const p = json.partialSuccess;
  if (!p) return undefined;
  const rejected = Number(p.rejectedSpans ?? p.rejectedDataPoints ?? p.rejectedLogRecords ?? 0);
  return { rejected, errorMessage: String(p.errorMessage ?? '') };
}
