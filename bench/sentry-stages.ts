/**
 * `node dist/bench/run.js sentry-stages` (~20 s): the main-thread work of the sentry-ingest
 * suite's pipeline per Sentry event, stage by stage, in one process and without HTTP:
 * receiver (envelope split, JSON.parse within its budget, mapping to a log record) →
 * redaction (Sentry's default scrubbing) → grouping with the issue store's main-thread part
 * (the occurrence as the store's thread gets it, sample JSON included) → the parquet
 * exporter's row append. Each stage runs over all the events before the next, so its CPU
 * time and its heap growth are its own: CPU µs per event (median of the measured passes) and
 * KiB allocated per event (heap growth over a pass in a young generation large enough that no
 * GC runs within it: the suite reruns itself in a child with `--min-semi-space-size`).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseSize, PARQUET_DEFAULTS } from '../exporters/parquet/config.js';
import { LogsTable, ResourceRow, ScopeRow } from '../exporters/parquet/tables.js';
import { ValueLimit } from '../exporters/parquet/values.js';
import { storedOccurrence } from '../extensions/issue_store/occurrence.js';
import type { ComponentInstance } from '../pipeline/component.js';
import type { IssueOccurrence } from '../pipeline/exceptions/issues.js';
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
const STAGES = ['receiver', 'redaction', 'grouping + issue store', 'parquet append'] as const;
type Stage = (typeof STAGES)[number];

/** Event `i` of a pass: each pass its own occurrences (ids, numbers), so no cache has seen them. */
function envelope(i: number, pass: number): Buffer {
  const n = pass * EVENTS + i;
  const event: Record<string, unknown> = { ...sentryEvent(i % ISSUES, n), event_id: n.toString(16).padStart(32, 'a'), timestamp: Date.now() / 1000 };
  const header = { event_id: event.event_id, sent_at: new Date().toISOString(), sdk: event.sdk };
  return Buffer.from(`${JSON.stringify(header)}\n${JSON.stringify({ type: 'event' })}\n${JSON.stringify(event)}`);
}

/** The stages, each a function over every event's data made by the one before. */
async function pipeline() {
  const redactor = newRedactor(redactionConfig({ allow_all_keys: true, data_scrubbing: {} }));
  const stored: unknown[] = [];
  const store = {
    recordOccurrences: async (o: IssueOccurrence[]) => {
      const now = Date.now();
      for (const x of o) stored.push(storedOccurrence(x, now));
      return o.map(() => ({ new: false, regressed: false }));
    },
  };
  const grouping = groupingProcessorFactory.create(
    testContext({ id: 'grouping', kind: 'processor', signals: ['logs'] }),
    { project_attributes: ['sentry.project.id'], default_project: 'default', fingerprinting_rules: '', stacktrace_rules: '', issue_store: 'store' },
    { logs: { consume: async () => {} } },
  ) as ComponentInstance;
  await grouping.start!(testHost({ store }));
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
      stored.length = 0;
      for (const b of batches) await grouping.consumers!.logs!.consume(b);
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
  process.stdout.write(JSON.stringify(out));
}

export async function sentryStagesSuite(): Promise<string> {
  const p = await pipeline();
  let sizes: number[] = [];
  const cpu: Record<Stage, number[]> = { receiver: [], redaction: [], 'grouping + issue store': [], 'parquet append': [] };
  for (let round = 0; round < PASSES + 1; round++) {
    const bodies = Array.from({ length: EVENTS }, (_, i) => envelope(i, round));
    sizes = bodies.map((b) => b.length);
    await pass(p, bodies, async (stage, run) => {
      const before = process.cpuUsage();
      const result = await run();
      const used = process.cpuUsage(before);
      if (round > 0) cpu[stage].push(((used.user + used.system) / EVENTS));
      return result;
    });
  }
  const allocation = JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256', fileURLToPath(import.meta.url), '--allocation-child'], { encoding: 'utf8' }),
  ) as Record<Stage, number | null>;
  const medians = STAGES.map((s) => median(cpu[s]));
  const rows = STAGES.map((s, i) => {
    const kib = allocation[s];
    return `| ${s} | ${medians[i].toFixed(0)} | ${Math.min(...cpu[s]).toFixed(0)}–${Math.max(...cpu[s]).toFixed(0)} | ${kib === null || !Number.isFinite(kib) ? 'n/a (GC ran)' : kib.toFixed(0)} |`;
  });
  const total = medians.reduce((a, b) => a + b, 0);
  const kibTotal = STAGES.reduce((a, s) => a + (allocation[s] ?? 0), 0);
  return [
    `## sentry-stages (${EVENTS} events, ${Math.min(...sizes)}–${Math.max(...sizes)} bytes, ${ISSUES} issues; ${PASSES} passes)`,
    '',
    '| stage | CPU µs per event (median) | range | KiB allocated per event |',
    '|---|---|---|---|',
    ...rows,
    `| total | ${total.toFixed(0)} | | ${kibTotal.toFixed(0)} |`,
    '',
  ].join('\n');
}

if (process.argv.includes('--allocation-child')) await allocationChild();
