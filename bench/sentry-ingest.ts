/**
 * `node dist/bench/run.js sentry-ingest` (~1.5 min): Sentry error events per second ingested
 * end to end. Envelopes as the Node and browser SDKs send them (one 6–9 KB event each, 50
 * distinct issues) are POSTed over loopback by keep-alive senders to a Summit process running
 * sentry → memory_limiter → redaction (Sentry's default scrubbing) → grouping (issue_store) →
 * batch → parquet, and to a naive peer (node:http + JSON.parse + one SQLite insert per event)
 * in a process of its own, each after a warm-up round of its own (steady state: what a long-running
 * server spends). `SENTRY_INGEST_SENDERS=N` changes the 8 senders, `SENTRY_INGEST_WARMUP_SECONDS` the 20 s warm-up;
 * `SENTRY_INGEST_CPU_PROF=DIR` writes a CPU profile of Summit there.
 */
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, median, table, type BenchCase } from './harness.js';
import { generateLoad } from './loadgen.js';
import { cpuSeconds, freePort, peakRssMiB, startProcess, stopProcess } from './processes.js';
import { sentryEvent } from './sentry-events.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..');
const KEY = '0123456789abcdef0123456789abcdef';
const ISSUES = 50;
const OCCURRENCES_PER_ISSUE = 10;
const SENDERS = Number(process.env.SENTRY_INGEST_SENDERS ?? 8);
const SECONDS_PER_ROUND = 4;
/**
 * Each server's first round, not measured. Summit's CPU per event falls by two thirds over its
 * first ~20 s under load (its optimizing compiler's threads were a third of its CPU in the
 * first minute; bench/README.md, sentry-ingest's fifth round): a 4 s warm-up measured mostly that.
 */
const WARMUP_SECONDS = Number(process.env.SENTRY_INGEST_WARMUP_SECONDS ?? 20);
const ENVELOPE_PATH = `/api/1/envelope/?sentry_key=${KEY}&sentry_version=7&sentry_client=sentry.javascript.node%2F8.33.0`;
/** Stands in for the event id in a template; every request writes an id of its own over it. */
const ID_MARK = 'e'.repeat(32);

interface Template {
  bytes: Buffer;
  idOffsets: number[];
}

/** An envelope as @sentry/core serializes one: header, item header, event; no trailing newline. */
function envelopeTemplate(issue: number, occurrence: number): Template {
  const event: Record<string, unknown> = { ...sentryEvent(issue, occurrence), event_id: ID_MARK, timestamp: Date.now() / 1000 };
  const sdk = event.sdk as { name: string; version: string };
  const trace = (event.contexts as { trace: { trace_id: string } }).trace;
  const header = {
    event_id: ID_MARK,
    sent_at: new Date().toISOString(),
    sdk,
    trace: { environment: 'production', release: 'shop@2.4.1', public_key: KEY, trace_id: trace.trace_id },
  };
  const bytes = Buffer.from(`${JSON.stringify(header)}\n${JSON.stringify({ type: 'event' })}\n${JSON.stringify(event)}`);
  const idOffsets: number[] = [];
  for (let at = bytes.indexOf(ID_MARK); at >= 0; at = bytes.indexOf(ID_MARK, at + 1)) idOffsets.push(at);
  return { bytes, idOffsets };
}

/** Each call the next template with an event id never sent before. */
function envelopes(templates: Template[]): () => Buffer {
  let n = 0;
  const run = Date.now().toString(16).padStart(16, '0');
  return () => {
    const t = templates[n % templates.length];
    const body = Buffer.from(t.bytes);
    const id = run + (n++).toString(16).padStart(16, '0');
    for (const at of t.idOffsets) body.write(id, at, 'latin1');
    return body;
  };
}

async function startSummit(dir: string, port: number): Promise<ChildProcess> {
  const config = join(dir, 'summit.yaml');
  writeFileSync(
    config,
    `receivers:
  sentry:
    endpoint: 127.0.0.1:${port}
    projects:
      - { id: 1, name: shop, keys: [${KEY}] }
processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 80
    spike_limit_percentage: 20
  redaction:
    allow_all_keys: true
    data_scrubbing: {}
  grouping:
    issue_store: issue_store
  batch:
exporters:
  parquet:
    path: ${join(dir, 'data')}
extensions:
  issue_store:
    path: ${join(dir, 'issues.sqlite')}
service:
  extensions: [issue_store]
  pipelines:
    logs:
      receivers: [sentry]
      processors: [memory_limiter, redaction, grouping, batch]
      exporters: [parquet]
  telemetry:
    metrics: { level: none }
`,
  );
  const profile = process.env.SENTRY_INGEST_CPU_PROF;
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  return startProcess([...nodeArgs, join(DIST, 'bin', 'summit.js'), '--config', config], /Everything is ready/);
}

interface Server {
  name: string;
  /** A short name for the lines under the table. */
  label: string;
  child: ChildProcess;
  port: number;
  acknowledged: number;
  /** Over the measured rounds (not the warm-up). */
  cpuSeconds: number;
  measuredEvents: number;
  /** The warm-up round's CPU seconds and events. */
  warmup?: { cpuSeconds: number; events: number };
  statuses: Record<string, number>;
  /** After each run: what its store holds compared with what was acknowledged, or a failure. */
  check(): string | undefined;
}

function ingestCase(server: Server, next: () => Buffer): BenchCase {
  return {
    name: server.name,
    async run() {
      const warmup = server.warmup === undefined;
      const cpuBefore = cpuSeconds(server.child.pid!);
      const r = await generateLoad({
        endpoint: `http://127.0.0.1:${server.port}`,
        protocol: 'http',
        path: ENVELOPE_PATH,
        contentType: 'application/x-sentry-envelope',
        durationMs: (warmup ? WARMUP_SECONDS : SECONDS_PER_ROUND) * 1000,
        rate: 0,
        concurrency: SENDERS,
        body: next,
        spansPerRequest: 1,
      });
      const used = cpuSeconds(server.child.pid!) - cpuBefore;
      if (warmup) server.warmup = { cpuSeconds: used, events: r.acceptedSpans };
      else {
        server.cpuSeconds += used;
        server.measuredEvents += r.acceptedSpans;
      }
      server.acknowledged += r.acceptedSpans;
      for (const [status, n] of Object.entries(r.statuses)) server.statuses[status] = (server.statuses[status] ?? 0) + n;
      if (r.failedRequests) throw new Error(`${server.name}: ${r.failedRequests} failed requests (${JSON.stringify(r.statuses)})`);
      const failure = server.check();
      if (failure) throw new Error(`${server.name}: ${failure} (answers so far: ${JSON.stringify(server.statuses)})`);
      return r.acceptedSpans;
    },
  };
}

/** A read of a SQLite file another process writes (WAL: it sees every committed transaction). */
function readCount(path: string, sql: string): { rows: number; events: number } {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).get() as { rows: number; events: number };
  } finally {
    db.close();
  }
}

export async function sentryIngestSuite(): Promise<string> {
  const templates = Array.from({ length: ISSUES * OCCURRENCES_PER_ISSUE }, (_, i) => envelopeTemplate(i % ISSUES, i));
  const sizes = templates.map((t) => t.bytes.length);
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-sentry-'));
  const servers: Server[] = [];
  try {
    const summitPort = await freePort();
    const summitChild = await startSummit(dir, summitPort);
    const summit: Server = {
      name: 'summit: sentry → memory_limiter → redaction → grouping (issue_store) → batch → parquet',
      label: 'summit',
      child: summitChild,
      port: summitPort,
      acknowledged: 0,
      cpuSeconds: 0,
      measuredEvents: 0,
      statuses: {},
      check() {
        const { rows, events } = readCount(join(dir, 'issues.sqlite'), 'SELECT count(*) AS rows, coalesce(sum(times_seen), 0) AS events FROM issues');
        if (rows !== ISSUES) return `the issue store holds ${rows} issues, expected ${ISSUES}`;
        if (events !== this.acknowledged) return `the issue store counted ${events} events, ${this.acknowledged} were acknowledged`;
        return undefined;
      },
    };
    servers.push(summit);
    for (const synchronous of ['NORMAL', 'FULL'] as const) {
      const port = await freePort();
      const db = join(dir, `peer-${synchronous}.sqlite`);
      const child = await startProcess([join(DIST, 'bench', 'peers', 'sqlite-sentry-http.js'), String(port), db, synchronous], /listening/);
      servers.push({
        name: `node:http + JSON.parse + SQLite insert per event, synchronous=${synchronous}${synchronous === 'NORMAL' ? ' (peer)' : ''}`,
        label: `peer synchronous=${synchronous}`,
        child,
        port,
        acknowledged: 0,
        cpuSeconds: 0,
        measuredEvents: 0,
        statuses: {},
        check() {
          const { rows } = readCount(db, 'SELECT count(*) AS rows, 0 AS events FROM events');
          return rows === this.acknowledged ? undefined : `${rows} rows stored, ${this.acknowledged} acknowledged`;
        },
      });
    }
    const next = envelopes(templates);
    const results = await measure(
      servers.map((s) => ingestCase(s, next)),
      { warmups: 1, repeats: 3 },
    );
    const peer = results[1];
    const summitRate = results[0].unitsPerSecond;
    const ratio = summitRate / peer.unitsPerSecond;
    const summitRss = peakRssMiB(summit.child.pid!);
    const each = (f: (s: Server) => string) => servers.map((s) => `${s.label} ${f(s)}`).join('; ');
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
    return [
      table(`sentry-ingest (Sentry SDK envelopes over loopback, ${SENDERS} keep-alive senders, ${SECONDS_PER_ROUND}s rounds after a ${WARMUP_SECONDS}s warm-up)`, 'events', results, peer.name),
      `envelopes: one error event each, ${Math.min(...sizes)}–${Math.max(...sizes)} bytes (median ${median(sizes)}), ${ISSUES} issues, ${templates.length} templates, every event id unique`,
      `summit ${fmt(summitRate)} events/s (target ≥ 3,000: ${verdict(summitRate >= 3000)}); peer ${fmt(peer.unitsPerSecond)} events/s; ratio ${ratio.toFixed(2)}× (target ≥ 3×: ${verdict(ratio >= 3)})`,
      `summit peak RSS (VmHWM) ${summitRss.toFixed(0)} MiB (target ≤ 300 MB: ${verdict(summitRss * 1.048576 <= 300)}); peaks: ${each((s) => `${peakRssMiB(s.child.pid!).toFixed(0)} MiB`)}`,
      `CPU per event (user + system, whole process, measured rounds): ${each((s) => `${perEventMicros(s.cpuSeconds, s.measuredEvents)} µs`)}`,
      `the same over each server's ${WARMUP_SECONDS} s warm-up round: ${each((s) => `${perEventMicros(s.warmup!.cpuSeconds, s.warmup!.events)} µs`)}`,
      `answers by status: ${each((s) => JSON.stringify(s.statuses))}`,
      `checked after every run: summit's issue store holds ${ISSUES} issues whose times_seen add up to the ${summit.acknowledged} acknowledged events; each peer stored a row per acknowledged event`,
      `published anchors (other machines): urgentry (Go, Sentry-compatible, SQLite mode) 400 events/s at 52 MB on 8 vCPUs; self-hosted Sentry, errors only, 1,000 events/s at 8.2 GB`,
      '',
    ].join('\n');
  } finally {
    for (const s of servers) await stopProcess(s.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

function perEventMicros(seconds: number, events: number): string {
  return ((seconds / events) * 1e6).toFixed(0);
}

function fmt(n: number): string {
  return n >= 1e3 ? `${(n / 1e3).toFixed(2)}k` : n.toFixed(0);
}
