import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { ServerCredentials, type ChannelOptions, type Server as GrpcServer } from '@grpc/grpc-js';
import type { JSONSchema } from './component.js';
import { durationSchema, parseDuration } from './duration.js';
import { capConnections, listen, type ServerOwner } from './net.js';
import type { serverTlsOptions } from './tlsconfig.js';

/** Upstream configgrpc's `keepalive.server_parameters` (grpc-go's keepalive.ServerParameters). */
export interface GrpcKeepaliveServerParameters {
  max_connection_idle?: string;
  max_connection_age?: string;
  max_connection_age_grace?: string;
  time?: string;
  timeout?: string;
}

export interface GrpcKeepaliveConfig {
  server_parameters?: GrpcKeepaliveServerParameters;
  /** Accepted by the schema only so that validation can say why it is refused. */
  enforcement_policy?: unknown;
}

/**
 * grpc-go's defaults, except max_connection_idle: upstream leaves an idle connection open
 * forever, which lets idle clients hold every descriptor; Summit closes it (GOAWAY, which
 * clients answer by reconnecting when they next send) after 5 minutes.
 */
export const GRPC_KEEPALIVE_DEFAULTS: Required<GrpcKeepaliveServerParameters> = {
  max_connection_idle: '5m',
  max_connection_age: '0s',
  max_connection_age_grace: '0s',
  time: '2h',
  timeout: '20s',
};

export const grpcKeepaliveSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    server_parameters: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_connection_idle: durationSchema(GRPC_KEEPALIVE_DEFAULTS.max_connection_idle),
        max_connection_age: durationSchema(GRPC_KEEPALIVE_DEFAULTS.max_connection_age),
        max_connection_age_grace: durationSchema(GRPC_KEEPALIVE_DEFAULTS.max_connection_age_grace),
        time: durationSchema(GRPC_KEEPALIVE_DEFAULTS.time),
        timeout: durationSchema(GRPC_KEEPALIVE_DEFAULTS.timeout),
      },
    },
    enforcement_policy: { type: 'object' },
  },
};

/** Problems with a keepalive section, keyed under `path` (e.g. `protocols.grpc.keepalive`). */
export function checkGrpcKeepalive(keepalive: GrpcKeepaliveConfig | undefined, path: string): { path: string; message: string }[] {
  if (keepalive?.enforcement_policy === undefined) return [];
  return [
    {
      path: `${path}.enforcement_policy`,
      message:
        'not supported: grpc-js, the gRPC server Summit uses, cannot refuse clients that ping too often (min_time, permit_without_stream); ' +
        "remove the section (Node's HTTP/2 layer already bounds ping floods)",
    },
  ];
}

/** Node's timers cannot count further (~24.8 days); grpc-js reads this value as "never". */
const NEVER_MS = 2 ** 31 - 1;

/** The grpc-js server options (the ones grpc-js 1.14 honours on a server) for the keepalive settings. */
export function grpcKeepaliveOptions(keepalive: GrpcKeepaliveConfig | undefined): ChannelOptions {
  const p = { ...GRPC_KEEPALIVE_DEFAULTS, ...keepalive?.server_parameters };
  // grpc-go: zero means its default; a negative value is as good as zero
  const ms = (text: string, zero: number) => Math.min(NEVER_MS, Math.max(0, parseDuration(text)) || zero);
  return {
    'grpc.max_connection_idle_ms': ms(p.max_connection_idle, NEVER_MS),
    'grpc.max_connection_age_ms': ms(p.max_connection_age, NEVER_MS),
    'grpc.max_connection_age_grace_ms': ms(p.max_connection_age_grace, NEVER_MS),
    'grpc.keepalive_time_ms': ms(p.time, parseDuration(GRPC_KEEPALIVE_DEFAULTS.time)),
    'grpc.keepalive_timeout_ms': ms(p.timeout, parseDuration(GRPC_KEEPALIVE_DEFAULTS.timeout)),
  };
}

export interface GrpcListenOptions {
  owner: ServerOwner;
  host: string;
  port: number;
  /** Serve TLS (terminated here, not by grpc-js); plaintext when unset. */
  tls?: ReturnType<typeof serverTlsOptions>;
  maxConnections: number;
  /** The config key of the cap, e.g. `protocols.grpc.max_connections`. */
  capKey: string;
}

/**
 * Serves `server` on host:port through a listening socket Summit owns, so that the connection
 * cap of net.ts applies: grpc-js's own bindAsync gives no hold on the connections it accepts,
 * while its (public) connection injector takes connections accepted elsewhere. TLS is
 * terminated here too, so that what grpc-js is handed is always the socket its HTTP/2 session
 * ends, and the half-closed guard below can see it.
 */
export async function listenGrpc(server: GrpcServer, o: GrpcListenOptions): Promise<NetServer> {
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const serve = (socket: Socket) => {
    destroyWhenHalfClosed(socket);
    injector.injectConnection(socket);
  };
  // A TLS server that never listens: it is handed the accepted sockets and handshakes them
  // (within Node's 120 s handshakeTimeout, grpc-go's connection timeout too).
  const tlsServer = o.tls && createTlsServer({ ...o.tls, ALPNProtocols: ['h2'] }, serve);
  const listener = createNetServer((socket) => (tlsServer ? tlsServer.emit('connection', socket) : serve(socket)));
  capConnections(listener, { owner: o.owner, transport: 'grpc', maxConnections: o.maxConnections, capKey: o.capKey });
  await listen(listener, o.host, o.port);
  return listener;
}

/**
 * grpc-js closes an HTTP/2 session (idle, too old, shutting down) by ending its socket and then
 * waits for the peer to end its side; a peer that never does would keep the descriptor for ever.
 */
const HALF_CLOSED_GRACE_MS = 2_000;

function destroyWhenHalfClosed(socket: Socket): void {
  socket.once('finish', () => {
    const timer = setTimeout(() => socket.destroy(), HALF_CLOSED_GRACE_MS).unref();
    socket.once('close', () => clearTimeout(timer));
  });
}
