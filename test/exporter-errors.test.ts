/**
 * Backends that echo the request in their error answers (a 401 page listing the headers it got)
 * must not put the exporter's credentials in Summit's log: the otlphttp and otlp (gRPC)
 * exporters quote the answer scrubbed and cut short.
 */
import { Metadata, Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SummitProcess } from './helpers.js';
import { freePort, tempDir } from './helpers.js';
import { Sender, ensureStopped, startSummit, until } from './delivery-helpers.js';

const TOKEN = 'tok3n-Zq8vX2-never-in-a-log';
const TEAM_KEY = 'hcteamkey-7f3a9c1e';
const ECHO_PADDING = 'lorem ipsum '.repeat(100);

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An OTLP/HTTP backend answering 401 with every request header it got, and a long tail. */
async function echoingHttpBackend(): Promise<string> {
  const server: HttpServer = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(401, { 'content-type': 'text/plain' }).end(`unauthorized; you sent ${JSON.stringify(req.headers)}\n${ECHO_PADDING}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An OTLP/gRPC TraceService answering UNAUTHENTICATED with the metadata it got. */
async function echoingGrpcBackend(): Promise<string> {
  const server = new Server();
  const identity = (b: Buffer) => b;
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) =>
        cb({ code: status.UNAUTHENTICATED, details: `unauthenticated; you sent ${JSON.stringify(call.metadata.getMap())}`, metadata: new Metadata() }),
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  cleanups.push(() => server.forceShutdown());
  return `127.0.0.1:${port}`;
}

describe('exporter errors quoting a backend that echoes the request', () => {
  it('log the answer without the exporter’s credentials, cut short', async () => {
    const [http, grpc, receiver] = [await echoingHttpBackend(), await echoingGrpcBackend(), await freePort()];
    const dir = tempDir('summit-exporter-errors-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const headers = `headers: { authorization: "Bearer ${TOKEN}", x-honeycomb-team: "${TEAM_KEY}" }`;
    const summit: SummitProcess = await startSummit(
      dir,
      `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${receiver} } } }
exporters:
  otlphttp/echo:
    endpoint: ${http}
    ${headers}
  otlp/echo:
    endpoint: ${grpc}
    tls: { insecure: true }
    ${headers}
service:
  pipelines:
    traces: { receivers: [otlp], exporters: [otlphttp/echo, otlp/echo] }
  telemetry: { metrics: { level: none } }
`,
    );
    cleanups.push(() => ensureStopped(summit));
    expect((await new Sender(`http://127.0.0.1:${receiver}`).post()).status).toBe(200);
    await until(() => /answered 401/.test(summit.stderr) && /UNAUTHENTICATED/.test(summit.stderr), 'both exporters to log the refusal');
    expect(await summit.stop('SIGTERM')).toBe(0);

    const log = summit.stderr;
    // the backends' words are quoted (so the test sees what would leak) ...
    expect(log).toContain('unauthorized; you sent');
    expect(log).toContain('unauthenticated; you sent');
    // ... but not the credentials they echoed, nor all of the long body
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(TEAM_KEY);
    expect(log).toContain('[REDACTED]');
    expect(log).not.toContain(ECHO_PADDING);
    expect(log).toMatch(/more characters not shown/);
  });
});
