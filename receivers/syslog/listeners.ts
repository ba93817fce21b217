/** The syslog receiver's TCP and UDP listeners: bytes in, messages out to a handler that may make them wait. */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { closeServer, listen, splitHostPort } from '../../pipeline/net.js';
import { serverTlsOptions, type ServerTlsConfig } from '../../pipeline/tlsconfig.js';
import { Framer, type FramingMode } from './framing.js';

/** Connection details for `add_attributes`. */
export interface Peer {
  transport: 'tcp' | 'udp';
  peerIp: string;
  peerPort: number;
  hostIp: string;
  hostPort: number;
}

/** Handles messages of one read; resolves when the pipeline took them (the connection reads no more meanwhile). */
export type MessageHandler = (messages: Buffer[], peer: Peer) => Promise<void>;

export class TcpListener {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly address: string,
    private readonly framing: FramingMode,
    private readonly maxSize: number,
    private readonly tls: ServerTlsConfig | undefined,
    private readonly configDir: string,
    private readonly handle: MessageHandler,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const tlsOptions = serverTlsOptions(this.tls, this.configDir);
    const onConnection = (socket: Socket) => this.serve(socket);
    this.server = tlsOptions ? createTlsServer(tlsOptions, onConnection) : createTcpServer(onConnection);
    const { host, port } = splitHostPort(this.address);
    await listen(this.server, host, port);
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    const framer = new Framer(this.framing, this.maxSize);
    const peer: Peer = { transport: 'tcp', peerIp: socket.remoteAddress ?? '', peerPort: socket.remotePort ?? 0, hostIp: socket.localAddress ?? '', hostPort: socket.localPort ?? 0 };
    let chain = Promise.resolve();
    const deliver = (messages: Buffer[]) => {
      if (messages.length === 0) return;
      // backpressure: the connection is not read while the pipeline has not taken its messages
      socket.pause();
      chain = chain.then(() => this.handle(messages, peer)).finally(() => socket.resume());
    };
    socket.on('data', (chunk: Buffer) => {
      const { messages, problems } = framer.push(chunk);
      for (const p of problems) this.logger.warn({ peer: `${peer.peerIp}:${peer.peerPort}` }, p);
      deliver(messages);
    });
    socket.on('end', () => deliver(framer.end()));
    socket.on('error', (err) => this.logger.debug({ err: err.message }, 'syslog connection error'));
    socket.on('close', () => this.sockets.delete(socket));
  }

  async shutdown(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await closeServer(this.server);
  }
}

/** Datagrams held while the pipeline does not take them; UDP cannot make the sender wait, so past this they are dropped and counted. */
const MAX_UDP_PENDING = 10_000;

export class UdpListener {
  private socket?: UdpSocket;
  private pending: { messages: Buffer[]; peer: Peer }[] = [];
  private draining = false;
  private dropped = 0;
  private lastDropWarn = 0;

  constructor(
    private readonly address: string,
    private readonly onePerPacket: boolean,
    private readonly handle: MessageHandler,
    private readonly logger: Logger,
  ) {}

  private enqueue(messages: Buffer[], peer: Peer): void {
    if (this.pending.length >= MAX_UDP_PENDING) {
      this.dropped += messages.length;
      if (Date.now() - this.lastDropWarn >= 10_000) {
        this.lastDropWarn = Date.now();
        this.logger.warn({ dropped: this.dropped }, `the pipeline does not keep up: ${this.dropped} UDP syslog messages dropped so far (UDP senders cannot be slowed down)`);
      }
      return;
    }
    this.pending.push({ messages, peer });
    if (!this.draining) void this.drain();
  }

  /** One delivery at a time; datagrams that arrived meanwhile go together in the next. */
  private async drain(): Promise<void> {
    this.draining = true;
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const byPeer = new Map<string, { messages: Buffer[]; peer: Peer }>();
      for (const b of batch) {
        const key = `${b.peer.peerIp}:${b.peer.peerPort}`;
        const g = byPeer.get(key);
        if (g) g.messages.push(...b.messages);
        else byPeer.set(key, { messages: [...b.messages], peer: b.peer });
      }
      for (const g of byPeer.values()) await this.handle(g.messages, g.peer);
    }
    this.draining = false;
  }

  async start(): Promise<void> {
    const { host, port } = splitHostPort(this.address);
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err) => reject(new Error(`cannot listen on ${this.address} (udp): ${err.message}`)));
      socket.bind(port, host, () => resolve());
    });
    const local = socket.address();
    socket.on('message', (msg, rinfo) => {
      const peer: Peer = { transport: 'udp', peerIp: rinfo.address, peerPort: rinfo.port, hostIp: local.address, hostPort: local.port };
      const messages = this.onePerPacket ? [msg] : splitLines(msg);
      this.enqueue(messages, peer);
    });
    this.socket = socket;
  }

  async shutdown(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

function splitLines(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  for (let nl = b.indexOf(0x0a); nl >= 0; nl = b.indexOf(0x0a, pos)) {
    if (nl > pos) out.push(b.subarray(pos, nl));
    pos = nl + 1;
  }
  if (pos < b.length) out.push(b.subarray(pos));
  return out;
}
