/**
 * Which CI run an upload belongs to, from query parameters or `X-CI-*` headers, and where its
 * spans go in that run's trace: under the job's span when the job is named, else under the
 * run's root span, with the ids the `github` and `gitlab` receivers give them.
 */
import type { IncomingMessage } from 'node:http';
import * as ci from '../../pipeline/cicd/index.js';

export interface RunContext {
  provider: 'github' | 'gitlab' | '';
  repository: string;
  commit: string;
  branch: string;
  runId: string;
  runAttempt: string;
  jobId: string;
  jobStartedAt: string;
  service: string;
}

export interface Placement {
  traceId: string;
  /** '' when the spans start their own trace. */
  parentSpanId: string;
}

/** A parameter Summit cannot use; the message names it. */
export class RunContextError extends Error {}

const PARAMS = ['provider', 'repository', 'commit', 'branch', 'run_id', 'run_attempt', 'job_id', 'job_started_at', 'service'] as const;
type Param = (typeof PARAMS)[number];

/** `run_id` → `x-ci-run-id`. */
const headerOf = (p: Param) => `x-ci-${p.replaceAll('_', '-')}`;

export function runContextOf(req: IncomingMessage, url: URL): RunContext {
  const get = (p: Param): string => {
    const v = url.searchParams.get(p) ?? req.headers[headerOf(p)];
    const s = (Array.isArray(v) ? v[0] : v ?? '').trim();
    if (s.length > 512) throw new RunContextError(`${p} is longer than 512 characters`);
    return s;
  };
  const provider = get('provider').toLowerCase();
  if (provider !== '' && provider !== 'github' && provider !== 'gitlab') throw new RunContextError(`provider must be github or gitlab, not ${JSON.stringify(provider.slice(0, 32))}`);
  const ctx: RunContext = {
    provider,
    repository: get('repository'),
    commit: get('commit'),
    branch: get('branch'),
    runId: get('run_id'),
    runAttempt: get('run_attempt') || '1',
    jobId: get('job_id'),
    jobStartedAt: get('job_started_at'),
    service: get('service'),
  };
  for (const [p, v] of [['run_id', ctx.runId], ['run_attempt', ctx.runAttempt], ['job_id', ctx.jobId]] as const) {
    if (v && !/^\d{1,19}$/.test(v)) throw new RunContextError(`${p} must be a number`);
  }
  if (ctx.runId && !ctx.provider) throw new RunContextError('run_id needs provider (github or gitlab) to find the run\'s trace');
  return ctx;
}

/** `traceparent: 00-<trace id>-<span id>-<flags>` (W3C), when the uploader names its place itself. */
function traceparentOf(req: IncomingMessage): Placement | undefined {
  const m = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/.exec(String(req.headers.traceparent ?? '').trim());
  return m ? { traceId: m[1], parentSpanId: m[2] } : undefined;
}

/**
 * GitHub: the run's trace (`<run_id><attempt>t`), under the job (`<job_id>-j`) or the run span.
 * GitLab: a pipeline's trace id needs its finish time, unknown while it runs, so the spans go
 * to the trace the `gitlab` receiver gives Job Hook spans, under the job when `job_started_at`
 * says which span that is. Otherwise a trace of the upload's own, keyed on its content.
 */
export function placementOf(req: IncomingMessage, ctx: RunContext, uploadKey: string): Placement {
  const explicit = traceparentOf(req);
  if (explicit) return explicit;
  if (ctx.provider === 'github' && ctx.runId) {
    const traceId = ci.githubTraceId(ctx.runId, ctx.runAttempt);
    return { traceId, parentSpanId: ctx.jobId ? ci.githubJobSpanId(ctx.jobId) : ci.githubRunSpanId(ctx.runId, ctx.runAttempt) };
  }
  if (ctx.provider === 'gitlab' && ctx.runId) {
    const parentSpanId = ctx.jobId && ctx.jobStartedAt ? ci.gitlabJobSpanId(ctx.jobId, ctx.jobStartedAt) : '';
    return { traceId: ci.derivedTraceId('gitlab.pipeline', ctx.runId), parentSpanId };
  }
  return { traceId: ci.derivedTraceId('junit', uploadKey), parentSpanId: '' };
}
