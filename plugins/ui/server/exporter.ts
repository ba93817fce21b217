/**
 * The `ui` exporter's running instance: takes traces, metrics and logs into its live store and
 * serves the pages, their JSON API and the Sentry-compatible API on one HTTP(S) server.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  closeServer,
  createHttpServer,
  exceptions,
  httpServerSettings,
  listen,
  namedExtension,
  parseDuration,
  serverTlsOptions,
  splitHostPort,
  type ComponentInstance,
  type Consumer,
  type CreateContext,
  type Host,
  type Logs,
  type Metrics,
  type NextConsumers,
  type Traces,
} from 'summit';
import { Access, sameSiteRequest, sessionCookie, type Caller } from './access.js';
import { loadOrCreateAdminLogin, sha256Hex } from './admin-login.js';
import { INDEX_HTML, loadAssets, pageHtml, type Asset } from './assets.js';
import type { UiConfig } from './config.js';
import { HttpError, readJson, redirect, send, sendError, sendJson } from './http.js';
import { Lake } from './lake.js';
import { historyFiles, readHistory, type HistoryFiles } from './lake-history.js';
import { LoginLimiter, loginKeys } from './login-limiter.js';
import { SessionStore } from './sessions.js';
import { LiveStore } from './live-store.js';
import { SentryApi } from './sentry-api.js';
import { UiApi } from './ui-api.js';

/** Paths of the pages (the front end routes them); each needs a login. */
const PAGE = /^\/(?:|issues(?:\/[0-9a-f]{32})?|traces(?:\/[0-9a-f]{32})?|logs|services|ci(?:\/[0-9a-f]{32})?|releases)$/;
const DEFAULT_ADMIN_FILE = './data/ui-admin.json';
const DEFAULT_LAKE = './data';

export class UiExporter implements ComponentInstance {
  readonly consumers: NextConsumers = {};
  private server?: Server;
  private readonly live: LiveStore;
  private lake?: Lake;
  /** Resolves once the history the lake held at start (release health, DORA, sparklines, service metrics) is in the live store. */
  private restored: Promise<void> = Promise.resolve();
  private issueQueries?: exceptions.IssueQueries;
  private access?: Access;
  private sessions?: SessionStore;
  private readonly loginLimiter = new LoginLimiter();
  private assets?: Map<string, Asset>;
  private readonly ttlMs: number;
  private readonly secure: boolean;

  constructor(
    private readonly ctx: CreateContext,
    private readonly config: UiConfig,
  ) {
    this.live = new LiveStore(config.store);
    this.ttlMs = parseDuration(config.session_timeout);
    this.secure = config.tls !== undefined;
    const live = this.live;
    for (const signal of ctx.signals) {
      if (signal === 'traces') this.consumers.traces = { consume: async (d: Traces) => live.addTraces(d) } satisfies Consumer<'traces'>;
      if (signal === 'logs') this.consumers.logs = { consume: async (d: Logs) => live.addLogs(d) } satisfies Consumer<'logs'>;
      if (signal === 'metrics') this.consumers.metrics = { consume: async (d: Metrics) => live.addMetrics(d) } satisfies Consumer<'metrics'>;
    }
  }

  /** The port listened on once started (useful with port 0). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async start(host: Host): Promise<void> {
    const c = this.config;
    if (c.issue_store) this.issueQueries = namedExtension(host, `${this.ctx.id}: issue_store`, c.issue_store, exceptions.isIssueQueries, 'an issue store');
    this.assets = loadAssets(new URL('../web/', import.meta.url));
    this.access = this.makeAccess();
    // as the parquet exporter's `path`: its default is under the working directory, a path written is relative to the config
    if (c.lake !== '') {
      const lakePath = c.lake === undefined ? resolve(DEFAULT_LAKE) : resolve(this.ctx.configDir, c.lake);
      this.lake = new Lake(lakePath, {
        memoryLimitMib: c.lake_memory_limit_mib,
        filterFile: c.lake_index_file === undefined ? this.besideAdminFile('ui-lake-index.sqlite') : this.configPath(c.lake_index_file, ''),
        onError: (err, file) => this.ctx.logger.warn({ err }, `${this.ctx.id}: attribute filters: ${file} failed; attribute searches read what has no filter`),
      });
      this.lake.startIndexing();
      this.restoreHistory(this.lake, lakePath);
    }
    const tls = serverTlsOptions(c.tls, this.ctx.configDir);
    this.server = createHttpServer(httpServerSettings(c), (req, res) => void this.serve(req, res), { owner: this.ctx, keyPrefix: '', tls });
    const { host: bindHost, port } = splitHostPort(c.endpoint);
    await listen(this.server, bindHost, port);
    this.ctx.logger.info(`${this.ctx.id}: web UI on ${tls ? 'https' : 'http'}://${bindHost.includes(':') ? `[${bindHost}]` : bindHost}:${this.port}/`);
  }

  /**
   * Reads back release health, DORA, the issues' sparklines and the service page's metrics from
   * the files the lake holds now: exporters start before receivers, so none holds a point or an
   * event this run will also see live.
   */
  private restoreHistory(lake: Lake, lakePath: string): void {
    const now = Date.now();
    const failed = (err: unknown) =>
      this.ctx.logger.warn(
        { err },
        `${this.ctx.id}: release health, DORA, issue sparklines and service health before this start could not be read from the lake ${lakePath}; they show what arrives from now on`,
      );
    let files: HistoryFiles;
    try {
      files = historyFiles(lakePath, now);
    } catch (err) {
      return failed(err);
    }
    if (Object.values(files).every((f) => f.length === 0)) return; // an empty lake never loads DuckDB
    const options = { now, spanmetricsNamespace: this.config.spanmetrics_namespace, maxServicePoints: this.config.store.max_points, maxServiceSpans: this.config.store.max_spans };
    this.restored = readHistory(lake, files, options).then((h) => this.live.restore(h), failed);
  }

  async shutdown(): Promise<void> {
    await this.restored;
    await closeServer(this.server);
    this.server = undefined;
    await this.lake?.close();
    this.lake = undefined;
    this.sessions?.close();
    this.sessions = undefined;
  }

  /** A path of the config: unset, the default under the working directory; relative, against the config's directory. */
  private configPath(path: string | undefined, fallback: string): string {
    return path === undefined ? resolve(fallback) : isAbsolute(path) ? path : resolve(this.ctx.configDir, path);
  }

  /** A file of the UI's own in the data directory (or a test's): beside the admin login. */
  private besideAdminFile(name: string): string {
    return join(dirname(this.configPath(this.config.admin_file, DEFAULT_ADMIN_FILE)), name);
  }

  private makeAccess(): Access {
    const c = this.config;
    let users = c.users;
    let tokenSha256 = c.api_token === undefined ? undefined : sha256Hex(c.api_token);
    if (users.length === 0 || tokenSha256 === undefined) {
      const file = this.configPath(c.admin_file, DEFAULT_ADMIN_FILE);
      const announceUser = users.length === 0;
      const announceToken = tokenSha256 === undefined;
      const login = loadOrCreateAdminLogin(file, (text) => {
        // shown once on the console, never through the logger (whose output may be shipped elsewhere)
        const lines = text.split('\n').filter((l) => (announceUser || !l.includes('password')) && (announceToken || !l.includes('API token')));
        process.stderr.write(`${lines.join('\n')}\n`);
      });
      if (users.length === 0) users = login.users;
      tokenSha256 ??= login.tokenSha256;
    }
    // beside the admin login by default: the data directory, or a test's own directory
    this.sessions = new SessionStore(c.session_file === undefined ? this.besideAdminFile('ui-sessions.sqlite') : this.configPath(c.session_file, ''));
    return new Access(users, tokenSha256, this.ttlMs, this.sessions);
  }

  private baseUrl(req: IncomingMessage): string {
    return `${this.secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://ui.invalid');
      if (!(await this.route(req, res, url))) sendError(res, 404, `no such page or API: ${req.method} ${url.pathname}`);
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) return sendError(res, err.status, err.message);
      this.ctx.logger.error({ err }, `${this.ctx.id}: ${req.method} ${req.url?.split('?')[0]} failed`);
      sendError(res, 500, (err as Error).message);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    const asset = req.method === 'GET' ? this.assets!.get(path) : undefined;
    if (asset) {
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      send(res, 200, gzip ? asset.gzip : asset.body, asset.type, gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : { vary: 'accept-encoding' });
      return true;
    }
    if (req.method === 'GET' && path === '/login') return send(res, 200, INDEX_HTML, 'text/html; charset=utf-8'), true;
    if (req.method === 'POST' && path === '/ui/api/login') return await this.login(req, res), true;
    const caller = this.access!.caller(req);
    const api = path.startsWith('/api/0/') || path.startsWith('/ui/api/');
    if (!caller) {
      if (api || req.method !== 'GET') return sendError(res, 401, 'log in first (or send the API token as Authorization: Bearer)'), true;
      if (PAGE.test(path)) return redirect(res, '/login'), true;
      return false;
    }
    const session = caller.kind === 'session' ? caller.session : undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD' && caller.kind === 'session' && !sameSiteRequest(req, session)) {
      sendError(res, 403, 'refused: a change must come from the UI itself (same origin, with its CSRF token)');
      return true;
    }
    if (path.startsWith('/api/0/')) return this.sentryApi().handle(req, res, url);
    if (path === '/ui/api/session') return this.sessionInfo(res, caller), true;
    if (req.method === 'POST' && path === '/ui/api/logout') {
      if (session) this.access!.logout(session);
      return sendJson(res, 200, {}, { 'set-cookie': sessionCookie(undefined, this.secure, this.ttlMs) }), true;
    }
    if (path.startsWith('/ui/api/')) return this.uiApi().handle(req, res, url);
    if (req.method === 'GET' && PAGE.test(path)) return send(res, 200, pageHtml(path), 'text/html; charset=utf-8'), true;
    return false;
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!sameSiteRequest(req, undefined)) return sendError(res, 403, 'refused: log in from the UI itself');
    const body = await readJson(req);
    if (typeof body.name !== 'string' || typeof body.password !== 'string') throw new HttpError(400, 'expected {"name": string, "password": string}');
    const keys = loginKeys(req.socket.remoteAddress ?? '', body.name);
    const wait = this.loginLimiter.retryAfter(keys);
    if (wait > 0) return sendJson(res, 429, { detail: `too many failed logins: try again in ${wait} s` }, { 'retry-after': String(wait) });
    const session = await this.access!.login(body.name, body.password);
    if (!session) {
      this.loginLimiter.failed(keys);
      return sendError(res, 401, 'wrong user name or password');
    }
    sendJson(res, 200, { user: session.user, csrf: session.csrf }, { 'set-cookie': sessionCookie(session, this.secure, this.ttlMs) });
  }

  private sessionInfo(res: ServerResponse, caller: Caller): void {
    sendJson(res, 200, {
      user: caller.kind === 'session' ? caller.session.user : '(API token)',
      csrf: caller.kind === 'session' ? caller.session.csrf : '',
      organization: this.config.organization,
      issues: this.issueQueries !== undefined,
      lake: this.lake !== undefined,
      signals: this.ctx.signals,
    });
  }

  private sentryApi(): SentryApi {
    return new SentryApi(() => this.issueStore(), (req) => this.baseUrl(req));
  }

  private uiApi(): UiApi {
    return new UiApi({ live: this.live, lake: this.lake, restored: this.restored, issues: () => this.issueQueries, apdexMs: parseDuration(this.config.apdex_threshold), spanmetricsNamespace: this.config.spanmetrics_namespace });
  }

  private issueStore(): exceptions.IssueQueries {
    if (!this.issueQueries) throw new HttpError(404, 'no issue store is configured for the UI (its issue_store key)');
    return this.issueQueries;
  }
}
