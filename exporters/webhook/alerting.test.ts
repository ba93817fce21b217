/**
 * The alerting scenarios on a clock the test moves: rules → grouped notifications (timing,
 * dedup, resolved), silences, inhibition, escalation and its signed links. A loopback server
 * stands in for Slack, PagerDuty and a generic webhook (mocks of those services: their real
 * endpoints are on the internet) and checks the documented payload shapes and signatures.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { ackHandler } from './ack-server.js';
import type { WebhookExporterConfig } from './config.js';
import { postmortemMarkdown } from './postmortem.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyBody } from './signing.js';
import { counter, LoopbackReceiver, logRecord, spanWithException, testEngine } from './testing.js';

const S = 1000;
const M = 60 * S;
const SECRET = 'webhook-secret-0123456789';
const T0 = Date.UTC(2026, 0, 1);

let rx: LoopbackReceiver;
let dir: string;
const closers: (() => unknown)[] = [];

beforeEach(async () => {
  rx = await new LoopbackReceiver().start();
  dir = tempDir('summit-alerting-');
});
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await rx.close();
});

/** Error ratio over 1m per service, firing after 1m above 5%; one route grouping by alertname. */
function config(extra: Partial<WebhookExporterConfig> = {}): WebhookExporterConfig {
  return {
    external_url: 'http://summit.example:9095',
    rules: [
      {
        alert: 'HighErrorRate',
        severity: 'critical',
        group_by: ['service.name'],
        for: '1m',
        expr: {
          metric: 'http.requests',
          where: { outcome: 'error' },
          function: 'rate',
          window: '1m',
          divided_by: { metric: 'http.requests', function: 'rate', window: '1m' },
          op: '>',
          threshold: 0.05,
        },
        labels: { team: 'payments' },
        annotations: { summary: 'error rate of {{ .labels.service.name }} is {{ .value }}' },
      },
    ],
    route: { receiver: 'team', group_by: ['alertname'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h' },
    receivers: [
      {
        name: 'team',
        webhook_configs: [{ url: `${rx.url}/hook`, secret: SECRET }],
        slack_configs: [{ api_url: `${rx.url}/slack`, channel: '#alerts' }],
        pagerduty_configs: [{ url: `${rx.url}/pd`, routing_key: 'R0UT1NGKEY0123456789' }],
        msteams_configs: [{ webhook_url: `${rx.url}/teams` }],
        msteamsv2_configs: [{ webhook_url: `${rx.url}/teams-workflow`, title: '{{ .labels.service.name }} fails ({{ .labels.severity }})' }],
        discord_configs: [{ webhook_url: `${rx.url}/discord` }],
      },
    ],
    ...extra,
  };
}

async function open(c: WebhookExporterConfig) {
  const e = await testEngine(c, join(dir, 'alerts.sqlite'));
  closers.push(() => e.delivery.shutdown(), () => e.state.close());
  return e;
}

/** Requests to checkout with `errorShare` of them failing, cumulative, one sample per 10 s tick. */
class Traffic {
  total = 0;
  errors = 0;
  step(requests: number, errorShare: number, service = 'checkout') {
    this.total += requests;
    this.errors += Math.round(requests * errorShare);
    return counter('http.requests', service, [
      { attrs: { outcome: 'ok' }, value: this.total - this.errors },
      { attrs: { outcome: 'error' }, value: this.errors },
    ]);
  }
}

describe('metric rule → grouped notification', () => {
  it('notifies once after group_wait, not again before repeat_interval, and sends resolved when the rate drops', async () => {
    const { engine } = await open(config());
    const traffic = new Traffic();
    let t = T0;
    const run = async (until: number, errorShare: number) => {
      for (; t <= until; t += 10 * S) {
        engine.ingestMetrics(traffic.step(100, errorShare), t);
        await engine.tick(t);
      }
    };
    // 20% errors from T0: the condition holds from the second sample, fires 1m later (for: 1m)
    await run(T0 + 70 * S, 0.2);
    expect(rx.received).toHaveLength(0);
    // group_wait 30s after it fired
    await run(T0 + 90 * S, 0.2);
    expect(rx.received).toHaveLength(0);
    await run(T0 + 100 * S, 0.2);
    expect(rx.received.map((r) => r.path).sort()).toEqual(['/discord', '/hook', '/pd', '/slack', '/teams', '/teams-workflow']);

    const [hook] = rx.at('/hook');
    const ts = Number(hook.headers[TIMESTAMP_HEADER]);
    expect(verifyBody(SECRET, ts, hook.raw, String(hook.headers[SIGNATURE_HEADER]), Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifyBody('another-secret-0123456789', ts, hook.raw, String(hook.headers[SIGNATURE_HEADER]), Math.floor(Date.now() / 1000))).toBe(false);
    expect(verifyBody(SECRET, ts, hook.raw.replace('firing', 'FIRING'), String(hook.headers[SIGNATURE_HEADER]), Math.floor(Date.now() / 1000))).toBe(false);
    expect(hook.body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'team',
      groupLabels: { alertname: 'HighErrorRate' },
      commonLabels: { alertname: 'HighErrorRate', severity: 'critical', team: 'payments', 'service.name': 'checkout' },
      truncatedAlerts: 0,
    });
    expect(hook.body.alerts).toHaveLength(1);
    expect(hook.body.alerts[0].annotations.summary).toBe('error rate of checkout is 0.2');
    expect(hook.body.alerts[0].status).toBe('firing');

    const [slack] = rx.at('/slack');
    expect(slack.body.channel).toBe('#alerts');
    expect(slack.body.text).toBe('[FIRING:1] HighErrorRate');
    expect(slack.body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '[FIRING:1] HighErrorRate', emoji: true } });
    expect(slack.body.blocks[1]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });

    const [pd] = rx.at('/pd');
    expect(pd.body).toMatchObject({ routing_key: 'R0UT1NGKEY0123456789', event_action: 'trigger', payload: { severity: 'critical', source: 'checkout', summary: '[FIRING:1] HighErrorRate' } });
    expect(pd.body.dedup_key).toMatch(/^[0-9a-f]{64}$/);

    const [teams] = rx.at('/teams');
    expect(teams.body).toMatchObject({ '@type': 'MessageCard', title: '[FIRING:1] HighErrorRate', text: '🔥 error rate of checkout is 0.2' });
    // Teams Workflows (a Power Automate webhook): an Adaptive Card in a message, as Alertmanager's
    // msteamsv2 sends it, with this receiver's own title template over the group's common labels
    const [workflow] = rx.at('/teams-workflow');
    expect(workflow.body).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            type: 'AdaptiveCard',
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            version: '1.2',
            body: [
              { type: 'TextBlock', text: 'checkout fails (critical)', weight: 'Bolder', size: 'Medium', wrap: true, style: 'heading', color: 'Attention' },
              { type: 'TextBlock', text: '🔥 error rate of checkout is 0.2', wrap: true },
            ],
            msteams: { width: 'full' },
          },
        },
      ],
    });
    const [discord] = rx.at('/discord');
    expect(discord.body.embeds).toEqual([{ title: '[FIRING:1] HighErrorRate', description: '🔥 error rate of checkout is 0.2', color: 0x992d22 }]);

    // still failing for an hour: group_interval flushes find nothing new before repeat_interval (4h)
    await run(T0 + 60 * M, 0.2);
    expect(rx.received).toHaveLength(6);

    // healthy again: resolved at the next evaluation, sent at the next group_interval flush
    await run(T0 + 70 * M, 0);
    const hooks = rx.at('/hook');
    expect(hooks).toHaveLength(2);
    expect(hooks[1].body.status).toBe('resolved');
    expect(hooks[1].body.alerts[0].status).toBe('resolved');
    const pds = rx.at('/pd');
    expect(pds[1].body).toEqual({ routing_key: 'R0UT1NGKEY0123456789', event_action: 'resolve', dedup_key: pd.body.dedup_key });
    // Slack's send_resolved defaults to false, as in Alertmanager
    expect(rx.at('/slack')).toHaveLength(1);
    expect(rx.at('/teams-workflow')[1].body.attachments[0].content.body[0]).toMatchObject({ text: 'checkout fails (critical)', color: 'Good' });
  });

  it('repeats a firing group after repeat_interval', async () => {
    const { engine } = await open(config({ route: { receiver: 'team', group_wait: '0s', group_interval: '1m', repeat_interval: '10m' } }));
    const traffic = new Traffic();
    for (let t = T0; t <= T0 + 15 * M; t += 10 * S) {
      engine.ingestMetrics(traffic.step(100, 0.5), t);
      await engine.tick(t);
    }
    // fired at 1m10s, then once more 10m later
    expect(rx.at('/hook')).toHaveLength(2);
  });

  it('a silence mutes the alert; expiring it lets the notification through', async () => {
    const { engine, state } = await open(config());
    const silence = state.addSilence({ matchers: ['service.name="checkout"', 'severity=~"crit.*"'], startsAt: T0, endsAt: T0 + 2 * 3_600_000, createdBy: 'test', comment: 'deploy' }, T0);
    const traffic = new Traffic();
    let t = T0;
    for (; t <= T0 + 10 * M; t += 10 * S) {
      engine.ingestMetrics(traffic.step(100, 0.3), t);
      await engine.tick(t);
    }
    expect(rx.received).toHaveLength(0);
    state.expireSilence(silence.id.slice(0, 8), t);
    for (const end = t + 6 * M; t <= end; t += 10 * S) {
      engine.ingestMetrics(traffic.step(100, 0.3), t);
      await engine.tick(t);
    }
    expect(rx.at('/hook')).toHaveLength(1);
  });

  it('a critical alert inhibits the warning of the same service', async () => {
    const base = config();
    const critical = base.rules![0];
    const warning = { ...critical, alert: 'ElevatedErrorRate', severity: 'warning' as const, expr: { ...(critical.expr as object), threshold: 0.01 } as typeof critical.expr };
    const { engine } = await open(
      config({
        rules: [critical, warning],
        route: { receiver: 'team', group_by: ['service.name'], group_wait: '30s' },
        inhibit_rules: [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['service.name'] }],
      }),
    );
    const traffic = new Traffic();
    for (let t = T0; t <= T0 + 3 * M; t += 10 * S) {
      engine.ingestMetrics(traffic.step(100, 0.2), t);
      await engine.tick(t);
    }
    const hooks = rx.at('/hook');
    expect(hooks).toHaveLength(1);
    expect(hooks[0].body.alerts.map((a: { labels: { alertname: string } }) => a.labels.alertname)).toEqual(['HighErrorRate']);
  });
});

describe('event rules', () => {
  it('a new issue fires at once, labelled with the issue, and resolves when its window passes', async () => {
    const { engine } = await open(
      config({
        rules: [
          {
            alert: 'NewIssue',
            severity: 'warning',
            group_by: ['issue.id', 'service.name'],
            event: { context: 'log', condition: 'attributes["issue.new"] == true', window: '10m' },
            annotations: { summary: 'new issue {{ .labels.issue.id }}', link: '{{ .externalURL }}/issues/{{ .labels.issue.id }}' },
          },
        ],
        route: { receiver: 'team', group_by: ['issue.id'], group_wait: '0s', group_interval: '1m' },
      }),
    );
    engine.ingestLogs(logRecord('checkout', { 'issue.id': 'abc123', 'issue.new': false }), T0);
    await engine.tick(T0);
    expect(rx.received).toHaveLength(0);
    engine.ingestLogs(logRecord('checkout', { 'issue.id': 'abc123', 'issue.new': true }), T0 + S);
    await engine.tick(T0 + 10 * S);
    const [hook] = rx.at('/hook');
    expect(hook.body.alerts[0].labels).toEqual({ alertname: 'NewIssue', severity: 'warning', 'issue.id': 'abc123', 'service.name': 'checkout' });
    expect(hook.body.alerts[0].annotations.link).toBe('http://summit.example:9095/issues/abc123');
    for (let t = T0 + 20 * S; t <= T0 + 12 * M; t += 10 * S) await engine.tick(t);
    expect(rx.at('/hook').map((h) => h.body.status)).toEqual(['firing', 'resolved']);
  });

  it('counts span events per issue: more than 2 regressions in 10 minutes fire, labelled from event, span and resource', async () => {
    const { engine } = await open(
      config({
        rules: [
          {
            alert: 'RegressionStorm',
            group_by: ['issue.id', 'http.route', 'service.name'],
            event: { context: 'spanevent', condition: ['attributes["issue.regressed"] == true'], window: '10m', op: '>', threshold: 2 },
            annotations: { summary: '{{ .value }} regressions of {{ .labels.issue.id }}' },
          },
        ],
        route: { receiver: 'team', group_wait: '0s', group_interval: '1m' },
      }),
    );
    for (let i = 0; i < 2; i++) engine.ingestTraces(spanWithException('cart', { 'issue.id': 'f00d', 'issue.regressed': true }), T0 + i * S);
    engine.ingestTraces(spanWithException('cart', { 'issue.id': 'f00d' }), T0 + 2 * S);
    await engine.tick(T0 + 10 * S);
    expect(rx.received).toHaveLength(0);
    engine.ingestTraces(spanWithException('cart', { 'issue.id': 'f00d', 'issue.regressed': true }), T0 + 11 * S);
    await engine.tick(T0 + 20 * S);
    const [hook] = rx.at('/hook');
    expect(hook.body.alerts[0].labels).toEqual({ alertname: 'RegressionStorm', 'issue.id': 'f00d', 'http.route': '/cart', 'service.name': 'cart' });
    expect(hook.body.alerts[0].annotations.summary).toBe('3 regressions of f00d');
  });
});

describe('escalation', () => {
  let ackServer: Server;
  let ackURL = '';
  let now = T0;

  async function escalating() {
    const e = await open(
      config({
        route: { receiver: 'team', group_wait: '0s', group_interval: '1m', escalation_policy: 'oncall' },
        receivers: [
          { name: 'team', webhook_configs: [{ url: `${rx.url}/hook` }] },
          { name: 'primary', webhook_configs: [{ url: `${rx.url}/primary` }], pagerduty_configs: [{ url: `${rx.url}/pd-primary`, routing_key: 'PRIMARYKEY' }] },
          { name: 'secondary', webhook_configs: [{ url: `${rx.url}/secondary` }] },
        ],
        escalation_policies: [
          {
            name: 'oncall',
            tiers: [
              { receiver: 'primary', escalate_after: '5m' },
              { receiver: 'secondary', escalate_after: '5m' },
            ],
            repeat: 1,
          },
        ],
        signing_secret: 'link-secret-0123456789',
      }),
    );
    ackServer = createServer(ackHandler({ state: e.state, secret: e.secret, clock: () => now }));
    await new Promise<void>((r) => ackServer.listen(0, '127.0.0.1', r));
    ackURL = `http://127.0.0.1:${(ackServer.address() as AddressInfo).port}`;
    closers.push(() => new Promise((r) => ackServer.close(r)));
    return e;
  }

  /** The page's link, pointed at the test's ack server. */
  const local = (link: string) => link.replace('http://summit.example:9095', ackURL);

  async function drive(engine: { ingestMetrics: Function; tick: (t: number) => Promise<void> }, traffic: Traffic, until: number) {
    for (; now <= until; now += 10 * S) {
      engine.ingestMetrics(traffic.step(100, 0.3), now);
      await engine.tick(now);
    }
  }

  it('pages tier 2 when tier 1 does not acknowledge; the signed link stops it; forged and reused links are refused', async () => {
    now = T0;
    const { engine, state } = await escalating();
    const traffic = new Traffic();
    await drive(engine, traffic, T0 + 2 * M);
    const [page1] = rx.at('/primary');
    expect(page1.body.incident).toMatchObject({ id: 1, tier: 1 });
    expect(rx.at('/secondary')).toHaveLength(0);
    expect(state.incidents('open')).toHaveLength(1);

    await drive(engine, traffic, T0 + 7 * M);
    const [page2] = rx.at('/secondary');
    expect(page2.body.incident).toMatchObject({ id: 1, tier: 2 });

    const link = local(page2.body.incident.ack_url as string);
    const forged = link.replace(/sig=([^&]+)/, (_m, sig: string) => `sig=${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`);
    expect((await fetch(forged, { method: 'POST' })).status).toBe(403);
    const otherIncident = link.replace('/incidents/1/', '/incidents/2/');
    expect((await fetch(otherIncident, { method: 'POST' })).status).toBe(403);
    // GET only shows the button: a link preview does not use the link up
    expect((await fetch(link)).status).toBe(200);
    expect(state.incident(1)!.status).toBe('open');
    const ack = await fetch(link, { method: 'POST' });
    expect(ack.status).toBe(200);
    expect(await ack.text()).toBe('incident 1 acknowledged\n');
    expect((await fetch(link, { method: 'POST' })).status).toBe(409);
    expect(state.incident(1)).toMatchObject({ status: 'acknowledged', ackedBy: 'signed link' });

    // repeat: 1 would start over with tier 1 five minutes after tier 2; acknowledged, nobody is paged
    await drive(engine, traffic, T0 + 30 * M);
    expect(rx.at('/primary')).toHaveLength(1);
    expect(rx.at('/secondary')).toHaveLength(1);
    expect(state.events(1).map((e) => e.kind)).toEqual(['opened', 'paged', 'paged', 'acknowledged']);
    // PagerDuty, paged through tier 1, hears of the acknowledgement on the same dedup key
    const pd = rx.at('/pd-primary').map((r) => r.body);
    expect(pd.map((b) => b.event_action)).toEqual(['trigger', 'acknowledge']);
    expect(pd[1]).toEqual({ routing_key: 'PRIMARYKEY', event_action: 'acknowledge', dedup_key: pd[0].dedup_key });
  });

  it('an expired link is refused; without an ack the policy repeats once, then stops', async () => {
    now = T0;
    const { engine, state } = await escalating();
    const traffic = new Traffic();
    await drive(engine, traffic, T0 + 2 * M);
    const link = local(rx.at('/primary')[0].body.incident.resolve_url as string);
    await drive(engine, traffic, T0 + 40 * M);
    expect([rx.at('/primary').length, rx.at('/secondary').length]).toEqual([2, 2]);
    now = T0 + 25 * 3_600_000;
    expect((await fetch(link, { method: 'POST' })).status).toBe(403);
    expect(state.incident(1)!.status).toBe('open');
  });

  it('after a restart without its rule, an incident whose alerts are not reported again resolves after resolve_timeout', async () => {
    now = T0;
    const first = await escalating();
    await drive(first.engine, new Traffic(), T0 + 2 * M);
    expect(first.state.incident(1)!.status).toBe('open');
    // a new engine on the same state file, its config without the rule: nothing reports the alert again
    const second = await testEngine({ ...config(), rules: [], route: { receiver: 'team', escalation_policy: 'oncall' }, receivers: [{ name: 'team', webhook_configs: [{ url: `${rx.url}/hook` }] }, { name: 'primary', webhook_configs: [{ url: `${rx.url}/primary` }] }], escalation_policies: [{ name: 'oncall', tiers: [{ receiver: 'primary', escalate_after: '1h' }] }] }, join(dir, 'alerts.sqlite'));
    closers.push(() => second.delivery.shutdown());
    for (const end = now + 6 * M; now <= end; now += 10 * S) await second.engine.tick(now);
    expect(second.state.incident(1)).toMatchObject({ status: 'resolved', resolvedBy: 'alerts no longer reported' });
    expect(rx.at('/primary').map((r) => r.body.status)).toEqual(['firing', 'resolved']);
    second.state.close();
  });

  it('one incident per alert group, resolved with its alerts', async () => {
    now = T0;
    const { engine, state } = await escalating();
    const traffic = new Traffic();
    await drive(engine, traffic, T0 + 4 * M);
    expect(state.incidents()).toHaveLength(1);
    for (const end = now + 3 * M; now <= end; now += 10 * S) {
      engine.ingestMetrics(traffic.step(100, 0.6), now);
      await engine.tick(now);
    }
    // the error rate as it rose, in the timeline (the post-mortem's metric values): 0.3 when it opened, 0.6 at the end
    const values = state.events(1).flatMap((e) => ((e.detail.alerts ?? []) as { value: number }[]).map((a) => [e.kind, a.value]));
    expect(values[0]).toEqual(['opened', 0.3]);
    expect(values.at(-1)).toEqual(['values', 0.6]);
    // and before it fired: its values at each evaluation of the 1 m it was pending
    const opened = (state.events(1)[0].detail.alerts as { startsAt: number; pendingValues: { at: number; value: number }[] }[])[0];
    expect(opened.pendingValues.length).toBeGreaterThanOrEqual(5);
    expect(opened.pendingValues.every((p) => p.at < opened.startsAt && p.value === 0.3)).toBe(true);
    expect(opened.startsAt - opened.pendingValues[0].at).toBeGreaterThanOrEqual(60_000);
    const table = postmortemMarkdown(state.incident(1)!, state.events(1)).split('\n').find((l) => l.startsWith('| HighErrorRate'))!;
    const [, before, fired, peak, last] = table.split(' | ').map((c) => c.trim());
    expect(before.split(' → ')).toHaveLength(opened.pendingValues.length);
    expect([fired, peak, last]).toEqual(['0.3', '0.6', '0.6']);
    for (const end = now + 5 * M; now <= end; now += 10 * S) {
      engine.ingestMetrics(traffic.step(100, 0), now);
      await engine.tick(now);
    }
    expect(state.incident(1)).toMatchObject({ status: 'resolved', resolvedBy: 'alerts resolved' });
    // whoever was paged hears it resolved
    expect(rx.at('/primary').map((r) => r.body.status)).toEqual(['firing', 'resolved']);
    expect(rx.at('/pd-primary').map((r) => r.body.event_action)).toEqual(['trigger', 'resolve']);
  });
});
