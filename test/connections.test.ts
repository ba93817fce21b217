import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../pipeline/builders.js';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { freePort, SummitProcess, tempDir, writeFile } from './helpers.js';

const CAP = 3;
const body = Buffer.from(encodeSignal('traces', tracesOf([newSpan({ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 's' })])));

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function grpcExport(client: Client): Promise<ServiceError | null> {
  return new Promise((resolve) =>
    client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, new Metadata(), (err) =>
      resolve(err),
    ),
  );
}

/** An HTTP request on a connection of its own, closed after the answer. */
function httpStatus(port: number, method: string, path: string, payload?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { 'content-type': 'application/x-protobuf', connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function idleSocket(port: number): Socket {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  cleanup.push(() => s.destroy());
  return s;
}

/** Resolves once the server closes the socket; rejects if it keeps it open. */
function closedByServer(socket: Socket, withinMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connection still open after ${withinMs} ms`)), withinMs);
    socket.resume();
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function metricsText(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

async function until(what: string, check: () => Promise<boolean>, withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('connection cap (max_connections)', () => {
  it('refuses connections past the cap with a warning and a counter, keeps serving the ones it holds, and every other server keeps answering', async () => {
    const [grpcPort, httpPort, healthPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const config = writeFile(
      tempDir(),
      'summit.yaml',
      `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
        max_connections: ${CAP}
      http:
        endpoint: 127.0.0.1:${httpPort}
        max_connections: ${CAP}
exporters:
  nop:
extensions:
  health_check:
    endpoint: 127.0.0.1:${healthPort}
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [nop]
  telemetry:
    metrics:
      address: 127.0.0.1:${metricsPort}
`,
    );
    const summit = new SummitProcess(['--config', config]);
    cleanup.push(() => summit.stop());
    await summit.waitForLog(/Everything is ready/);
    const open = (transport: string) => async () =>
      new RegExp(`otelcol_server_connections\\{kind="receiver",component="otlp",transport="${transport}"\\} ${CAP}\\b`).test(await metricsText(metricsPort));

    // gRPC: one working client and idle sockets up to the cap, then one too many
    const client = new Client(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    cleanup.push(() => client.close());
    expect(await grpcExport(client)).toBeNull();
    for (let i = 1; i < CAP; i++) idleSocket(grpcPort);
    await until(`the gRPC server holds ${CAP} connections`, open('grpc'));
    await closedByServer(idleSocket(grpcPort));
    await summit.waitForLog(/otlp \(grpc\) on 127\.0\.0\.1:\d+ refused a new connection: it already holds 3 \(protocols\.grpc\.max_connections\)/);
    expect(await metricsText(metricsPort)).toMatch(/otelcol_server_refused_connections_total\{kind="receiver",component="otlp",transport="grpc"\} 1\b/);
    expect(await grpcExport(client)).toBeNull();
    expect(await httpStatus(healthPort, 'GET', '/')).toBe(200);
    expect(await httpStatus(httpPort, 'POST', '/v1/traces', body)).toBe(200);

    // HTTP: idle sockets up to the cap, then one too many; the other servers still answer
    const held = Array.from({ length: CAP }, () => idleSocket(httpPort));
    await until(`the HTTP server holds ${CAP} connections`, open('http'));
    await closedByServer(idleSocket(httpPort));
    await summit.waitForLog(/otlp \(http\) on 127\.0\.0\.1:\d+ refused a new connection: it already holds 3 \(protocols\.http\.max_connections\)/);
    expect(await metricsText(metricsPort)).toMatch(/otelcol_server_refused_connections_total\{kind="receiver",component="otlp",transport="http"\} 1\b/);
    expect(await httpStatus(healthPort, 'GET', '/')).toBe(200);
    expect(await grpcExport(client)).toBeNull();

    // a freed place is taken again
    held[0].destroy();
    await until('a place is free', async () => !(await open('http')()));
    expect(await httpStatus(httpPort, 'POST', '/v1/traces', body)).toBe(200);
  });
});
