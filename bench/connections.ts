/**
 * The connection-exhaustion probe (issue 9): a Summit process limited to 4,096 file descriptors
 * (`ulimit -n`) is sent 4,196 idle connections — HTTP/2 sessions that never call, or HTTP
 * requests that never finish their headers — and must keep answering: the health check, the
 * other protocol, the flooded server's existing clients, and everything again once the flood
 * is gone. The first row runs without a cap (`max_connections: 0`), as Summit did before the
 * cap existed, to show what the probe catches.
 *
 *   node dist/bench/run.js connections
 *   CONNECTIONS_NOFILE=1024 CONNECTIONS_FLOOD=1500 node dist/bench/run.js connections
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { freePort, openDescriptors, procStatusMiB, stopProcess } from './processes.js';
import { syntheticTraces } from './synthetic.js';

const SUMMIT = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'summit.js');
const NOFILE = Number(process.env.CONNECTIONS_NOFILE ?? 4096);
const FLOOD = Number(process.env.CONNECTIONS_FLOOD ?? NOFILE + 100);
const CHECK_MS = 3000;
const BODY = Buffer.from(encodeSignal('traces', syntheticTraces(1, 'small', 7)));
/** An HTTP/2 client preface and an empty SETTINGS frame: a gRPC connection that never calls. */
const H2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
const STALLED_HEADERS = Buffer.from('POST /v1/traces HTTP/1.1\r\nHost: x\r\n');

interface Ports {
  grpc: number;
  http: number;
  health: number;
  metrics: number;
}

interface Case {
  name: string;
  target: 'grpc' | 'http';
  /** Extra keys under each OTLP protocol. */
  protocolKeys: string;
}

const CASES: Case[] = [
  { name: 'gRPC flood, max_connections: 0 (no cap, as before)', target: 'grpc', protocolKeys: 'max_connections: 0' },
  { name: 'gRPC flood, default caps', target: 'grpc', protocolKeys: '' },
  { name: 'HTTP flood (stalled headers), default caps', target: 'http', protocolKeys: '' },
];

function config(p: Ports, protocolKeys: string): string {
  const keys = protocolKeys ? `, ${protocolKeys}` : '';
  return `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${p.grpc}${keys} }
      http: { endpoint: 127.0.0.1:${p.http}${keys} }
exporters:
  nop:
extensions:
  health_check: { endpoint: 127.0.0.1:${p.health} }
service:
  extensions: [health_check]
  pipelines:
    traces: { receivers: [otlp], exporters: [nop] }
  telemetry:
    metrics: { address: 127.0.0.1:${p.metrics} }
`;
}

async function startSummit(dir: string, c: Case): Promise<{ child: ChildProcess; ports: Ports; log: () => string }> {
  const ports = { grpc: await freePort(), http: await freePort(), health: await freePort(), metrics: await freePort() };
  const file = join(dir, 'summit.yaml');
  writeFileSync(file, config(ports, c.protocolKeys));
  // exec keeps the pid: /proc readings are Summit's
  const child = spawn('bash', ['-c', `ulimit -n ${NOFILE} && exec "${process.execPath}" "${SUMMIT}" --config "${file}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const deadline = Date.now() + 15_000;
  while (!/Everything is ready/.test(log)) {
    if (child.exitCode !== null) throw new Error(`summit exited ${child.exitCode}:\n${log}`);
    if (Date.now() > deadline) throw new Error(`summit did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, ports, log: () => log };
}

/** Opens `n` connections that stay idle; counts those the server closes. */
async function flood(port: number, n: number, hello: Buffer): Promise<{ sockets: Socket[]; closedByServer: () => number }> {
  const sockets: Socket[] = [];
  let closed = 0;
  for (let i = 0; i < n; i += 200) {
    // in batches, so the listen backlog never drops SYNs (a retry would take a second)
    await Promise.all(
      Array.from({ length: Math.min(200, n - i) }, () => {
        const s = connect(port, '127.0.0.1');
        sockets.push(s);
        s.on('error', () => undefined);
        s.on('close', () => closed++);
        s.resume();
        return new Promise<void>((r) => {
          s.once('connect', () => s.write(hello, () => r()));
          s.once('close', () => r());
        });
      }),
    );
  }
  return { sockets, closedByServer: () => closed };
}

function httpStatus(port: number, method: string, path: string, body?: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { 'content-type': 'application/x-protobuf' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(CHECK_MS, () => req.destroy());
    req.end(body);
  });
}

/** A gRPC Export over the given client: 'OK' or the failure. */
function grpcExport(client: Client): Promise<string> {
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      BODY,
      new Metadata(),
      { deadline: Date.now() + CHECK_MS },
      (err) => resolve(err ? `failed (${status[err.code]})` : 'OK'),
    ),
  );
}

async function metric(port: number, name: string, transport: string): Promise<string> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(CHECK_MS) }).then(
    (r) => r.text(),
    () => '',
  );
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`transport="${transport}"`));
  return line ? line.slice(line.lastIndexOf(' ') + 1) : text ? '—' : 'unreachable';
}

const ok = (status: number) => (status === 200 ? '200' : status === 0 ? 'no answer' : String(status));

async function runCase(dir: string, c: Case): Promise<string[]> {
  const summit = await startSummit(dir, c);
  const { ports } = summit;
  const pid = summit.child.pid!;
  try {
    // an established gRPC client (when gRPC is flooded) must keep being served
    const client = new Client(`127.0.0.1:${ports.grpc}`, credentials.createInsecure());
    const before = await grpcExport(client);
    const [rssBefore, fdsBefore] = [procStatusMiB(pid, 'VmRSS'), openDescriptors(pid)];
    const started = Date.now();
    const f = await flood(c.target === 'grpc' ? ports.grpc : ports.http, FLOOD, c.target === 'grpc' ? H2_PREFACE : STALLED_HEADERS);
    const openMs = Date.now() - started;
    await new Promise((r) => setTimeout(r, 1000));
    const closed = f.closedByServer();
    const held = FLOOD - closed;
    const [rss, fds] = [procStatusMiB(pid, 'VmRSS'), openDescriptors(pid)];
    const health = await httpStatus(ports.health, 'GET', '/');
    const otherProtocol = c.target === 'grpc' ? ok(await httpStatus(ports.http, 'POST', '/v1/traces', BODY)) : await grpcExport(client);
    const existing = c.target === 'grpc' ? await grpcExport(client) : '—';
    // a pool of its own, or grpc-js would reuse the first client's connection
    const newClient = new Client(`127.0.0.1:${ports.grpc}`, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
    const fresh = c.target === 'grpc' ? await grpcExport(newClient) : ok(await httpStatus(ports.http, 'POST', '/v1/traces', BODY));
    newClient.close();
    const refused = await metric(ports.metrics, 'otelcol_server_refused_connections_total', c.target);
    const warnings = (summit.log().match(/refused a new connection/g) ?? []).length;
    const capsWarning = /connection caps of the servers listening now add up/.test(summit.log()) ? 'yes' : 'no';
    for (const s of f.sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 500));
    const afterHealth = await httpStatus(ports.health, 'GET', '/');
    const after = c.target === 'grpc' ? await grpcExport(client) : ok(await httpStatus(ports.http, 'POST', '/v1/traces', BODY));
    client.close();
    const perConnKiB = rss !== undefined && rssBefore !== undefined && held > 0 ? `${(((rss - rssBefore) * 1024) / held).toFixed(0)} KiB` : '—';
    return [
      `| ${c.name} | ${held} held, ${closed} closed (${openMs} ms) | ${fdsBefore} → ${fds} | ${rssBefore?.toFixed(0)} → ${rss?.toFixed(0)} MiB (${perConnKiB}/conn) ` +
        `| ${ok(health)} | ${otherProtocol} | ${existing} | ${fresh} | ${refused} / ${warnings} | ${ok(afterHealth)}, ${after} | ${capsWarning} |`,
      ...(before === 'OK' ? [] : [`(the gRPC client failed before the flood: ${before})`]),
    ];
  } finally {
    await stopProcess(summit.child, 10_000);
  }
}

export async function connectionsSuite(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-connections-'));
  try {
    const rows: string[] = [];
    for (const c of CASES) rows.push(...(await runCase(dir, c)));
    return [
      `### connections (ulimit -n ${NOFILE}, ${FLOOD} idle connections)`,
      '',
      '| case | flood connections | Summit fds | Summit RSS | health check | other protocol | existing gRPC client | new connection to the flooded server | refused counter / warnings | after the flood (health, flooded server) | caps over nofile warned at start |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
