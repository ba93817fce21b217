/**
 * Sentry's ingestion endpoints as Relay serves them: `POST /api/{project_id}/envelope/` and the
 * deprecated `POST /api/{project_id}/store/`, with Relay's CORS, auth, limits and answers.
 * Nothing is answered 200 before the pipeline delivered or queued what the request became.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Host, NextConsumers } from '../../pipeline/component.js';
import { ConsumerError, isRetryable } from '../../pipeline/errors.js';
import { BodyError, lingerThenClose, readBody } from '../../pipeline/http-body.js';
import { createHttpServer } from '../../pipeline/http-server.js';
import { SIGNALS, type Signal } from '../../pipeline/model.js';
import { consumeVia } from '../../pipeline/receiver-transport.js';
import { consumeInSlices } from '../../pipeline/sliced-delivery.js';
import { boundAddress, listen, splitHostPort, type ServerOwner } from '../../pipeline/net.js';
import { serverTlsOptions } from '../../pipeline/tlsconfig.js';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE, errorBody, RATE_LIMITED_DETAIL, Refusal } from './answers.js';
import { authFromRequest, dsnFromEnvelopeHeader, type SentryAuth } from './auth.js';
import { combine } from './combine.js';
import type { ResolvedSentryConfig } from './config.js';
import { parseEnvelopeHeader, parseEnvelopeItems, type Envelope } from './envelope.js';
import { processEnvelope, type IntakeResult, type ParsedItem } from './intake.js';
import { ITEM_MAPPERS } from './items/index.js';
import { JsonBudget, requestJsonContainers } from './json.js';
import { ProjectDirectory, type Project } from './projects.js';
import { longestPerCategory, rateLimitsHeader } from './rate-limits.js';
import { envelopeFromStoreBody } from './store.js';
import type { SentryCounters } from './telemetry.js';
import type { UploadApi } from './uploads/api.js';

/**
 * Items handed to the pipeline in one event-loop turn (see pipeline/sliced-delivery.ts). Sentry
 * items are whole events, 1–2 ms each through redaction, symbolication and grouping: an
 * envelope of hundreds of small events (1 MB, within max_event_size) held the loop for seconds.
 */
export const SLICE_ITEMS = 64;

const ROUTE = /^\/api\/([^/]+)\/(envelope|store)\/?$/;
const ENVELOPE_CONTENT_TYPE = 'application/x-sentry-envelope';
/** Content encodings Relay decodes (zstd aside, which Node 20 lacks). */
const ENCODINGS = ['gzip', 'x-gzip', 'deflate', 'br'] as const;

export class SentryHttpServer {
  private server?: Server;
  private readonly projects: ProjectDirectory;
  private readonly wired: ReadonlySet<Signal>;
  private readonly jsonContainers = requestJsonContainers();

  constructor(
    private readonly config: ResolvedSentryConfig,
    private readonly next: NextConsumers,
    private readonly owner: ServerOwner & { logger: Logger },
    private readonly configDir: string,
    private readonly counters: SentryCounters,
    /** Source map uploads (`uploads:`), served on the same port under /api/0/. */
    private readonly uploads?: UploadApi,
  ) {
    this.projects = new ProjectDirectory(config.projects);
    this.wired = new Set(SIGNALS.filter((s) => next[s]));
  }

  async start(host: Host): Promise<void> {
    this.uploads?.start(host);
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res, host).catch((err) => {
        this.owner.logger.error({ err }, 'Sentry intake request failed unexpectedly');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(errorBody('internal error'));
      });
    };
    const tls = serverTlsOptions(this.config.tls, this.configDir);
    this.server = createHttpServer(this.config, handler, { owner: this.owner, keyPrefix: '', tls, host });
    const { host: bindHost, port } = splitHostPort(this.config.endpoint);
    await listen(this.server, bindHost, port);
    this.owner.logger.info(`Sentry intake listening on ${this.address()}`);
  }

  address(): string {
    return boundAddress(this.server, this.config.endpoint);
  }

  /** Stops accepting; requests in flight finish as the pipeline behind drains. */
  shutdown(): void {
    this.server?.close();
    this.server?.closeIdleConnections();
  }

  private async handle(req: IncomingMessage, res: ServerResponse, host: Host): Promise<void> {
    const [path, query = ''] = (req.url ?? '/').split('?', 2);
    if (this.uploads?.handles(path)) return this.uploads.handle(req, res, path);
    const route = ROUTE.exec(path);
    res.setHeader('vary', 'origin, access-control-request-method, access-control-request-headers');
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS' && route) return this.preflight(res);
    res.setHeader('access-control-expose-headers', CORS_EXPOSE_HEADERS);
    if (!route) return this.answer(res, 404, errorBody('not found'), {}, true);
    if (req.method !== 'POST') return this.answer(res, 405, errorBody(`${req.method} is not allowed; use POST`), { allow: 'POST' }, true);
    const [, projectId, endpoint] = route;
    const receivedAtMs = Date.now();
    let project: Project | undefined;
    let auth: SentryAuth | undefined;
    try {
      if (!/^[0-9]{1,19}$/.test(projectId)) throw new Refusal(400, 'bad project path parameter', ['expected a numeric project id']);
      auth = authFromRequest(req.headers, query);
      if (!auth && endpoint === 'store') throw new Refusal(401, 'missing authorization information');
      // Known credentials are checked before the body is read, so an unknown sender costs no upload
      if (auth) project = this.projects.authorize(projectId, auth.publicKey);
    } catch (err) {
      return this.refuse(res, err, true);
    }
    // Refuse before reading: a flood of large bodies must not be buffered first
    const refusal = host.checkAdmission();
    if (refusal) return this.unavailable(res, refusal);

    let body: Buffer;
    try {
      body = await readBody(req, {
        maxBytes: this.config.max_request_body_size,
        maxDecodedBytes: endpoint === 'store' ? this.config.max_event_size : this.config.max_envelope_size,
        encodings: ENCODINGS,
        maxDecodedBytesKey: endpoint === 'store' ? 'max_event_size' : 'max_envelope_size',
      });
    } catch (err) {
      // A sender that hangs up mid-upload is the network's business, not Summit's
      if (req.destroyed && !(err instanceof BodyError)) return void this.owner.logger.debug({ reason: (err as Error).message }, 'Sentry SDK closed the connection while sending');
      if (!(err instanceof BodyError)) throw err;
      return this.answer(res, err.status, errorBody(err.status === 413 ? 'request body too large' : 'invalid request body', [err.message]), {}, true);
    }

    let result: IntakeResult;
    try {
      const budget = new JsonBudget(this.jsonContainers);
      const isEnvelope = endpoint === 'envelope' || String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === ENVELOPE_CONTENT_TYPE;
      let envelope: Envelope & { items: ParsedItem[] };
      if (isEnvelope) {
        const head = this.envelopeHead(body, budget, auth);
        const key = this.envelopeAuth(head.header, projectId, auth);
        project ??= this.projects.authorize(projectId, key);
        envelope = { header: head.header, eventId: head.eventId, items: parseEnvelopeItems(body, head.offset, budget) };
      } else {
        envelope = envelopeFromStoreBody(body, this.config.max_event_size, budget);
      }
      result = processEnvelope(envelope, project!, { receivedAtMs, clientAddress: clientAddress(req) }, budget, {
        maxEventSize: this.config.max_event_size,
        mappers: ITEM_MAPPERS,
        wired: this.wired,
        counters: this.counters,
      });
    } catch (err) {
      return this.refuse(res, err, false);
    }
    try {
      await this.deliver(result);
    } catch (err) {
      return this.pushback(res, err);
    }
    if (result.hits.length) {
      const hits = longestPerCategory(result.hits);
      const retryAfter = Math.max(...hits.map((h) => h.retryAfterSeconds));
      return this.answer(res, 429, errorBody(RATE_LIMITED_DETAIL), { 'retry-after': String(retryAfter), 'x-sentry-rate-limits': rateLimitsHeader(hits) });
    }
    this.answer(res, 200, JSON.stringify(result.eventId === undefined ? {} : { id: result.eventId }));
  }

  /** The envelope header; without credentials in the request it is what authenticates, so its faults are 401s. */
  private envelopeHead(body: Buffer, budget: JsonBudget, auth: SentryAuth | undefined): ReturnType<typeof parseEnvelopeHeader> {
    try {
      return parseEnvelopeHeader(body, budget);
    } catch (err) {
      if (auth || !(err instanceof Refusal) || err.status !== 400) throw err;
      throw new Refusal(401, 'bad envelope authentication header', err.causes);
    }
  }

  /**
   * The key the envelope header's `dsn` names, checked against the request: its project id must
   * be the path's, and when the request has credentials of its own, the same key (Relay:
   * "public key header mismatch between envelope and request", 400).
   */
  private envelopeAuth(header: Record<string, unknown>, projectId: string, auth: SentryAuth | undefined): string {
    if (auth && (header.dsn === undefined || header.dsn === null)) return auth.publicKey;
    let dsn;
    try {
      dsn = dsnFromEnvelopeHeader(header.dsn);
    } catch (err) {
      if (auth && err instanceof Refusal) throw new Refusal(400, 'invalid event envelope', ['invalid envelope header', ...err.causes]);
      throw err;
    }
    if (dsn.projectId !== projectId) throw new Refusal(400, 'invalid event envelope', ['project id header mismatch between envelope and request']);
    if (auth && dsn.publicKey !== auth.publicKey) throw new Refusal(400, 'invalid event envelope', ['public key header mismatch between envelope and request']);
    return dsn.publicKey;
  }

  /** Hands each signal's batch to the pipeline, in slices; all must be delivered or queued. */
  private async deliver(result: IntakeResult): Promise<void> {
    const signals = SIGNALS.filter((s) => result.parts[s].length);
    const settled = await Promise.allSettled(
      signals.map((s) => consumeInSlices(s, combine(s, result.parts[s] as never), SLICE_ITEMS, (slice) => consumeVia('http', () => this.next[s]!.consume(slice as never)))),
    );
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const type of result.stored) {
      if (failure) this.counters.refused(type, 'pipeline');
      else this.counters.accepted(type, true);
    }
    if (failure) throw failure.reason;
  }

  private refuse(res: ServerResponse, err: unknown, bodyUnread: boolean): void {
    if (!(err instanceof Refusal)) throw err;
    this.answer(res, err.status, errorBody(err.detail, err.causes), err.headers, bodyUnread);
  }

  /** Memory pressure before the body is read: 503 with Retry-After, as Relay answers when it is out of memory. */
  private unavailable(res: ServerResponse, err: ConsumerError): void {
    this.answer(res, 503, errorBody('the service is overloaded', [err.message]), { 'retry-after': String(retrySeconds(err)) }, true);
  }

  /**
   * The pipeline refused what the request became. Retryable (a full queue, a memory limit):
   * 429 with an all-categories rate limit, so the SDK backs off everything for the delay — it
   * never retries a 503. Permanent: 400.
   */
  private pushback(res: ServerResponse, err: unknown): void {
    const message = (err as Error)?.message ?? String(err);
    if (!isRetryable(err)) return this.answer(res, 400, errorBody('the pipeline refused the data', [message]));
    const seconds = retrySeconds(err);
    this.answer(res, 429, errorBody(RATE_LIMITED_DETAIL, [message]), { 'retry-after': String(seconds), 'x-sentry-rate-limits': `${seconds}::organization` });
  }

  /** tower-http's CorsLayer as Relay configures it: 200, any origin, POST, the SDKs' headers, an hour's cache. */
  private preflight(res: ServerResponse): void {
    res.writeHead(200, {
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': CORS_ALLOW_HEADERS,
      'access-control-max-age': CORS_MAX_AGE,
      'content-length': '0',
    });
    res.end();
  }

  private answer(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}, bodyUnread = false): void {
    // With the body left unread the connection cannot carry another request
    if (bodyUnread) res.setHeader('connection', 'close');
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
    if (bodyUnread) lingerThenClose(res.req);
  }
}

function retrySeconds(err: unknown): number {
  return Math.max(1, Math.ceil(((err instanceof ConsumerError && err.retryAfterMs) || 1000) / 1000));
}

/** The peer's address (IPv4 without its IPv6 mapping), for `{{auto}}` user IPs. */
function clientAddress(req: IncomingMessage): string | undefined {
  const a = req.socket.remoteAddress;
  return a?.startsWith('::ffff:') ? a.slice(7) : a;
}
