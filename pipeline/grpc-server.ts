import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Metadata, ServerCredentials, ServerInterceptingCall, status, type ChannelOptions, type Server as GrpcServer, type ServerInterceptor } from '@grpc/grpc-js';
import { authenticate, serverAuthenticator, serverAuthSchema, type ServerAuthConfig } from './auth.js';
import { withClientInfo, type ClientInfo } from './client-info.js';
import type { Host, JSONSchema } from './component.js';
import { durationSchema, parseDuration } from './duration.js';
import { capConnections, listenEndpoint, transportSchema, type ServerOwner } from './net.js';
import { reloadTls, type ServerTlsOptions } from './tlsconfig.js';

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
  /** Accepted without effect: grpc-js's server has no such option (see servers.md). */
  enforcement_policy?: { min_time?: string; permit_without_stream?: boolean };
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
    enforcement_policy: {
      type: 'object',
      additionalProperties: false,
      description: 'accepted without effect: grpc-js cannot refuse clients that ping too often',
      properties: { min_time: durationSchema('5m'), permit_without_stream: { type: 'boolean', default: false } },
    },
  },
};

/** configgrpc.ServerConfig's keys every gRPC server shares, beyond endpoint, limits and keepalive. */
export interface GrpcServerCommon {
  transport?: string;
  include_metadata?: boolean;
  read_buffer_size?: number;
  write_buffer_size?: number;
  auth?: ServerAuthConfig;
}

export const grpcServerCommonSchema: Record<string, JSONSchema> = {
  transport: transportSchema,
  include_metadata: { type: 'boolean', description: 'call metadata becomes the client metadata (headers_setter, from_context); default false' },
  read_buffer_size: { type: 'integer', minimum: 0, description: 'accepted without effect: Node sizes socket buffers itself' },
  write_buffer_size: { type: 'integer', minimum: 0, description: 'accepted without effect: Node sizes socket buffers itself' },
  auth: serverAuthSchema,
};

/** The client info of each call, by the metadata object grpc-js hands both the interceptor and the handler. */
const callClients = new WeakMap<Metadata, ClientInfo>();

/**
 * The server interceptor of the settings: authenticates each call (`auth`: UNAUTHENTICATED when
 * refused) and notes its client info for {@link withCallClient}.
 */
export function grpcServerInterceptors(settings: GrpcServerCommon, host: Host): ServerInterceptor[] {
  // without either, a call needs no interceptor: withCallClient knows its peer from the call
  if (!settings.auth && !settings.include_metadata) return [];
  const authenticator = settings.auth && serverAuthenticator(host, settings.auth);
  const interceptor: ServerInterceptor = (_method, call) =>
    new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, pass) {
            const headers = metadataMap(metadata);
            const info: ClientInfo = { address: call.getPeer(), metadata: settings.include_metadata ? headers : {} };
            if (!authenticator) {
              callClients.set(metadata, info);
              return pass(metadata);
            }
            void authenticate(authenticator, headers).then((outcome) => {
              if (!outcome.ok) return call.sendStatus({ code: status.UNAUTHENTICATED, details: outcome.message, metadata: new Metadata() });
              callClients.set(metadata, { ...info, auth: outcome.attributes });
              pass(metadata);
            });
          },
        });
      },
    });
  return [interceptor];
}

/** Runs a call's handler with the call's client info (see client-info.ts). */
export function withCallClient<T>(call: { metadata: Metadata; getPeer(): string }, fn: () => T): T {
  return withClientInfo(callClients.get(call.metadata) ?? { address: call.getPeer(), metadata: {} }, fn);
}

/** gRPC metadata as header lists; binary values in base64, as they travel. */
function metadataMap(metadata: Metadata): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of Object.keys(metadata.getMap())) {
    out[key] = metadata.get(key).map((v) => (typeof v === 'string' ? v : v.toString('base64')));
  }
  return out;
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
  endpoint: string;
  /** `tcp` (the default) or `unix` (endpoint is a socket path). */
  transport?: string;
  /** Serve TLS (terminated here, not by grpc-js); plaintext when unset. */
  tls?: ServerTlsOptions;
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
  if (tlsServer) {
    const stop = reloadTls(tlsServer, o.tls, (err) => o.owner.logger.error({ err }, `${o.owner.id}: cannot reload the TLS certificate; the last one read is served`));
    listener.once('close', stop);
  }
  await listenEndpoint(listener, o.endpoint, o.transport);
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
