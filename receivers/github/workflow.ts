/**
 * `workflow_run` and `workflow_job` deliveries → spans, as the contrib github receiver builds
 * them (trace_event_handling.go, model.go): the same ids, names, kinds, times, statuses and
 * attributes, plus Summit's span type attribute and the run's id and attempt on job resources
 * so a job can be tied to its run without its trace id.
 */
import { attrs, newResource, newScope, newSpan } from '../../pipeline/builders.js';
import * as ci from '../../pipeline/cicd/index.js';
import { SpanKind, StatusCode, type AnyValue, type Attributes, type Span, type Traces } from '../../pipeline/model.js';
import { idAt, int, isObject, objectAt, optObject, orderedTimes, str, timeNanos, type Json } from '../internal/payload.js';
import type { GithubWebhookConfig } from './config.js';
import { repositoryAttributes } from './repository.js';

export const SCOPE = newScope('summit/receiver/github');

/** Upstream's span status: Ok for success, Error for failure, Unset otherwise; the message is the conclusion. */
function statusOf(conclusion: string): Span['status'] {
  const c = conclusion.toLowerCase();
  return { code: c === 'success' ? StatusCode.Ok : c === 'failure' ? StatusCode.Error : StatusCode.Unset, message: conclusion };
}

/** Upstream's cicd.pipeline.run.status / task status values. */
function runStatusOf(conclusion: string): string {
  const c = conclusion.toLowerCase();
  return c === 'skipped' ? 'skip' : c === 'cancelled' ? 'cancellation' : c;
}

function rawEvent(name: string, time: bigint, body: Buffer) {
  return { timeUnixNano: time, name, attributes: attrs({ 'event.payload': body.toString('utf8') }), droppedAttributesCount: 0 };
}

export function workflowRunTraces(e: Json, body: Buffer, config: GithubWebhookConfig): Traces {
  const run = objectAt(e, 'workflow_run', 'workflow_run');
  const runId = idAt(run, 'id', 'workflow_run');
  const attempt = int(run, 'run_attempt', 1);
  const conclusion = str(run, 'conclusion');
  const headCommit = optObject(run, 'head_commit');
  const resource = newResource();
  const r = resource.attributes;
  repositoryAttributes(r, e, config);
  setAll(r, {
    [ci.VCS_REF_HEAD]: str(run, 'head_branch'),
    [ci.VCS_REF_HEAD_NAME]: str(run, 'head_branch'),
    [ci.VCS_REF_HEAD_TYPE]: 'branch',
    [ci.VCS_REF_HEAD_REVISION]: str(run, 'head_sha'),
    'vcs.ref.head.revision.author.name': str(optObject(headCommit, 'committer'), 'name'),
    'vcs.ref.head.revision.author.email': str(optObject(headCommit, 'committer'), 'email'),
    [ci.CICD_PIPELINE_NAME]: str(run, 'name'),
    'cicd.pipeline.run.sender.login': str(optObject(e, 'sender'), 'login'),
    [ci.CICD_PIPELINE_RUN_URL_FULL]: str(run, 'html_url'),
    [ci.CICD_PIPELINE_RUN_ID]: BigInt(runId),
    [ci.CICD_PIPELINE_RUN_STATUS]: runStatusOf(conclusion),
    [ci.CICD_PIPELINE_RUN_ATTEMPT]: BigInt(attempt),
  });
  const commitTime = timeNanos(headCommit, 'timestamp');
  if (commitTime) r.set(ci.VCS_REF_HEAD_REVISION_TIMESTAMP, str(headCommit, 'timestamp'));
  const previous = str(run, 'previous_attempt_url');
  if (previous) r.set('cicd.pipeline.run.previous_attempt.url.full', previous.replace('api.github.com/repos', 'github.com'));
  for (const w of Array.isArray(run.referenced_workflows) ? run.referenced_workflows : []) {
    if (!isObject(w)) continue;
    const name = referencedWorkflowName(str(w, 'path'));
    if (!name) continue;
    const key = `github.reference.workflow.${name}`;
    setAll(r, { [`${key}.path`]: str(w, 'path'), [`${key}.revision`]: str(w, 'sha'), [`${key}.version`]: str(w, 'ref') });
  }

  const [start, end] = orderedTimes(timeNanos(run, 'run_started_at'), timeNanos(run, 'updated_at'));
  const span = newSpan({
    traceId: ci.githubTraceId(runId, attempt),
    spanId: ci.githubRunSpanId(runId, attempt),
    name: str(run, 'name'),
    kind: SpanKind.Server,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: attrs({ [ci.CICD_SPAN_TYPE]: 'pipeline_run' }),
    status: statusOf(conclusion),
  });
  if (config.include_span_events) span.events.push(rawEvent('github.workflow_run.event', start, body));
  if (previous && attempt > 1) {
    span.links.push({ traceId: ci.githubTraceId(runId, attempt - 1), spanId: '', traceState: '', attributes: new Map(), droppedAttributesCount: 0, flags: 0 });
  }
  return { resourceSpans: [{ resource, schemaUrl: '', scopeSpans: [{ scope: SCOPE, schemaUrl: '', spans: [span] }] }] };
}

export function workflowJobTraces(e: Json, body: Buffer, config: GithubWebhookConfig): Traces {
  const job = objectAt(e, 'workflow_job', 'workflow_job');
  const jobId = idAt(job, 'id', 'workflow_job');
  const runId = idAt(job, 'run_id', 'workflow_job');
  const attempt = int(job, 'run_attempt', 1);
  const conclusion = str(job, 'conclusion');
  const jobName = str(job, 'name');
  const resource = newResource();
  const r = resource.attributes;
  repositoryAttributes(r, e, config);
  setAll(r, {
    [ci.VCS_REF_HEAD]: str(job, 'head_branch'),
    [ci.VCS_REF_HEAD_NAME]: str(job, 'head_branch'),
    [ci.VCS_REF_HEAD_TYPE]: 'branch',
    [ci.VCS_REF_HEAD_REVISION]: str(job, 'head_sha'),
    'cicd.pipeline.worker.id': BigInt(int(job, 'runner_id')),
    'cicd.pipeline.worker.group.id': BigInt(int(job, 'runner_group_id')),
    [ci.CICD_PIPELINE_WORKER_NAME]: str(job, 'runner_name'),
    'cicd.pipeline.worker.group.name': str(job, 'runner_group_name'),
    'cicd.pipeline.worker.node.id': str(job, 'node_id'),
    // upstream writes the job's name here; Summit the workflow's, which is what the convention means
    [ci.CICD_PIPELINE_NAME]: str(job, 'workflow_name') || jobName,
    'cicd.pipeline.task.run.sender.login': str(optObject(e, 'sender'), 'login'),
    [ci.CICD_PIPELINE_TASK_RUN_URL_FULL]: str(job, 'html_url'),
    [ci.CICD_PIPELINE_TASK_RUN_ID]: BigInt(jobId),
    [ci.CICD_PIPELINE_TASK_RUN_STATUS]: runStatusOf(conclusion),
    [ci.CICD_PIPELINE_RUN_ID]: BigInt(runId),
    [ci.CICD_PIPELINE_RUN_ATTEMPT]: BigInt(attempt),
  });
  const labels = Array.isArray(job.labels) ? job.labels.filter((l): l is string => typeof l === 'string') : [];
  if (labels.length) r.set('cicd.pipeline.worker.labels', labels.map((l) => l.toLowerCase()));

  const traceId = ci.githubTraceId(runId, attempt);
  const jobSpanId = ci.githubJobSpanId(jobId);
  const created = timeNanos(job, 'created_at');
  const [start, end] = orderedTimes(created, timeNanos(job, 'completed_at'));
  const jobSpan = newSpan({
    traceId,
    spanId: jobSpanId,
    parentSpanId: ci.githubRunSpanId(runId, attempt),
    name: jobName,
    kind: SpanKind.Internal,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: attrs({ [ci.CICD_SPAN_TYPE]: 'job', [ci.CICD_PIPELINE_TASK_NAME]: jobName }),
    status: statusOf(conclusion),
  });
  if (config.include_span_events) jobSpan.events.push(rawEvent('github.workflow_job.event', created, body));

  const [queued, started] = orderedTimes(created, timeNanos(job, 'started_at'));
  const queueSpan = newSpan({
    traceId,
    spanId: ci.githubQueueSpanId(jobId),
    parentSpanId: jobSpanId,
    name: `queue-${jobName}`,
    kind: SpanKind.Internal,
    startTimeUnixNano: queued,
    endTimeUnixNano: started,
    attributes: attrs({ [ci.CICD_SPAN_TYPE]: 'queue' }),
  });
  // a double of nanoseconds, as upstream writes it (attrs() would make a whole number an int)
  queueSpan.attributes.set(ci.CICD_PIPELINE_RUN_QUEUE_DURATION, Number(started - queued));

  const steps = (Array.isArray(job.steps) ? job.steps : []).filter(isObject);
  const names = uniqueStepNames(steps.map((s) => str(s, 'name')));
  const stepSpans = steps.map((step, i) => stepSpan(step, names[i], traceId, jobId, jobSpanId, conclusion));
  const scopeSpans = [jobSpan, queueSpan, ...stepSpans].map((s) => ({ scope: SCOPE, schemaUrl: '', spans: [s] }));
  return { resourceSpans: [{ resource, schemaUrl: '', scopeSpans }] };
}

function stepSpan(step: Json, name: string, traceId: string, jobId: number, jobSpanId: string, jobConclusion: string): Span {
  const [start, end] = orderedTimes(timeNanos(step, 'started_at'), timeNanos(step, 'completed_at'));
  const conclusion = str(step, 'conclusion').toLowerCase();
  // a job has a dozen steps or more: their attributes are built directly, not through attrs()
  const attributes: Attributes = new Map<string, AnyValue>([
    [ci.CICD_SPAN_TYPE, 'step'],
    [ci.CICD_PIPELINE_TASK_NAME, name],
    [ci.CICD_PIPELINE_TASK_RUN_STATUS, STEP_TASK_STATUS[conclusion] ?? str(step, 'status')],
  ]);
  return newSpan({
    traceId,
    // upstream hashes the step's own name (not the de-duplicated one), so same-named steps collide as there
    spanId: ci.githubStepSpanId(jobId, str(step, 'name')),
    parentSpanId: jobSpanId,
    name,
    kind: SpanKind.Internal,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes,
    // upstream: the step's own code, the job's conclusion as the message
    status: { code: conclusion === 'success' ? StatusCode.Ok : conclusion === 'failure' ? StatusCode.Error : StatusCode.Unset, message: jobConclusion },
  });
}

/** Upstream's cicd.pipeline.run.task.status of a step by its conclusion (a skipped step is a "failure" there). */
const STEP_TASK_STATUS: Record<string, string> = { success: 'success', failure: 'failure', skipped: 'failure', cancelled: 'cancellation' };

/** Upstream's newUniqueSteps: the second `Build` becomes `Build-1`, the third `Build-2`. */
export function uniqueStepNames(names: string[]): string[] {
  const count = new Map<string, number>();
  for (const n of names) count.set(n, (count.get(n) ?? 0) + 1);
  const seen = new Map<string, number>();
  return names.map((n) => {
    if (count.get(n) === 1) return n;
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}-${k - 1}`;
  });
}

/** `octo-org/octo-repo/.github/workflows/build.yml@main` → `build`. */
function referencedWorkflowName(path: string): string | undefined {
  const [file, ref] = path.split('@');
  if (ref === undefined) return undefined;
  return file.split('/').pop()?.split('.')[0]?.toLowerCase() || undefined;
}

export function setAll(target: Attributes, values: Record<string, string | bigint | number>): void {
  for (const [k, v] of Object.entries(values)) target.set(k, v);
}
