import { createServer as createPlainServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { JSONSchema } from './component.js';
import { durationSchema, parseDuration } from './duration.js';
import { capConnections, maxConnectionsSchema, type ServerOwner } from './net.js';
import type { serverTlsOptions } from './tlsconfig.js';

/**
 * Upstream confighttp's server timeouts (Go's http.Server semantics) and Summit's own
 * `max_connections`, as every HTTP server component writes them.
 */
export interface HttpServerSettings {
  read_timeout: string;
  read_header_timeout: string;
  write_timeout: string;
  idle_timeout: string;
  max_connections: number;
}

/** confighttp.NewDefaultServerConfig, except read_timeout and the cap, which upstream lacks (see servers.md). */
export const HTTP_SERVER_DEFAULTS: HttpServerSettings = {
  read_timeout: '5m',
  read_header_timeout: '1m',
  write_timeout: '30s',
  idle_timeout: '1m',
  max_connections: 100,
};

/** Schema properties to spread into a component's schema, with that component's defaults. */
export function httpServerSchema(defaults: HttpServerSettings): Record<string, JSONSchema> {
  return {
    read_timeout: durationSchema(defaults.read_timeout),
    read_header_timeout: durationSchema(defaults.read_header_timeout),
    write_timeout: durationSchema(defaults.write_timeout),
    idle_timeout: durationSchema(defaults.idle_timeout),
    max_connections: maxConnectionsSchema(defaults.max_connections),
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
  tls?: ReturnType<typeof serverTlsOptions>;
}

/** An http(s) server with the settings' timeouts and connection cap; listen with net.ts `listen`. */
export function createHttpServer(
  settings: HttpServerSettings,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  { owner, keyPrefix, tls }: HttpServerOptions,
): Server {
  const options = nodeHttpOptions(settings);
  const server: Server = tls ? createTlsServer({ ...tls, ...options }, handler) : createPlainServer(options, handler);
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
