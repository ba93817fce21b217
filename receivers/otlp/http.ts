import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Consumer, Host, NextConsumers } from '../../pipeline/component.js';
import { ConsumerError, isRetryable } from '../../pipeline/errors.js';
import type { PipelineSignal } from '../../pipeline/model.js';
import { createHttpServer } from '../../pipeline/http-server.js';
import { boundAddress, listenEndpoint, type ServerOwner } from '../../pipeline/net.js';
import { serverTlsOptions } from '../../pipeline/tlsconfig.js';
import { BodyError, lingerThenClose, readBody } from '../../pipeline/http-body.js';
import { CONTENT_TYPE, decodeRequest, encodeResponse, encodeStatusBody, formatOf, RPC_CODE, type Format } from './codec.js';
import { PROFILES_URL_PATH, type CorsConfig, type HttpConfig } from './config.js';
import { deliver } from './intake.js';
import { decodeFailure, decodeLimitsFor, inFlightLimitFor } from './limits.js';
import { InFlightRecords } from './in-flight.js';
import type { DecodeLimits } from '../../pipeline/decode-limits.js';

const DEFAULT_CORS_HEADERS = ['accept', 'content-type', 'x-requested-with'];

/** OTLP/HTTP: POST protobuf or JSON to the signal paths, answers in the request's format. */
export class OtlpHttpServer {
  private server?: Server;
  private readonly routes = new Map<string, PipelineSignal>();
  private readonly originAllowed: (origin: string) => boolean;
  private readonly decodeLimits: DecodeLimits;
  private readonly inFlight: InFlightRecords;

  constructor(
    private readonly config: HttpConfig,
    private readonly next: NextConsumers,
    private readonly logger: Logger,
    private readonly configDir: string,
    private readonly owner: ServerOwner,
  ) {
    const paths: Record<PipelineSignal, string> = {
      traces: config.traces_url_path,
      metrics: config.metrics_url_path,
      logs: config.logs_url_path,
      // upstream has no key for it
      profiles: PROFILES_URL_PATH,
    };
    for (const signal of Object.keys(paths) as PipelineSignal[]) if (next[signal]) this.routes.set(paths[signal], signal);
    this.originAllowed = originMatcher(config.cors?.allowed_origins ?? []);
    this.decodeLimits = decodeLimitsFor(config.max_request_body_size, config);
    this.inFlight = new InFlightRecords(inFlightLimitFor(config));
  }

  async start(host: Host): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res, host).catch((err) => {
        this.logger.error({ err }, 'OTLP/HTTP request failed unexpectedly');
        if (!res.headersSent) res.writeHead(500).end();
      });
    };
    const tls = serverTlsOptions(this.config.tls, this.configDir);
    this.server = createHttpServer(this.config, handler, { owner: this.owner, keyPrefix: 'protocols.http.', tls, host });
    await listenEndpoint(this.server, this.config.endpoint, this.config.transport);
    this.logger.info(`OTLP/HTTP listening on ${this.address()}`);
  }

  /** host:port actually bound (the port is known only after listening when 0 was asked). */
  address(): string {
    return boundAddress(this.server, this.config.endpoint);
  }

  /** Stops accepting; requests in flight finish as the pipeline behind drains. */
  shutdown(): void {
    this.server?.close();
    this.server?.closeIdleConnections();
  }

  private async handle(req: IncomingMessage, res: ServerResponse, host: Host): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const cors = this.config.cors;
    const origin = req.headers.origin;
    if (cors && origin && this.originAllowed(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      if (cors.exposed_headers?.length) res.setHeader('access-control-expose-headers', cors.exposed_headers.join(', '));
    }
    const signal = this.routes.get(path);
    if (!signal) return void res.writeHead(404, { 'content-type': 'text/plain' }).end(`404 page not found\n`);
    if (req.method === 'OPTIONS' && cors) return this.preflight(req, res, cors);
    if (req.method !== 'POST') {
      return void res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end(`${req.method} method not allowed, supported: [POST]\n`);
    }
    const format = formatOf(req.headers['content-type']);
    if (!format) {
      return void res
        .writeHead(415, { 'content-type': 'text/plain' })
        .end(`${req.headers['content-type'] === undefined ? 'missing' : 'this'} content type not supported, supported: [application/json, application/x-protobuf]\n`);
    }
    // Refuse before reading: a flood of large bodies must not be buffered first.
    const refusal = host.checkAdmission();
    if (refusal) return this.fail(res, format, refusal, true);

    let body: Buffer;
    try {
      body = await readBody(req, this.config.max_request_body_size);
    } catch (err) {
      // A sender that hangs up mid-upload is the network's business, not Summit's: an error line
      // with a stack for each would let any client flood the log.
      if (req.destroyed && !(err instanceof BodyError)) return void this.logger.debug({ reason: (err as Error).message }, 'OTLP/HTTP client closed the connection while sending its request');
      if (!(err instanceof BodyError)) throw err;
      return this.answerStatus(res, format, err.status, RPC_CODE.INVALID_ARGUMENT, err.message, true);
    }
    let data;
    const limits = this.inFlight.limitsFor(this.decodeLimits);
    try {
      data = decodeRequest(signal, format, body, limits);
    } catch (err) {
      const busy = this.inFlight.busy(err, limits, this.decodeLimits, 'protocols.http.max_items_in_flight');
      if (busy) return this.fail(res, format, busy, false);
      const failure = decodeFailure(signal, err, 'protocols.http');
      return this.answerStatus(res, format, failure.status, failure.code, failure.message);
    }
    const release = this.inFlight.hold(signal, data);
    try {
      const partial = await deliver(signal, data, this.next[signal] as Consumer<typeof signal>, 'http');
      res.writeHead(200, { 'content-type': CONTENT_TYPE[format] }).end(encodeResponse(signal, format, partial));
    } catch (err) {
      this.fail(res, format, err, false);
    } finally {
      release();
    }
  }

  /** Retryable → 503 with Retry-After (the OTLP spec's throttling answer); permanent → 400. */
  private fail(res: ServerResponse, format: Format, err: unknown, bodyUnread: boolean): void {
    const message = (err as Error)?.message ?? String(err);
    if (!isRetryable(err)) return this.answerStatus(res, format, 400, RPC_CODE.INVALID_ARGUMENT, message, bodyUnread);
    const seconds = Math.max(1, Math.ceil(((err instanceof ConsumerError && err.retryAfterMs) || 1000) / 1000));
    res.setHeader('retry-after', String(seconds));
    this.answerStatus(res, format, 503, RPC_CODE.UNAVAILABLE, message, bodyUnread);
  }

  private answerStatus(res: ServerResponse, format: Format, status: number, code: number, message: string, bodyUnread = false): void {
    // With the body left unread the connection cannot carry another request.
    if (bodyUnread) res.setHeader('connection', 'close');
    res.writeHead(status, { 'content-type': CONTENT_TYPE[format] }).end(encodeStatusBody(format, code, message));
    if (bodyUnread) lingerThenClose(res.req);
  }

  private preflight(req: IncomingMessage, res: ServerResponse, cors: CorsConfig): void {
    const origin = req.headers.origin;
    if (!origin || !this.originAllowed(origin)) return void res.writeHead(204).end();
    const allowed = new Set([...DEFAULT_CORS_HEADERS, ...cors.allowed_headers.map((h) => h.toLowerCase())]);
    const wildcard = allowed.has('*');
    const requested = String(req.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    const headers: Record<string, string> = { 'access-control-allow-methods': 'POST' };
    const ok = requested.filter((h) => wildcard || allowed.has(h));
    if (ok.length) headers['access-control-allow-headers'] = ok.join(', ');
    if (cors.max_age > 0) headers['access-control-max-age'] = String(cors.max_age);
    res.writeHead(204, headers).end();
  }
}

/** Origins as upstream matches them: exact, or with `*` wildcards (e.g. `https://*.example.com`). */
function originMatcher(patterns: string[]): (origin: string) => boolean {
  const res = patterns.map((p) => new RegExp(`^${p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i'));
  return (origin) => res.some((re) => re.test(origin));
}
