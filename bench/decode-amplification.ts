/**
 * Decode amplification probe: small gzip requests that decompress within the size limits into
 * millions of empty records (2 bytes on the wire, ~450 bytes of heap each decoded), or into
 * nesting, sent to a Summit process with the default config limits — on V8's default heap and
 * on a 256 MiB one, where the default limits are smaller. Each case runs in a fresh process so
 * its peak RSS is its own. Before the decode limits, the first case alone grew the heap until
 * V8 aborted the process. The suite fails if a bound below is broken.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { newSpan, tracesOf } from '../pipeline/builders.js';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { cpuSeconds, freePort, peakRssMiB, startProcess } from './processes.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What one hostile request may cost the process at most: the target for the default pipeline. */
const MAX_PEAK_RSS_MIB = 1024;
/** CPU seconds (user + system, GC threads included) for one refusal: a few on a quiet machine, up to ~9 measured on a loaded one. */
const MAX_CPU_SECONDS = 15;

const varint = (n: number): number[] => (n > 0x7f ? [(n & 0x7f) | 0x80, ...varint(Math.floor(n / 128))] : [n]);
const field = (tag: number, ...parts: Buffer[]) => Buffer.concat([Buffer.from([tag, ...varint(parts.reduce((n, p) => n + p.length, 0))]), ...parts]);
/** `n` copies of `unit`, without an n-element array. */
const repeat = (unit: number[], n: number) => Buffer.alloc(unit.length * n, Buffer.from(unit));

interface Case {
  name: string;
  protocol: 'http' | 'grpc';
  path: string;
  contentType: string;
  /** Decompressed; sent gzip-compressed. */
  body: Buffer;
  expect: number;
}

function cases(): Case[] {
  const traces = { protocol: 'http', path: '/v1/traces', contentType: 'application/x-protobuf' } as const;
  const json = { protocol: 'http', path: '/v1/traces', contentType: 'application/json' } as const;
  const jsonSpans = 6_900_000; // 3 bytes each: just under 20 MiB
  return [
    { name: 'OTLP/HTTP protobuf: 10M empty spans', ...traces, body: field(0x0a, field(0x12, repeat([0x12, 0], 10_000_000))), expect: 413 },
    {
      name: 'OTLP/HTTP protobuf: one attribute of 5M empty kvlist values',
      ...traces,
      // Span.attributes { key "a", value { array_value { values: 5M × AnyValue { kvlist_value {} } } } }
      body: field(0x0a, field(0x12, field(0x12, field(0x4a, Buffer.from([0x0a, 1, 0x61]), field(0x12, field(0x2a, repeat([0x0a, 2, 0x32, 0], 5_000_000))))))),
      expect: 413,
    },
    {
      name: `OTLP/HTTP JSON: ${(jsonSpans / 1e6).toFixed(1)}M empty spans`,
      ...json,
      body: Buffer.concat([Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":['), repeat([0x7b, 0x7d, 0x2c], jsonSpans), Buffer.from('{}]}]}]}')]),
      expect: 413,
    },
    { name: 'OTLP/HTTP JSON: 20 MB of nesting', ...json, body: Buffer.alloc(20_000_000, '['), expect: 400 },
    {
      name: 'OTLP/gRPC: 2M empty spans',
      protocol: 'grpc',
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      contentType: '',
      body: field(0x0a, field(0x12, repeat([0x12, 0], 2_000_000))),
      expect: status.RESOURCE_EXHAUSTED,
    },
  ];
}

function postHttp(address: string, c: Case, body: Buffer): Promise<number> {
  const [host, port] = address.split(':');
  const headers = { 'content-type': c.contentType, ...(body === c.body ? {} : { 'content-encoding': 'gzip' }) };
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path: c.path, method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** gRPC compresses itself (gzip); the status code is the answer. */
function callGrpc(address: string, c: Case): Promise<number> {
  const client = new Client(address, credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
  return new Promise((resolve) =>
    client.makeUnaryRequest(c.path, (b: Buffer) => b, (b: Buffer) => b, c.body, new Metadata(), (err) => {
      client.close();
      resolve(err ? err.code : status.OK);
    }),
  );
}

/** V8's default heap (a share of physical memory) and a small container's. */
const HEAPS: (number | undefined)[] = [undefined, 256];

interface Outcome {
  name: string;
  heap: string;
  wire: number;
  decompressed: number;
  answer: number;
  expected: number;
  seconds: number;
  cpu: number;
  idleRss: number;
  peakRss: number;
  servingAfter: boolean;
}

async function run(dir: string, c: Case, heapMiB: number | undefined): Promise<Outcome> {
  const [http, grpc] = [await freePort(), await freePort()];
  const config = join(dir, 'summit.yaml');
  writeFileSync(
    config,
    `receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${http} }
      grpc: { endpoint: 127.0.0.1:${grpc} }
exporters:
  nop:
service:
  pipelines:
    traces: { receivers: [otlp], exporters: [nop] }
  telemetry:
    metrics: { level: none }
`,
  );
  const heapFlag = heapMiB === undefined ? [] : [`--max-old-space-size=${heapMiB}`];
  const child = await startProcess([...heapFlag, join(DIST, 'bin', 'summit.js'), '--config', config], /Everything is ready/);
  try {
    const pid = child.pid!;
    const wire = c.protocol === 'http' ? gzipSync(c.body) : c.body;
    const idleRss = peakRssMiB(pid);
    const cpuBefore = cpuSeconds(pid);
    const started = performance.now();
    const answer = await (c.protocol === 'http' ? postHttp(`127.0.0.1:${http}`, c, wire) : callGrpc(`127.0.0.1:${grpc}`, c)).catch(() => -1);
    const seconds = (performance.now() - started) / 1000;
    const alive = child.exitCode === null && child.signalCode === null;
    const cpu = alive ? cpuSeconds(pid) - cpuBefore : NaN;
    const peakRss = alive ? peakRssMiB(pid) : NaN;
    const valid = Buffer.from(encodeSignal('traces', tracesOf([newSpan({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' })])));
    const servingAfter = alive && (await postHttp(`127.0.0.1:${http}`, { ...c, path: '/v1/traces', contentType: 'application/x-protobuf', body: valid }, valid).catch(() => 0)) === 200;
    return { name: c.name, heap: heapMiB === undefined ? 'default' : `${heapMiB} MiB`, wire: c.protocol === 'http' ? wire.length : c.body.length, decompressed: c.body.length, answer, expected: c.expect, seconds, cpu, idleRss, peakRss, servingAfter };
  } finally {
    child.kill('SIGKILL');
  }
}

const mb = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} KB`);

export async function decodeAmplificationSuite(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-amplification-'));
  const outcomes: Outcome[] = [];
  try {
    for (const heap of HEAPS) for (const c of cases()) outcomes.push(await run(dir, c, heap));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const broken: string[] = [];
  for (const o of outcomes) {
    if (o.answer !== o.expected) broken.push(`${o.name} (heap ${o.heap}): answered ${o.answer}, expected ${o.expected}`);
    if (!o.servingAfter) broken.push(`${o.name} (heap ${o.heap}): the process did not survive or stopped serving`);
    if (!(o.peakRss <= MAX_PEAK_RSS_MIB)) broken.push(`${o.name} (heap ${o.heap}): peak RSS ${o.peakRss.toFixed(0)} MiB > ${MAX_PEAK_RSS_MIB} MiB`);
    if (!(o.cpu <= MAX_CPU_SECONDS)) broken.push(`${o.name} (heap ${o.heap}): ${o.cpu.toFixed(1)} CPU seconds > ${MAX_CPU_SECONDS}`);
  }
  const text = [
    '### decode amplification (one hostile request per fresh Summit process, default limits; bodies gzip-compressed)',
    '',
    '| case | heap | sent → decompressed | answer | time to answer | Summit CPU | RSS idle → peak |',
    '|---|---|---|---|---|---|---|',
    ...outcomes.map(
      (o) =>
        `| ${o.name} | ${o.heap} | ${mb(o.wire)} → ${mb(o.decompressed)} | ${o.answer === -1 ? 'connection failed' : o.answer}${o.servingAfter ? '' : ' (process lost)'} | ${o.seconds.toFixed(2)} s | ${o.cpu.toFixed(2)} s | ${o.idleRss.toFixed(0)} → ${o.peakRss.toFixed(0)} MiB |`,
    ),
    '',
    `Bounds: the expected answer, still serving afterwards, peak RSS ≤ ${MAX_PEAK_RSS_MIB} MiB, ≤ ${MAX_CPU_SECONDS} CPU seconds per request.`,
    '',
  ].join('\n');
  if (broken.length) throw new Error(`${text}\nbounds broken:\n${broken.join('\n')}`);
  return text;
}
