/**
 * The deterministic trace and span ids the Collector-contrib `github` and `gitlab` receivers
 * derive from CI run identities (see their trace_event_handling.go). Anything that knows the run
 * — a step running `otel-cli`, the `junit` receiver given the run id — computes the same ids and
 * so joins the run's trace. Each id is taken from the hex of a SHA-256: trace ids from its first
 * 32 characters, span ids from characters 16-32.
 */
import { hash } from 'node:crypto';

/** One-shot hashing: a webhook delivery derives a dozen ids, and a Hash object per id costs more than the digest. */
function sha256Hex(input: string): string {
  return hash('sha256', input, 'hex');
}

const traceIdOf = (input: string): string => sha256Hex(input).slice(0, 32);
const spanIdOf = (input: string): string => sha256Hex(input).slice(16, 32);

/** GitHub Actions: one trace per workflow run attempt (`<run_id><attempt>t`). */
export function githubTraceId(runId: number | bigint | string, runAttempt: number | bigint | string): string {
  return traceIdOf(`${runId}${runAttempt}t`);
}

/** GitHub Actions: the workflow run's root span (`<run_id><attempt>s`), parent of its jobs. */
export function githubRunSpanId(runId: number | bigint | string, runAttempt: number | bigint | string): string {
  return spanIdOf(`${runId}${runAttempt}s`);
}

/** GitHub Actions: a job's span, from its check-run id (`<job_id>-j`, upstream's UseCheckRunID scheme). */
export function githubJobSpanId(jobId: number | bigint | string): string {
  return spanIdOf(`${jobId}-j`);
}

/** GitHub Actions: the time a job waited for a runner (`<job_id>-q`). */
export function githubQueueSpanId(jobId: number | bigint | string): string {
  return spanIdOf(`${jobId}-q`);
}

/** GitHub Actions: one step of a job (`<job_id>-<step name>-s`). */
export function githubStepSpanId(jobId: number | bigint | string, stepName: string): string {
  return spanIdOf(`${jobId}-${stepName}-s`);
}

/**
 * GitLab CI: one trace per finished pipeline (`<pipeline_id>t<finished_at>`, the timestamp as
 * GitLab sent it). Upstream keys it on finished_at because a pipeline can be retried under the
 * same id; it also means the id is known only once the pipeline has finished.
 */
export function gitlabTraceId(pipelineId: number | bigint | string, finishedAt: string): string {
  return traceIdOf(`${pipelineId}t${finishedAt}`);
}

export function gitlabPipelineSpanId(pipelineId: number | bigint | string, finishedAt: string): string {
  return spanIdOf(`${pipelineId}${finishedAt}`);
}

export function gitlabStageSpanId(pipelineId: number | bigint | string, stage: string, startedAt: string): string {
  return spanIdOf(`${pipelineId}${stage}${startedAt}`);
}

export function gitlabJobSpanId(jobId: number | bigint | string, startedAt: string): string {
  return spanIdOf(`${jobId}${startedAt}`);
}

/** Summit's own deterministic ids for spans upstream has no scheme for (deployments, pushes, test cases). */
export function derivedTraceId(...parts: (string | number | bigint)[]): string {
  return traceIdOf(parts.join('\u0000'));
}

export function derivedSpanId(...parts: (string | number | bigint)[]): string {
  return spanIdOf(parts.join('\u0000'));
}
