import { createServer as createPlainServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { authenticate, serverAuthenticator, serverAuthSchema, type ServerAuthConfig, type ServerAuthenticator } from './auth.js';
import { headersAsMetadata, withClientInfo, type ClientInfo } from './client-info.js';
import type { Host, JSONSchema } from './component.js';
import { durationSchema, parseDuration } from './duration.js';
import { lingerThenClose } from './http-body.js';
import { capConnections, maxConnectionsSchema, type ServerOwner } from './net.js';
import { reloadTls, type ServerTlsOptions } from './tlsconfig.js';

/**
 * Upstream confighttp's server timeouts (Go's http.Server semantics) and Summit's own
 * `max_connections`, as every HTTP server component writes them, and confighttp's other
 * server keys, which take effect in {@link createHttpServer} for every server alike.
 */
export interface HttpServerSettings {
  read_timeout: string;
  read_header_timeout: string;
  write_timeout: string;
  idle_timeout: string;
  max_connections: number;
  /** Request headers become the client's metadata (headers_setter, from_context). */
  include_metadata?: boolean;
  /** Added to every answer. */
  response_headers?: Record<string, string>;
  /** Content-Encodings a request may use; others are answered 400. Unset: all the server reads. */
  compression_algorithms?: string[];
  keep_alives_enabled?: boolean;
  auth?: ServerAuthConfig;
}

/** confighttp.NewDefaultServerConfig, except read_timeout and the cap, which upstream lacks (see servers.md). */
export const HTTP_SERVER_DEFAULTS: HttpServerSettings = {
  read_timeout: '5m',
  read_header_timeout: '1m',
  write_timeout: '30s',
  idle_timeout: '1m',
  max_connections: 100,
};

/**
 * Schema properties to spread into a component's schema, with that component's defaults.
 * `auth: false` leaves the `auth` key out (the prometheus exporter's endpoint, as upstream).
 */
export function httpServerSchema(defaults: HttpServerSettings, { auth = true }: { auth?: boolean } = {}): Record<string, JSONSchema> {
  return {
    read_timeout: durationSchema(defaults.read_timeout),
    read_header_timeout: durationSchema(defaults.read_header_timeout),
    write_timeout: durationSchema(defaults.write_timeout),
    idle_timeout: durationSchema(defaults.idle_timeout),
    max_connections: maxConnectionsSchema(defaults.max_connections),
    include_metadata: { type: 'boolean', description: 'request headers become the client metadata (headers_setter, from_context); default false' },
    response_headers: { type: 'object', additionalProperties: { type: 'string' } },
    compression_algorithms: { type: 'array', items: { type: 'string', enum: ['', 'gzip', 'zstd', 'zlib', 'deflate', 'snappy', 'x-snappy-framed', 'lz4'] } },
    keep_alives_enabled: { type: 'boolean', description: 'default true' },
    ...(auth ? { auth: serverAuthSchema } : {}),
  };
}

/** The settings as written over the defaults (a component's config holds other keys too). */
export function httpServerSettings(config: Partial<HttpServerSettings>, defaults: HttpServerSettings = HTTP_SERVER_DEFAULTS): HttpServerSettings {
  const pick = <K extends keyof HttpServerSettings>(k: K) => config[k] ?? defaults[k];
  return {
    read_timeout: pick('read_timeout'),
    read_header_timeout: pick('read_header_timeout'),
    write_timeout: pick('write_timeout'),
    idle_timeout: pick('idle_timeout'),
    max_connections: pick('max_connections'),
    include_metadata: config.include_metadata,
    response_headers: config.response_headers,
    compression_algorithms: config.compression_algorithms,
    keep_alives_enabled: config.keep_alives_enabled,
    auth: config.auth,
  };
}

/** Node's http.Server options for the settings, with Go's fallbacks (0 → read_timeout) applied. */
export function nodeHttpOptions(s: HttpServerSettings): ServerOptions & { handshakeTimeout?: number } {
  const ms = (d: string) => Math.max(0, parseDuration(d)); // Go: zero or negative means none
  const read = ms(s.read_timeout);
  const header = ms(s.read_header_timeout) || read;
  const idle = ms(s.idle_timeout) || read;
  // Node refuses headersTimeout > requestTimeout; Go's whole-request deadline would cut headers there anyway
  const headersTimeout = read > 0 && header > 0 ? Math.min(header, read) : header;
  const checked = [headersTimeout, read].filter((t) => t > 0);
  return {
    requestTimeout: read,
    headersTimeout,
    keepAliveTimeout: idle,
    // Node enforces the two timeouts above on this tick (30 s by default, which would let a 1 s
    // read_header_timeout stretch to 31 s)
    ...(checked.length ? { connectionsCheckingInterval: Math.min(1000, Math.max(25, Math.floor(Math.min(...checked) / 2))) } : {}),
    // Go's TLS handshake deadline is the header (or read) deadline; Node's default is 120 s
    ...(headersTimeout > 0 ? { handshakeTimeout: headersTimeout } : {}),
  };
}

export interface HttpServerOptions {
  owner: ServerOwner;
  /** Where the settings sit in the component's config, e.g. `protocols.http.` or ``; unset when not configurable. */
  keyPrefix?: string;
  tls?: ServerTlsOptions;
  /** Finds the `auth` authenticator; needed when the settings have `auth`. */
  host?: Host;
}

/**
 * An http(s) server with the settings' timeouts and connection cap, that authenticates each
 * request (`auth`), refuses encodings not allowed (`compression_algorithms`), adds
 * `response_headers`, and runs `handler` with the request's {@link ClientInfo}; listen with
 * net.ts `listen`.
 */
export function createHttpServer(
  settings: HttpServerSettings,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  { owner, keyPrefix, tls, host }: HttpServerOptions,
): Server {
  const options = nodeHttpOptions(settings);
  const serve = guardRequests(settings, handler, host, owner);
  const server: Server = tls ? createTlsServer({ ...tls, ...options }, serve) : createPlainServer(options, serve);
  if (tls?.reload) {
    const stop = reloadTls(server as unknown as { setSecureContext(o: object): void }, tls, (err) =>
      owner.logger.error({ err }, `${owner.id}: cannot reload the TLS certificate; the last one read is served`),
    );
    server.once('close', stop);
  }
  const writeTimeout = Math.max(0, parseDuration(settings.write_timeout));
  if (writeTimeout > 0) {
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      // Go's WriteTimeout: a response not written by then loses its connection
      const timer = setTimeout(() => res.destroy(), writeTimeout).unref();
      res.once('close', () => clearTimeout(timer));
    });
  }
  capConnections(server, { owner, transport: 'http', maxConnections: settings.max_connections, capKey: keyPrefix === undefined ? undefined : `${keyPrefix}max_connections` });
  return server;
}

/** `handler` behind the settings' checks and additions, run with the request's client info. */
function guardRequests(
  settings: HttpServerSettings,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  host: Host | undefined,
  owner: ServerOwner,
): (req: IncomingMessage, res: ServerResponse) => void {
  let authenticator: ServerAuthenticator | undefined;
  if (settings.auth) {
    if (!host) throw new Error(`${owner.id}: auth is not supported on this server`);
    authenticator = serverAuthenticator(host, settings.auth);
  }
  const allowed = settings.compression_algorithms && new Set(settings.compression_algorithms.map((a) => a.toLowerCase()));
  const params = settings.auth?.request_params ?? [];
  const responseHeaders = Object.entries(settings.response_headers ?? {});
  return (req, res) => {
    for (const [name, value] of responseHeaders) res.setHeader(name, value);
    if (settings.keep_alives_enabled === false) res.shouldKeepAlive = false;
    const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
    if (allowed && encoding !== '' && encoding !== 'identity' && !allowed.has(encoding)) {
      return refuse(res, 400, `unsupported Content-Encoding "${encoding}"; this server takes: ${[...allowed].filter(Boolean).join(', ') || 'none'} (compression_algorithms)`);
    }
    const info: ClientInfo = {
      address: req.socket.remoteAddress === undefined ? undefined : `${req.socket.remoteAddress}:${req.socket.remotePort}`,
      metadata: settings.include_metadata ? headersAsMetadata(req.headers) : {},
    };
    // a CORS preflight carries no credentials; upstream's CORS handler answers it before auth
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!authenticator || preflight) return withClientInfo(info, () => handler(req, res));
    const shown = headersAsMetadata(req.headers);
    if (params.length) {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      for (const p of params) if (query.has(p)) shown[p] = query.getAll(p);
    }
    const challenge = authenticator.challenge;
    void authenticate(authenticator, shown).then((outcome) => {
      if (outcome.ok) return withClientInfo({ ...info, auth: outcome.attributes }, () => handler(req, res));
      if (challenge) res.setHeader('www-authenticate', challenge);
      refuse(res, 401, outcome.message);
    });
  };
}

/** Answers before the body is read: the connection cannot carry another request then. */
function refuse(res: ServerResponse, status: number, message: string): void {
  res.setHeader('connection', 'close');
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
  lingerThenClose(res.req);
}
