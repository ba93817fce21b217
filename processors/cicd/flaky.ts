/**
 * Flaky tests: a test is flaky when it both passed and failed on the same commit — across runs,
 * or within one run through retries. The first pass and the first failure seen for each
 * (repository, test, commit) are kept in the store as evidence; when both exist the connector
 * emits one log record for that (test, commit), and the test counts in the `cicd.test.flaky`
 * gauge of its repository.
 */
import { attrs, newLogRecord } from '../../pipeline/builders.js';
import * as ci from '../../pipeline/cicd/index.js';
import type { LogRecord } from '../../pipeline/model.js';
import type { SpanFacts } from './facts.js';
import { gaugeMetric, numberPoint } from './series.js';
import type { CicdStore } from './store.js';

const SEVERITY_WARN = 13;
export const FLAKY_EVENT = 'cicd.test.flaky';

interface Evidence {
  trace_id: string;
  span_id: string;
  time: string;
  run_id: string;
  run_attempt: string;
  test_attempt: string;
  suite: string;
}

/** A flaky (test, commit) found, to be sent; `service` is the resource's service.name. */
export interface FlakyFinding {
  repository: string;
  test: string;
  commit: string;
  service: string;
  record: LogRecord;
}

export class FlakyTests {
  constructor(
    private readonly store: CicdStore,
    private readonly retentionMs: number,
  ) {}

  /** Call within a store transaction. A finding when this outcome made the test flaky on its commit. */
  record(f: SpanFacts, nowMs: number): FlakyFinding | undefined {
    const outcome = f.get(ci.TEST_CASE_RESULT_STATUS);
    const commit = f.revision;
    const test = f.get(ci.TEST_CASE_NAME) || f.span.name;
    if ((outcome !== 'pass' && outcome !== 'fail') || !commit || !test) return undefined;
    const repository = f.repository;
    const evidence: Evidence = {
      trace_id: f.span.traceId,
      span_id: f.span.spanId,
      time: new Date(f.endMs).toISOString(),
      run_id: f.get(ci.CICD_PIPELINE_RUN_ID),
      run_attempt: f.get(ci.CICD_PIPELINE_RUN_ATTEMPT),
      test_attempt: f.get(ci.TEST_CASE_ATTEMPT),
      suite: f.get(ci.TEST_SUITE_NAME),
    };
    const row = this.store.recordOutcome(repository, test, commit, outcome === 'pass', JSON.stringify(evidence), nowMs);
    if (!row.passed || !row.failed || row.reported) return undefined;
    this.store.setReported(repository, test, commit, true);
    this.store.addFlaky(repository, test, nowMs);
    const passed = JSON.parse(row.passed) as Evidence;
    const failed = JSON.parse(row.failed) as Evidence;
    const where = (e: Evidence) => (e.run_id ? `run ${e.run_id}${e.run_attempt ? ` attempt ${e.run_attempt}` : ''}` : `trace ${e.trace_id}`) + (e.test_attempt ? ` (try ${e.test_attempt})` : '');
    const record = newLogRecord({
      timeUnixNano: BigInt(nowMs) * 1_000_000n,
      observedTimeUnixNano: BigInt(nowMs) * 1_000_000n,
      severityNumber: SEVERITY_WARN,
      severityText: 'WARN',
      eventName: FLAKY_EVENT,
      body: `test ${test} is flaky on commit ${commit}: it failed in ${where(failed)} and passed in ${where(passed)}`,
      traceId: failed.trace_id,
      spanId: failed.span_id,
      attributes: attrs({
        [ci.VCS_REPOSITORY_NAME]: repository,
        [ci.TEST_CASE_NAME]: test,
        [ci.TEST_SUITE_NAME]: failed.suite || passed.suite,
        [ci.VCS_REF_HEAD_REVISION]: commit,
        'cicd.test.flaky.evidence.failed': failed,
        'cicd.test.flaky.evidence.passed': passed,
      }),
    });
    return { repository, test, commit, service: f.get(ci.SERVICE_NAME), record };
  }

  /** A finding that could not be sent is reported again the next time the test runs on that commit. */
  unsent(finding: FlakyFinding): void {
    this.store.setReported(finding.repository, finding.test, finding.commit, false);
  }

  /** Tests found flaky within the retention, per repository. */
  gauge(nowMs: number, start: bigint, now: bigint) {
    const points = this.store.flakyCounts(nowMs - this.retentionMs).map((r) => numberPoint({ 'vcs.repository.name': r.repo }, BigInt(r.n), start, now));
    return gaugeMetric('cicd.test.flaky', 'Tests that both passed and failed on one commit within tests.retention, per repository.', '{test}', points);
  }
}
