/**
 * Build and test metrics from CI/CD spans, cumulative since the connector started: run, job and
 * step durations, queue time, and per test case its runs (by result) and duration. A run or job
 * delivered twice (a webhook redelivery, a GitLab job seen by both the Job and Pipeline Hooks)
 * counts once: its span id is the same each time, and recent ones are remembered.
 */
import * as ci from '../../pipeline/cicd/index.js';
import { StatusCode, type Metric } from '../../pipeline/model.js';
import type { ResolvedCicdConfig } from './config.js';
import type { SpanFacts } from './facts.js';
import { counterMetric, CounterSeries, histogramMetric, HistogramSeries } from './series.js';

/** Span ids remembered to count each run and job once. */
const REMEMBERED = 100_000;

/** Test durations: milliseconds to minutes. */
const TEST_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

export class BuildMetrics {
  private readonly runs: HistogramSeries;
  private readonly jobs: HistogramSeries;
  private readonly steps: HistogramSeries;
  private readonly queue: HistogramSeries;
  private readonly testRuns: CounterSeries;
  private readonly testDurations: HistogramSeries;
  private readonly seen = new Set<string>();

  constructor(config: ResolvedCicdConfig) {
    const b = config.durationBuckets;
    const limit = config.cardinalityLimit;
    this.runs = new HistogramSeries(b, limit);
    this.jobs = new HistogramSeries(b, limit);
    this.steps = new HistogramSeries(b, limit);
    this.queue = new HistogramSeries(b, limit);
    this.testRuns = new CounterSeries(limit);
    this.testDurations = new HistogramSeries(TEST_BUCKETS, limit);
  }

  record(f: SpanFacts): void {
    switch (f.type) {
      case 'pipeline_run':
        if (!this.first(`${f.span.traceId}${f.span.spanId}`)) return;
        this.runs.record(
          { 'vcs.repository.name': f.repository, 'cicd.pipeline.name': f.pipeline, 'vcs.ref.head.name': f.branch, 'cicd.pipeline.result': f.result(ci.CICD_PIPELINE_RUN_STATUS, ci.CICD_PIPELINE_RESULT) },
          f.seconds,
        );
        return;
      case 'job': {
        if (!this.first(f.span.spanId)) return;
        const labels = {
          'vcs.repository.name': f.repository,
          'cicd.pipeline.name': f.pipeline,
          'cicd.pipeline.task.name': f.get(ci.CICD_PIPELINE_TASK_NAME) || f.span.name,
          'cicd.worker.name': f.worker,
          'vcs.ref.head.name': f.branch,
        };
        this.jobs.record({ ...labels, 'cicd.pipeline.result': f.result(ci.CICD_PIPELINE_TASK_RUN_RESULT, ci.CICD_PIPELINE_TASK_RUN_STATUS) }, f.seconds);
        // GitLab has no queue span: the job says how long it waited
        const queued = f.span.attributes.get('gitlab.job.queued_duration');
        if (typeof queued === 'number' && queued > 0) this.queue.record(queueLabels(f, labels['cicd.pipeline.task.name']), queued);
        return;
      }
      case 'queue':
        if (!this.first(f.span.spanId)) return;
        this.queue.record(queueLabels(f, f.span.name.replace(/^queue-/, '')), f.seconds);
        return;
      case 'step':
        this.steps.record(
          {
            'vcs.repository.name': f.repository,
            'cicd.pipeline.task.name': f.get(ci.CICD_PIPELINE_NAME),
            'cicd.pipeline.step.name': f.span.name,
            'cicd.pipeline.result': f.span.status.code === StatusCode.Ok ? 'success' : f.span.status.code === StatusCode.Error ? 'failure' : f.result(ci.CICD_PIPELINE_TASK_RUN_STATUS),
          },
          f.seconds,
        );
        return;
      case 'test_case': {
        const test = { 'vcs.repository.name': f.repository, 'test.suite.name': f.get(ci.TEST_SUITE_NAME), 'test.case.name': f.get(ci.TEST_CASE_NAME) || f.span.name };
        this.testRuns.add({ ...test, 'test.case.result.status': f.get(ci.TEST_CASE_RESULT_STATUS) });
        this.testDurations.record(test, f.seconds);
        return;
      }
      default:
    }
  }

  metrics(start: bigint, now: bigint): Metric[] {
    return [
      histogramMetric('cicd.pipeline.run.duration', 'Duration of finished pipeline runs (workflow runs, GitLab pipelines), by result.', 's', this.runs.points(start, now)),
      histogramMetric('cicd.pipeline.task.run.duration', 'Duration of finished jobs, by result and runner.', 's', this.jobs.points(start, now)),
      histogramMetric('cicd.pipeline.step.duration', 'Duration of job steps, by result.', 's', this.steps.points(start, now)),
      histogramMetric('cicd.pipeline.task.run.queue.duration', 'Time jobs waited for a runner.', 's', this.queue.points(start, now)),
      histogramMetric('cicd.test.case.duration', 'Duration of test case runs.', 's', this.testDurations.points(start, now)),
      counterMetric('cicd.test.case.runs', 'Test case runs (each try of a retried test counts), by result: pass, fail, skipped.', '{run}', this.testRuns.points(start, now)),
    ].filter((m) => m.data.dataPoints.length > 0);
  }

  /** Whether this run or job is new; remembers the most recent ones. */
  private first(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > REMEMBERED) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }
}

function queueLabels(f: SpanFacts, task: string) {
  return { 'vcs.repository.name': f.repository, 'cicd.pipeline.name': f.pipeline, 'cicd.pipeline.task.name': task };
}
