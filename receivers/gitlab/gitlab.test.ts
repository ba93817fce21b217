/**
 * The `gitlab` receiver over HTTP with GitLab's documented payloads (testdata/). Expected ids are
 * computed here from the contrib receiver's formula (SHA-256 of `<id>t<finished_at>` for the
 * trace, of `<id><finished_at>` for the pipeline span ...), independently of pipeline/cicd.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SpanKind, StatusCode } from '../../pipeline/model.js';
import { allSpans, startReceiver, type RunningReceiver } from '../internal/testing.js';
import { gitlabReceiverFactory, type GitlabReceiverConfig } from './index.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8')) as Record<string, any>;
const TOKEN = 'gitlab-token';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

let receiver: RunningReceiver | undefined;
afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
});

async function start(webhook: GitlabReceiverConfig['webhook'] = {}): Promise<RunningReceiver> {
  receiver = await startReceiver(gitlabReceiverFactory, { webhook: { endpoint: '127.0.0.1:0', secret: TOKEN, ...webhook } });
  return receiver;
}

function deliver(r: RunningReceiver, event: string, payload: unknown, headers: Record<string, string> = {}) {
  return fetch(`${r.url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-token': TOKEN, ...headers },
    body: JSON.stringify(payload),
  });
}

describe('gitlab receiver', () => {
  it('turns a finished Pipeline Hook into pipeline → stage → job spans with upstream ids', async () => {
    const r = await start({ include_user_attributes: true });
    const payload = fixture('pipeline-hook.json');
    expect((await deliver(r, 'Pipeline Hook', payload)).status).toBe(200);
    const spans = allSpans(r.traces);
    const finished = payload.object_attributes.finished_at;
    const traceId = sha(`31t${finished}`).slice(0, 32);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));

    const pipeline = spans.find((s) => s.parentSpanId === '')!;
    expect(pipeline.spanId).toBe(sha(`31${finished}`).slice(16, 32));
    expect(pipeline.name).toBe('Pipeline for branch: main');
    expect(pipeline.kind).toBe(SpanKind.Server);
    expect(pipeline.status.code).toBe(StatusCode.Error);
    expect(pipeline.attributes.get('gitlab.pipeline.source.pipeline.id')).toBe(30n);

    // the deploy stage never started: no span for it, nor for its job
    const stages = spans.filter((s) => s.parentSpanId === pipeline.spanId);
    expect(stages.map((s) => s.name).sort()).toEqual(['build', 'test']);
    const test = stages.find((s) => s.name === 'test')!;
    expect(test.spanId).toBe(sha(`31test2016-08-12 15:26:12 UTC`).slice(16, 32));

    const jobs = spans.filter((s) => s.parentSpanId === test.spanId);
    expect(jobs.map((s) => s.name).sort()).toEqual(['test-build', 'test-image']);
    const failed = jobs.find((s) => s.name === 'test-build')!;
    expect(failed.spanId).toBe(sha(`3782016-08-12 15:26:12 UTC`).slice(16, 32));
    expect(failed.status.code).toBe(StatusCode.Error);
    expect(failed.attributes.get('cicd.pipeline.task.run.result')).toBe('failed');
    expect(failed.attributes.get('gitlab.job.failure_reason')).toBe('script_failure');
    expect(failed.attributes.get('cicd.worker.tags')).toEqual(['linux', 'docker']);
    expect(failed.startTimeUnixNano).toBe(BigInt(Date.parse('2016-08-12T15:26:12Z')) * 1_000_000n);

    const resource = r.traces[0].resourceSpans[0].resource.attributes;
    expect(resource.get('service.name')).toBe('gitlab-org/gitlab-test');
    expect(resource.get('vcs.change.title')).toBe('Test');
    expect(resource.get('vcs.ref.head.revision.author.email')).toBe('user@gitlab.com');
  });

  it('answers 204 to a pipeline still running', async () => {
    const r = await start();
    const payload = fixture('pipeline-hook.json');
    payload.object_attributes.status = 'running';
    expect((await deliver(r, 'Pipeline Hook', payload)).status).toBe(204);
    payload.object_attributes.status = 'success';
    payload.object_attributes.finished_at = null;
    expect((await deliver(r, 'Pipeline Hook', payload)).status).toBe(204);
    expect(r.traces).toEqual([]);
  });

  it('refuses a wrong or missing X-Gitlab-Token with 401', async () => {
    const r = await start();
    expect((await deliver(r, 'Pipeline Hook', fixture('pipeline-hook.json'), { 'x-gitlab-token': 'guess' })).status).toBe(401);
    const res = await fetch(`${r.url}/events`, { method: 'POST', headers: { 'x-gitlab-event': 'Pipeline Hook' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(r.traces).toEqual([]);
  });

  it('drops a retried delivery with the same Idempotency-Key', async () => {
    const r = await start();
    const headers = { 'idempotency-key': 'f6b1b4c0-5d2a-4b7f-9f0e-1a2b3c4d5e6f' };
    expect((await deliver(r, 'Pipeline Hook', fixture('pipeline-hook.json'), headers)).status).toBe(200);
    expect((await deliver(r, 'Pipeline Hook', fixture('pipeline-hook.json'), headers)).status).toBe(200);
    expect(r.traces).toHaveLength(1);
  });

  it('turns a Job Hook into the job span the Pipeline Hook gives the same job', async () => {
    const r = await start();
    const payload = fixture('job-hook.json');
    expect((await deliver(r, 'Job Hook', payload)).status).toBe(200);
    const [span] = allSpans(r.traces);
    expect(span.spanId).toBe(sha(`1977${payload.build_started_at}`).slice(16, 32));
    expect(span.attributes.get('cicd.pipeline.task.run.id')).toBe(1977n);
    expect(span.attributes.get('gitlab.job.queued_duration')).toBe(1095.588715);
    expect(span.status.code).toBe(StatusCode.Ok);
  });

  it('turns a Deployment Hook into a deployment span with the full commit sha', async () => {
    const r = await start();
    expect((await deliver(r, 'Deployment Hook', fixture('deployment-hook.json'))).status).toBe(200);
    const [span] = allSpans(r.traces);
    expect(span.attributes.get('deployment.environment.name')).toBe('staging');
    expect(span.attributes.get('deployment.status')).toBe('succeeded');
    expect(span.attributes.get('vcs.ref.head.revision')).toBe('279484c09fbe69ededfced8c1bb6e6d24616b468');
    expect(span.endTimeUnixNano).toBe(BigInt(Date.parse('2021-04-28T21:50:00+02:00')) * 1_000_000n);
  });

  it('turns a Push Hook into a push span with each commit at its time, and ignores a deleted branch', async () => {
    const r = await start();
    const push = {
      object_kind: 'push',
      before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
      after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      ref: 'refs/heads/master',
      project_id: 15,
      project: { id: 15, name: 'Diaspora', web_url: 'http://example.com/mike/diaspora', path_with_namespace: 'mike/diaspora' },
      commits: [
        { id: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', message: 'Update Catalan translation', timestamp: '2011-12-12T14:27:31+02:00' },
        { id: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', message: 'fixed readme', timestamp: '2012-01-03T23:36:29+02:00' },
      ],
      total_commits_count: 2,
    };
    expect((await deliver(r, 'Push Hook', push)).status).toBe(200);
    const [span] = allSpans(r.traces);
    expect(span.attributes.get('vcs.ref.head.name')).toBe('master');
    expect(span.events.map((e) => [e.attributes.get('vcs.ref.head.revision'), e.timeUnixNano])).toEqual([
      ['b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', BigInt(Date.parse('2011-12-12T14:27:31+02:00')) * 1_000_000n],
      ['da1560886d4f094c3e6c9ef40349f7d38b5d27d7', BigInt(Date.parse('2012-01-03T23:36:29+02:00')) * 1_000_000n],
    ]);
    expect(r.traces[0].resourceSpans[0].resource.attributes.get('vcs.repository.name')).toBe('Diaspora');
    expect((await deliver(r, 'Push Hook', { ...push, after: '0'.repeat(40), commits: [] })).status).toBe(204);
  });

  it('refuses events it does not take with 400, and runs only with a token unless told otherwise', async () => {
    const r = await start();
    const res = await deliver(r, 'Issue Hook', { object_kind: 'issue' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('unexpected event type: Issue Hook');
    expect(gitlabReceiverFactory.validate!({ webhook: {} })[0]).toMatchObject({ path: 'webhook.secret', message: expect.stringContaining('X-Gitlab-Token') });
  });
});
