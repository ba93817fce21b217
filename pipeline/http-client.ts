/**
 * Upstream confighttp's client keys, as HTTP exporters write them, and the Node agent that
 * carries them out (see servers.md for the ones accepted without effect).
 */
import { Agent as HttpAgent, request as httpRequest, type AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { clientAuthSchema, type ClientAuthConfig } from './auth.js';
import type { JSONSchema } from './component.js';
import { durationSchema, parseDuration } from './duration.js';
import { redactUrl } from './redact.js';

export interface HttpClientSettings {
  proxy_url?: string;
  read_buffer_size?: number;
  write_buffer_size?: number;
  max_idle_conns?: number;
  max_idle_conns_per_host?: number;
  max_conns_per_host?: number;
  idle_conn_timeout?: string;
  disable_keep_alives?: boolean;
  http2_read_idle_timeout?: string;
  http2_ping_timeout?: string;
  force_attempt_http2?: boolean;
  cookies?: { enabled?: boolean };
  compression_params?: { level?: number };
  auth?: ClientAuthConfig;
}

const noEffect = (why: string): JSONSchema => ({ description: `accepted without effect: ${why}` });
const HTTP1 = "Node's HTTP client speaks HTTP/1.1";

export const httpClientSchema: Record<string, JSONSchema> = {
  proxy_url: { type: 'string', pattern: '^https?://', description: 'an HTTP proxy (CONNECT), e.g. http://proxy:3128' },
  read_buffer_size: { type: 'integer', minimum: 0, ...noEffect('Node sizes socket buffers itself') },
  write_buffer_size: { type: 'integer', minimum: 0, ...noEffect('Node sizes socket buffers itself') },
  max_idle_conns: { type: 'integer', minimum: 0, default: 100, ...noEffect('Node caps idle connections per host (max_idle_conns_per_host)') },
  max_idle_conns_per_host: { type: 'integer', minimum: 0, description: 'idle keep-alive connections kept per host; 0: Node default (256)' },
  max_conns_per_host: { type: 'integer', minimum: 0, description: 'connections per host; 0: no limit' },
  idle_conn_timeout: durationSchema('90s'),
  disable_keep_alives: { type: 'boolean', default: false },
  http2_read_idle_timeout: { ...durationSchema(), ...noEffect(HTTP1) },
  http2_ping_timeout: { ...durationSchema(), ...noEffect(HTTP1) },
  force_attempt_http2: { type: 'boolean', ...noEffect(HTTP1) },
  cookies: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean', default: false } } },
  compression_params: { type: 'object', additionalProperties: false, properties: { level: { type: 'integer', minimum: -1, maximum: 9 } } },
  auth: clientAuthSchema,
};

/** The agent for the settings: keep-alive, connection limits, idle timeout, and a CONNECT tunnel through proxy_url. */
export function httpClientAgent(settings: HttpClientSettings, secure: boolean, tls: ConnectionOptions): HttpAgent {
  const idle = settings.idle_conn_timeout === undefined ? 90_000 : Math.max(0, parseDuration(settings.idle_conn_timeout));
  const options: AgentOptions = {
    keepAlive: !settings.disable_keep_alives,
    ...(settings.max_conns_per_host ? { maxSockets: settings.max_conns_per_host } : {}),
    ...(settings.max_idle_conns_per_host ? { maxFreeSockets: settings.max_idle_conns_per_host } : {}),
    // an idle keep-alive socket is closed after this long without traffic (Go: IdleConnTimeout)
    ...(idle > 0 ? { timeout: idle } : {}),
  };
  const proxy = settings.proxy_url ? new URL(settings.proxy_url) : undefined;
  if (!proxy) return secure ? new HttpsAgent({ ...options, ...tls }) : new HttpAgent(options);
  const Base = secure ? HttpsAgent : HttpAgent;
  const agent = new Base({ ...options, ...(secure ? tls : {}) });
  (agent as unknown as { createConnection(opts: TunnelOptions, done: (err: Error | null, socket?: Duplex) => void): undefined }).createConnection = (opts, done) =>
    tunnel(proxy, secure, { ...tls, ...opts }, done);
  return agent;
}

/** Opens a connection to opts.host:port through the proxy's CONNECT, TLS on top for https. */
type TunnelOptions = Omit<ConnectionOptions, 'port'> & { host?: string; port?: number | string };

function tunnel(proxy: URL, secure: boolean, opts: TunnelOptions, done: (err: Error | null, socket?: Duplex) => void): undefined {
  const target = `${opts.host}:${opts.port}`;
  const auth = proxy.username ? { 'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` } : {};
  const req = httpRequest({ host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT', path: target, headers: { host: target, ...auth } });
  req.once('connect', (res, socket) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      return done(new Error(`proxy ${redactUrl(proxy.href)} refused CONNECT ${target}: ${res.statusCode}`));
    }
    done(null, secure ? tlsConnect({ ...opts, port: Number(opts.port), socket, servername: opts.servername ?? opts.host }) : socket);
  });
  req.once('error', (err) => done(new Error(`proxy ${redactUrl(proxy.href)}: ${err.message}`)));
  req.end();
  return undefined;
}

/**
 * A cookie jar per client (`cookies.enabled`): what a server sets is sent back to it, as Go's
 * cookiejar does for the load balancers that pin a client by cookie. Names and values only;
 * Max-Age=0 or a past Expires deletes.
 */
export class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();

  store(url: URL, setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const jar = this.byHost.get(url.host) ?? new Map<string, string>();
      this.byHost.set(url.host, jar);
      const expired = attrs.some((a) => {
        const [k, v = ''] = a.split('=').map((x) => x.trim());
        return (/^max-age$/i.test(k) && Number(v) <= 0) || (/^expires$/i.test(k) && Date.parse(v) < Date.now());
      });
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
  }

  header(url: URL): string | undefined {
    const jar = this.byHost.get(url.host);
    return jar?.size ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }
}
