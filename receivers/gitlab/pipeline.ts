/**
 * GitLab's Pipeline Hook → a pipeline span, a span per stage and a span per job, as the contrib
 * gitlab receiver builds them (traces_event_handling.go, model.go): the same ids, names, kinds
 * and attributes. Stages are not in the payload; like upstream they are derived from the jobs
 * (earliest start to latest finish, the first job's status).
 */
import { attrs, newResource, newScope, newSpan } from '../../pipeline/builders.js';
import * as ci from '../../pipeline/cicd/index.js';
import { SpanKind, StatusCode, type Attributes, type Span, type Traces } from '../../pipeline/model.js';
import { idAt, int, isObject, objectAt, optObject, str, timeNanos, type Json } from '../internal/payload.js';
import type { GitlabWebhookConfig } from './config.js';

export const SCOPE = newScope('summit/receiver/gitlab');

/** Statuses of a pipeline that has finished; others are answered 204 as upstream. */
export const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped']);

/** Upstream's setSpanStatus: success → Ok; failed and canceled → Error; others Unset. */
export function gitlabStatus(status: string): Span['status'] {
  const s = status.toLowerCase();
  return { code: s === 'success' ? StatusCode.Ok : s === 'failed' || s === 'canceled' ? StatusCode.Error : StatusCode.Unset, message: '' };
}

export function spanOf(p: Partial<Span> & Pick<Span, 'traceId' | 'spanId' | 'name'>, start: string, end: string): Span {
  return newSpan({ kind: SpanKind.Server, startTimeUnixNano: timeNanosOf(start), endTimeUnixNano: timeNanosOf(end), ...p });
}

const timeNanosOf = (t: string) => timeNanos({ t }, 't');

interface Stage {
  name: string;
  status: string;
  startedAt: string;
  finishedAt: string;
}

export function pipelineTraces(e: Json, config: GitlabWebhookConfig): Traces | undefined {
  const p = objectAt(e, 'object_attributes', 'object_attributes');
  const pipelineId = idAt(p, 'id', 'object_attributes');
  const finishedAt = str(p, 'finished_at');
  if (!finishedAt || !FINISHED.has(str(p, 'status'))) return undefined;
  const project = optObject(e, 'project');
  const commit = optObject(e, 'commit');
  const traceId = ci.gitlabTraceId(pipelineId, finishedAt);
  const pipelineSpanId = ci.gitlabPipelineSpanId(pipelineId, finishedAt);

  const resource = newResource();
  resourceAttributes(resource.attributes, e, p, config);
  const spans: Span[] = [];
  const pipeline = spanOf(
    {
      traceId,
      spanId: pipelineSpanId,
      name: str(p, 'name') || str(commit, 'title'),
      attributes: attrs({ [ci.CICD_SPAN_TYPE]: 'pipeline_run', 'gitlab.pipeline.source': str(p, 'source') }),
      status: gitlabStatus(str(p, 'status')),
    },
    str(p, 'created_at'),
    finishedAt,
  );
  const source = optObject(e, 'source_pipeline');
  if (int(source, 'pipeline_id') > 0) {
    const sp = optObject(source, 'project');
    for (const [k, v] of Object.entries({
      'gitlab.pipeline.source.pipeline.id': BigInt(int(source, 'pipeline_id')),
      'gitlab.pipeline.source.pipeline.project.id': BigInt(int(sp, 'id')),
      'gitlab.pipeline.source.pipeline.job.id': BigInt(int(source, 'job_id')),
      'gitlab.pipeline.source.pipeline.project.namespace': str(sp, 'path_with_namespace'),
      'gitlab.pipeline.source.pipeline.project.url': str(sp, 'web_url'),
    }))
      pipeline.attributes.set(k, v);
  }
  spans.push(pipeline);

  const builds = (Array.isArray(e.builds) ? e.builds : []).filter(isObject);
  const stages = stagesOf(builds);
  for (const stage of stages.values()) {
    // a stage none of whose jobs started has no time and no id (upstream fails the whole delivery)
    if (!stage.startedAt || !stage.finishedAt) continue;
    spans.push(
      spanOf(
        {
          traceId,
          spanId: ci.gitlabStageSpanId(pipelineId, stage.name, stage.startedAt),
          parentSpanId: pipelineSpanId,
          name: stage.name,
          attributes: attrs({ [ci.CICD_SPAN_TYPE]: 'stage' }),
          status: gitlabStatus(stage.status),
        },
        stage.startedAt,
        stage.finishedAt,
      ),
    );
  }
  const jobUrl = `${str(project, 'web_url')}/-/jobs/`;
  for (const build of builds) {
    const stage = stages.get(str(build, 'stage'));
    if (!str(build, 'finished_at') || !str(build, 'started_at') || !stage?.startedAt) continue;
    const span = jobSpan(build, traceId, ci.gitlabStageSpanId(pipelineId, stage.name, stage.startedAt), `${jobUrl}${int(build, 'id')}`);
    spans.push(span);
  }
  return { resourceSpans: [{ resource, schemaUrl: '', scopeSpans: spans.map((s) => ({ scope: SCOPE, schemaUrl: '', spans: [s] })) }] };
}

/** A job of the pipeline (a `builds[]` entry) under its stage's span. */
function jobSpan(build: Json, traceId: string, parentSpanId: string, url: string): Span {
  const runner = optObject(build, 'runner');
  const environment = optObject(build, 'environment');
  const span = spanOf(
    {
      traceId,
      spanId: ci.gitlabJobSpanId(int(build, 'id'), str(build, 'started_at')),
      parentSpanId,
      name: str(build, 'name'),
      attributes: jobAttributes({
        id: int(build, 'id'),
        name: str(build, 'name'),
        status: str(build, 'status'),
        url,
        runner,
        queuedSeconds: typeof build.queued_duration === 'number' ? build.queued_duration : 0,
        failureReason: str(build, 'failure_reason'),
        allowFailure: build.allow_failure === true,
        environment,
      }),
      status: gitlabStatus(str(build, 'status')),
    },
    str(build, 'started_at'),
    str(build, 'finished_at'),
  );
  return span;
}

export interface JobFacts {
  id: number;
  name: string;
  status: string;
  url: string;
  runner: Json;
  queuedSeconds: number;
  failureReason: string;
  allowFailure: boolean;
  environment: Json;
}

/** Upstream's job span attributes (glPipelineJob.setAttributes), shared by Pipeline and Job Hooks. */
export function jobAttributes(j: JobFacts): Attributes {
  const a = attrs({
    [ci.CICD_SPAN_TYPE]: 'job',
    [ci.CICD_PIPELINE_TASK_NAME]: j.name,
    [ci.CICD_PIPELINE_TASK_RUN_ID]: j.id,
    [ci.CICD_PIPELINE_TASK_RUN_RESULT]: j.status,
    [ci.CICD_PIPELINE_TASK_RUN_URL_FULL]: j.url,
    'cicd.worker.id': int(j.runner, 'id'),
    [ci.CICD_WORKER_NAME]: str(j.runner, 'description'),
    'gitlab.job.failure_reason': j.failureReason,
    'gitlab.job.allow_failure': j.allowFailure,
    'cicd.pipeline.task.run.environment.name': str(j.environment, 'name'),
    'gitlab.environment.deployment_tier': str(j.environment, 'deployment_tier'),
    'gitlab.environment.action': str(j.environment, 'action'),
    'cicd.worker.type': str(j.runner, 'runner_type'),
    'cicd.worker.shared': j.runner.is_shared === true,
  });
  // a double of seconds, as upstream writes it
  a.set('gitlab.job.queued_duration', j.queuedSeconds);
  const tags = Array.isArray(j.runner.tags) ? j.runner.tags.filter((t): t is string => typeof t === 'string') : [];
  if (tags.length) a.set('cicd.worker.tags', tags.map((t) => t.toLowerCase()));
  return a;
}

/** Stages in the order their first job appears, each spanning its jobs' earliest start to latest finish. */
function stagesOf(builds: Json[]): Map<string, Stage> {
  const stages = new Map<string, Stage>();
  for (const b of builds) {
    const name = str(b, 'stage');
    let stage = stages.get(name);
    if (!stage) stages.set(name, (stage = { name, status: str(b, 'status'), startedAt: '', finishedAt: '' }));
    const started = str(b, 'started_at');
    const finished = str(b, 'finished_at');
    if (started && (!stage.startedAt || timeNanosOf(started) < timeNanosOf(stage.startedAt))) stage.startedAt = started;
    if (finished && (!stage.finishedAt || timeNanosOf(finished) > timeNanosOf(stage.finishedAt))) stage.finishedAt = finished;
  }
  return stages;
}

/** Upstream's setResourceAttributes. */
function resourceAttributes(r: Attributes, e: Json, p: Json, config: GitlabWebhookConfig): void {
  const project = optObject(e, 'project');
  const commit = optObject(e, 'commit');
  const mr = optObject(e, 'merge_request');
  const set = (k: string, v: string | bigint | boolean) => r.set(k, v);
  set(ci.SERVICE_NAME, str(project, 'path_with_namespace'));
  set(ci.CICD_PIPELINE_NAME, str(p, 'name'));
  set(ci.CICD_PIPELINE_RESULT, str(p, 'status'));
  set(ci.CICD_PIPELINE_RUN_ID, BigInt(int(p, 'id')));
  set(ci.CICD_PIPELINE_RUN_URL_FULL, str(p, 'url'));
  set(ci.VCS_PROVIDER_NAME, 'gitlab');
  set(ci.VCS_REPOSITORY_NAME, str(project, 'name'));
  set(ci.VCS_REPOSITORY_URL_FULL, str(project, 'web_url'));
  set(ci.VCS_REF_HEAD_NAME, str(p, 'ref'));
  set(ci.VCS_REF_HEAD_TYPE, p.tag === true ? 'tag' : 'branch');
  set(ci.VCS_REF_HEAD_REVISION, str(p, 'sha'));
  if (int(mr, 'id')) {
    set(ci.VCS_CHANGE_ID, String(int(mr, 'id')));
    set(ci.VCS_CHANGE_STATE, str(mr, 'state'));
    set(ci.VCS_CHANGE_TITLE, str(mr, 'title'));
    set(ci.VCS_REF_BASE_NAME, str(mr, 'target_branch'));
    set('vcs.ref.base.type', 'branch');
  }
  const committed = str(commit, 'timestamp');
  if (committed) set(ci.VCS_REF_HEAD_REVISION_TIMESTAMP, committed);
  set('vcs.repository.visibility', str(project, 'visibility') || visibilityOf(int(project, 'visibility_level', -1)));
  set('gitlab.project.namespace', str(project, 'namespace'));
  set('vcs.repository.ref.default', str(project, 'default_branch'));
  if (config.include_user_attributes) {
    const author = optObject(commit, 'author');
    set('vcs.ref.head.revision.author.name', str(author, 'name'));
    set('vcs.ref.head.revision.author.email', str(author, 'email'));
    set('vcs.ref.head.revision.message', str(commit, 'message'));
    const user = optObject(e, 'user');
    if (isObject(e.user)) {
      set('cicd.pipeline.run.actor.id', BigInt(int(user, 'id')));
      set('gitlab.pipeline.run.actor.username', str(user, 'username'));
      set('cicd.pipeline.run.actor.name', str(user, 'name'));
    }
  }
}

/** GitLab's numeric visibility levels (0, 10, 20) as the client library names them. */
function visibilityOf(level: number): string {
  return level === 0 ? 'private' : level === 10 ? 'internal' : level === 20 ? 'public' : '';
}
