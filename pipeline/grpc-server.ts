/**
 * Unary gRPC servers on node:http2 (the OTLP receiver's Export methods): what grpc-js's server
 * did for them, at the cost of one HTTP/2 stream and no per-call machinery (see servers.md).
 */
import {
  constants as h2,
  createServer as createHttp2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { constants as bufferConstants } from 'node:buffer';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { authenticate, serverAuthenticator, serverAuthSchema, type ServerAuthConfig } from './auth.js';
import { withClientInfo, type ClientInfo } from './client-info.js';
import { decompress, TOO_LARGE, type Compression } from './decompress.js';
import type { Host, JSONSchema } from './component.js';
import { durationSchema, parseDuration } from './duration.js';
import { concatLarge } from './large-buffer.js';
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
  /** Accepted without effect (see servers.md). */
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
      description: 'accepted without effect: Summit does not refuse clients that ping too often',
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

/** The gRPC status codes Summit's servers answer with. */
export const GrpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** A call's outcome when it is not OK; a handler rejects with one. */
export interface GrpcStatus {
  code: number;
  details: string;
  /** A google.rpc.Status, sent as grpc-status-details-bin (e.g. with RetryInfo). */
  statusDetails?: Uint8Array;
}

/** A unary method: the request message (decompressed) in, the response message out; rejects with a {@link GrpcStatus}. */
export type GrpcUnaryHandler = (message: Buffer) => Promise<Uint8Array>;

/** Node's timers cannot count further (~24.8 days): such a duration means "never". */
const NEVER_MS = 2 ** 31 - 1;

export interface GrpcKeepaliveMs {
  maxConnectionIdle: number;
  maxConnectionAge: number;
  maxConnectionAgeGrace: number;
  time: number;
  timeout: number;
}

/** The keepalive settings in milliseconds, {@link NEVER_MS} for never. */
export function grpcKeepaliveMs(keepalive: GrpcKeepaliveConfig | undefined): GrpcKeepaliveMs {
  const p = { ...GRPC_KEEPALIVE_DEFAULTS, ...keepalive?.server_parameters };
  // grpc-go: zero means its default; a negative value is as good as zero
  const ms = (text: string, zero: number) => Math.min(NEVER_MS, Math.max(0, parseDuration(text)) || zero);
  return {
    maxConnectionIdle: ms(p.max_connection_idle, NEVER_MS),
    maxConnectionAge: ms(p.max_connection_age, NEVER_MS),
    maxConnectionAgeGrace: ms(p.max_connection_age_grace, NEVER_MS),
    time: ms(p.time, parseDuration(GRPC_KEEPALIVE_DEFAULTS.time)),
    timeout: ms(p.timeout, parseDuration(GRPC_KEEPALIVE_DEFAULTS.timeout)),
  };
}

export interface GrpcServeOptions {
  owner: ServerOwner;
  endpoint: string;
  /** `tcp` (the default) or `unix` (endpoint is a socket path). */
  transport?: string;
  /** Serve TLS; plaintext when unset. */
  tls?: ServerTlsOptions;
  maxConnections: number;
  /** The config key of the cap, e.g. `protocols.grpc.max_connections`. */
  capKey: string;
  /** auth, include_metadata. */
  settings: GrpcServerCommon;
  host: Host;
  keepalive?: GrpcKeepaliveConfig;
  /** Bytes a request message may have, compressed and decompressed. */
  maxRecvMsgSize: number;
  /** HTTP/2 streams per connection; 0 or unset: Node's default. */
  maxConcurrentStreams?: number;
  /** The methods by path, e.g. `/opentelemetry.proto.collector.trace.v1.TraceService/Export`. */
  methods: ReadonlyMap<string, GrpcUnaryHandler>;
}

export interface GrpcServer {
  /** The listening socket (its address, its connection cap). */
  listener: NetServer;
  /** Stops accepting connections and calls; calls in flight are answered, then each connection closes. */
  shutdown(): void;
}

/** Percent-encodes grpc-message as the gRPC spec asks: every byte outside 0x20–0x7E, and `%`. */
function encodeGrpcMessage(details: string): string {
  if (/^[\x20-\x24\x26-\x7e]*$/.test(details)) return details;
  let out = '';
  for (const b of Buffer.from(details, 'utf8')) out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

const ACCEPT_ENCODING = 'identity,deflate,gzip';
const MAX_BUFFER_LENGTH = bufferConstants.MAX_LENGTH;

/** What a call's grpc-encoding may name (grpc-js's server took these too). */
const GRPC_COMPRESSIONS = new Set(['gzip', 'deflate']);

/** Headers that are the transport's, not the call's metadata (grpc-js hands neither to the application). */
const TRANSPORT_HEADERS = new Set(['grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'te', 'content-type']);

/** A call's headers as metadata lists, as grpc-js presented them: binary values in base64, one per comma-separated value. */
function callMetadata(headers: IncomingHttpHeaders): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith(':') || TRANSPORT_HEADERS.has(key) || value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    out[key] = key.endsWith('-bin') ? values.flatMap((v) => v.split(',').map((b) => Buffer.from(b.trim(), 'base64').toString('base64'))) : values;
  }
  return out;
}

/** grpc-timeout: digits and a unit (H, M, S, m, u, n). */
const TIMEOUT = /^(\d{1,8})([HMSmun])$/;
const TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

function peerOf(session: { socket?: Socket | { remoteAddress?: string; remotePort?: number } } | undefined): string {
  const socket = session?.socket;
  if (!socket?.remoteAddress) return 'unknown';
  return socket.remotePort ? `${socket.remoteAddress}:${socket.remotePort}` : socket.remoteAddress;
}

/**
 * One unary call: its message is read (declared length checked against maxRecvMsgSize before it
 * is buffered), decompressed, authenticated and handed to its handler under the call's client
 * info; the answer is a response message with grpc-status 0 or a trailers-only status.
 */
class UnaryCall {
  private chunks: Buffer[] = [];
  private received = 0;
  /** The message's length from its 5-byte prefix, once read. */
  private declared = -1;
  private answered = false;
  private deadline?: NodeJS.Timeout;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly o: GrpcServeOptions,
  ) {}

  run(headers: IncomingHttpHeaders, handler: GrpcUnaryHandler, authenticator: ReturnType<typeof serverAuthenticator> | undefined): void {
    const { stream, o } = this;
    const header = (name: string) => {
      const v = headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const timeout = header('grpc-timeout');
    if (timeout !== undefined) {
      const m = TIMEOUT.exec(timeout);
      if (!m) return this.fail({ code: GrpcCode.INTERNAL, details: `Invalid grpc-timeout value "${timeout}"` });
      this.deadline = setTimeout(() => this.fail({ code: GrpcCode.DEADLINE_EXCEEDED, details: 'Deadline exceeded' }), Math.min(NEVER_MS, Number(m[1]) * TIMEOUT_UNIT_MS[m[2]]));
      stream.once('close', () => clearTimeout(this.deadline));
    }
    const encoding = header('grpc-encoding') ?? 'identity';
    if (encoding !== 'identity' && !GRPC_COMPRESSIONS.has(encoding))
      return this.fail({ code: GrpcCode.UNIMPLEMENTED, details: `Received message compressed with unsupported encoding "${encoding}"` });
    const needMetadata = authenticator !== undefined || o.settings.include_metadata;
    const metadata = needMetadata ? callMetadata(headers) : {};
    const info: ClientInfo = { address: peerOf(stream.session), metadata: o.settings.include_metadata ? metadata : {} };
    const authenticated = authenticator ? authenticate(authenticator, metadata) : undefined;
    const message = new Promise<Buffer>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => {
        const failure = this.take(chunk);
        // answered at once: the rest of the upload is not buffered, and the handler never runs
        if (failure) this.fail(failure);
      });
      stream.once('end', () => {
        if (this.answered) return;
        if (this.declared < 0 || this.received < 5 + this.declared) return reject({ code: GrpcCode.INTERNAL, details: 'Received no request message for a unary call' });
        const framed = concatLarge(this.chunks, this.received);
        this.chunks = [];
        const body = framed.subarray(5);
        if (framed[0] === 0) return resolve(body);
        if (!GRPC_COMPRESSIONS.has(encoding)) return reject({ code: GrpcCode.INTERNAL, details: 'Received a compressed message without grpc-encoding' });
        // no message beyond the largest Buffer could be held anyway
        void decompress(encoding as Compression, body, Math.min(o.maxRecvMsgSize, MAX_BUFFER_LENGTH)).then((out) => {
          if (out === TOO_LARGE) reject({ code: GrpcCode.RESOURCE_EXHAUSTED, details: `Received message that decompresses to a size larger than ${o.maxRecvMsgSize}` });
          else if (out instanceof Error) reject({ code: GrpcCode.INTERNAL, details: 'Failed to decompress message' });
          else resolve(out);
        });
      });
    });
    // settled whether or not the call still waits for it (a refused call does not)
    message.catch(() => undefined);
    const answer = async (): Promise<Uint8Array> => {
      if (authenticated) {
        const outcome = await authenticated;
        if (!outcome.ok) throw { code: GrpcCode.UNAUTHENTICATED, details: outcome.message } satisfies GrpcStatus;
        info.auth = outcome.attributes;
      }
      const request = await message;
      return withClientInfo(info, () => handler(request));
    };
    answer().then(
      (response) => this.succeed(response),
      (failure: GrpcStatus) => this.fail(failure),
    );
  }

  /** Buffers a DATA chunk; a status when the message is too large or a second one follows. */
  private take(chunk: Buffer): GrpcStatus | undefined {
    if (this.answered) return undefined;
    this.received += chunk.length;
    this.chunks.push(chunk);
    if (this.declared < 0 && this.received >= 5) {
      const prefix = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.received);
      this.declared = prefix.readUInt32BE(1);
      if (this.declared > this.o.maxRecvMsgSize) return { code: GrpcCode.RESOURCE_EXHAUSTED, details: `Received message larger than max (${this.declared} vs. ${this.o.maxRecvMsgSize})` };
    }
    if (this.declared >= 0 && this.received > 5 + this.declared) return { code: GrpcCode.INTERNAL, details: 'Received a second request message for a unary call' };
    return undefined;
  }

  private finish(): boolean {
    if (this.answered) return false;
    this.answered = true;
    this.chunks = [];
    clearTimeout(this.deadline);
    // what the client still sends is read and dropped (it stops once it sees the status)
    if (!this.stream.readableEnded) this.stream.resume();
    return !this.stream.destroyed && !this.stream.closed;
  }

  private succeed(response: Uint8Array): void {
    if (!this.finish()) return;
    const frame = Buffer.allocUnsafe(5 + response.byteLength);
    frame[0] = 0;
    frame.writeUInt32BE(response.byteLength, 1);
    frame.set(response, 5);
    this.stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': ACCEPT_ENCODING, 'grpc-encoding': 'identity' }, { waitForTrailers: true });
    this.stream.once('wantTrailers', () => this.stream.sendTrailers({ 'grpc-status': String(GrpcCode.OK), 'grpc-message': 'OK' }));
    this.stream.end(frame);
  }

  /** A trailers-only answer: the status in the only HEADERS frame (anything else a handler threw is INTERNAL). */
  fail(failure: GrpcStatus): void {
    if (!this.finish()) return;
    const code = typeof failure?.code === 'number' ? failure.code : GrpcCode.INTERNAL;
    const headers: OutgoingHttpHeaders = {
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-accept-encoding': ACCEPT_ENCODING,
      'grpc-status': String(code),
      'grpc-message': encodeGrpcMessage(String(failure?.details ?? failure)),
    };
    if (failure?.statusDetails) headers['grpc-status-details-bin'] = Buffer.from(failure.statusDetails).toString('base64');
    this.stream.respond(headers, { endStream: true });
  }
}

/**
 * A connection's lifetime rules, as grpc-js's server applied them: GOAWAY after
 * max_connection_idle without calls and after max_connection_age (±10 % jitter, then destroyed
 * after the grace), and a ping every `time` that must be answered within `timeout`.
 */
function superviseSession(session: ServerHttp2Session, k: GrpcKeepaliveMs): void {
  const timers: NodeJS.Timeout[] = [];
  const after = (ms: number, fn: () => void) => {
    const t = setTimeout(fn, ms).unref();
    timers.push(t);
    return t;
  };
  session.once('close', () => timers.forEach(clearTimeout));
  session.on('error', () => undefined); // a reset connection: its streams end with it

  if (k.maxConnectionIdle < NEVER_MS) {
    let active = 0;
    let idleSince = Date.now();
    // one timer, refreshed rather than replaced, checks when it fires whether the connection stayed idle
    const idle = after(k.maxConnectionIdle, () => {
      if (active > 0) return;
      const left = idleSince + k.maxConnectionIdle - Date.now();
      if (left <= 0) session.close();
      else idle.refresh();
    });
    session.on('stream', (stream: ServerHttp2Stream) => {
      active++;
      stream.once('close', () => {
        if (--active > 0) return;
        idleSince = Date.now();
        idle.refresh();
      });
    });
  }

  if (k.maxConnectionAge < NEVER_MS) {
    const jitter = (Math.random() * 2 - 1) * (k.maxConnectionAge / 10);
    after(k.maxConnectionAge + jitter, () => {
      if (session.closed || session.destroyed) return;
      session.close();
      if (k.maxConnectionAgeGrace < NEVER_MS) after(k.maxConnectionAgeGrace, () => session.destroy());
    });
  }

  if (k.time < NEVER_MS) {
    const ping = () => {
      if (session.destroyed) return;
      const unanswered = after(k.timeout, () => session.destroy());
      let sent = false;
      try {
        sent = session.ping((err) => {
          clearTimeout(unanswered);
          if (err) session.destroy();
          else after(k.time, ping);
        });
      } catch {
        // the session is closing: nothing to keep alive
      }
      if (!sent) {
        clearTimeout(unanswered);
        session.destroy();
      }
    };
    after(k.time, ping);
  }
}

/**
 * Serves unary gRPC methods through a listening socket Summit owns, so that the connection
 * cap of net.ts applies. TLS is terminated here; the HTTP/2 server never listens itself, it is
 * handed each connection (plain or TLS) and the half-closed guard below watches the socket.
 */
export async function serveGrpc(o: GrpcServeOptions): Promise<GrpcServer> {
  const authenticator = o.settings.auth && serverAuthenticator(o.host, o.settings.auth);
  const keepalive = grpcKeepaliveMs(o.keepalive);
  const http2 = createHttp2Server({
    // as grpc-js: Node's session memory cap, once reached, stalls a connection rather than refusing one call
    maxSessionMemory: Number.MAX_SAFE_INTEGER,
    maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
    ...(o.maxConcurrentStreams ? { settings: { maxConcurrentStreams: o.maxConcurrentStreams } } : {}),
  });
  const sessions = new Set<ServerHttp2Session>();
  let closing = false;
  http2.on('session', (session: ServerHttp2Session) => {
    if (closing) return void session.close();
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    superviseSession(session, keepalive);
  });
  http2.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on('error', () => undefined); // a stream reset by the client: its call is answered to no one
    if (!String(headers['content-type'] ?? '').startsWith('application/grpc')) {
      stream.respond({ ':status': h2.HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE }, { endStream: true });
      return;
    }
    const path = headers[':path'] ?? '';
    const handler = o.methods.get(path);
    const call = new UnaryCall(stream, o);
    if (!handler) return call.fail({ code: GrpcCode.UNIMPLEMENTED, details: `The server does not implement the method ${path}` });
    call.run(headers, handler, authenticator);
  });

  const serve = (socket: Socket) => {
    destroyWhenHalfClosed(socket);
    http2.emit('connection', socket);
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
  return {
    listener,
    shutdown() {
      closing = true;
      listener.close();
      for (const session of sessions) session.close();
    },
  };
}

/**
 * A closed HTTP/2 session (idle, too old, shutting down) ends its socket and then waits for the
 * peer to end its side; a peer that never does would keep the descriptor for ever.
 */
const HALF_CLOSED_GRACE_MS = 2_000;

function destroyWhenHalfClosed(socket: Socket): void {
  socket.once('finish', () => {
    const timer = setTimeout(() => socket.destroy(), HALF_CLOSED_GRACE_MS).unref();
    socket.once('close', () => clearTimeout(timer));
  });
}
