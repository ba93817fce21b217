/**
 * The `github` receiver driven over HTTP with GitHub's own example payloads
 * (@octokit/webhooks-examples), signed as GitHub signs them. The expected ids are computed here
 * from the formula the contrib receiver documents (SHA-256 of `<run_id><attempt>t` for the trace,
 * of `<job_id>-j` for the job span ...), independently of pipeline/cicd.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { SpanKind, StatusCode } from '../../pipeline/model.js';
import { allSpans, githubSignature, startReceiver, type RunningReceiver } from '../internal/testing.js';
import { githubReceiverFactory, type GithubReceiverConfig } from './index.js';

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: Record<string, any>[] }[];
function example(event: string, pick: (e: Record<string, any>) => boolean): Record<string, any> {
  const found = examples.find((e) => e.name === event)?.examples.find(pick);
  if (!found) throw new Error(`no ${event} example matches`);
  return structuredClone(found);
}

const SECRET = 'It is a secret to everybody';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const traceIdFor = (runId: number, attempt: number) => sha(`${runId}${attempt}t`).slice(0, 32);
const spanIdFor = (input: string) => sha(input).slice(16, 32);

let receiver: RunningReceiver | undefined;
afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
});

async function start(webhook: GithubReceiverConfig['webhook'] = {}): Promise<RunningReceiver> {
  receiver = await startReceiver(githubReceiverFactory, { webhook: { endpoint: '127.0.0.1:0', secret: SECRET, ...webhook } });
  return receiver;
}

let deliveries = 0;
function deliver(r: RunningReceiver, event: string, payload: unknown, opts: { secret?: string; delivery?: string; signature?: string | null } = {}) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': opts.delivery ?? `delivery-${++deliveries}`,
    'user-agent': 'GitHub-Hookshot/test',
  };
  if (opts.signature !== null) headers['x-hub-signature-256'] = opts.signature ?? githubSignature(body, opts.secret ?? SECRET);
  return fetch(`${r.url}/events`, { method: 'POST', headers, body });
}

describe('github receiver', () => {
  it('turns a completed workflow_job into job, queue and step spans with upstream ids', async () => {
    const r = await start();
    const payload = example('workflow_job', (e) => e.workflow_job.conclusion === 'failure');
    const job = payload.workflow_job;
    const res = await deliver(r, 'workflow_job', payload);
    expect(res.status).toBe(200);
    const spans = allSpans(r.traces);
    const traceId = traceIdFor(job.run_id, job.run_attempt);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));

    const jobSpan = spans.find((s) => s.name === job.name)!;
    expect(jobSpan.spanId).toBe(spanIdFor(`${job.id}-j`));
    expect(jobSpan.parentSpanId).toBe(spanIdFor(`${job.run_id}${job.run_attempt}s`));
    expect(jobSpan.kind).toBe(SpanKind.Internal);
    expect(jobSpan.status).toEqual({ code: StatusCode.Error, message: 'failure' });
    expect(jobSpan.startTimeUnixNano).toBe(BigInt(Date.parse(job.created_at)) * 1_000_000n);
    expect(jobSpan.endTimeUnixNano).toBe(BigInt(Date.parse(job.completed_at)) * 1_000_000n);

    const queue = spans.find((s) => s.name === `queue-${job.name}`)!;
    expect(queue.spanId).toBe(spanIdFor(`${job.id}-q`));
    expect(queue.parentSpanId).toBe(jobSpan.spanId);
    expect(queue.attributes.get('cicd.pipeline.run.queue.duration')).toBe((Date.parse(job.started_at) - Date.parse(job.created_at)) * 1e6);

    const steps = spans.filter((s) => s.parentSpanId === jobSpan.spanId && s !== queue);
    expect(steps.map((s) => s.name)).toEqual(job.steps.map((s: { name: string }) => s.name));
    const failed = steps.find((s) => s.name === 'Run yarn run format-check')!;
    expect(failed.spanId).toBe(spanIdFor(`${job.id}-Run yarn run format-check-s`));
    expect(failed.status.code).toBe(StatusCode.Error);
    expect(failed.attributes.get('cicd.pipeline.run.task.status')).toBe('failure');

    const resource = r.traces[0].resourceSpans[0].resource.attributes;
    expect(resource.get('vcs.repository.name')).toBe(payload.repository.name);
    expect(resource.get('vcs.ref.head.revision')).toBe(job.head_sha);
    expect(resource.get('cicd.pipeline.task.run.id')).toBe(BigInt(job.id));
    expect(resource.get('cicd.pipeline.run.task.status')).toBe('failure');
    expect(resource.get('service.name')).toBe(payload.repository.name.toLowerCase());
  });

  it('turns a completed workflow_run into a SERVER root span linked to the previous attempt', async () => {
    const r = await start({ include_span_events: true });
    const payload = example('workflow_run', (e) => e.workflow_run.conclusion === 'success');
    const run = payload.workflow_run;
    run.run_attempt = 2;
    run.previous_attempt_url = `https://api.github.com/repos/octo-org/octo-repo/actions/runs/${run.id}/attempts/1`;
    expect((await deliver(r, 'workflow_run', payload)).status).toBe(200);
    const [span] = allSpans(r.traces);
    expect(span.traceId).toBe(traceIdFor(run.id, 2));
    expect(span.spanId).toBe(spanIdFor(`${run.id}2s`));
    expect(span.parentSpanId).toBe('');
    expect(span.kind).toBe(SpanKind.Server);
    expect(span.status).toEqual({ code: StatusCode.Ok, message: 'success' });
    expect(span.links.map((l) => l.traceId)).toEqual([traceIdFor(run.id, 1)]);
    expect(span.events[0].name).toBe('github.workflow_run.event');
    const resource = r.traces[0].resourceSpans[0].resource.attributes;
    expect(resource.get('cicd.pipeline.run.id')).toBe(BigInt(run.id));
    expect(resource.get('cicd.pipeline.run.previous_attempt.url.full')).toBe(`https://github.com/octo-org/octo-repo/actions/runs/${run.id}/attempts/1`);
  });

  it('answers 204 to runs and jobs that have not completed, and sends nothing', async () => {
    const r = await start();
    for (const p of examples.find((e) => e.name === 'workflow_job')!.examples.filter((e) => e.workflow_job.status !== 'completed')) {
      expect((await deliver(r, 'workflow_job', p)).status).toBe(204);
    }
    expect((await deliver(r, 'workflow_run', example('workflow_run', (e) => e.workflow_run.status === 'queued'))).status).toBe(204);
    expect(r.traces).toEqual([]);
  });

  it('refuses a bad or missing signature with 401 and sends nothing', async () => {
    const r = await start();
    const payload = example('workflow_job', (e) => e.workflow_job.conclusion === 'success');
    const wrong = await deliver(r, 'workflow_job', payload, { secret: 'not the secret' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('X-Hub-Signature-256');
    expect((await deliver(r, 'workflow_job', payload, { signature: null })).status).toBe(401);
    expect((await deliver(r, 'workflow_job', payload, { signature: 'sha256=abc' })).status).toBe(401);
    expect(r.traces).toEqual([]);
  });

  it('drops a replayed delivery (same X-GitHub-Delivery) with 200 and counts it', async () => {
    const r = await start();
    const payload = example('workflow_job', (e) => e.workflow_job.conclusion === 'success');
    expect((await deliver(r, 'workflow_job', payload, { delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958' })).status).toBe(200);
    const replay = await deliver(r, 'workflow_job', payload, { delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958' });
    expect(replay.status).toBe(200);
    expect(await replay.text()).toContain('duplicate');
    expect(r.traces).toHaveLength(1);
    expect(await r.telemetryText()).toMatch(/otelcol_receiver_duplicate_deliveries_total\{receiver="github"\} 1/);
    // another delivery of the same event (a new delivery id) is not a replay
    expect((await deliver(r, 'workflow_job', payload)).status).toBe(200);
    expect(r.traces).toHaveLength(2);
  });

  it('answers ping with 200, health with 200 and unsupported events with 400', async () => {
    const r = await start();
    expect((await deliver(r, 'ping', examples.find((e) => e.name === 'ping')!.examples[0])).status).toBe(200);
    const health = await fetch(`${r.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ text: 'GitHub receiver webhook is healthy' });
    const star = await deliver(r, 'star', { action: 'created' });
    expect(star.status).toBe(400);
    expect(await star.text()).toContain('event type not supported: star');
    expect((await fetch(`${r.url}/events`)).status).toBe(405);
  });

  it('turns deployment_status, push, closed pull requests into spans for the cicd connector', async () => {
    const r = await start();
    const deployment = example('deployment_status', (e) => e.deployment_status.state === 'success');
    expect((await deliver(r, 'deployment_status', deployment)).status).toBe(200);
    const push = example('push', (e) => e.commits.length > 0);
    expect((await deliver(r, 'push', push)).status).toBe(200);
    const pr = example('pull_request', (e) => e.action === 'closed');
    expect((await deliver(r, 'pull_request', pr)).status).toBe(200);
    expect((await deliver(r, 'pull_request', example('pull_request', (e) => e.action === 'opened'))).status).toBe(204);

    const [deploy, pushed, change] = allSpans(r.traces);
    expect(deploy.attributes.get('summit.cicd.span.type')).toBe('deployment');
    expect(deploy.attributes.get('deployment.environment.name')).toBe(deployment.deployment_status.environment);
    expect(deploy.attributes.get('deployment.status')).toBe('succeeded');
    expect(deploy.attributes.get('vcs.ref.head.revision')).toBe(deployment.deployment.sha);
    expect(pushed.attributes.get('vcs.ref.head.revision')).toBe(push.after);
    expect(pushed.events.map((e) => e.attributes.get('vcs.ref.head.revision'))).toEqual(push.commits.map((c: { id: string }) => c.id));
    expect(pushed.events[0].timeUnixNano).toBe(BigInt(Date.parse(push.commits[0].timestamp)) * 1_000_000n);
    expect(change.attributes.get('vcs.change.state')).toBe(pr.pull_request.merged ? 'merged' : 'closed');
  });

  it('takes completed check runs of CIs other than Actions, whose own check runs are its jobs', async () => {
    const r = await start();
    expect((await deliver(r, 'check_run', example('check_run', (e) => e.check_run.app?.slug === 'github-actions'))).status).toBe(204);
    expect((await deliver(r, 'check_run', example('check_run', (e) => e.check_run.status === 'queued'))).status).toBe(204);
    const other = example('check_run', (e) => e.action === 'completed' && e.check_run.conclusion === 'success');
    expect((await deliver(r, 'check_run', other)).status).toBe(200);
    const [span] = allSpans(r.traces);
    expect(span.attributes.get('summit.cicd.span.type')).toBe('check');
    expect(span.attributes.get('cicd.pipeline.task.run.result')).toBe('success');
    expect(span.status.code).toBe(StatusCode.Ok);
    expect(r.traces[0].resourceSpans[0].resource.attributes.get('vcs.ref.head.revision')).toBe(other.check_run.head_sha);
  });

  it('refuses to start without a secret, saying how to opt out', () => {
    const problems = githubReceiverFactory.validate!({ webhook: {} });
    expect(problems).toEqual([expect.objectContaining({ path: 'webhook.secret', message: expect.stringContaining('insecure_allow_unauthenticated: true') })]);
    expect(githubReceiverFactory.validate!({ webhook: { insecure_allow_unauthenticated: true } })).toEqual([]);
  });

  it('accepts unsigned deliveries only when explicitly allowed', async () => {
    const r = await start({ secret: undefined, insecure_allow_unauthenticated: true });
    expect((await deliver(r, 'workflow_job', example('workflow_job', (e) => e.workflow_job.conclusion === 'success'), { signature: null })).status).toBe(200);
  });

  it('answers a payload that is not what the event needs with 400 naming the field', async () => {
    const r = await start();
    const res = await deliver(r, 'workflow_job', { action: 'completed', workflow_job: { status: 'completed', run_id: 1 } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('workflow_job.id');
    const notJson = await fetch(`${r.url}/events`, { method: 'POST', headers: { 'x-github-event': 'push', 'x-hub-signature-256': githubSignature('{', SECRET) }, body: '{' });
    expect(notJson.status).toBe(400);
  });
});
