import { request } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { grpcKeepaliveMs } from './grpc-server.js';
import { createHttpServer, HTTP_SERVER_DEFAULTS, httpServerSettings, nodeHttpOptions } from './http-server.js';
import { capConnections, closeServer, listen, openFileLimit, type ServerOwner } from './net.js';
import { SelfTelemetry } from './telemetry.js';

/** A logger that keeps its warnings, and a fresh registry. */
function owner(): ServerOwner & { warnings: string[] } {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  return { kind: 'receiver', id: 'test', logger, telemetry: new SelfTelemetry(), warnings };
}

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await closeServer(s);
});

/** An echo server with the cap applied. */
async function echoServer(o: ServerOwner, maxConnections: number): Promise<number> {
  const server = createServer((s) => s.pipe(s));
  servers.push(server);
  capConnections(server, { owner: o, transport: 'http', maxConnections, capKey: 'max_connections' });
  await listen(server, '127.0.0.1', 0);
  return (server.address() as { port: number }).port;
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
    sockets.push(s);
  });
}

const echo = (s: Socket, text: string) =>
  new Promise<string>((resolve) => {
    s.once('data', (d) => resolve(String(d)));
    s.write(text);
  });

const closed = (s: Socket) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve())));

async function metric(t: SelfTelemetry, name: string): Promise<number | undefined> {
  return (await t.registry.getSingleMetric(name)?.get())?.values[0]?.value;
}

describe('capConnections', () => {
  it('closes connections past the cap, counts each, warns once per interval, and keeps serving the ones it holds', async () => {
    const o = owner();
    const port = await echoServer(o, 2);
    const [a, b] = [await client(port), await client(port)];
    expect(await echo(a, 'a')).toBe('a');
    const refused = [await client(port), await client(port), await client(port)];
    await Promise.all(refused.map((s) => closed(s.resume())));
    expect(await metric(o.telemetry, 'otelcol_server_refused_connections_total')).toBe(3);
    expect(o.warnings).toEqual([expect.stringMatching(/^test \(http\) on 127\.0\.0\.1:\d+ refused a new connection: it already holds 2 \(max_connections\)\./)]);
    expect(await echo(a, 'still')).toBe('still');
    expect(await echo(b, 'here')).toBe('here');
    expect(await metric(o.telemetry, 'otelcol_server_connections')).toBe(2);
    b.destroy();
    await closed(b);
    await new Promise((r) => setTimeout(r, 20));
    expect(await echo(await client(port), 'again')).toBe('again');
  });

  it('warns when the caps of the listening servers add up to more than the open-file limit', async () => {
    const limit = openFileLimit();
    expect(limit).toBeGreaterThan(0); // Linux: read from /proc/self/limits
    const o = owner();
    await echoServer(o, limit!);
    expect(o.warnings.join('\n')).toMatch(new RegExp(`caps of the servers listening now add up to \\d+ .*open-file limit of ${limit}`));
  });
});

describe('listen', () => {
  it('binds the IPv4 address of a host name, as Go (and so the Collector) does', async () => {
    const server = createServer();
    servers.push(server);
    await listen(server, 'localhost', 0);
    expect(server.address()).toMatchObject({ family: 'IPv4', address: '127.0.0.1' });
  });
});

describe('HTTP server settings', () => {
  it('map onto Node with Go semantics: 0 falls back to read_timeout, headers never outlast the whole request', () => {
    expect(nodeHttpOptions(HTTP_SERVER_DEFAULTS)).toEqual({
      requestTimeout: 300_000,
      headersTimeout: 60_000,
      keepAliveTimeout: 60_000,
      connectionsCheckingInterval: 1000,
      handshakeTimeout: 60_000,
    });
    const s = httpServerSettings({ read_timeout: '10s', read_header_timeout: '0', idle_timeout: '0s' });
    expect(nodeHttpOptions(s)).toMatchObject({ requestTimeout: 10_000, headersTimeout: 10_000, keepAliveTimeout: 10_000 });
    expect(nodeHttpOptions({ ...s, read_header_timeout: '1m' }).headersTimeout).toBe(10_000);
    const none = nodeHttpOptions({ ...s, read_timeout: '0', read_header_timeout: '0', idle_timeout: '-1s' });
    expect(none).toEqual({ requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 0 });
    expect(nodeHttpOptions({ ...s, read_header_timeout: '300ms' }).connectionsCheckingInterval).toBe(150);
  });
});

describe('createHttpServer', () => {
  it('drops the connection of an answer not written within write_timeout', async () => {
    const o = owner();
    const server = createHttpServer({ ...HTTP_SERVER_DEFAULTS, write_timeout: '200ms' }, () => undefined, { owner: o, keyPrefix: '' });
    servers.push(server);
    await listen(server, '127.0.0.1', 0);
    const { port } = server.address() as { port: number };
    const outcome = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, agent: false }, () => resolve('answered'));
      req.on('error', (err) => resolve(err.message));
      req.setTimeout(5000, () => resolve('still waiting'));
      req.end();
    });
    expect(outcome).toBe('socket hang up');
  });
});

describe('gRPC keepalive settings', () => {
  it('map onto milliseconds, with 5m idle and grpc-go defaults otherwise', () => {
    const never = 2 ** 31 - 1;
    expect(grpcKeepaliveMs(undefined)).toEqual({ maxConnectionIdle: 300_000, maxConnectionAge: never, maxConnectionAgeGrace: never, time: 7_200_000, timeout: 20_000 });
    const set = grpcKeepaliveMs({ server_parameters: { max_connection_idle: '0', max_connection_age: '30s', max_connection_age_grace: '5s', time: '0s', timeout: '1s' } });
    expect(set).toEqual({ maxConnectionIdle: never, maxConnectionAge: 30_000, maxConnectionAgeGrace: 5_000, time: 7_200_000, timeout: 1_000 });
    // beyond Node's timer range a timeout would fire at once: the clamp reads as "never"
    expect(grpcKeepaliveMs({ server_parameters: { max_connection_age: '720h' } }).maxConnectionAge).toBe(never);
  });

});
