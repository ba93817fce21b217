/**
 * A flood against a Summit process whose backend has a ceiling: otlp → memory_limiter → batch →
 * otlphttp, to a sink in this process that takes a fixed time per request. First the
 * sustainable rate is measured (closed loop, the queue pushing back), then a fresh process is
 * flooded at twice that rate for 60 s with the memory_limiter between it and the heap. Reports
 * peak RSS against limit_mib, accepted vs refused, and whether the process survived.
 *
 *   MEMORY_FLOOD_SECONDS=10 node dist/bench/run.js memory-flood    # a shorter flood while developing
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { generateLoad } from './loadgen.js';
import { syntheticTraces } from './synthetic.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..');
const SPANS = 512;
/** The sink's fixed time per request, and the exporter's concurrent senders: together the ceiling. */
const SINK_MS = 200;
const CONSUMERS = 2;
const BATCH = 4096;
const LIMIT_MIB = 400;
const SPIKE_MIB = 80;
const CHECK_INTERVAL = process.env.MEMORY_FLOOD_CHECK_INTERVAL ?? '100ms';
const FLOOD_SECONDS = Number(process.env.MEMORY_FLOOD_SECONDS ?? 60);
const FLOOD_CONCURRENCY = 32;

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A backend that reads each request and answers 200 after SINK_MS: at most CONSUMERS / SINK_MS batches per second. */
async function startSink(): Promise<{ server: Server; endpoint: string }> {
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(), SINK_MS));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { server, endpoint: `http://127.0.0.1:${port}` };
}

interface Summit {
  child: ChildProcess;
  http: string;
  metrics: string;
  log: () => string;
}

function config(o: { http: number; metrics: number; sink: string; queue: string }): string {
  return `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${o.http} } } }
processors:
  memory_limiter: { check_interval: ${CHECK_INTERVAL}, limit_mib: ${LIMIT_MIB}, spike_limit_mib: ${SPIKE_MIB} }
  batch: { send_batch_size: ${BATCH}, send_batch_max_size: ${BATCH}, timeout: 200ms, flush_when_idle: false }
exporters:
  otlphttp:
    endpoint: ${o.sink}
    compression: none
    timeout: 10s
    retry_on_failure: { initial_interval: 100ms, max_interval: 1s, max_elapsed_time: 0s }
    sending_queue: { num_consumers: ${CONSUMERS}, ${o.queue} }
service:
  pipelines:
    traces: { receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlphttp] }
  telemetry:
    metrics: { level: normal, address: 127.0.0.1:${o.metrics} }
    logs: { level: warn }
`;
}

async function startSummit(dir: string, name: string, sink: string, queue: string): Promise<Summit> {
  const [http, metrics] = [await freePort(), await freePort()];
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, config({ http, metrics, sink, queue }));
  const child = spawn(process.execPath, [join(DIST, 'bin', 'summit.js'), '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  // logs.level is warn, so readiness is seen on the metrics endpoint instead of the log
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`summit exited ${child.exitCode}:\n${log}`);
    if (Date.now() > deadline) throw new Error(`summit did not start:\n${log}`);
    const up = await fetch(`http://127.0.0.1:${metrics}/metrics`).then((r) => r.ok, () => false);
    if (up && (await probe(`http://127.0.0.1:${http}`)) === 200) break;
    await sleep(100);
  }
  return { child, http: `http://127.0.0.1:${http}`, metrics: `http://127.0.0.1:${metrics}/metrics`, log: () => log };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A one-span request: the status Summit answers, 0 when the connection failed. */
const PROBE = Buffer.from(encodeSignal('traces', syntheticTraces(1, 'small', 999)));
function probe(endpoint: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(new URL('/v1/traces', endpoint), { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': PROBE.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(5000, () => req.destroy());
    req.end(PROBE);
  });
}

/** Sum of every series of a counter in Prometheus text. */
async function counter(url: string, name: string): Promise<number> {
  const text = await fetch(url).then((r) => r.text());
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

const k = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));

export async function memoryFloodSuite(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-flood-'));
  const body = encodeSignal('traces', syntheticTraces(SPANS));
  const sink = await startSink();
  const children: ChildProcess[] = [];
  try {
    // 1. Sustainable rate: a small queue that blocks when full makes the senders wait for the
    //    backend, so what is accepted over a window is what the backend drains.
    const closed = await startSummit(dir, 'sustainable', sink.endpoint, 'queue_size: 4, block_on_overflow: true');
    children.push(closed.child);
    const load = (durationMs: number, rate: number, concurrency: number, endpoint: string) =>
      generateLoad({ endpoint, protocol: 'http', durationMs, rate, concurrency, body, spansPerRequest: SPANS });
    await load(3000, 0, 16, closed.http); // fill the batch processor and the queue
    const sentBefore = await counter(closed.metrics, 'otelcol_exporter_sent_spans_total');
    const measured = await load(10_000, 0, 16, closed.http);
    const delivered = ((await counter(closed.metrics, 'otelcol_exporter_sent_spans_total')) - sentBefore) / measured.seconds;
    const sustainable = measured.acceptedSpans / measured.seconds;
    await stop(closed.child);

    // 2. The flood: a fresh process with the default in-memory queue (1000 batches, refusing
    //    when full), offered twice the sustainable rate.
    const flood = await startSummit(dir, 'flood', sink.endpoint, 'queue_size: 1000');
    children.push(flood.child);
    const pid = flood.child.pid!;
    const idle = procStatus(pid, 'VmRSS') ?? 0;
    const samples: { t: number; rss: number }[] = [];
    const started = Date.now();
    const sampler = setInterval(() => {
      const rss = procStatus(pid, 'VmRSS');
      if (rss !== undefined) samples.push({ t: Date.now() - started, rss });
    }, 100);
    const offered = (2 * sustainable) / SPANS; // requests per second
    const result = await load(FLOOD_SECONDS * 1000, offered, FLOOD_CONCURRENCY, flood.http);
    const floodDelivered = await counter(flood.metrics, 'otelcol_exporter_sent_spans_total').catch(() => NaN);
    const limiterRefused = await counter(flood.metrics, 'otelcol_processor_memory_limiter_refused_requests_total').catch(() => NaN);
    const limiterRefusedSpans = await counter(flood.metrics, 'otelcol_processor_refused_spans_total').catch(() => NaN);
    const queueFull = await counter(flood.metrics, 'otelcol_exporter_enqueue_failed_spans_total').catch(() => NaN);
    const aliveAfterFlood = flood.child.exitCode === null && flood.child.signalCode === null;
    // Survived: still running, and accepting again once the backlog drained (bounded wait).
    let recoveredAfter: number | undefined;
    const floodEnd = Date.now();
    while (aliveAfterFlood && Date.now() - floodEnd < 30_000) {
      if ((await probe(flood.http)) === 200) {
        recoveredAfter = (Date.now() - floodEnd) / 1000;
        break;
      }
      await sleep(250);
    }
    clearInterval(sampler);
    const hwm = procStatus(pid, 'VmHWM') ?? NaN;
    const exit = await stop(flood.child);

    const peak = Math.max(...samples.map((s) => s.rss));
    const windows: number[] = [];
    for (const s of samples) {
      const w = Math.floor(s.t / 10_000);
      if (s.t < FLOOD_SECONDS * 1000) windows[w] = Math.max(windows[w] ?? 0, s.rss);
    }
    const offeredRequests = result.acceptedSpans / SPANS + result.refusedRequests + result.failedRequests;
    const soft = LIMIT_MIB - SPIKE_MIB;
    return [
      `### memory flood (otlp → memory_limiter → batch → otlphttp; sink ${SINK_MS} ms per request × ${CONSUMERS} consumers; ${SPANS}-span requests)`,
      '',
      '| measure | value |',
      '|---|---|',
      `| sustainable rate (closed loop, 10 s) | ${k(sustainable)} spans/s accepted, ${k(delivered)} spans/s delivered |`,
      `| flood offered | ${k(result.acceptedSpans / result.seconds + (result.refusedRequests + result.failedRequests) * SPANS / result.seconds)} spans/s (target 2 × sustainable = ${k(2 * sustainable)}) for ${result.seconds.toFixed(0)} s, ${FLOOD_CONCURRENCY} senders |`,
      `| memory_limiter | limit_mib ${LIMIT_MIB}, spike_limit_mib ${SPIKE_MIB} (refuses from ${soft} MiB held), check_interval ${CHECK_INTERVAL} |`,
      `| RSS idle → peak (100 ms samples / kernel VmHWM) | ${idle.toFixed(0)} → ${peak.toFixed(0)} / ${hwm.toFixed(0)} MiB = ${((Math.max(peak, hwm) / LIMIT_MIB) * 100).toFixed(0)}% of limit_mib |`,
      `| peak RSS per 10 s of the flood | ${windows.map((w) => `${w.toFixed(0)}`).join(', ')} MiB |`,
      `| accepted | ${k(result.acceptedSpans)} spans (${k(result.acceptedSpans / result.seconds)} spans/s), ${((result.acceptedSpans / SPANS / offeredRequests) * 100).toFixed(0)}% of requests |`,
      `| refused: 503 + Retry-After | ${result.refusedRequests} requests (memory_limiter: ${limiterRefused} before reading the body, ${limiterRefusedSpans / SPANS} after; sending queue full: ${queueFull / SPANS}) |`,
      `| failed: connection closed | ${result.failedRequests} requests |`,
      `| delivered to the sink during the flood | ${k(floodDelivered)} spans (${k(floodDelivered / result.seconds)} spans/s = ${((floodDelivered / result.seconds / delivered) * 100).toFixed(0)}% of the sustainable rate) |`,
      `| survived | ${aliveAfterFlood ? 'yes' : 'NO (exited)'}; ${recoveredAfter !== undefined ? `answered 200 again ${recoveredAfter.toFixed(1)} s after the flood` : 'did not answer 200 within 30 s after the flood'}; SIGTERM → exit ${exit} |`,
      '',
      'What is accepted beyond what the sink drains waits in the in-memory queue until the memory held (V8 heap + Buffers) reaches the soft limit; from then on the memory_limiter ' +
        'refuses (503 + Retry-After, before reading the body) until it is below it again; RSS adds the runtime\'s own memory on top. "failed": refused requests whose sender was still ' +
        'uploading when Summit closed the connection after its 503.',
      '',
    ].join('\n');
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await new Promise<void>((r) => {
      sink.server.closeAllConnections();
      sink.server.close(() => r());
    });
    rmSync(dir, { recursive: true, force: true });
  }
}
