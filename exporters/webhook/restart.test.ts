/**
 * kill -9 while an incident escalates: a real `summit` process pages tier 1, is killed, and
 * after the restart pages tier 2 when it is due — from the incident in the state file, through
 * the persistent queue — without paging tier 1 again beyond at-least-once. The CLI then
 * acknowledges the incident and writes its post-mortem. And kill -9 while a metric rule's alert
 * is pending, then firing: its `for` clock, its firing state and its window carry over. Real
 * time here (a real process); the same on a controlled clock is in rule-state.test.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { cleanedUpAfterEach, sleep, startSummit, until } from '../../test/delivery-helpers.js';
import { freePort, runSummit, tempDir } from '../../test/helpers.js';
import { LoopbackReceiver } from './testing.js';

const { running, dirs } = cleanedUpAfterEach();

function newIssueLog(issueId: string): string {
  const attr = (key: string, value: object) => ({ key, value });
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [attr('service.name', { stringValue: 'checkout' })] },
        scopeLogs: [{ logRecords: [{ severityNumber: 17, body: { stringValue: 'TypeError' }, attributes: [attr('issue.id', { stringValue: issueId }), attr('issue.new', { boolValue: true })] }] }],
      },
    ],
  });
}

async function setup() {
  const dir = tempDir('summit-alerting-restart-');
  dirs.push(dir);
  const rx = await new LoopbackReceiver().start();
  const otlp = await freePort();
  const ack = await freePort();
  const db = join(dir, 'alerts.sqlite');
  const yaml = `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${otlp} } } }
extensions:
  file_storage/queue: { directory: ${join(dir, 'queue')}, create_directory: true }
exporters:
  webhook:
    evaluation_interval: 1s
    state_path: ${db}
    endpoint: 127.0.0.1:${ack}
    external_url: http://127.0.0.1:${ack}
    signing_secret: restart-test-secret-0123
    rules:
      - alert: NewIssue
        severity: critical
        group_by: [issue.id]
        event: { context: log, condition: 'attributes["issue.new"] == true', window: 1h }
    route: { receiver: team, group_by: [issue.id], group_wait: 0s, group_interval: 1s, escalation_policy: oncall }
    receivers:
      - { name: team, webhook_configs: [{ url: '${rx.url}/team' }] }
      - { name: primary, webhook_configs: [{ url: '${rx.url}/primary' }] }
      - { name: secondary, webhook_configs: [{ url: '${rx.url}/secondary' }] }
    escalation_policies:
      - name: oncall
        tiers: [{ receiver: primary, escalate_after: 4s }, { receiver: secondary, escalate_after: 1h }]
    retry_on_failure: { initial_interval: 100ms, max_interval: 500ms }
    sending_queue: { storage: file_storage/queue }
service:
  extensions: [file_storage/queue]
  pipelines:
    logs: { receivers: [otlp], exporters: [webhook] }
    traces: { receivers: [otlp], exporters: [webhook] }
  telemetry: { metrics: { level: none } }
`;
  const sendNewIssue = async (id: string) => {
    const res = await fetch(`http://127.0.0.1:${otlp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: newIssueLog(id) });
    expect(res.status).toBe(200);
  };
  /** A deployment span as the github receiver makes it (what the cicd connector counts). */
  const sendDeployment = async (endedAt: number) => {
    const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const span = {
      traceId: 'ab'.repeat(16),
      spanId: 'cd'.repeat(8),
      name: 'deploy production',
      kind: 2,
      startTimeUnixNano: String((endedAt - 60_000) * 1e6),
      endTimeUnixNano: String(endedAt * 1e6),
      attributes: [attr('summit.cicd.span.type', 'deployment'), attr('deployment.id', '4242'), attr('deployment.status', 'failed'), attr('deployment.environment.name', 'production'), attr('vcs.ref.head.revision', 'abc123def4567890')],
    };
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [attr('vcs.repository.name', 'shop/checkout')] }, scopeSpans: [{ spans: [span] }] }] });
    const res = await fetch(`http://127.0.0.1:${otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
  };
  return { dir, rx, db, yaml, sendNewIssue, sendDeployment };
}

it('escalation survives kill -9: tier 2 is paged after the restart, tier 1 not paged again', async () => {
  const { dir, rx, db, yaml, sendNewIssue, sendDeployment } = await setup();
  try {
    const first = await startSummit(dir, yaml);
    running.push(first);
    const deployedAt = Date.now() - 5 * 60_000;
    await sendDeployment(deployedAt);
    await sendNewIssue('9f8e7d');
    await until(() => rx.at('/primary').length > 0, 'tier 1 paged');
    expect(rx.at('/team')[0].body.alerts[0].labels).toMatchObject({ alertname: 'NewIssue', 'issue.id': '9f8e7d' });
    expect(rx.at('/secondary')).toHaveLength(0);
    await first.stop('SIGKILL');

    const second = await startSummit(dir, yaml);
    running.push(second);
    await until(() => rx.at('/secondary').length > 0, 'tier 2 paged after the restart');
    const page = rx.at('/secondary')[0].body;
    expect(page.incident).toMatchObject({ id: 1, tier: 2 });
    // tier 1 is not paged again: a second copy can only be the same queued record, delivered
    // again because kill -9 came before the queue removed it (at least once) — same body, same link
    expect(new Set(rx.at('/primary').map((r) => r.raw)).size).toBe(1);
    expect(rx.at('/primary').length).toBeLessThanOrEqual(2);
    expect(rx.at('/secondary')).toHaveLength(1);

    // the signed link in the page acknowledges through the restarted process's endpoint
    const acked = await fetch(page.incident.ack_url as string, { method: 'POST' });
    expect([acked.status, await acked.text()]).toEqual([200, 'incident 1 acknowledged\n']);

    const shown = await runSummit(['incidents', 'show', '1', '--db', db, '--format', 'json']);
    expect(shown.code).toBe(0);
    const incident = JSON.parse(shown.stdout) as { status: string; events: { kind: string }[] };
    expect(incident.status).toBe('acknowledged');
    expect(incident.events.map((e) => e.kind)).toEqual(['opened', 'paged', 'paged', 'acknowledged']);

    const pm = await runSummit(['incidents', 'postmortem', '1', '--db', db]);
    expect(pm.code).toBe(0);
    for (const heading of ['# Post-mortem: NewIssue (9f8e7d) (incident 1)', '## What happened', '## User impact', '## Timeline (UTC)', '## Root cause', '## Action items']) {
      expect(pm.stdout).toContain(heading);
    }
    expect(pm.stdout).toContain('issue `9f8e7d`');
    expect(pm.stdout).toContain('Paged tier 2 (receiver `secondary`)');
    // the deployment the exporter saw, in the timeline and among the suspects of the root cause
    expect(pm.stdout).toContain('Deployment 4242 of `shop/checkout` to production failed at `abc123def456`');
    expect(pm.stdout).toMatch(/\((5|6) min before the alert fired\): Deployment 4242/);
    // the alert's value when it fired (one new-issue event in its window)
    expect(pm.stdout).toMatch(/\| NewIssue \{issue\.id=9f8e7d\} \| — \| 1 \| 1 \| 1 \|/);
  } finally {
    await rx.close();
  }
}, 60_000);

it('a notification queued while its receiver is down is delivered after kill -9 and a restart', async () => {
  const { dir, rx, yaml, sendNewIssue } = await setup();
  try {
    rx.status = 503;
    const first = await startSummit(dir, yaml);
    running.push(first);
    await sendNewIssue('dead00');
    // the notification and the tier-1 page are on disk, retried against a receiver answering 503
    await until(() => existsSync(join(dir, 'alerts.sqlite')) && first.stderr.includes('503'), 'a refused delivery');
    await first.stop('SIGKILL');
    rx.status = 200;
    const second = await startSummit(dir, yaml);
    running.push(second);
    // the log record came once, before the kill: what arrives came from the persistent queue
    await until(() => rx.at('/team').length > 0 && rx.at('/primary').length > 0, 'queued notification and page delivered');
    expect(rx.at('/team')[0].body.alerts[0].labels['issue.id']).toBe('dead00');
    expect(rx.at('/primary')[0].body.incident).toMatchObject({ id: 1, tier: 1 });
  } finally {
    await rx.close();
  }
}, 60_000);

/** OTLP/JSON: the cumulative counter `errors` of checkout at `value`. */
function errorsCounter(value: number): string {
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeMetrics: [{ metrics: [{ name: 'errors', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: String(value), timeUnixNano: String(Date.now() * 1e6) }] } }] }],
      },
    ],
  });
}

it('rule state survives kill -9: a pending alert keeps its for clock, a firing one is not notified again and resolves once', async () => {
  const dir = tempDir('summit-alerting-rule-restart-');
  dirs.push(dir);
  const rx = await new LoopbackReceiver().start();
  const otlp = await freePort();
  const db = join(dir, 'alerts.sqlite');
  const yaml = `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${otlp} } } }
exporters:
  webhook:
    evaluation_interval: 1s
    state_path: ${db}
    rules:
      - alert: Errors
        group_by: [service.name]
        for: 12s
        expr: { metric: errors, function: increase, window: 20s, op: '>', threshold: 0 }
    route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
    receivers: [{ name: team, webhook_configs: [{ url: '${rx.url}/team' }] }]
service:
  pipelines:
    metrics: { receivers: [otlp], exporters: [webhook] }
  telemetry: { metrics: { level: none } }
`;
  // a sender that outlives the restarts: the counter grows while failing, stays put once healthy
  let errors = 0;
  let failing = true;
  let sending = true;
  const sender = (async () => {
    while (sending) {
      if (failing) errors++;
      await fetch(`http://127.0.0.1:${otlp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: errorsCounter(errors) }).catch(() => undefined);
      await sleep(250);
    }
  })();
  const saved = () => {
    const file = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return file.prepare('SELECT active_at, fired_at FROM rule_alerts').get() as { active_at: number; fired_at: number | null } | undefined;
    } catch {
      return undefined; // not created yet
    } finally {
      file.close();
    }
  };
  try {
    const first = await startSummit(dir, yaml);
    running.push(first);
    await until(() => existsSync(db) && saved() !== undefined, 'the alert pending in the state file');
    const pending = saved()!;
    // killed 7 s into its 12 s `for`: restored, it fires about 5 s later; started over, 12 s after the restart
    await sleep(Math.max(0, pending.active_at + 7000 - Date.now()));
    expect(saved()!.fired_at).toBeNull();
    await first.stop('SIGKILL');

    const second = await startSummit(dir, yaml);
    running.push(second);
    const readyAt = Date.now();
    await until(() => rx.at('/team').length > 0, 'the alert fired after the restart', 20_000);
    const firedAt = Date.parse(rx.at('/team')[0].body.alerts[0].startsAt);
    // fired `for` after it became pending before the kill (the restart took less than the 20 s
    // window, so the condition held throughout) — a clock started over at the restart's first
    // evaluation (at most a moment before readyAt) would fire about 12 s after it
    expect(firedAt - pending.active_at).toBeGreaterThanOrEqual(12_000);
    expect(firedAt).toBeLessThan(readyAt + 7000);
    await second.stop('SIGKILL');

    const third = await startSummit(dir, yaml);
    running.push(third);
    await sleep(3000);
    // still failing: known to fire, told already — nothing new (a second copy could only be the same queued body: at least once)
    expect(new Set(rx.at('/team').map((r) => r.raw)).size).toBe(1);
    failing = false;
    await until(() => rx.at('/team').some((r) => r.body.status === 'resolved'), 'the alert resolved', 40_000);
    await sleep(1500);
    const statuses = rx.at('/team').map((r) => r.body.status);
    expect(statuses.filter((s) => s === 'resolved')).toHaveLength(1);
    expect(rx.at('/team').find((r) => r.body.status === 'resolved')!.body.alerts[0].startsAt).toBe(new Date(firedAt).toISOString());
  } finally {
    sending = false;
    await sender;
    await rx.close();
  }
}, 120_000);
