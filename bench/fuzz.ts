/**
 * Mutation fuzz of the embedded default pipeline (config/default.yaml): a Summit process in a
 * temporary working directory (its Parquet goes to ./data there), ports moved to free ones with
 * --set, fed mutated OTLP requests (fuzz-inputs.ts) over HTTP (protobuf and JSON, with and
 * without gzip) and gRPC by a few concurrent senders. It samples the child's RSS, times every
 * request and counts every answer, and fails (exit 1) when RSS passed 1 GiB, the child died or
 * stopped answering, or a request took longer than 5 s.
 *
 *   node dist/bench/fuzz.js [--duration 10m] [--seed 1] [--concurrency 4] [--max-items 1000000]
 *                           [--target otlp|sentry] [--restart] [--skip giant-string,many-items]
 *                           [--set path=value ...]
 *
 * --target sentry sends mutated Sentry envelopes (fuzz-sentry.ts) to the sentry receiver instead.
 *   FUZZ_DURATION=60s node dist/bench/run.js fuzz
 *
 * --restart starts a fresh child after a crash and goes on, --skip leaves mutation families out,
 * and --set changes the child's config (e.g. service::pipelines::logs::exporters=[debug]): all
 * to look past a known defect for the next one.
 */
import { Client, credentials, Metadata, status as grpcStatus } from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDuration } from '../pipeline/duration.js';
import type { Signal } from '../pipeline/model.js';
import { EXPORT_METHOD, encodeSignal } from '../pipeline/otlpproto/index.js';
import { DEFAULT_LIMITS, inlineRequests, MUTATION_FAMILIES, WorkerRequests, type FuzzLimits, type FuzzRequest } from './fuzz-inputs.js';
import { syntheticTraces } from './synthetic.js';
import { freePort, procStatusMiB } from './processes.js';

/** The built CLI, whether this runs from dist/ or (in a test) from the sources. */
const SUMMIT = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../dist/bin/summit.js' : '../bin/summit.js', import.meta.url));
const RSS_LIMIT_MIB = 1024;
const SLOW_MS = 5000;
/** A request still unanswered after this is abandoned and counted as a timeout. */
const GIVE_UP_MS = 60_000;
const SAMPLE_MS = 200;
/** With --restart, the run ends after this many crashes all the same. */
const MAX_CRASHES = 10;

export interface FuzzOptions {
  durationMs: number;
  /** Stop after this many requests, if that comes first. */
  maxRequests?: number;
  seed: number;
  concurrency: number;
  /** Request sizes, item counts and mutation families left out (e.g. to look past a known defect). */
  limits: FuzzLimits;
  /** Build requests on this thread rather than a worker (small limits only; works from sources). */
  inline?: boolean;
  restart: boolean;
  /** More --set flags for the child, e.g. to take a component out of the default pipeline. */
  sets: string[];
}

const PATHS: Record<Signal, string> = { traces: '/v1/traces', metrics: '/v1/metrics', logs: '/v1/logs' };

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

/** The child's log (pino JSON on stderr), condensed: warnings and errors by message, and any line that is not JSON (Node's own warnings, V8's fatal errors). */
class LogDigest {
  readonly counts = new Map<string, number>();
  readonly tail: string[] = [];
  private partial = '';

  feed(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      this.tail.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
      if (this.tail.length > 30) this.tail.shift();
      let key: string | undefined;
      try {
        const rec = JSON.parse(line) as { level?: number; msg?: string };
        if ((rec.level ?? 0) >= 40) key = `${rec.level! >= 50 ? 'error' : 'warn'}: ${String(rec.msg).slice(0, 160)}`;
      } catch {
        key = `stderr: ${line.slice(0, 160)}`;
      }
      if (key) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
  }
}

interface Child {
  process: ChildProcess;
  http: string;
  grpc: string;
  sentry: string;
  /** The default project the sentry receiver made at its first start (./data/sentry-project.json). */
  sentryProject: { id: string; key: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startSummit(dir: string, log: LogDigest, extraSets: string[]): Promise<Child> {
  const [grpc, http, prom, health, metrics, sentry, ui] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const sets = [
    `receivers::otlp::protocols::grpc::endpoint=127.0.0.1:${grpc}`,
    `receivers::otlp::protocols::http::endpoint=127.0.0.1:${http}`,
    `exporters::prometheus::endpoint=127.0.0.1:${prom}`,
    `receivers::sentry::endpoint=127.0.0.1:${sentry}`,
    `exporters::ui::endpoint=127.0.0.1:${ui}`,
    `extensions::health_check::endpoint=127.0.0.1:${health}`,
    `service::telemetry::metrics::address=127.0.0.1:${metrics}`,
    ...extraSets,
  ].flatMap((s) => ['--set', s]);
  const child = spawn(process.execPath, [SUMMIT, ...sets], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.resume(); // the debug exporter's lines: not needed
  let ready = false;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    log.feed(d);
    if (d.includes('Everything is ready')) ready = true;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const deadline = Date.now() + 30_000;
  while (!ready) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`summit exited before it was ready:\n${log.tail.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`summit was not ready within 30 s:\n${log.tail.join('\n')}`);
    await sleep(50);
  }
  const project = JSON.parse(readFileSync(join(dir, 'data', 'sentry-project.json'), 'utf8')) as { id: string; keys: string[] };
  return { process: child, http: `http://127.0.0.1:${http}`, grpc: `127.0.0.1:${grpc}`, sentry: `http://127.0.0.1:${sentry}`, sentryProject: { id: project.id, key: project.keys[0] }, exited };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What one request came back with: `HTTP 400`, `gRPC INVALID_ARGUMENT`, `HTTP error ECONNRESET`, `timeout`. */
type Outcome = string;

class Senders {
  // A connection per request: on a kept-alive one, a request written just as the server's idle
  // timer fires (likely after an event-loop stall) is reset, which would blame the request.
  private readonly agent = new Agent({ keepAlive: false });
  private readonly plain: Client;
  private readonly gzip: Client;

  constructor(private readonly child: Child) {
    const options = { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 };
    this.plain = new Client(child.grpc, credentials.createInsecure(), options);
    this.gzip = new Client(child.grpc, credentials.createInsecure(), { ...options, 'grpc.default_compression_algorithm': 2 });
  }

  send(req: FuzzRequest): Promise<Outcome> {
    return req.transport === 'grpc' ? this.grpc(req) : this.http(req);
  }

  close(): void {
    this.agent.destroy();
    this.plain.close();
    this.gzip.close();
  }

  private http(req: FuzzRequest): Promise<Outcome> {
    return new Promise((resolve) => {
      const headers: Record<string, string | number> = {
        'content-type': req.sentry === 'envelope' ? 'application/x-sentry-envelope' : req.encoding === 'proto' ? 'application/x-protobuf' : 'application/json',
        'content-length': req.body.length,
      };
      if (req.gzip) headers['content-encoding'] = 'gzip';
      const { id, key } = this.child.sentryProject;
      const url = req.sentry ? new URL(`/api/${id}/${req.sentry}/?sentry_key=${key}&sentry_version=7`, this.child.sentry) : new URL(PATHS[req.signal], this.child.http);
      const r = request(url, { method: 'POST', agent: this.agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(`HTTP ${res.statusCode}`));
        res.on('error', (err) => resolve(`HTTP error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      });
      r.setTimeout(GIVE_UP_MS, () => {
        r.destroy();
        resolve('timeout');
      });
      r.on('error', (err) => resolve(`HTTP error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      r.end(req.body);
    });
  }

  private grpc(req: FuzzRequest): Promise<Outcome> {
    const client = req.gzip ? this.gzip : this.plain;
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        EXPORT_METHOD[req.signal],
        (b: Buffer) => b,
        (b: Buffer) => b,
        req.body,
        new Metadata(),
        { deadline: Date.now() + GIVE_UP_MS },
        (err) => resolve(err ? (err.code === grpcStatus.DEADLINE_EXCEEDED ? 'timeout' : `gRPC ${grpcStatus[err.code] ?? err.code}`) : 'gRPC OK'),
      );
    });
  }
}

interface Slow {
  ms: number;
  what: string;
}

interface Crash {
  atSeconds: number;
  how: string;
  inFlight: string[];
  log: string[];
}

/** What the run saw. */
export interface FuzzReport {
  seconds: number;
  requests: number;
  bytesSent: number;
  outcomes: Map<Outcome, number>;
  byMutation: Map<string, { count: number; maxMs: number; outcomes: Map<Outcome, number> }>;
  slowest: Slow[];
  unexpected: Map<Outcome, string[]>;
  rssIdleMiB: number;
  rssPeakMiB: number;
  rssPeakInFlight: string[];
  rssHighWaterMiB: number;
  /** The peak of each 10 s: flat when bounded, a staircase when something accumulates. */
  rssPer10s: number[];
  jumps: { fromMiB: number; toMiB: number; inFlight: string[] }[];
  /**
   * When RSS first passed the limit: what was in flight, and the last requests answered (work a
   * pipeline does after the answer, e.g. exporting a batch, belongs to one of those).
   */
  overLimit?: { atSeconds: number; inFlight: string[]; recent: string[] };
  crashes: Crash[];
  answersAfter?: Outcome;
  exit?: string;
  dataBytes: number;
  /** 1-minute load averages at the start and the end: latencies mean little on a saturated machine. */
  load: [number, number];
  log: LogDigest;
  failures: string[];
}

/** A valid one-span request: what a live, unblocked server answers 200. */
const PROBE: FuzzRequest = {
  signal: 'traces',
  transport: 'http',
  encoding: 'proto',
  gzip: false,
  family: 'probe',
  mutation: 'valid probe',
  body: Buffer.from(encodeSignal('traces', syntheticTraces(1, 'small', 7))),
};

/** Answers that say the server misbehaved rather than refused bad input. */
const isUnexpected = (o: Outcome) => (o.startsWith('HTTP 5') && o !== 'HTTP 503') || /^gRPC (INTERNAL|UNKNOWN|DATA_LOSS)$|error|timeout/.test(o);

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const dir = mkdtempSync(join(tmpdir(), 'summit-fuzz-'));
  const log = new LogDigest();
  const report: FuzzReport = {
    seconds: 0, requests: 0, bytesSent: 0, outcomes: new Map(), byMutation: new Map(), slowest: [], unexpected: new Map(),
    rssIdleMiB: 0, rssPeakMiB: 0, rssPeakInFlight: [], rssHighWaterMiB: 0, rssPer10s: [], jumps: [], crashes: [], dataBytes: 0, load: [loadavg()[0], 0], log, failures: [],
  };
  const started = Date.now();
  const end = started + o.durationMs;
  const inFlight = new Map<number, string>();
  const recent: string[] = [];
  let child = await startSummit(dir, log, o.sets);
  let senders = new Senders(child);
  let alive = true;
  report.rssIdleMiB = procStatusMiB(child.process.pid!, 'VmRSS') ?? 0;
  let lastRss = report.rssIdleMiB;
  const describeInFlight = () => [...inFlight.values()];
  const sampler = setInterval(() => {
    const rss = procStatusMiB(child.process.pid!, 'VmRSS');
    if (rss === undefined) return;
    const window = Math.floor((Date.now() - started) / 10_000);
    report.rssPer10s[window] = Math.max(report.rssPer10s[window] ?? 0, rss);
    if (rss > report.rssPeakMiB) {
      report.rssPeakMiB = rss;
      report.rssPeakInFlight = describeInFlight();
    }
    if (rss > RSS_LIMIT_MIB && !report.overLimit) report.overLimit = { atSeconds: (Date.now() - started) / 1000, inFlight: describeInFlight(), recent: [...recent] };
    if (rss - lastRss > 200 && report.jumps.length < 20) report.jumps.push({ fromMiB: lastRss, toMiB: rss, inFlight: describeInFlight() });
    lastRss = rss;
  }, SAMPLE_MS);

  let stopping = false;
  const watch = (c: Child) =>
    void c.exited.then(({ code, signal }) => {
      if (c !== child || stopping) return;
      alive = false;
      report.crashes.push({ atSeconds: (Date.now() - started) / 1000, how: signal ? `killed by ${signal}` : `exit ${code}`, inFlight: describeInFlight(), log: log.tail.slice(-12) });
    });
  watch(child);
  // after a crash (with --restart): one fresh child, started once, that every sender waits for
  let restarting: Promise<void> | undefined;
  const restart = () =>
    (restarting ??= (async () => {
      senders.close();
      child = await startSummit(dir, log, o.sets);
      senders = new Senders(child);
      watch(child);
      alive = true;
      restarting = undefined;
    })());

  const count = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);
  const source = o.inline ? inlineRequests(o.seed, o.limits) : new WorkerRequests(o.seed, o.limits);
  let launched = 0;
  const sender = async (w: number) => {
    let upcoming = source.next(w);
    while (Date.now() < end) {
      if (!alive) {
        if (!o.restart || report.crashes.length >= MAX_CRASHES) return;
        await restart();
        continue;
      }
      if (launched >= (o.maxRequests ?? Infinity)) return;
      const id = launched++;
      const req = await upcoming;
      upcoming = source.next(w); // made while this one is out
      const what = `${req.sentry ? `sentry ${req.sentry}` : `${req.transport === 'grpc' ? 'gRPC' : `HTTP ${req.encoding}`}`}${req.gzip ? '+gzip' : ''}${req.sentry ? '' : ` ${req.signal}`} ${req.mutation} (${req.body.length} B)`;
      inFlight.set(id, what);
      const t0 = performance.now();
      const sentAt = Date.now();
      const outcome = await senders.send(req);
      const ms = performance.now() - t0;
      inFlight.delete(id);
      if (!alive) continue; // answers cut off by a crash say nothing about the request
      recent.push(`${what} → ${outcome} at ${((Date.now() - started) / 1000).toFixed(0)} s`);
      if (recent.length > 12) recent.shift();
      report.requests++;
      report.bytesSent += req.body.length;
      count(report.outcomes, outcome);
      const fam = req.family;
      const f = report.byMutation.get(fam) ?? { count: 0, maxMs: 0, outcomes: new Map() };
      f.count++;
      f.maxMs = Math.max(f.maxMs, ms);
      count(f.outcomes, outcome);
      report.byMutation.set(fam, f);
      if (report.slowest.length < 10 || ms > report.slowest[report.slowest.length - 1].ms) {
        report.slowest.push({ ms, what: `${what} → ${outcome}, sent at ${((sentAt - started) / 1000).toFixed(0)} s` });
        report.slowest.sort((a, b) => b.ms - a.ms);
        report.slowest.length = Math.min(report.slowest.length, 10);
      }
      if (isUnexpected(outcome)) {
        const examples = report.unexpected.get(outcome) ?? [];
        if (examples.length < 5) examples.push(what);
        report.unexpected.set(outcome, examples);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, w) => sender(w)));
  await source.close();
  report.seconds = (Date.now() - started) / 1000;
  report.load[1] = loadavg()[0];

  // Alive and unblocked: a valid request still answered 200, within the time limit.
  if (alive) {
    const t0 = performance.now();
    report.answersAfter = await senders.send(PROBE);
    const ms = performance.now() - t0;
    if (ms > SLOW_MS) report.answersAfter += ` after ${(ms / 1000).toFixed(1)} s`;
  }
  clearInterval(sampler);
  report.rssHighWaterMiB = procStatusMiB(child.process.pid!, 'VmHWM') ?? NaN;
  stopping = true;
  senders.close();
  if (alive) {
    const t0 = Date.now();
    child.process.kill('SIGTERM');
    const timer = setTimeout(() => child.process.kill('SIGKILL'), 60_000);
    const { code, signal } = await child.exited;
    clearTimeout(timer);
    report.exit = `${signal ? `killed by ${signal}` : `exit ${code}`} ${((Date.now() - t0) / 1000).toFixed(1)} s after SIGTERM`;
  }
  report.dataBytes = dirBytes(dir);
  rmSync(dir, { recursive: true, force: true });

  const peak = Math.max(report.rssPeakMiB, report.rssHighWaterMiB || 0);
  if (peak > RSS_LIMIT_MIB) report.failures.push(`RSS reached ${peak.toFixed(0)} MiB (limit ${RSS_LIMIT_MIB} MiB)`);
  if (report.crashes.length) report.failures.push(`the child died ${report.crashes.length} time(s)`);
  const slow = report.slowest.filter((s) => s.ms > SLOW_MS).length;
  if (slow) report.failures.push(`${slow}${slow === 10 ? '+' : ''} request(s) took longer than ${SLOW_MS / 1000} s`);
  if (report.answersAfter !== undefined && report.answersAfter !== 'HTTP 200') report.failures.push(`a valid request afterwards got ${report.answersAfter}`);
  return report;
}

const mib = (n: number) => `${n.toFixed(0)} MiB`;
const list = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ×${v}`).join(', ');

export function formatReport(r: FuzzReport, o: FuzzOptions): string {
  const lines = [
    `### fuzz (default pipeline, ${o.limits.target === 'sentry' ? 'Sentry envelopes' : 'OTLP'}${o.sets.length ? ` with ${o.sets.join(' ')}` : ''}; seed ${o.seed}, ${o.concurrency} senders, many-items up to ${o.limits.maxItems}${o.limits.skip?.length ? `, skipping ${o.limits.skip.join(', ')}` : ''})`,
    '',
    `${r.requests} requests (${(r.bytesSent / 1024 / 1024).toFixed(0)} MiB) in ${r.seconds.toFixed(0)} s; Parquet written: ${(r.dataBytes / 1024 / 1024).toFixed(1)} MiB`,
    `machine load (1-min average) at start / end: ${r.load.map((l) => l.toFixed(1)).join(' / ')} on ${availableParallelism()} cores`,
    `RSS idle → peak: ${mib(r.rssIdleMiB)} → ${mib(r.rssPeakMiB)} (${SAMPLE_MS} ms samples), kernel high-water ${mib(r.rssHighWaterMiB)}; limit ${RSS_LIMIT_MIB} MiB`,
    `RSS peak per 10 s: ${Array.from(r.rssPer10s, (x) => (x === undefined ? '-' : x.toFixed(0))).join(', ')} MiB`,
    `answers: ${list(r.outcomes)}`,
    `a valid request afterwards: ${r.answersAfter ?? '(not sent: the child was dead)'}; ${r.exit ?? ''}`,
    '',
    '| mutation | requests | max latency | answers |',
    '|---|---|---|---|',
    ...[...r.byMutation].sort((a, b) => b[1].maxMs - a[1].maxMs).map(([k, v]) => `| ${k} | ${v.count} | ${(v.maxMs / 1000).toFixed(2)} s | ${list(v.outcomes)} |`),
    '',
    'slowest requests:',
    ...r.slowest.map((s) => `  ${(s.ms / 1000).toFixed(2)} s  ${s.what}`),
  ];
  if (r.rssPeakInFlight.length) lines.push('', `in flight at the RSS peak: ${r.rssPeakInFlight.join(' | ')}`);
  if (r.overLimit) {
    lines.push('', `RSS passed ${RSS_LIMIT_MIB} MiB at ${r.overLimit.atSeconds.toFixed(0)} s; in flight: ${r.overLimit.inFlight.join(' | ') || '(nothing)'}; last answered:`);
    lines.push(...r.overLimit.recent.map((x) => `  ${x}`));
  }
  for (const j of r.jumps) lines.push(`RSS jump ${mib(j.fromMiB)} → ${mib(j.toMiB)} within ${SAMPLE_MS} ms; in flight: ${j.inFlight.join(' | ')}`);
  for (const [outcome, examples] of r.unexpected) lines.push('', `unexpected answer ${outcome}, e.g.:`, ...examples.map((e) => `  ${e}`));
  for (const c of r.crashes) lines.push('', `CRASH at ${c.atSeconds.toFixed(0)} s: ${c.how}; in flight: ${c.inFlight.join(' | ') || '(nothing)'}`, ...c.log.map((l) => `  | ${l}`));
  if (r.log.counts.size) lines.push('', 'warnings and errors the child logged:', ...[...r.log.counts].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `  ×${v} ${k}`));
  lines.push('', r.failures.length ? `FAILED: ${r.failures.join('; ')}` : `passed: RSS ≤ ${RSS_LIMIT_MIB} MiB, no crash, no request over ${SLOW_MS / 1000} s`, '');
  return lines.join('\n');
}

/** For `node dist/bench/run.js fuzz`: FUZZ_DURATION (default 10m); a failed run sets the exit code. */
export async function fuzzSuite(): Promise<string> {
  const o: FuzzOptions = { durationMs: parseDuration(process.env.FUZZ_DURATION ?? '10m'), seed: 1, concurrency: 4, limits: DEFAULT_LIMITS, restart: false, sets: [] };
  const report = await runFuzz(o);
  if (report.failures.length) process.exitCode = 1;
  return formatReport(report, o);
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10m' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '4' },
      'max-items': { type: 'string', default: String(DEFAULT_LIMITS.maxItems) },
      restart: { type: 'boolean', default: false },
      skip: { type: 'string', default: '' },
      target: { type: 'string', default: 'otlp' },
      set: { type: 'string', multiple: true, default: [] },
    },
  });
  const target = values.target;
  if (target !== 'otlp' && target !== 'sentry') throw new Error(`--target: otlp or sentry, not ${target}`);
  const skip = values.skip ? values.skip.split(',') : [];
  const families = target === 'sentry' ? (await import('./fuzz-sentry.js')).SENTRY_MUTATION_FAMILIES : MUTATION_FAMILIES;
  const unknown = skip.filter((f) => !families.includes(f));
  if (unknown.length) throw new Error(`--skip: unknown mutation ${unknown.join(', ')}; known: ${families.join(', ')}`);
  const o: FuzzOptions = {
    durationMs: parseDuration(values.duration!),
    seed: Number(values.seed),
    concurrency: Number(values.concurrency),
    limits: { ...DEFAULT_LIMITS, maxItems: Number(values['max-items']), skip, target },
    restart: values.restart!,
    sets: values.set!,
  };
  const report = await runFuzz(o);
  process.stdout.write(formatReport(report, o));
  process.exitCode = report.failures.length ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  cli().catch((err) => {
    process.stderr.write(`fuzz: ${(err as Error).stack ?? err}\n`);
    process.exit(2);
  });
}
