/**
 * The OpenTelemetry Collector testbed's scenarios, reproduced against Summit (issue 19): a Summit
 * process runs OTLP in → batch → OTLP out to a backend in this process, load comes at a fixed
 * rate in requests of 100 items, and the child's CPU (user + system, of one core) and RSS are
 * read from /proc once a second. Wake-ups are the context switches of all its threads.
 *
 *   TESTBED_SECONDS (15), TESTBED_REPEATS (3), TESTBED_SCENARIOS (comma-separated names),
 *   TESTBED_CPU_PROF (a directory: the child runs with --cpu-prof, one profile per run),
 *   TESTBED_NODE_FLAGS (more node flags for the child, e.g. V8 heap settings to compare),
 *   TESTBED_BATCH (the batch processor's config as a YAML flow mapping, e.g. "{ flush_when_idle: false }").
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attrs, gaugeOf, logsOf, metricsOf, newLogRecord, newSpan, tracesOf } from '../pipeline/builders.js';
import { SpanKind, type Signal } from '../pipeline/model.js';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { median } from './harness.js';
import { generateLoad } from './loadgen.js';
import { cpuSeconds, freePort, procStatusMiB, startProcess, stopProcess } from './processes.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..');
const ITEMS_PER_REQUEST = 100;
const SERVICE: Record<Signal, string> = { traces: 'trace.v1.TraceService', metrics: 'metrics.v1.MetricsService', logs: 'logs.v1.LogsService' };
const HTTP_PATH: Record<Signal, string> = { traces: '/v1/traces', metrics: '/v1/metrics', logs: '/v1/logs' };
const SENT: Record<Signal, string> = { traces: 'spans', metrics: 'metric_points', logs: 'log_records' };

interface Scenario {
  name: string;
  signal: Signal;
  protocol: 'grpc' | 'http';
  gzip?: boolean;
  /** Items per second; 0 = idle (no load). */
  rate: number;
  body: () => Uint8Array;
  /** The Collector's published figure, as issue 19 quotes it (contrib testbed, 2023, other hardware). */
  collector: string;
  /** Runs only when TESTBED_SCENARIOS names it. */
  onlyWhenNamed?: boolean;
  /**
   * Instead of Summit, bench/peers/otlp-http-floor.ts: `decode` only reads, decodes and answers;
   * `export` also batches, gzips and POSTs to the backend (the floor under Summit's path).
   */
  floor?: 'decode' | 'export';
}

/** 100 log records like an application's: a message body, a few attributes. */
function logRequest(): Uint8Array {
  const records = Array.from({ length: ITEMS_PER_REQUEST }, (_, i) =>
    newLogRecord({
      timeUnixNano: 1_700_000_000_000_000_000n + BigInt(i),
      severityNumber: 9,
      severityText: 'INFO',
      body: `request ${i} served in ${i % 50} ms`,
      attributes: attrs({ 'http.route': '/api/v1/items/:id', 'http.response.status_code': 200, 'load.index': i }),
    }),
  );
  return encodeSignal('logs', logsOf(records, { 'service.name': 'checkout', 'host.name': 'web-7' }));
}

/** 100 gauge data points: 20 metrics of 5 points. */
function metricRequest(): Uint8Array {
  const metrics = Array.from({ length: ITEMS_PER_REQUEST / 5 }, (_, m) => gaugeOf(`load.metric.${m}`, [1, 2, 3, 4, 5].map((v) => v * m), { 'host.name': 'web-7' }));
  return encodeSignal('metrics', metricsOf(metrics, { 'service.name': 'checkout' }));
}

/**
 * 100 spans as the testbed's load generator makes them: "load-generator-span", kind client, its two
 * sequence-number attributes, plus `extra` attributes (Trace1kSPSWithAttrs: 20 of 5,000 bytes).
 */
function testbedTraceRequest(extra: Record<string, unknown> = {}): Uint8Array {
  const spans = Array.from({ length: ITEMS_PER_REQUEST }, (_, i) =>
    newSpan({
      traceId: '1'.padStart(32, '0'),
      spanId: (0x100 + i).toString(16).padStart(16, '0'),
      name: 'load-generator-span',
      kind: SpanKind.Client,
      startTimeUnixNano: 1_700_000_000_000_000_000n,
      endTimeUnixNano: 1_700_000_000_001_000_000n,
      attributes: attrs({ 'load_generator.span_seq_num': 0x100 + i, 'load_generator.trace_seq_num': 1, ...extra }),
    }),
  );
  return encodeSignal('traces', tracesOf(spans));
}

const once = <T>(make: () => T) => {
  let v: T | undefined;
  return () => (v ??= make());
};
const traces = once(() => testbedTraceRequest());
const bigAttributeTraces = once(() => testbedTraceRequest(Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`attr.${k}`, 'x'.repeat(5000)]))));

const SCENARIOS: Scenario[] = [
  { name: 'Idle', signal: 'traces', protocol: 'grpc', rate: 0, body: traces, collector: '0.5 %, 45 MiB' },
  { name: 'Trace10kSPS/OTLP-gRPC', signal: 'traces', protocol: 'grpc', rate: 10_000, body: traces, collector: '6.2 %, 51–55 MiB' },
  { name: 'Trace10kSPS/OTLP-gRPC-gzip', signal: 'traces', protocol: 'grpc', gzip: true, rate: 10_000, body: traces, collector: '—' },
  { name: 'Trace10kSPS/OTLP-HTTP', signal: 'traces', protocol: 'http', rate: 10_000, body: traces, collector: '5.4 %, 51–55 MiB' },
  { name: 'Trace10kSPS/OTLP-HTTP-gzip', signal: 'traces', protocol: 'http', gzip: true, rate: 10_000, body: traces, collector: '—' },
  { name: 'Trace10kSPS/floor: node:http + decode', signal: 'traces', protocol: 'http', rate: 10_000, body: traces, collector: '—', floor: 'decode' },
  { name: 'Trace10kSPS/floor: + batch + gzip + POST', signal: 'traces', protocol: 'http', rate: 10_000, body: traces, collector: '—', floor: 'export' },
  { name: 'Log10kDPS/OTLP-gRPC', signal: 'logs', protocol: 'grpc', rate: 10_000, body: once(logRequest), collector: '—' },
  { name: 'Log10kDPS/OTLP-HTTP', signal: 'logs', protocol: 'http', rate: 10_000, body: once(logRequest), collector: '—' },
  { name: 'Metric10kDPS/OTLP-gRPC', signal: 'metrics', protocol: 'grpc', rate: 10_000, body: once(metricRequest), collector: '—' },
  { name: 'Metric10kDPS/OTLP-HTTP', signal: 'metrics', protocol: 'http', rate: 10_000, body: once(metricRequest), collector: '—' },
  { name: 'Trace1kSPSWithAttrs/20×5000B', signal: 'traces', protocol: 'grpc', rate: 1_000, body: bigAttributeTraces, collector: '—', onlyWhenNamed: true },
];

/** The loopback backend the exporters send to: answers every export at once, counts requests. */
interface Backend {
  grpc: string;
  http: string;
  requests: number;
  close(): Promise<void>;
}

async function startBackend(): Promise<Backend> {
  const backend = { requests: 0 } as Backend;
  const grpc = new Server({ 'grpc.max_receive_message_length': -1 });
  const identity = (b: Buffer) => b;
  for (const signal of ['traces', 'metrics', 'logs'] as const) {
    const path = `/opentelemetry.proto.collector.${SERVICE[signal]}/Export`;
    const definition = { path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };
    grpc.addService({ Export: definition }, {
      Export: (_call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
        backend.requests++;
        cb(null, Buffer.alloc(0));
      },
    });
  }
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  const http: HttpServer = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      backend.requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  backend.grpc = `127.0.0.1:${grpcPort}`;
  backend.http = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  backend.close = async () => {
    grpc.forceShutdown();
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  };
  return backend;
}

interface Target {
  child: ChildProcess;
  endpoint: string;
  /** Summit's self-telemetry; none for a floor peer. */
  metrics?: string;
  dir?: string;
}

async function startFloor(s: Scenario, backend: Backend, profileDir?: string): Promise<Target> {
  const port = await freePort();
  const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const args = [...flags, join(DIST, 'bench', 'peers', 'otlp-http-floor.js'), String(port), ...(s.floor === 'export' ? [backend.http] : [])];
  return { child: await startProcess(args, /listening/), endpoint: `http://127.0.0.1:${port}` };
}

async function startSummit(s: Scenario, backend: Backend, profileDir?: string): Promise<Target> {
  const [grpc, http, metrics] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'summit-testbed-'));
  const config = join(dir, 'testbed.yaml');
  // As the testbed: the OTLP exporter of the receiving protocol, every other setting its default.
  const exporter = s.protocol === 'grpc' ? `otlp: { endpoint: ${backend.grpc}, tls: { insecure: true } }` : `otlphttp: { endpoint: ${backend.http} }`;
  writeFileSync(
    config,
    `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpc}, max_recv_msg_size_mib: 32 }
      http: { endpoint: 127.0.0.1:${http} }
processors:
  batch: ${process.env.TESTBED_BATCH ?? ''}
exporters:
  ${exporter}
service:
  pipelines:
    ${s.signal}: { receivers: [otlp], processors: [batch], exporters: [${s.protocol === 'grpc' ? 'otlp' : 'otlphttp'}] }
  telemetry:
    metrics: { address: 127.0.0.1:${metrics} }
`,
  );
  const flags = [...(process.env.TESTBED_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const child = await startProcess([...flags, join(DIST, 'bin', 'summit.js'), '--config', config], /Everything is ready/);
  return { child, endpoint: s.protocol === 'grpc' ? `127.0.0.1:${grpc}` : `http://127.0.0.1:${http}`, metrics: `http://127.0.0.1:${metrics}/metrics`, dir };
}

/** Context switches of every thread of a process: each is a wake-up (or a preemption). */
function contextSwitches(pid: number): number {
  let n = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
      n += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0) + Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return n;
}

interface RunResult {
  cpuPercent: number;
  rssAvg: number;
  rssMax: number;
  wakeupsPerSecond: number;
  exportsPerSecond: number;
  /** Items per second accepted in the measured window: the load generator may fall short of the rate. */
  itemsPerSecond: number;
  sentItems: number;
  exportedItems: number;
}

/** What Summit's own metrics say it exported (otelcol_exporter_sent_*_total). */
async function exportedItems(metricsUrl: string, signal: Signal): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`otelcol_exporter_sent_${SENT[signal]}_total{`));
  return Number(line?.split(' ').pop() ?? 0);
}

async function runScenario(s: Scenario, backend: Backend, seconds: number, profileDir?: string): Promise<RunResult> {
  const summit = s.floor ? await startFloor(s, backend, profileDir) : await startSummit(s, backend, profileDir);
  const pid = summit.child.pid!;
  try {
    const rate = s.rate / ITEMS_PER_REQUEST;
    const load = (ms: number) =>
      s.rate
        ? generateLoad({
            endpoint: summit.endpoint,
            protocol: s.protocol,
            path: s.protocol === 'grpc' ? `/opentelemetry.proto.collector.${SERVICE[s.signal]}/Export` : HTTP_PATH[s.signal],
            compression: s.gzip ? 'gzip' : undefined,
            durationMs: ms,
            rate,
            // Summit answers once delivered (up to the batch timeout): enough senders to keep the rate
            concurrency: 32,
            body: s.body(),
            spansPerRequest: ITEMS_PER_REQUEST,
          })
        : new Promise<undefined>((r) => setTimeout(() => r(undefined), ms));
    const warm = await load(2000); // warm-up: connections made, code optimised, as a long-running Collector would be
    const startCpu = cpuSeconds(pid);
    const startSwitches = contextSwitches(pid);
    const startExports = backend.requests;
    const start = performance.now();
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(procStatusMiB(pid, 'VmRSS') ?? 0), 1000);
    const result = await load(seconds * 1000);
    clearInterval(sampler);
    const wall = (performance.now() - start) / 1000;
    const cpu = cpuSeconds(pid) - startCpu;
    const switches = contextSwitches(pid) - startSwitches;
    const exports = backend.requests - startExports;
    if (result && (result.failedRequests || result.refusedRequests)) throw new Error(`${s.name}: ${result.failedRequests} failed, ${result.refusedRequests} refused requests`);
    await new Promise((r) => setTimeout(r, 500)); // the last batch (200 ms timeout) leaves
    return {
      cpuPercent: (100 * cpu) / wall,
      rssAvg: rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length),
      rssMax: Math.max(...rss),
      wakeupsPerSecond: switches / wall,
      exportsPerSecond: exports / wall,
      itemsPerSecond: (result?.acceptedSpans ?? 0) / wall,
      sentItems: (warm?.acceptedSpans ?? 0) + (result?.acceptedSpans ?? 0),
      exportedItems: summit.metrics ? await exportedItems(summit.metrics, s.signal) : NaN,
    };
  } finally {
    await stopProcess(summit.child);
    if (summit.dir) rmSync(summit.dir, { recursive: true, force: true });
  }
}

export async function testbedSuite(): Promise<string> {
  const seconds = Number(process.env.TESTBED_SECONDS ?? 15);
  const repeats = Number(process.env.TESTBED_REPEATS ?? 3);
  const only = process.env.TESTBED_SCENARIOS?.split(',');
  const profileDir = process.env.TESTBED_CPU_PROF;
  const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS.filter((s) => !s.onlyWhenNamed);
  const backend = await startBackend();
  const runs = new Map<string, RunResult[]>(scenarios.map((s) => [s.name, []]));
  try {
    // Rounds interleave the scenarios, so the machine's noise hits them alike.
    for (let i = 0; i < repeats; i++) for (const s of scenarios) runs.get(s.name)!.push(await runScenario(s, backend, seconds, profileDir));
  } finally {
    await backend.close();
  }
  const rows = scenarios.map((s) => {
    const r = runs.get(s.name)!;
    const m = (f: (x: RunResult) => number) => median(r.map(f));
    const sent = r.reduce((a, x) => a + x.sentItems, 0);
    const delivered = r.reduce((a, x) => a + x.exportedItems, 0);
    return (
      `| ${s.name} | ${m((x) => x.cpuPercent).toFixed(1)} % (${r.map((x) => x.cpuPercent.toFixed(1)).join(', ')}) | ` +
      `${m((x) => x.rssAvg).toFixed(0)} / ${m((x) => x.rssMax).toFixed(0)} MiB | ${m((x) => x.wakeupsPerSecond).toFixed(0)} | ${m((x) => x.exportsPerSecond).toFixed(1)} | ${m((x) => x.itemsPerSecond).toFixed(0)} | ` +
      `${s.rate ? `${sent} / ${s.floor ? '—' : delivered}` : '—'} | ${s.collector} |`
    );
  });
  return [
    `### Collector testbed scenarios (${ITEMS_PER_REQUEST}-item requests, ${seconds} s after a 2 s warm-up, median of ${repeats} runs)`,
    '',
    '| scenario | Summit CPU, % of one core (runs) | RSS avg / max | wake-ups/s | exports/s | items/s | items sent / exported | Collector (published, 2023, other hardware) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'items sent (warm-up included) and exported, from Summit\'s otelcol_exporter_sent_* after the run: they match when nothing was lost.',
    '',
  ].join('\n');
}
