/**
 * The standard server and client settings on real sockets: an `otlp` receiver's HTTP server
 * with response_headers, compression_algorithms and transport: unix, and an `otlphttp`
 * exporter through a CONNECT proxy with cookies.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { gzipSync, deflateSync } from 'node:zlib';
import { Server as GrpcServer, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { otlpExporterFactory, type OtlpExporterConfig } from '../exporters/otlp/index.js';
import { otlpHttpExporterFactory, type OtlpHttpExporterConfig } from '../exporters/otlphttp/index.js';
import { newSpan, tracesOf } from '../pipeline/builders.js';
import type { ComponentInstance } from '../pipeline/component.js';
import { EXPORT_METHOD } from '../pipeline/otlpproto/index.js';
import { testContext, testHost } from '../pipeline/testing.js';
import { otlpReceiverFactory } from '../receivers/otlp/index.js';
import { freePort, tempDir } from './helpers.js';

const running: ComponentInstance[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.shutdown?.();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const EMPTY = '{"resourceSpans":[]}';

async function receiver(http: Record<string, unknown>): Promise<void> {
  const instance = await otlpReceiverFactory.create(testContext({ id: 'otlp', kind: 'receiver' }), { protocols: { http: http as never } }, { traces: { consume: async () => undefined } });
  await instance.start!(testHost());
  running.push(instance);
}

/** POSTs to /v1/traces over TCP (`port`) or a unix socket (`socketPath`). */
function post(target: { port?: number; socketPath?: string }, body: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingMessage['headers']; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', ...target, path: '/v1/traces', method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('server settings', () => {
  it('response_headers are on every answer; compression_algorithms refuses other encodings with 400', async () => {
    const port = await freePort();
    await receiver({ endpoint: `127.0.0.1:${port}`, response_headers: { 'X-Served-By': 'summit' }, compression_algorithms: ['gzip'] });
    const ok = await post({ port }, gzipSync(EMPTY), { 'content-encoding': 'gzip' });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-served-by']).toBe('summit');
    const refused = await post({ port }, deflateSync(EMPTY), { 'content-encoding': 'deflate' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('unsupported Content-Encoding "deflate"; this server takes: gzip');
    expect(refused.headers['x-served-by']).toBe('summit');
    expect((await post({ port }, EMPTY)).status).toBe(200);
  });

  it('transport: unix listens on a socket path, over HTTP and gRPC', async () => {
    const dir = tempDir();
    const received: unknown[] = [];
    const instance = await otlpReceiverFactory.create(
      testContext({ id: 'otlp', kind: 'receiver' }),
      { protocols: { http: { endpoint: join(dir, 'http.sock'), transport: 'unix' } as never, grpc: { endpoint: join(dir, 'grpc.sock'), transport: 'unix' } as never } },
      { traces: { consume: async (d) => void received.push(d) } },
    );
    await instance.start!(testHost());
    running.push(instance);
    expect((await post({ socketPath: join(dir, 'http.sock') }, EMPTY)).status).toBe(200);
    const config = { endpoint: `unix://${join(dir, 'grpc.sock')}`, tls: { insecure: true }, headers: {}, compression: 'gzip', sending_queue: { enabled: false } } as OtlpExporterConfig;
    const e = await otlpExporterFactory.create(testContext({ id: 'otlp', kind: 'exporter', signals: ['traces'] }), config, {});
    await e.start!(testHost());
    running.push(e);
    await e.consumers!.traces!.consume(tracesOf([newSpan({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'op', startTimeUnixNano: 1n })]));
    expect(received).toHaveLength(2);
  });
});

describe('client settings', () => {
  it('proxy_url tunnels through a CONNECT proxy; cookies the backend sets are sent back', async () => {
    const seen: IncomingMessage['headers'][] = [];
    const backend = createServer((req, res) => {
      seen.push(req.headers);
      req.resume().on('end', () => res.writeHead(200, { 'set-cookie': `lb=node-${seen.length}; Path=/; HttpOnly` }).end());
    });
    const tunnels: string[] = [];
    const proxy = createServer();
    proxy.on('connect', (req: IncomingMessage, client: Socket) => {
      tunnels.push(`${req.url} ${req.headers['proxy-authorization'] ?? ''}`);
      const [host, port] = req.url!.split(':');
      const upstream = netConnect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    servers.push(backend, proxy);
    await Promise.all([backend, proxy].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
    const port = (s: Server) => (s.address() as { port: number }).port;
    const config = {
      endpoint: `http://127.0.0.1:${port(backend)}`,
      proxy_url: `http://user:pw@127.0.0.1:${port(proxy)}`,
      cookies: { enabled: true },
      headers: {},
      compression: 'gzip',
      encoding: 'proto',
      sending_queue: { enabled: false },
    } as OtlpHttpExporterConfig;
    const e = await otlpHttpExporterFactory.create(testContext({ id: 'otlphttp', kind: 'exporter', signals: ['traces'] }), config, {});
    await e.start!(testHost());
    running.push(e);
    const traces = () => tracesOf([newSpan({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'op', startTimeUnixNano: 1n })]);
    await e.consumers!.traces!.consume(traces());
    await e.consumers!.traces!.consume(traces());
    expect(tunnels[0]).toBe(`127.0.0.1:${port(backend)} Basic ${Buffer.from('user:pw').toString('base64')}`);
    expect(seen.map((h) => h.cookie)).toEqual([undefined, 'lb=node-1']);
  });
});

describe('gRPC client settings', () => {
  /** A bare grpc-js server taking Export calls for traces; `seen` has the :authority of each. */
  async function grpcBackend(port: number): Promise<{ server: GrpcServer; seen: string[] }> {
    const seen: string[] = [];
    const server = new GrpcServer();
    const raw = (b: Buffer) => b;
    server.addService(
      { Export: { path: EXPORT_METHOD.traces, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } },
      { Export: (call: ServerUnaryCall<Buffer, Buffer>, done: sendUnaryData<Buffer>) => void (seen.push(call.getHost()), done(null, Buffer.alloc(0))) },
    );
    await new Promise<void>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    return { server, seen };
  }

  async function exporter(port: number, extra: Partial<OtlpExporterConfig>): Promise<ComponentInstance> {
    const config = { endpoint: `127.0.0.1:${port}`, tls: { insecure: true }, headers: {}, compression: 'none', retry_on_failure: { enabled: false }, sending_queue: { enabled: false }, timeout: '10s', ...extra } as OtlpExporterConfig;
    const e = await otlpExporterFactory.create(testContext({ id: 'otlp', kind: 'exporter', signals: ['traces'] }), config, {});
    await e.start!(testHost());
    running.push(e);
    return e;
  }
  const traces = () => tracesOf([newSpan({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'op', startTimeUnixNano: 1n })]);

  it('authority sets the :authority of calls; wait_for_ready makes a call wait for a server that is not up yet', async () => {
    const port = await freePort();
    const waiting = await exporter(port, { authority: 'backend.example.com', wait_for_ready: true, balancer_name: 'pick_first' });
    const failing = await exporter(port, {});
    const waited = waiting.consumers!.traces!.consume(traces());
    await expect(failing.consumers!.traces!.consume(traces())).rejects.toThrow(/UNAVAILABLE/);
    const backend = await grpcBackend(port);
    try {
      await waited;
      expect(backend.seen).toEqual(['backend.example.com']);
    } finally {
      backend.server.forceShutdown();
    }
  });
});
