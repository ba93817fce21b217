import type { ChildProcess } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { measure, table, type BenchCase } from './harness.js';
import { generateLoad } from './loadgen.js';
import { syntheticTraces } from './synthetic.js';
import { cpuSeconds, freePort, peakRssMiB, startProcess } from './processes.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..');
const SPANS = 512;
const SECONDS_PER_ROUND = 3;
const CONCURRENCY = 8;

async function startSummit(): Promise<{ child: ChildProcess; http: string; grpc: string }> {
  const [http, grpc] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-'));
  const config = join(dir, 'bench.yaml');
  writeFileSync(
    config,
    `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpc} }
      http: { endpoint: 127.0.0.1:${http} }
processors:
  batch:
exporters:
  nop:
service:
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [nop] }
  telemetry:
    metrics: { level: none }
`,
  );
  const child = await startProcess([join(DIST, 'bin', 'summit.js'), '--config', config], /Everything is ready/);
  return { child, http: `http://127.0.0.1:${http}`, grpc: `127.0.0.1:${grpc}` };
}

/** CPU time a server spent per span, summed over every round of its cases. */
interface CpuAccount {
  seconds: number;
  spans: number;
}

function loadCase(name: string, endpoint: string, protocol: 'http' | 'grpc', body: Uint8Array, server?: { pid: number; cpu: CpuAccount }): BenchCase {
  return {
    name,
    async run() {
      const before = server ? cpuSeconds(server.pid) : 0;
      const r = await generateLoad({ endpoint, protocol, durationMs: SECONDS_PER_ROUND * 1000, rate: 0, concurrency: CONCURRENCY, body, spansPerRequest: SPANS });
      if (r.failedRequests || r.refusedRequests) throw new Error(`${name}: ${r.failedRequests} failed, ${r.refusedRequests} refused requests`);
      if (server) {
        server.cpu.seconds += cpuSeconds(server.pid) - before;
        server.cpu.spans += r.acceptedSpans;
      }
      return r.acceptedSpans;
    },
  };
}

/**
 * End to end over loopback: 512-span OTLP requests from 8 concurrent senders in this process,
 * servers in their own processes. Summit runs otlp → batch → nop.
 */
export async function e2eSuite(): Promise<string> {
  const body = encodeSignal('traces', syntheticTraces(SPANS));
  const barePort = await freePort();
  const naivePort = await freePort();
  const bare = await startProcess([join(DIST, 'bench', 'peers', 'bare-http.js'), String(barePort)], /listening/);
  const naive = await startProcess([join(DIST, 'bench', 'peers', 'protobufjs-http.js'), String(naivePort)], /listening/);
  const summit = await startSummit();
  const httpCpu: CpuAccount = { seconds: 0, spans: 0 };
  const grpcCpu: CpuAccount = { seconds: 0, spans: 0 };
  const perSpan = (c: CpuAccount) => `${((c.seconds / c.spans) * 1e6).toFixed(2)} µs`;
  const processes = { 'bare node:http, body read only (ceiling)': bare, 'node:http + protobufjs decode + convert (peer)': naive };
  try {
    const cases = [
      loadCase('bare node:http, body read only (ceiling)', `http://127.0.0.1:${barePort}`, 'http', body),
      loadCase('node:http + protobufjs decode + convert (peer)', `http://127.0.0.1:${naivePort}`, 'http', body),
      loadCase('summit OTLP/HTTP protobuf → batch → nop', summit.http, 'http', body, { pid: summit.child.pid!, cpu: httpCpu }),
      loadCase('summit OTLP/gRPC → batch → nop', summit.grpc, 'grpc', body, { pid: summit.child.pid!, cpu: grpcCpu }),
    ];
    const results = await measure(cases, { warmups: 1, repeats: 5 });
    const rss = [
      ...Object.entries(processes).map(([name, p]) => `${name}: ${peakRssMiB(p.pid!).toFixed(0)} MiB`),
      `summit: ${peakRssMiB(summit.child.pid!).toFixed(0)} MiB`,
    ];
    return [
      table(`end to end over loopback (${SPANS}-span requests, ${CONCURRENCY} senders, ${SECONDS_PER_ROUND}s rounds)`, 'spans', results, 'node:http + protobufjs decode + convert (peer)'),
      `summit CPU per span (user + system, whole process): OTLP/HTTP ${perSpan(httpCpu)}, OTLP/gRPC ${perSpan(grpcCpu)}; ` +
        `the Collector's published load test: 10,000 spans/s at ~6% of a core = ~6 µs per span`,
      `peak RSS of the servers: ${rss.join('; ')}`,
      '',
    ].join('\n');
  } finally {
    for (const p of [bare, naive, summit.child]) p.kill('SIGTERM');
  }
}
