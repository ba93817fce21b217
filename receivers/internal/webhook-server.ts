import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ComponentInstance, Consumer, CreateContext, Host, NextConsumers } from '../../pipeline/component.js';
import { ConsumerError, isRetryable } from '../../pipeline/errors.js';
import { BodyError, lingerThenClose, readBody } from '../../pipeline/http-body.js';
import { createHttpServer } from '../../pipeline/http-server.js';
import type { Traces } from '../../pipeline/model.js';
import { countItems } from '../../pipeline/model-ops.js';
import { boundAddress, listen, splitHostPort } from '../../pipeline/net.js';
import { serverTlsOptions } from '../../pipeline/tlsconfig.js';
import { parseDuration } from '../../pipeline/duration.js';
import { DeliveryWindow } from './deliveries.js';
import { secretMatches } from './secrets.js';
import type { WebhookConfig } from './webhook-config.js';

/** What a delivery comes to: spans to send on, or an answer with nothing to send. */
export type WebhookOutcome = { traces: Traces } | { status: 200 | 204 | 400; message: string };

/** The sender-specific part of a webhook receiver. */
export interface WebhookSource {
  /** For messages: `GitHub`, `GitLab`. */
  sender: string;
  /** Whether the delivery proves it knows the secret (the server calls this only when one is set). */
  authenticate(req: IncomingMessage, body: Buffer, secret: string): boolean;
  /** The header naming what authenticates a delivery, for the 401 answer. */
  authHeader: string;
  /** The delivery's unique id, when the sender gives one. */
  deliveryId(req: IncomingMessage): string | undefined;
  /** Decodes the delivery; throws a WebhookError for a payload it cannot take. */
  handle(req: IncomingMessage, body: Buffer): WebhookOutcome;
}

/** A delivery refused with a 400 and this message (which names what was wrong, never echoing secrets). */
export class WebhookError extends Error {}

/**
 * The HTTP side of a webhook receiver, as upstream's github and gitlab receivers serve it: POST
 * deliveries to `path`, GET `health_path` for a health answer. Deliveries are authenticated,
 * checked for `required_headers`, deduplicated by delivery id, decoded by the source and sent on;
 * the answer waits for the pipeline (503 + Retry-After when it pushes back).
 */
/** A webhook receiver's instance: `source`'s deliveries served into the traces pipeline. */
export function webhookReceiver(ctx: CreateContext, next: NextConsumers, config: WebhookConfig, source: WebhookSource): ComponentInstance & { address(): string } {
  if (!next.traces) throw new Error(`${ctx.id}: this receiver makes traces only; use it in a traces pipeline`);
  const server = new WebhookServer(config, source, next.traces, ctx);
  return {
    address: () => server.address(),
    start: (host) => server.start(host),
    async shutdown() {
      server.shutdown();
    },
  };
}

export class WebhookServer {
  private server?: Server;
  private readonly deliveries: DeliveryWindow;

  constructor(
    private readonly config: WebhookConfig,
    private readonly source: WebhookSource,
    private readonly next: Consumer<'traces'>,
    private readonly ctx: CreateContext,
  ) {
    this.deliveries = new DeliveryWindow(parseDuration(config.delivery_dedup_window));
  }

  async start(host: Host): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res, host).catch((err) => {
        this.ctx.logger.error({ err }, `${this.ctx.id}: webhook request failed unexpectedly`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    };
    const tls = serverTlsOptions(this.config.tls, this.ctx.configDir);
    this.server = createHttpServer(this.config, handler, { owner: this.ctx, keyPrefix: 'webhook.', tls });
    const { host: bindHost, port } = splitHostPort(this.config.endpoint);
    await listen(this.server, bindHost, port);
    this.ctx.logger.info(`${this.ctx.id}: ${this.source.sender} webhook listening on ${this.address()}${this.config.path}`);
    if (!this.config.secret) this.ctx.logger.warn(`${this.ctx.id}: no webhook.secret: deliveries are accepted unauthenticated (webhook.insecure_allow_unauthenticated)`);
  }

  address(): string {
    return boundAddress(this.server, this.config.endpoint);
  }

  shutdown(): void {
    this.server?.close();
    this.server?.closeIdleConnections();
  }

  private async handle(req: IncomingMessage, res: ServerResponse, host: Host): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === this.config.health_path) {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(`{"text": "${this.source.sender} receiver webhook is healthy"}`);
    }
    if (path !== this.config.path) return this.answer(res, 404, '404 page not found');
    if (req.method !== 'POST') return this.answer(res, 405, `${req.method} method not allowed, supported: [POST]`, { allow: 'POST' });
    const refusal = host.checkAdmission();
    if (refusal) return this.fail(res, refusal);

    let body: Buffer;
    try {
      body = await readBody(req, { maxBytes: this.config.max_request_body_size, maxBytesKey: 'webhook.max_request_body_size' });
    } catch (err) {
      if (!(err instanceof BodyError)) {
        if (req.destroyed) return void this.ctx.logger.debug({ reason: (err as Error).message }, 'webhook sender closed the connection while sending');
        throw err;
      }
      return this.answer(res, err.status, err.message);
    }
    const { secret, required_headers: required } = this.config;
    if (secret && !this.source.authenticate(req, body, secret)) {
      this.ctx.logger.debug(`${this.ctx.id}: refused a delivery whose ${this.source.authHeader} does not match webhook.secret`);
      return this.answer(res, 401, `invalid or missing ${this.source.authHeader}`);
    }
    for (const [name, value] of Object.entries(required ?? {})) {
      const given = req.headers[name.toLowerCase()];
      if (typeof given !== 'string' || !secretMatches(given, value)) return this.answer(res, 400, `invalid header: ${name}`);
    }

    let outcome: WebhookOutcome;
    try {
      outcome = this.source.handle(req, body);
    } catch (err) {
      if (!(err instanceof WebhookError)) throw err;
      return this.answer(res, 400, err.message);
    }
    if (!('traces' in outcome)) return this.answer(res, outcome.status, outcome.message);

    const id = this.source.deliveryId(req);
    if (id !== undefined && !this.deliveries.claim(id)) {
      this.ctx.telemetry
        .counter('otelcol_receiver_duplicate_deliveries_total', 'Webhook deliveries dropped because one with the same delivery id was handled within webhook.delivery_dedup_window.', ['receiver'])
        .inc({ receiver: this.ctx.id });
      return this.answer(res, 200, 'duplicate delivery dropped');
    }
    try {
      await this.next.consume(outcome.traces);
    } catch (err) {
      if (id !== undefined) this.deliveries.failed(id);
      return this.fail(res, err);
    }
    if (id !== undefined) this.deliveries.done(id);
    if (this.ctx.logger.isLevelEnabled('debug')) this.ctx.logger.debug({ spans: countItems('traces', outcome.traces) }, `${this.ctx.id}: delivery accepted`);
    res.writeHead(200).end();
  }

  /** Retryable → 503 with Retry-After; permanent → 400. */
  private fail(res: ServerResponse, err: unknown): void {
    const message = (err as Error)?.message ?? String(err);
    if (!isRetryable(err)) return this.answer(res, 400, message);
    const seconds = Math.max(1, Math.ceil(((err instanceof ConsumerError && err.retryAfterMs) || 1000) / 1000));
    this.answer(res, 503, message, { 'retry-after': String(seconds) });
  }

  private answer(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    const bodyUnread = !res.req.complete;
    if (bodyUnread) headers.connection = 'close';
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(status === 204 ? undefined : `${message}\n`);
    if (bodyUnread) lingerThenClose(res.req);
  }
}
