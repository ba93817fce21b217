/**
 * Summit's spans for the GitHub events upstream does not take, which the `cicd` connector needs:
 * deployments (DORA), pushes (the commits and their times, for lead time), merged or closed pull
 * requests, and check runs of CI systems other than Actions (whose jobs come as workflow_job).
 * Their ids derive from the event's own ids, so a redelivery makes the same span.
 */
import { attrs, newResource, newSpan } from '../../pipeline/builders.js';
import * as ci from '../../pipeline/cicd/index.js';
import { SpanKind, StatusCode, type Span, type SpanEvent, type Traces } from '../../pipeline/model.js';
import { idAt, int, isObject, objectAt, optObject, orderedTimes, str, timeNanos, type Json } from '../internal/payload.js';
import type { GithubWebhookConfig } from './config.js';
import { repositoryAttributes } from './repository.js';
import { SCOPE } from './workflow.js';

function tracesOf(e: Json, config: GithubWebhookConfig, span: Span, extra: Record<string, string> = {}): Traces {
  const resource = newResource();
  repositoryAttributes(resource.attributes, e, config);
  for (const [k, v] of Object.entries(extra)) if (v) resource.attributes.set(k, v);
  return { resourceSpans: [{ resource, schemaUrl: '', scopeSpans: [{ scope: SCOPE, schemaUrl: '', spans: [span] }] }] };
}

const noLink = { traceState: '', attributes: new Map(), droppedAttributesCount: 0, flags: 0 };

/** GitHub's deployment states that end a deployment, as deployment.status values. */
const FINAL_DEPLOYMENT_STATES: Record<string, string> = { success: 'succeeded', failure: 'failed', error: 'failed' };

/** A deployment that reached a final state → one span from its creation to that status. Undefined while in progress. */
export function deploymentStatusTraces(e: Json, config: GithubWebhookConfig): Traces | undefined {
  const status = objectAt(e, 'deployment_status', 'deployment_status');
  const deployment = objectAt(e, 'deployment', 'deployment');
  const state = str(status, 'state').toLowerCase();
  const outcome = FINAL_DEPLOYMENT_STATES[state];
  if (!outcome) return undefined;
  const id = idAt(deployment, 'id', 'deployment');
  const environment = str(status, 'environment') || str(deployment, 'environment');
  const [start, end] = orderedTimes(timeNanos(deployment, 'created_at'), timeNanos(status, 'created_at'));
  const span = newSpan({
    traceId: ci.derivedTraceId('github.deployment', id),
    spanId: ci.derivedSpanId('github.deployment', id, idAt(status, 'id', 'deployment_status')),
    name: `deploy ${environment}`,
    kind: SpanKind.Server,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: attrs({
      [ci.CICD_SPAN_TYPE]: 'deployment',
      [ci.DEPLOYMENT_ID]: String(id),
      [ci.DEPLOYMENT_NAME]: str(deployment, 'task'),
      [ci.DEPLOYMENT_STATUS]: outcome,
      [ci.DEPLOYMENT_ENVIRONMENT_NAME]: environment,
      [ci.VCS_REF_HEAD_REVISION]: str(deployment, 'sha'),
      [ci.VCS_REF_HEAD_NAME]: str(deployment, 'ref'),
      'github.deployment.state': state,
    }),
    status: { code: outcome === 'succeeded' ? StatusCode.Ok : StatusCode.Error, message: state },
  });
  const run = optObject(e, 'workflow_run');
  if (isObject(e.workflow_run) && int(run, 'id')) {
    span.links.push({ traceId: ci.githubTraceId(int(run, 'id'), int(run, 'run_attempt', 1)), spanId: ci.githubRunSpanId(int(run, 'id'), int(run, 'run_attempt', 1)), ...noLink });
  }
  return tracesOf(e, config, span);
}

/** A push of a branch → one span at the push time with a `vcs.commit` event per commit at the commit's time. Undefined for a deleted ref. */
export function pushTraces(e: Json, config: GithubWebhookConfig): Traces | undefined {
  if (e.deleted === true) return undefined;
  const ref = str(e, 'ref');
  const after = str(e, 'after');
  if (!ref || !after) return undefined;
  const repo = optObject(e, 'repository');
  const commits = (Array.isArray(e.commits) ? e.commits : []).filter(isObject);
  const head = optObject(e, 'head_commit');
  if (!commits.length && isObject(e.head_commit)) commits.push(head);
  const events: SpanEvent[] = commits.map((c) => ({
    timeUnixNano: timeNanos(c, 'timestamp'),
    name: ci.VCS_COMMIT_EVENT,
    attributes: attrs({ [ci.VCS_REF_HEAD_REVISION]: str(c, 'id') }),
    droppedAttributesCount: 0,
  }));
  const pushed = timeNanos(repo, 'pushed_at') || timeNanos(head, 'timestamp');
  const isTag = ref.startsWith('refs/tags/');
  const name = ref.replace(/^refs\/(heads|tags)\//, '');
  const span = newSpan({
    traceId: ci.derivedTraceId('github.push', str(repo, 'id'), ref, str(e, 'before'), after),
    spanId: ci.derivedSpanId('github.push', str(repo, 'id'), ref, str(e, 'before'), after),
    name: `push ${name}`,
    kind: SpanKind.Server,
    startTimeUnixNano: pushed,
    endTimeUnixNano: pushed,
    attributes: attrs({
      [ci.CICD_SPAN_TYPE]: 'push',
      [ci.VCS_REF_HEAD_NAME]: name,
      [ci.VCS_REF_HEAD_TYPE]: isTag ? 'tag' : 'branch',
      [ci.VCS_REF_HEAD_REVISION]: after,
      'vcs.ref.head.forced': e.forced === true,
    }),
    events,
  });
  return tracesOf(e, config, span);
}

/** A pull request that was closed (merged or not) → one span from its opening to its closing. Undefined for other actions. */
export function pullRequestTraces(e: Json, config: GithubWebhookConfig): Traces | undefined {
  if (str(e, 'action') !== 'closed') return undefined;
  const pr = objectAt(e, 'pull_request', 'pull_request');
  const id = idAt(pr, 'id', 'pull_request');
  const merged = pr.merged === true;
  const [start, end] = orderedTimes(timeNanos(pr, 'created_at'), timeNanos(pr, 'closed_at'));
  const span = newSpan({
    traceId: ci.derivedTraceId('github.pull_request', id),
    spanId: ci.derivedSpanId('github.pull_request', id),
    name: `pull request #${int(pr, 'number')}`,
    kind: SpanKind.Server,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: attrs({
      [ci.CICD_SPAN_TYPE]: 'change',
      [ci.VCS_CHANGE_ID]: String(int(pr, 'number')),
      [ci.VCS_CHANGE_STATE]: merged ? 'merged' : 'closed',
      [ci.VCS_CHANGE_TITLE]: str(pr, 'title'),
      [ci.VCS_REF_HEAD_NAME]: str(optObject(pr, 'head'), 'ref'),
      [ci.VCS_REF_HEAD_REVISION]: str(optObject(pr, 'head'), 'sha'),
      [ci.VCS_REF_BASE_NAME]: str(optObject(pr, 'base'), 'ref'),
      ...(merged ? { 'vcs.change.merge_commit.revision': str(pr, 'merge_commit_sha') } : {}),
    }),
  });
  return tracesOf(e, config, span);
}

/**
 * A completed check run of a CI other than GitHub Actions → one span; Actions' own check runs
 * are the jobs that workflow_job already brings, so they are not counted twice.
 */
export function checkRunTraces(e: Json, config: GithubWebhookConfig): Traces | undefined {
  const check = objectAt(e, 'check_run', 'check_run');
  if (str(check, 'status') !== 'completed' || str(optObject(check, 'app'), 'slug') === 'github-actions') return undefined;
  const id = idAt(check, 'id', 'check_run');
  const suite = optObject(check, 'check_suite');
  const conclusion = str(check, 'conclusion');
  const result = ci.cicdResultOf(conclusion);
  const [start, end] = orderedTimes(timeNanos(check, 'started_at'), timeNanos(check, 'completed_at'));
  const span = newSpan({
    traceId: ci.derivedTraceId('github.check_suite', str(suite, 'id') || id),
    spanId: ci.derivedSpanId('github.check_run', id),
    name: str(check, 'name'),
    kind: SpanKind.Server,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: attrs({
      [ci.CICD_SPAN_TYPE]: 'check',
      [ci.CICD_PIPELINE_TASK_NAME]: str(check, 'name'),
      [ci.CICD_PIPELINE_TASK_RUN_ID]: id,
      [ci.CICD_PIPELINE_TASK_RUN_URL_FULL]: str(check, 'html_url'),
      [ci.CICD_PIPELINE_TASK_RUN_RESULT]: result ?? conclusion,
      'github.check_run.app': str(optObject(check, 'app'), 'slug'),
    }),
    status: { code: result === 'success' ? StatusCode.Ok : result === 'failure' || result === 'timeout' ? StatusCode.Error : StatusCode.Unset, message: conclusion },
  });
  return tracesOf(e, config, span, {
    [ci.VCS_REF_HEAD_REVISION]: str(check, 'head_sha'),
    [ci.VCS_REF_HEAD_NAME]: str(suite, 'head_branch'),
  });
}
