/**
 * `node dist/bench/run.js sentry-stages` (~30 s): the work of the sentry-ingest suite's pipeline
 * per Sentry event, stage by stage, in one process and without HTTP: receiver (envelope
 * split, JSON.parse within its budget, mapping to a log record) → redaction (Sentry's default
 * scrubbing) → grouping with the real issue_store extension (its thread and a SQLite file;
 * batches handed in SENDERS at a time, as concurrent requests do) → the parquet exporter's row
 * append. Each stage runs over all the events before the next, so its CPU time and its heap
 * growth are its own: main-thread CPU µs per event (`/proc/thread-self/schedstat`, median of
 * the measured passes), the whole process's (the store's SQLite thread, GC helpers), and KiB
 * allocated per event (heap growth over a pass in a young generation large enough that no GC
 * runs within it: the suite reruns itself in a child with `--min-semi-space-size`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseSize, PARQUET_DEFAULTS } from '../exporters/parquet/config.js';
import { LogsTable, ResourceRow, ScopeRow } from '../exporters/parquet/tables.js';
import { ValueLimit } from '../exporters/parquet/values.js';
import { issueStoreExtensionFactory } from '../extensions/issue_store/index.js';
import type { ComponentInstance } from '../pipeline/component.js';
import type { Logs } from '../pipeline/model.js';
import { testContext, testHost } from '../pipeline/testing.js';
import { groupingProcessorFactory } from '../processors/grouping/index.js';
import { newRedactor } from '../processors/redaction/index.js';
import { redactionConfig } from '../processors/redaction/testing.js';
import { parseEnvelopeHeader, parseEnvelopeItems } from '../receivers/sentry/envelope.js';
import { mapEvent } from '../receivers/sentry/items/event.js';
import { JsonBudget } from '../receivers/sentry/json.js';
import { median } from './harness.js';
import { sentryEvent } from './sentry-events.js';

const ISSUES = 50;
const EVENTS = Number(process.env.SENTRY_STAGES_EVENTS ?? 1000);
const PASSES = 7;
const ALLOCATION_EVENTS = 200;
/** Batches handed to grouping at once, as the sentry-ingest suite's senders do. */
const SENDERS = 8;
const STAGES = ['receiver', 'redaction', 'grouping + issue store', 'parquet append'] as const;
type Stage = (typeof STAGES)[number];

/** Event `i` of a pass: each pass its own occurrences (ids, numbers), so no cache has seen them. */
function envelope(i: number, pass: number): Buffer {
  const n = pass * EVENTS + i;
  const event: Record<string, unknown> = { ...sentryEvent(i % ISSUES, n), event_id: n.toString(16).padStart(32, 'a'), timestamp: Date.now() / 1000 };
  const header = { event_id: event.event_id, sent_at: new Date().toISOString(), sdk: event.sdk };
  return Buffer.from(`${JSON.stringify(header)}\n${JSON.stringify({ type: 'event' })}\n${JSON.stringify(event)}`);
}

/** The stages, each a function over every event's data made by the one before; `close` ends the store. */
async function pipeline() {
  const redactor = newRedactor(redactionConfig({ allow_all_keys: true, data_scrubbing: {} }));
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-stages-'));
  const store = issueStoreExtensionFactory.create(testContext({ id: 'issue_store', kind: 'extension' }), { path: join(dir, 'issues.sqlite') }, {}) as ComponentInstance;
  await store.start!(testHost());
  const grouping = groupingProcessorFactory.create(
    testContext({ id: 'grouping', kind: 'processor', signals: ['logs'] }),
    { project_attributes: ['sentry.project.id'], default_project: 'default', fingerprinting_rules: '', stacktrace_rules: '', issue_store: 'issue_store' },
    { logs: { consume: async () => {} } },
  ) as ComponentInstance;
  await grouping.start!(testHost({ issue_store: store }));
  const limit = new ValueLimit(parseSize(PARQUET_DEFAULTS.max_value_bytes));
  let table = new LogsTable(limit);
  return {
    receiver(bodies: Buffer[]): Logs[] {
      return bodies.map((body) => {
        const budget = new JsonBudget(1e6);
        const { header, offset } = parseEnvelopeHeader(body, budget);
        const [item] = parseEnvelopeItems(body, offset, budget);
        const ctx = { projectId: '1', projectName: 'shop', receivedAtMs: Date.now(), envelopeHeader: header, itemHeader: item.header, clientAddress: '127.0.0.1' };
        return mapEvent(budget.parse(item.payload), ctx).logs!;
      });
    },
    redaction(batches: Logs[]): Logs[] {
      for (const b of batches) redactor.logs(b);
      return batches;
    },
    async grouping(batches: Logs[]): Promise<Logs[]> {
      for (let i = 0; i < batches.length; i += SENDERS) await Promise.all(batches.slice(i, i + SENDERS).map((b) => grouping.consumers!.logs!.consume(b)));
      return batches;
    },
    parquet(batches: Logs[]): Logs[] {
      table = new LogsTable(limit);
      for (const b of batches)
        for (const rl of b.resourceLogs) {
          const r = new ResourceRow(rl.resource, rl.schemaUrl, limit);
          for (const sl of rl.scopeLogs) {
            const s = new ScopeRow(sl.scope, sl.schemaUrl, limit);
            for (const record of sl.logRecords) table.append(record, r, s);
          }
        }
      return batches;
    },
    async close() {
      await store.shutdown!();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Pipeline = Awaited<ReturnType<typeof pipeline>>;

/** Runs the stages in order over `bodies`, each inside `measureStage`. */
async function pass(p: Pipeline, bodies: Buffer[], measureStage: <T>(stage: Stage, run: () => T | Promise<T>) => Promise<T>): Promise<void> {
  const mapped = await measureStage('receiver', () => p.receiver(bodies));
  await measureStage('redaction', () => p.redaction(mapped));
  await measureStage('grouping + issue store', () => p.grouping(mapped));
  await measureStage('parquet append', () => p.parquet(mapped));
}

/** In the child: KiB of heap allocated per event by each stage, as JSON on stdout. */
async function allocationChild(): Promise<void> {
  const p = await pipeline();
  let gcs = 0;
  new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });
  const bodies = (round: number) => Array.from({ length: ALLOCATION_EVENTS }, (_, i) => envelope(i, round));
  await pass(p, bodies(0), async (_stage, run) => run()); // warm-up: compiled code, caches filled
  const out: Record<string, number> = {};
  for (const stage of STAGES) out[stage] = Infinity;
  for (let round = 1; round <= 3; round++) {
    await pass(p, bodies(round), async (stage, run) => {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 10)); // the gc entry of the forced collection arrives
      const gcsBefore = gcs;
      const before = process.memoryUsage().heapUsed;
      const result = await run();
      const grown = process.memoryUsage().heapUsed - before;
      await new Promise((r) => setTimeout(r, 10));
      if (gcs === gcsBefore) out[stage] = Math.min(out[stage], grown / ALLOCATION_EVENTS / 1024);
      return result;
    });
  }
  await p.close();
  process.stdout.write(JSON.stringify(out));
}

/** CPU time of the calling thread in µs (the kernel's scheduler account, ns resolution). */
function threadCpuMicros(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1000;
}

export async function sentryStagesSuite(): Promise<string> {
  const p = await pipeline();
  let sizes: number[] = [];
  const perStage = () => Object.fromEntries(STAGES.map((s) => [s, [] as number[]])) as Record<Stage, number[]>;
  const mainCpu = perStage();
  const processCpu = perStage();
  try {
    for (let round = 0; round < PASSES + 1; round++) {
      const bodies = Array.from({ length: EVENTS }, (_, i) => envelope(i, round));
      sizes = bodies.map((b) => b.length);
      await pass(p, bodies, async (stage, run) => {
        const thread = threadCpuMicros();
        const before = process.cpuUsage();
        const result = await run();
        const used = process.cpuUsage(before);
        if (round > 0) {
          mainCpu[stage].push((threadCpuMicros() - thread) / EVENTS);
          processCpu[stage].push((used.user + used.system) / EVENTS);
        }
        return result;
      });
    }
  } finally {
    await p.close();
  }
  const allocation = JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256', fileURLToPath(import.meta.url), '--allocation-child'], { encoding: 'utf8' }),
  ) as Record<Stage, number | null>;
  const kib = (s: Stage) => allocation[s] ?? NaN;
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
  const rows = STAGES.map(
    (s) => `| ${s} | ${median(mainCpu[s]).toFixed(0)} (${range(mainCpu[s])}) | ${median(processCpu[s]).toFixed(0)} (${range(processCpu[s])}) | ${Number.isFinite(kib(s)) ? kib(s).toFixed(0) : 'n/a (GC ran)'} |`,
  );
  const sum = (f: (s: Stage) => number) => STAGES.reduce((a, s) => a + f(s), 0);
  return [
    `## sentry-stages (${EVENTS} events, ${Math.min(...sizes)}–${Math.max(...sizes)} bytes, ${ISSUES} issues; ${PASSES} passes; load average ${loadavg()[0].toFixed(2)})`,
    '',
    '| stage | main-thread CPU µs per event, median (range) | whole process | KiB allocated per event |',
    '|---|---|---|---|',
    ...rows,
    `| total | ${sum((s) => median(mainCpu[s])).toFixed(0)} | ${sum((s) => median(processCpu[s])).toFixed(0)} | ${sum(kib).toFixed(0)} |`,
    '',
  ].join('\n');
}

if (process.argv.includes('--allocation-child')) await allocationChild();
