/**
 * Summit's spans for GitLab hooks upstream turns into no trace: Job Hook (a job as it finishes,
 * before its pipeline has), Deployment Hook (DORA) and Push Hook (commits and their times).
 */
import { attrs, newResource } from '../../pipeline/builders.js';
import * as ci from '../../pipeline/cicd/index.js';
import { StatusCode, type Span, type SpanEvent, type Traces } from '../../pipeline/model.js';
import { idAt, int, isObject, optObject, str, timeNanos, type Json } from '../internal/payload.js';
import { FINISHED, gitlabStatus, jobAttributes, SCOPE, spanOf } from './pipeline.js';

function tracesOf(span: Span, resource: Record<string, string>): Traces {
  const r = newResource();
  for (const [k, v] of Object.entries(resource)) if (v) r.attributes.set(k, v);
  return { resourceSpans: [{ resource: r, schemaUrl: '', scopeSpans: [{ scope: SCOPE, schemaUrl: '', spans: [span] }] }] };
}

function projectResource(project: Json, fallbackName = ''): Record<string, string> {
  return {
    [ci.SERVICE_NAME]: str(project, 'path_with_namespace') || fallbackName,
    [ci.VCS_PROVIDER_NAME]: 'gitlab',
    [ci.VCS_REPOSITORY_NAME]: str(project, 'name') || fallbackName,
    [ci.VCS_REPOSITORY_URL_FULL]: str(project, 'web_url'),
  };
}

/**
 * A finished job → its span with the id the Pipeline Hook gives it. The pipeline's trace id
 * needs the pipeline's finish time, unknown while its jobs finish, so these spans share a trace
 * per pipeline id of Summit's own; the `cicd` connector counts a job once whichever hook brought it.
 */
export function jobTraces(e: Json): Traces | undefined {
  const status = str(e, 'build_status');
  if (!FINISHED.has(status) || !str(e, 'build_started_at') || !str(e, 'build_finished_at')) return undefined;
  const jobId = idAt(e, 'build_id', 'Job Hook');
  const pipelineId = int(e, 'pipeline_id');
  const project = optObject(e, 'project');
  const span = spanOf(
    {
      traceId: ci.derivedTraceId('gitlab.pipeline', pipelineId),
      spanId: ci.gitlabJobSpanId(jobId, str(e, 'build_started_at')),
      name: str(e, 'build_name'),
      attributes: jobAttributes({
        id: jobId,
        name: str(e, 'build_name'),
        status,
        url: `${str(project, 'web_url')}/-/jobs/${jobId}`,
        runner: optObject(e, 'runner'),
        queuedSeconds: typeof e.build_queued_duration === 'number' ? e.build_queued_duration : 0,
        failureReason: str(e, 'build_failure_reason'),
        allowFailure: e.build_allow_failure === true,
        environment: optObject(e, 'environment'),
      }),
      status: gitlabStatus(status),
    },
    str(e, 'build_started_at'),
    str(e, 'build_finished_at'),
  );
  span.attributes.set('gitlab.job.stage', str(e, 'build_stage'));
  return tracesOf(span, {
    ...projectResource(project, str(e, 'project_name')),
    [ci.CICD_PIPELINE_RUN_ID]: String(pipelineId),
    [ci.VCS_REF_HEAD_NAME]: str(e, 'ref'),
    [ci.VCS_REF_HEAD_REVISION]: str(e, 'sha'),
  });
}

const DEPLOYMENT_OUTCOME: Record<string, string> = { success: 'succeeded', failed: 'failed', canceled: 'failed' };

/** A deployment that finished → one span at the time its status changed. */
export function deploymentTraces(e: Json): Traces | undefined {
  const status = str(e, 'status');
  const outcome = DEPLOYMENT_OUTCOME[status];
  if (!outcome) return undefined;
  const id = idAt(e, 'deployment_id', 'Deployment Hook');
  const at = str(e, 'status_changed_at');
  const environment = str(e, 'environment');
  const span = spanOf(
    {
      traceId: ci.derivedTraceId('gitlab.deployment', id),
      spanId: ci.derivedSpanId('gitlab.deployment', id, status),
      name: `deploy ${environment}`,
      attributes: attrs({
        [ci.CICD_SPAN_TYPE]: 'deployment',
        [ci.DEPLOYMENT_ID]: String(id),
        [ci.DEPLOYMENT_STATUS]: outcome,
        [ci.DEPLOYMENT_ENVIRONMENT_NAME]: environment,
        [ci.VCS_REF_HEAD_REVISION]: deployedRevision(e),
        [ci.VCS_REF_HEAD_NAME]: str(e, 'ref'),
        'gitlab.environment.deployment_tier': str(e, 'environment_tier'),
        'gitlab.deployable.id': int(e, 'deployable_id'),
      }),
      status: { code: outcome === 'succeeded' ? StatusCode.Ok : StatusCode.Error, message: status },
    },
    at,
    at,
  );
  return tracesOf(span, projectResource(optObject(e, 'project')));
}

/** The hook names only a short sha; the full one ends its commit_url (`.../-/commit/<sha>`). */
function deployedRevision(e: Json): string {
  const fromUrl = /\/commit\/([0-9a-f]{40,64})$/.exec(str(e, 'commit_url'))?.[1];
  return fromUrl ?? str(e, 'short_sha');
}

/** A push of a branch → one span with a `vcs.commit` event per commit at the commit's time. */
export function pushTraces(e: Json): Traces | undefined {
  const after = str(e, 'after');
  if (!after || /^0+$/.test(after)) return undefined; // a deleted branch
  const ref = str(e, 'ref');
  const project = optObject(e, 'project');
  const commits = (Array.isArray(e.commits) ? e.commits : []).filter(isObject);
  const events: SpanEvent[] = commits.map((c) => ({
    timeUnixNano: timeNanos(c, 'timestamp'),
    name: ci.VCS_COMMIT_EVENT,
    attributes: attrs({ [ci.VCS_REF_HEAD_REVISION]: str(c, 'id') }),
    droppedAttributesCount: 0,
  }));
  const latest = events.reduce((t, ev) => (ev.timeUnixNano > t ? ev.timeUnixNano : t), 0n);
  const name = ref.replace(/^refs\/(heads|tags)\//, '');
  const span = spanOf(
    {
      traceId: ci.derivedTraceId('gitlab.push', int(e, 'project_id'), ref, str(e, 'before'), after),
      spanId: ci.derivedSpanId('gitlab.push', int(e, 'project_id'), ref, str(e, 'before'), after),
      name: `push ${name}`,
      attributes: attrs({
        [ci.CICD_SPAN_TYPE]: 'push',
        [ci.VCS_REF_HEAD_NAME]: name,
        [ci.VCS_REF_HEAD_TYPE]: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
        [ci.VCS_REF_HEAD_REVISION]: after,
      }),
      events,
    },
    '',
    '',
  );
  // GitLab sends no push time; the newest commit's is the closest
  span.startTimeUnixNano = span.endTimeUnixNano = latest;
  return tracesOf(span, projectResource(project));
}
