/**
 * A flood against a Summit process whose backend has a ceiling: otlp → memory_limiter → batch →
 * otlphttp, to a sink in this process that takes a fixed time per request. First the
 * sustainable rate is measured (closed loop, the queue pushing back), then a fresh process is
 * flooded at twice that rate for 60 s with the memory_limiter between it and the heap. Reports
 * peak RSS against limit_mib, accepted vs refused, and whether the process survived. Then the
 * same overload against the default config's memory_limiter (config/default.yaml) in a process
 * with a small V8 heap, with a unique span id per span: every answer counted by status, every
 * refusal checked for Retry-After, and every acknowledged span looked for at the sink.
 *
 *   MEMORY_FLOOD_SECONDS=10 node dist/bench/run.js memory-flood    # a shorter flood while developing
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { decodeSignal, encodeSignal } from '../pipeline/otlpproto/index.js';
import { generateLoad, type LoadResult } from './loadgen.js';
import { syntheticTraces, UniqueTraceRequests } from './synthetic.js';
import { freePort, procStatusMiB, stopProcess } from './processes.js';

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
/** --max-old-space-size of the process with the default config's memory_limiter: small, so the overload reaches its limit (0: Node's default). */
const DEFAULT_LIMITER_HEAP_MIB = Number(process.env.MEMORY_FLOOD_HEAP_MIB ?? 256);
/**
 * The overload's backend answers after 2 s, as in issue 9's report: a ceiling of ~4k spans/s,
 * far below what Summit takes in, so twice it is an overload of the backend, not of Summit's CPU.
 */
const OVERLOAD_SINK_MS = 2000;
/** How long the backlog may take to reach the sink once it answers at once. */
const DRAIN_TIMEOUT_MS = 120_000;

interface Sink {
  server: Server;
  endpoint: string;
  /** Time before each answer: SINK_MS, so at most CONSUMERS / SINK_MS batches per second; 0 to drain a backlog. */
  delayMs: number;
  /** When set, given the body of every request answered 200 (read only then). */
  onDelivered?: (body: Buffer) => void;
}

/** A backend that reads each request and answers 200 after `delayMs`. */
async function startSink(delayMs: number): Promise<Sink> {
  const sink: Sink = { server: createHttpServer(), endpoint: '', delayMs };
  sink.server.on('request', (req, res) => {
    const chunks: Buffer[] | undefined = sink.onDelivered ? [] : undefined;
    req.on('data', (c: Buffer) => chunks?.push(c));
    req.on('end', () =>
      setTimeout(() => {
        if (res.destroyed) return;
        if (chunks) sink.onDelivered?.(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      }, sink.delayMs),
    );
  });
  sink.server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => sink.server.listen(0, '127.0.0.1', () => r()));
  sink.endpoint = `http://127.0.0.1:${(sink.server.address() as { port: number }).port}`;
  return sink;
}

interface Summit {
  child: ChildProcess;
  http: string;
  metrics: string;
  log: () => string;
}

/** The flood's memory_limiter settings, as YAML flow. */
const FLOOD_LIMITER = `{ check_interval: ${CHECK_INTERVAL}, limit_mib: ${LIMIT_MIB}, spike_limit_mib: ${SPIKE_MIB} }`;

/** config/default.yaml's memory_limiter settings, as YAML flow. */
function defaultConfigLimiter(): string {
  const yaml = readFileSync(join(DIST, 'config', 'default.yaml'), 'utf8');
  return JSON.stringify((parse(yaml) as { processors: { memory_limiter: unknown } }).processors.memory_limiter);
}

function config(o: { http: number; metrics: number; sink: string; queue: string; limiter: string; logLevel: string }): string {
  return `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${o.http} } } }
processors:
  memory_limiter: ${o.limiter}
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
    logs: { level: ${o.logLevel} }
`;
}

async function startSummit(
  dir: string,
  name: string,
  o: { sink: string; queue: string; limiter?: string; heapMib?: number; logLevel?: 'info' | 'warn' },
): Promise<Summit> {
  const [http, metrics] = [await freePort(), await freePort()];
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, config({ http, metrics, sink: o.sink, queue: o.queue, limiter: o.limiter ?? FLOOD_LIMITER, logLevel: o.logLevel ?? 'warn' }));
  const env = o.heapMib ? { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${o.heapMib}` } : process.env;
  const child = spawn(process.execPath, [join(DIST, 'bin', 'summit.js'), '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  // logs.level may be warn, so readiness is seen on the metrics endpoint instead of the log
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

const k = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));

const SAME_BODY = encodeSignal('traces', syntheticTraces(SPANS));
const load = (endpoint: string, durationMs: number, rate: number, concurrency: number) =>
  generateLoad({ endpoint, protocol: 'http', durationMs, rate, concurrency, body: SAME_BODY, spansPerRequest: SPANS });

interface Setting {
  dir: string;
  /** The backend, answering after its delay (restore it after changing it). */
  sink: Sink;
  /** Summit processes started, killed at the end if still running. */
  children: ChildProcess[];
  /** Spans/s accepted and delivered with the senders waiting for the backend. */
  sustainable: number;
  delivered: number;
}

/**
 * The setting both suites share: a temporary directory, the sink answering after `sinkMs`, and
 * the sustainable rate — measured with a small queue that blocks when full, so the senders wait
 * for the backend and what is accepted over a window is what the backend drains.
 */
async function withSustainableRate(sinkMs: number, run: (s: Setting) => Promise<string[]>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-flood-'));
  const sink = await startSink(sinkMs);
  const children: ChildProcess[] = [];
  try {
    const closed = await startSummit(dir, 'sustainable', { sink: sink.endpoint, queue: 'queue_size: 4, block_on_overflow: true' });
    children.push(closed.child);
    await load(closed.http, 3000, 0, 16); // fill the batch processor and the queue
    const sentBefore = await counter(closed.metrics, 'otelcol_exporter_sent_spans_total');
    const measured = await load(closed.http, 10_000, 0, 16);
    const delivered = ((await counter(closed.metrics, 'otelcol_exporter_sent_spans_total')) - sentBefore) / measured.seconds;
    const sustainable = measured.acceptedSpans / measured.seconds;
    await stopProcess(closed.child);
    const lines = await run({ dir, sink, children, sustainable, delivered });
    return [
      ...lines.slice(0, 4),
      `| sustainable rate (closed loop, 10 s) | ${k(sustainable)} spans/s accepted, ${k(delivered)} spans/s delivered |`,
      ...lines.slice(4),
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

/** Twice the sustainable rate against memory_limiter limit_mib 400: RSS bounded, the process survives. */
export function memoryFloodSuite(): Promise<string> {
  return withSustainableRate(SINK_MS, async ({ dir, sink, children, sustainable, delivered }) => {
    // A fresh process with the default in-memory queue (1000 batches, refusing when full).
    const flood = await startSummit(dir, 'flood', { sink: sink.endpoint, queue: 'queue_size: 1000' });
    children.push(flood.child);
    const pid = flood.child.pid!;
    const idle = procStatusMiB(pid, 'VmRSS') ?? 0;
    const samples: { t: number; rss: number }[] = [];
    const started = Date.now();
    const sampler = setInterval(() => {
      const rss = procStatusMiB(pid, 'VmRSS');
      if (rss !== undefined) samples.push({ t: Date.now() - started, rss });
    }, 100);
    const offered = (2 * sustainable) / SPANS; // requests per second
    const result = await load(flood.http, FLOOD_SECONDS * 1000, offered, FLOOD_CONCURRENCY);
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
    const hwm = procStatusMiB(pid, 'VmHWM') ?? NaN;
    const exit = await stopProcess(flood.child);

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
      `| flood offered | ${offeredRate(result)} spans/s (target 2 × sustainable = ${k(2 * sustainable)}) for ${result.seconds.toFixed(0)} s, ${FLOOD_CONCURRENCY} senders |`,
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
    ];
  });
}

const offeredRate = (r: LoadResult) => k((r.acceptedSpans + (r.refusedRequests + r.failedRequests) * SPANS) / r.seconds);

/** A field of Summit's JSON log line with that message, if it logged one. */
function logField(log: string, msg: string, field: string): unknown {
  for (const line of log.split('\n')) {
    if (!line.includes(msg)) continue;
    try {
      return (JSON.parse(line) as Record<string, unknown>)[field];
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

/**
 * Issue 9's target: twice the sustainable rate against the default config's memory_limiter
 * answers only 200 or 503/429 with Retry-After, and loses no acknowledged span. The process runs
 * with a small V8 heap so the flood reaches the limits in its time (with Node's default heap
 * the default config refuses only from 60% of ~4 GiB).
 */
export function overloadDefaultLimiterSuite(): Promise<string> {
  return withSustainableRate(OVERLOAD_SINK_MS, async ({ dir, sink, children, sustainable }) => {
    const limiter = defaultConfigLimiter();
    const summit = await startSummit(dir, 'default-limiter', {
      sink: sink.endpoint,
      queue: 'queue_size: 1000',
      limiter,
      heapMib: DEFAULT_LIMITER_HEAP_MIB,
      logLevel: 'info',
    });
    children.push(summit.child);
    const alive = () => summit.child.exitCode === null && summit.child.signalCode === null;

    // Every request carries span ids of its own; the sink marks each span that arrives.
    const requests = new UniqueTraceRequests(SPANS);
    const numberOf = new WeakMap<Uint8Array, number>();
    const acked: number[] = [];
    const arrived = new Map<number, Uint8Array>();
    let duplicates = 0;
    sink.onDelivered = (body) => {
      for (const rs of decodeSignal('traces', body).resourceSpans) {
        for (const ss of rs.scopeSpans) {
          for (const span of ss.spans) {
            const at = UniqueTraceRequests.locate(span.spanId, SPANS);
            if (!at) continue; // the readiness probe's span
            let marks = arrived.get(at.n);
            if (!marks) arrived.set(at.n, (marks = new Uint8Array(SPANS)));
            if (marks[at.i]) duplicates++;
            marks[at.i] = 1;
          }
        }
      }
    };
    const ackedLost = () => acked.reduce((lost, n) => lost + SPANS - (arrived.get(n)?.reduce((a, b) => a + b, 0) ?? 0), 0);

    const result = await generateLoad({
      endpoint: summit.http,
      protocol: 'http',
      durationMs: FLOOD_SECONDS * 1000,
      rate: (2 * sustainable) / SPANS,
      concurrency: FLOOD_CONCURRENCY,
      body: () => {
        const r = requests.next();
        numberOf.set(r.body, r.n);
        return r.body;
      },
      spansPerRequest: SPANS,
      onAnswer: (body, answer) => answer.outcome === 'ok' && acked.push(numberOf.get(body)!),
    });
    const aliveAfterFlood = alive();
    const refusedBeforeBody = await counter(summit.metrics, 'otelcol_processor_memory_limiter_refused_requests_total').catch(() => NaN);

    // The backend speeds up: everything acknowledged must arrive.
    sink.delayMs = 0;
    const drainStart = Date.now();
    let lost = ackedLost();
    while (lost > 0 && alive() && Date.now() - drainStart < DRAIN_TIMEOUT_MS) {
      await sleep(500);
      lost = ackedLost();
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;
    const hwm = procStatusMiB(summit.child.pid!, 'VmHWM') ?? NaN;
    const aliveAfterDrain = alive();
    const exit = await stopProcess(summit.child);
    sink.onDelivered = undefined;
    sink.delayMs = OVERLOAD_SINK_MS;

    const log = summit.log();
    const configured = 'Memory limiter configured';
    const refusing = 'Memory usage is above soft limit. Refusing data.';
    const statuses = Object.entries(result.statuses)
      .sort()
      .map(([status, n]) => `${status}: ${n}`)
      .join(', ');
    const others = Object.entries(result.statuses).filter(([status]) => !['200', '429', '503'].includes(status));
    const refusals = result.refusedRequests;
    const problems = [
      ...(aliveAfterFlood && aliveAfterDrain && exit === 0 ? [] : ['the process did not survive']),
      ...(others.length ? [`answers other than 200/503/429: ${others.map(([s, n]) => `${s} × ${n}`).join(', ')}`] : []),
      ...(result.refusedWithoutRetryAfter ? [`${result.refusedWithoutRetryAfter} refusals without Retry-After`] : []),
      ...(lost ? [`${lost} acknowledged spans lost`] : []),
    ];
    const verdict = problems.length
      ? `NOT MET: ${problems.join('; ')}`
      : refusals === 0
        ? `INCONCLUSIVE: never refused (lower MEMORY_FLOOD_HEAP_MIB or raise MEMORY_FLOOD_SECONDS)`
        : 'MET';
    return [
      `### overload, default config's memory_limiter (otlp → memory_limiter → batch → otlphttp; sink ${OVERLOAD_SINK_MS} ms per request × ${CONSUMERS} consumers; ${SPANS}-span requests, unique span ids)`,
      '',
      '| measure | value |',
      '|---|---|',
      `| offered | ${offeredRate(result)} spans/s (target 2 × sustainable = ${k(2 * sustainable)}) for ${result.seconds.toFixed(0)} s, ${FLOOD_CONCURRENCY} senders |`,
      `| memory_limiter | config/default.yaml's \`${limiter}\`; ${DEFAULT_LIMITER_HEAP_MIB ? `--max-old-space-size=${DEFAULT_LIMITER_HEAP_MIB}` : "Node's default heap"}: V8 heap limit ${logField(log, configured, 'v8_heap_limit_mib')} MiB, refusing from ${logField(log, configured, 'heap_soft_limit_mib')} MiB of heap or ${logField(log, configured, 'soft_limit_mib')} MiB held |`,
      `| first refusal | ${logField(log, refusing, 'cur_heap_mib') ?? '-'} MiB heap, ${logField(log, refusing, 'cur_mem_mib') ?? '-'} MiB held; peak RSS (VmHWM) ${hwm.toFixed(0)} MiB |`,
      `| answers | ${statuses} (memory_limiter refused ${refusedBeforeBody} before reading the body) |`,
      `| refusals without Retry-After | ${result.refusedWithoutRetryAfter} of ${refusals} |`,
      `| acknowledged → delivered | ${k(acked.length * SPANS)} spans acknowledged; ${lost} of them not delivered ${drainSeconds.toFixed(1)} s after the sink sped up (${duplicates} delivered twice) |`,
      `| survived | ${aliveAfterFlood ? 'yes' : 'NO (exited during the flood)'}; SIGTERM after the drain → exit ${exit} |`,
      `| target: only 503/429 with Retry-After, zero acknowledged lost | **${verdict}** |`,
      '',
      'Every request carries span ids of its own, so the sink can tell which acknowledged spans arrived. Before the memory_limiter took percentages of V8\'s heap limit, ' +
        'this setting (80% of the machine\'s memory) let the heap run into V8\'s limit and the process abort, losing every acknowledged span still queued.',
      '',
    ];
  });
}
