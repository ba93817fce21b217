import { createHash } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { CreateContext, Host, NextConsumers } from '../../pipeline/component.js';
import { ConsumerError, isRetryable } from '../../pipeline/errors.js';
import { BodyError, lingerThenClose, readBody } from '../../pipeline/http-body.js';
import { createHttpServer } from '../../pipeline/http-server.js';
import { boundAddress, listen, splitHostPort } from '../../pipeline/net.js';
import { serverTlsOptions } from '../../pipeline/tlsconfig.js';
import { secretMatches } from '../internal/secrets.js';
import type { JunitReceiverConfig } from './config.js';
import { JunitError, parseJunit, type TestSuite } from './parse.js';
import { placementOf, RunContextError, runContextOf, type RunContext } from './run-context.js';
import { uploadTelemetry } from './telemetry.js';

/**
 * `POST <path>` of a JUnit XML report (gzip or deflate allowed), with the run it belongs to in
 * query parameters or X-CI-* headers and `Authorization: Bearer <token>`. Answers 200 with the
 * counts and the trace id once the spans and failure records are delivered.
 */
export class JunitServer {
  private server?: Server;

  constructor(
    private readonly config: JunitReceiverConfig,
    private readonly next: NextConsumers,
    private readonly ctx: CreateContext,
  ) {}

  async start(host: Host): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res, host).catch((err) => {
        this.ctx.logger.error({ err }, `${this.ctx.id}: JUnit upload failed unexpectedly`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    };
    this.server = createHttpServer(this.config, handler, { owner: this.ctx, keyPrefix: '', tls: serverTlsOptions(this.config.tls, this.ctx.configDir) });
    const { host: bindHost, port } = splitHostPort(this.config.endpoint);
    await listen(this.server, bindHost, port);
    this.ctx.logger.info(`${this.ctx.id}: JUnit uploads on ${this.address()}${this.config.path}`);
  }

  address(): string {
    return boundAddress(this.server, this.config.endpoint);
  }

  shutdown(): void {
    this.server?.close();
    this.server?.closeIdleConnections();
  }

  private async handle(req: IncomingMessage, res: ServerResponse, host: Host): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://upload');
    if (url.pathname !== this.config.path) return answer(res, 404, { error: '404 page not found' });
    if (req.method !== 'POST') return answer(res, 405, { error: `${req.method} method not allowed, supported: [POST]` }, { allow: 'POST' });
    const token = this.config.bearer_token;
    if (token) {
      const given = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1]?.trim();
      if (!given || !secretMatches(given, token)) return answer(res, 401, { error: 'missing or invalid bearer token (Authorization: Bearer <token>)' }, { 'www-authenticate': 'Bearer' });
    }
    let run: RunContext;
    try {
      run = runContextOf(req, url);
    } catch (err) {
      if (err instanceof RunContextError) return answer(res, 400, { error: err.message });
      throw err;
    }
    const refusal = host.checkAdmission();
    if (refusal) return fail(res, refusal);

    let body: Buffer;
    try {
      body = await readBody(req, { maxBytes: this.config.max_request_body_size });
    } catch (err) {
      if (err instanceof BodyError) return answer(res, err.status, { error: err.message });
      if (req.destroyed) return void this.ctx.logger.debug({ reason: (err as Error).message }, 'JUnit uploader closed the connection while sending');
      throw err;
    }
    let suites: TestSuite[];
    try {
      suites = parseJunit(body.toString('utf8'), { maxDepth: this.config.max_depth, maxTestCases: this.config.max_test_cases });
    } catch (err) {
      if (err instanceof JunitError) return answer(res, 400, { error: `JUnit report refused: ${err.message}` });
      throw err;
    }
    const uploadKey = createHash('sha256').update(body).update(JSON.stringify(run)).digest('hex');
    const placement = placementOf(req, run, uploadKey);
    const upload = uploadTelemetry(suites, run, placement, uploadKey, BigInt(Date.now()) * 1_000_000n);
    try {
      await this.next.traces?.consume(upload.traces);
      if (upload.logs.resourceLogs.length) await this.next.logs?.consume(upload.logs);
    } catch (err) {
      return fail(res, err);
    }
    answer(res, 200, { tests: upload.tests, failures: upload.failures, skipped: upload.skipped, trace_id: placement.traceId });
  }
}

function answer(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const bodyUnread = !res.req.complete;
  if (bodyUnread) headers.connection = 'close';
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  if (bodyUnread) lingerThenClose(res.req);
}

/** Retryable → 503 with Retry-After; permanent → 400. */
function fail(res: ServerResponse, err: unknown): void {
  const message = (err as Error)?.message ?? String(err);
  if (!isRetryable(err)) return answer(res, 400, { error: message });
  const seconds = Math.max(1, Math.ceil(((err instanceof ConsumerError && err.retryAfterMs) || 1000) / 1000));
  answer(res, 503, { error: message }, { 'retry-after': String(seconds) });
}
