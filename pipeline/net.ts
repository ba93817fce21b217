import { readFileSync, rmSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { JSONSchema } from './component.js';
import type { SelfTelemetry } from './telemetry.js';

/** Splits "host:port", "[::1]:port" or ":port" (any interface, as the Collector reads it). */
export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address.trim());
  if (!m) throw new Error(`invalid endpoint "${address}": expected host:port, e.g. localhost:4318`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid endpoint "${address}": port must be 0-65535`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** A component's config problem when its `host:port` endpoint does not parse (none when it does). */
export function endpointProblems(endpoint: string, path = 'endpoint'): { path: string; message: string }[] {
  try {
    splitHostPort(endpoint);
    return [];
  } catch (err) {
    return [{ path, message: (err as Error).message }];
  }
}

/** confignet's `transport` for a listening server: `endpoint` is host:port, or a socket path for unix. */
export const transportSchema: JSONSchema = { type: 'string', enum: ['tcp', 'tcp4', 'tcp6', 'unix'], default: 'tcp' };

/** Problems with a server's endpoint for its transport, keyed under `path`. */
export function checkEndpoint(endpoint: string, transport: string | undefined, path: string): { path: string; message: string }[] {
  if (transport === 'unix') return endpoint ? [] : [{ path, message: 'expected the path of a unix socket' }];
  try {
    splitHostPort(endpoint);
    return [];
  } catch (err) {
    return [{ path, message: (err as Error).message }];
  }
}

/** Listens on `endpoint` as its transport reads it (see {@link listen}); a unix socket left by a dead process is replaced. */
export async function listenEndpoint(server: Server, endpoint: string, transport = 'tcp'): Promise<void> {
  if (transport !== 'unix') {
    const { host, port } = splitHostPort(endpoint);
    return listen(server, host, port);
  }
  rmSync(endpoint, { force: true });
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`cannot listen on unix socket ${endpoint}: ${err.message}`));
    server.once('error', onError);
    server.listen(endpoint, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Listens, turning "address in use" and friends into a rejected promise instead of a crash.
 * A host name that resolves to several addresses binds the first IPv4 one, as Go's net.Listen
 * (and so the Collector) does; Node alone would take whichever the resolver lists first.
 */
export async function listen(server: Server, host: string, port: number): Promise<void> {
  let address = host;
  if (!isIP(host)) {
    const all = await lookup(host, { all: true }).catch((err: Error) => {
      throw new Error(`cannot listen on ${host}:${port}: cannot resolve ${host}: ${err.message}`);
    });
    address = (all.find((a) => a.family === 4) ?? all[0]).address;
  }
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new Error(err.code === 'EADDRINUSE' ? `${host}:${port} is already in use` : `cannot listen on ${host}:${port}: ${err.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, address);
  });
}

/** Stops listening and drops every connection, idle or not; resolves once the server is closed. */
export function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    // http(s) servers can drop keep-alive connections; a bare net.Server has none to drop
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}

/** The component a listening server belongs to: a CreateContext, or the service for its own endpoints. */
export interface ServerOwner {
  /** receiver, exporter, extension, or `service` (Summit's self-telemetry endpoint). */
  kind: string;
  /** Component id as configured, e.g. `otlp` or `health_check/lb`. */
  id: string;
  logger: Logger;
  telemetry: SelfTelemetry;
}

export interface ConnectionCap {
  owner: ServerOwner;
  /** `grpc` or `http`: one component can run one server of each. */
  transport: string;
  /** 0: no cap. */
  maxConnections: number;
  /** The config key that sets the cap, for the refusal log line, e.g. `protocols.grpc.max_connections`; unset when fixed. */
  capKey?: string;
}

/** The schema of a server's `max_connections` key, with the component's default. */
export function maxConnectionsSchema(defaultValue: number): JSONSchema {
  return { type: 'integer', minimum: 0, default: defaultValue, description: 'a number of connections (0: no cap)' };
}

/** Refusals past the first are logged at most this often; the counter has every one. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/**
 * Holds `server` to `maxConnections` open connections: past the cap Node closes each new connection
 * as soon as it is accepted, and every refusal is counted (otelcol_server_refused_connections_total)
 * and logged (at most every 10 s). Without a cap a flood of idle connections uses up the process's
 * file descriptors, and then libuv closes every new connection on every server — health check
 * included — without a word. Also counts open connections (otelcol_server_connections) and logs
 * accept errors instead of crashing on them.
 * Call before `listen`.
 */
export function capConnections(server: Server, cap: ConnectionCap): void {
  const { owner, transport, maxConnections } = cap;
  const labels = { kind: owner.kind, component: owner.id, transport };
  const refused = owner.telemetry.counter(
    'otelcol_server_refused_connections_total',
    'Number of connections a server closed as soon as it accepted them, because it held max_connections already.',
    Object.keys(labels),
  );
  const open = owner.telemetry.gauge('otelcol_server_connections', 'Number of connections a server holds open.', Object.keys(labels));
  open.inc(labels, 0); // the series shows 0 from the start
  if (maxConnections > 0) server.maxConnections = maxConnections;

  let quietUntil = 0;
  let unlogged = 0;
  server.on('drop', () => {
    refused.inc(labels);
    const now = Date.now();
    if (now < quietUntil) return void unlogged++;
    quietUntil = now + REFUSAL_LOG_INTERVAL_MS;
    owner.logger.warn(
      `${owner.id} (${transport}) on ${boundAddress(server)} refused a new connection: it already holds ${maxConnections}` +
        (cap.capKey ? ` (${cap.capKey})` : '') +
        (unlogged ? `; ${unlogged} more were refused since the last warning` : '') +
        '. Every refusal is counted in otelcol_server_refused_connections_total' +
        (cap.capKey ? `; if these are legitimate clients, raise ${cap.capKey} and the open-file limit.` : '.'),
    );
    unlogged = 0;
  });

  server.on('connection', (socket: Socket) => {
    open.inc(labels);
    socket.once('close', () => open.dec(labels));
  });

  server.on('error', (err: NodeJS.ErrnoException) => {
    // before 'listening' the error belongs to listen(), which reports it
    if (server.listening) owner.logger.error({ err }, `${owner.id} (${transport}) on ${boundAddress(server)}: cannot accept a connection`);
  });

  server.on('listening', () => addCap(server, cap));
  // The gauge's series stays: after a reload the old server's last connections and the new
  // server's count into it together.
  server.on('close', () => removeCap(server));
}

/** host:port a server is bound to (the port is known only after listening when 0 was asked), else `fallback`. */
export function boundAddress(server: Server | undefined, fallback = ''): string {
  const a = server?.address();
  if (typeof a === 'string') return a; // a unix socket's path
  return a && typeof a === 'object' ? `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : fallback;
}

/** Caps of the servers listening in this process: file descriptors are a per-process budget. */
const caps = new Map<Server, ConnectionCap>();
/** Warned since the caps last fitted, so that a start-up warns once, not once per server. */
let warnedOverLimit = false;

/** Descriptors kept free for files, outgoing connections and Node itself when caps are added up. */
const DESCRIPTOR_RESERVE = 256;

function addCap(server: Server, cap: ConnectionCap): void {
  caps.set(server, cap);
  const over = capsOverLimit();
  if (!over || warnedOverLimit) return;
  warnedOverLimit = true;
  cap.owner.logger.warn(
    `the connection caps of the servers listening now add up to ${over.total} (${over.each}), which with ${DESCRIPTOR_RESERVE} descriptors kept ` +
      `for files and outgoing connections is more than this process's open-file limit of ${over.limit}: a flood of connections can still use up ` +
      `every descriptor. Lower max_connections, or raise the limit (ulimit -n, systemd LimitNOFILE=, docker --ulimit nofile=); ` +
      `Node raises the soft limit to the hard limit at start.`,
  );
}

function removeCap(server: Server): void {
  caps.delete(server);
  if (!capsOverLimit()) warnedOverLimit = false;
}

function capsOverLimit(): { total: number; each: string; limit: number } | undefined {
  const limit = openFileLimit();
  const capped = [...caps.values()].filter((c) => c.maxConnections > 0);
  const total = capped.reduce((sum, c) => sum + c.maxConnections, 0);
  if (limit === undefined || total + DESCRIPTOR_RESERVE <= limit) return undefined;
  return { total, each: capped.map((c) => `${c.owner.id} ${c.transport} ${c.maxConnections}`).join(', '), limit };
}

/**
 * The soft RLIMIT_NOFILE as this process runs with it (Linux), or undefined where it cannot be read.
 * Node itself raises the soft limit to the hard limit at start-up (PlatformInit in src/node.cc),
 * so this is the hard limit unless that is unlimited.
 */
export function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    const soft = line ? Number(line[1]) : NaN;
    return Number.isFinite(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}
