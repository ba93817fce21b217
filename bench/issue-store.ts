/**
 * `node dist/bench/run.js issue-store`: occurrences per second the issue store records, each
 * batch one transaction committed with `synchronous = FULL` (an fsync) before it answers, on a
 * real SQLite file. Occurrences are what `grouping` hands the store for realistic Sentry SDK
 * events (see sentry-events.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logsOf } from '../pipeline/builders.js';
import type { ComponentInstance } from '../pipeline/component.js';
import type { IssueOccurrence } from '../pipeline/exceptions/issues.js';
import { testContext, testHost } from '../pipeline/testing.js';
import { IssueDatabase } from '../extensions/issue_store/db.js';
import { SqliteIssueStore } from '../extensions/issue_store/store.js';
import { groupingProcessorFactory } from '../processors/grouping/index.js';
import { measure, table, type BenchCase } from './harness.js';
import { sentryEventRecords } from './sentry-events.js';

const BATCHES_PER_RUN = 20;

/** The occurrences grouping makes of `count` Sentry events of `issues` distinct errors. */
async function occurrencesOf(count: number, issues: number): Promise<IssueOccurrence[]> {
  const captured: IssueOccurrence[] = [];
  const capture = { recordOccurrences: async (o: IssueOccurrence[]) => (captured.push(...o), o.map(() => ({ new: false, regressed: false }))) };
  const grouping = groupingProcessorFactory.create(
    testContext({ id: 'grouping', kind: 'processor', signals: ['logs'] }),
    { project_attributes: ['sentry.project.id'], default_project: 'default', fingerprinting_rules: '', stacktrace_rules: '', issue_store: 'capture' },
    { logs: { consume: async () => {} } },
  ) as ComponentInstance;
  await grouping.start!(testHost({ capture }));
  await grouping.consumers!.logs!.consume(logsOf(sentryEventRecords(count, issues), { 'sentry.project.id': '1' }));
  return captured;
}

interface StoreCase {
  c: BenchCase;
  close(): void;
}

/**
 * Each run records BATCHES_PER_RUN batches; `calls` > 1 hands each batch in as that many
 * concurrent calls (one Sentry event per request, as SDKs send them).
 */
function storeCase(name: string, batch: IssueOccurrence[], opts: { sampleEvents: number; freshIssues?: boolean; calls?: number }): StoreCase {
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-issues-'));
  const db = IssueDatabase.open(join(dir, 'issues.sqlite'), { create: true });
  const store = new SqliteIssueStore(db, { sampleEvents: opts.sampleEvents, maxAgeMs: 0, maxIssues: 1e9 });
  let round = 0;
  return {
    c: {
      name,
      async run() {
        for (let b = 0; b < BATCHES_PER_RUN; b++) {
          // every occurrence its own new issue: the insert path, each one a first event
          const occurrences = opts.freshIssues ? batch.map((o, i) => ({ ...o, issueId: `${round}-${b}-${i}` })) : batch;
          const calls = opts.calls ?? 1;
          const size = Math.ceil(occurrences.length / calls);
          await Promise.all(Array.from({ length: calls }, (_, k) => store.recordOccurrences(occurrences.slice(k * size, (k + 1) * size))));
        }
        round++;
        return BATCHES_PER_RUN * batch.length;
      },
    },
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function issueStoreSuite(): Promise<string> {
  const batch512 = await occurrencesOf(512, 50);
  const batch100 = batch512.slice(0, 100);
  const hot = await occurrencesOf(512, 5);
  const peer = '512-occurrence batches, counts only (sample_events: 0) (peer)';
  const cases = [
    storeCase(peer, batch512, { sampleEvents: 0 }),
    storeCase('512-occurrence batches, 50 issues, sample_events: 10', batch512, { sampleEvents: 10 }),
    storeCase('100-occurrence batches, 50 issues, sample_events: 10', batch100, { sampleEvents: 10 }),
    storeCase('512-occurrence batches, 5 frequent issues, sample_events: 10', hot, { sampleEvents: 10 }),
    storeCase('512-occurrence batches, every occurrence a new issue', batch512, { sampleEvents: 10, freshIssues: true }),
    storeCase('100 concurrent calls of 1 occurrence, 50 issues, sample_events: 10', batch100, { sampleEvents: 10, calls: 100 }),
  ];
  try {
    const results = await measure(
      cases.map((c) => c.c),
      { repeats: 5, warmups: 1 },
    );
    return table(`issue-store (one transaction + fsync per batch, ${BATCHES_PER_RUN} batches per run)`, 'occurrences', results, peer);
  } finally {
    for (const c of cases) c.close();
  }
}
