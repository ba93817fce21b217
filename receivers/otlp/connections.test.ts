import { connect, type Socket } from 'node:net';
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ComponentInstance, Consumer } from '../../pipeline/component.js';
import { encodeSignal as encodeProto } from '../../pipeline/otlpproto/index.js';
import { newSpan, tracesOf } from '../../pipeline/builders.js';
import { SelfTelemetry } from '../../pipeline/telemetry.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { freePort } from '../../test/helpers.js';
import { otlpReceiverFactory, type OtlpReceiverConfig } from './index.js';

/** Far above the small timeouts set here, far below Node's and grpc-js's defaults (60 s and never). */
const WITHIN_MS = 8000;

const running: ComponentInstance[] = [];
const clients: { close(): void }[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const r of running.splice(0)) await r.shutdown?.();
});

async function startReceiver(protocols: OtlpReceiverConfig['protocols'], logger?: Logger, consumer: Consumer = { consume: async () => undefined }): Promise<{ telemetry: SelfTelemetry }> {
  const telemetry = new SelfTelemetry();
  const instance = await otlpReceiverFactory.create(testContext({ id: 'otlp', kind: 'receiver', telemetry, ...(logger && { logger }) }), { protocols }, { traces: consumer });
  await instance.start!(testHost());
  running.push(instance);
  return { telemetry };
}

/** What a raw client saw before the server closed the connection; rejects if it stays open. */
function closedByServer(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`still open after ${WITHIN_MS} ms; got ${JSON.stringify(seen.slice(0, 80))}`)), WITHIN_MS);
    socket.on('data', (d) => (seen += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(seen);
    });
  });
}

/** The server-side count of open connections (otelcol_server_connections). */
async function openConnections(telemetry: SelfTelemetry, transport: string): Promise<number> {
  const metric = await telemetry.registry.getSingleMetric('otelcol_server_connections')?.get();
  return metric?.values.find((v) => v.labels.transport === transport)?.value ?? Number.NaN;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WITHIN_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const body = Buffer.from(encodeProto('traces', tracesOf([newSpan({ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 's' })])));

describe('otlp receiver: connection timeouts', () => {
  it('HTTP: a connection with no or partial headers is closed after read_header_timeout, an idle keep-alive one after idle_timeout', async () => {
    const port = await freePort();
    await startReceiver({ http: { endpoint: `127.0.0.1:${port}`, read_header_timeout: '300ms', idle_timeout: '300ms' } as never });
    const silent = connect(port, '127.0.0.1');
    const partial = connect(port, '127.0.0.1', () => partial.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\n'));
    const keptAlive = connect(port, '127.0.0.1', () => {
      keptAlive.write(`POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${body.length}\r\n\r\n`);
      keptAlive.write(body);
    });
    const [fromSilent, fromPartial, fromKeptAlive] = await Promise.all([silent, partial, keptAlive].map(closedByServer));
    expect(fromSilent).toMatch(/^(HTTP\/1.1 408|$)/);
    expect(fromPartial).toMatch(/^HTTP\/1.1 408/);
    // answered first, closed only once idle
    expect(fromKeptAlive).toMatch(/^HTTP\/1.1 200/);
    expect(fromKeptAlive).not.toMatch(/connection: close/i);
  });

  it('gRPC: a connection without calls is closed after max_connection_idle, also when the peer ignores the close', async () => {
    const port = await freePort();
    const { telemetry } = await startReceiver({
      grpc: { endpoint: `127.0.0.1:${port}`, keepalive: { server_parameters: { max_connection_idle: '1s' } } } as never,
    });
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    clients.push(client);
    const err = await new Promise((resolve) =>
      client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, new Metadata(), resolve),
    );
    expect(err).toBeNull();
    // never sends a byte and never closes its side: only the server can free the descriptor
    const silent = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    silent.on('error', () => undefined);
    clients.push({ close: () => silent.destroy() });
    await until('both connections are open', async () => (await openConnections(telemetry, 'grpc')) === 2);
    await until('the server closed both', async () => (await openConnections(telemetry, 'grpc')) === 0);
  });

  it('gRPC: a connection is closed after max_connection_age, and dropped after the grace when a call is still open', async () => {
    const port = await freePort();
    const held: Consumer = { consume: () => new Promise(() => undefined) }; // the pipeline never answers
    const { telemetry } = await startReceiver(
      { grpc: { endpoint: `127.0.0.1:${port}`, keepalive: { server_parameters: { max_connection_idle: '0', max_connection_age: '500ms', max_connection_age_grace: '500ms' } } } as never },
      undefined,
      held,
    );
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    clients.push(client);
    const call = new Promise<{ code?: number } | null>((resolve) =>
      client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, new Metadata(), resolve),
    );
    await until('the connection is open', async () => (await openConnections(telemetry, 'grpc')) === 1);
    // the held call ends with the connection, not with an answer
    expect((await call)?.code).toBe(status.UNAVAILABLE);
    await until('the server closed it', async () => (await openConnections(telemetry, 'grpc')) === 0);
  });

  it('gRPC: a peer that does not answer keepalive pings within the timeout is dropped', async () => {
    const port = await freePort();
    const { telemetry } = await startReceiver({
      grpc: { endpoint: `127.0.0.1:${port}`, keepalive: { server_parameters: { max_connection_idle: '0', time: '300ms', timeout: '300ms' } } } as never,
    });
    // an HTTP/2 client preface and empty SETTINGS, then silence: the server's PING is never acknowledged
    const mute = connect(port, '127.0.0.1', () => mute.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])])));
    clients.push({ close: () => mute.destroy() });
    const seen = await closedByServer(mute);
    expect(seen.length).toBeGreaterThan(0); // its SETTINGS and the PING came first
    await until('the server holds no connection', async () => (await openConnections(telemetry, 'grpc')) === 0);
  });
});

describe('a client that hangs up mid-upload', () => {
  it('is not logged as an error (any client could flood the log with them)', async () => {
    const port = await freePort();
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    await startReceiver({ http: { endpoint: `127.0.0.1:${port}` } as never }, logger);
    for (let i = 0; i < 3; i++) {
      const socket = connect(port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(`POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${body.length * 100}\r\n\r\n`);
      socket.write(body);
      await new Promise((r) => setTimeout(r, 50));
      socket.destroy();
    }
    await until('the hang-ups were noticed', async () => lines.filter((l) => /closed the connection/.test(l.msg)).length === 3);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
