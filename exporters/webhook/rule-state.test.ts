/**
 * Rule state across restarts, on a clock the test moves: a second engine opened on the state
 * file of the first (which is dropped without any shutdown, as kill -9 leaves it) carries on
 * with its windows, pending `for` clocks and firing alerts. restart.test.ts does the same with
 * a real process killed by SIGKILL. A loopback server stands in for the webhook receiver.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import type { WebhookExporterConfig } from './config.js';
import { restoredActiveAt } from './rules.js';
import { AlertState } from './state.js';
import { counter, histogram, LoopbackReceiver, logRecord, testEngine } from './testing.js';

const S = 1000;
const M = 60 * S;
const T0 = Date.UTC(2026, 0, 1);

let rx: LoopbackReceiver;
let dir: string;
const closers: (() => unknown)[] = [];

beforeEach(async () => {
  rx = await new LoopbackReceiver().start();
  dir = tempDir('summit-rule-state-');
});
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await rx.close();
});

function config(rules: WebhookExporterConfig['rules'], extra: Partial<WebhookExporterConfig> = {}): WebhookExporterConfig {
  return {
    evaluation_interval: '10s',
    rules,
    route: { receiver: 'team', group_wait: '0s', group_interval: '10s', repeat_interval: '4h' },
    receivers: [{ name: 'team', webhook_configs: [{ url: `${rx.url}/hook` }] }],
    ...extra,
  };
}

/** An engine on the shared state file, started (restored) at `now`; left as a killed process leaves it. */
async function start(c: WebhookExporterConfig, now: number) {
  const e = await testEngine(c, join(dir, 'alerts.sqlite'), now);
  closers.push(() => e.delivery.shutdown(), () => e.state.close());
  return e.engine;
}

/** Cumulative request counter of a service, failing at `share` from now on. */
class Traffic {
  total = 0;
  errors = 0;
  constructor(private readonly service = 'checkout') {}
  step(share: number) {
    this.total += 100;
    this.errors += 100 * share;
    return counter('http.requests', this.service, [
      { attrs: { outcome: 'ok' }, value: this.total - this.errors },
      { attrs: { outcome: 'error' }, value: this.errors },
    ]);
  }
}

const errorRate = (forText: string): NonNullable<WebhookExporterConfig['rules']> => [
  {
    alert: 'HighErrorRate',
    group_by: ['service.name'],
    for: forText,
    expr: { metric: 'http.requests', where: { outcome: 'error' }, function: 'rate', window: '1m', divided_by: { metric: 'http.requests', function: 'rate', window: '1m' }, op: '>', threshold: 0.05 },
    annotations: { summary: '{{ .value }}' },
  },
];

type Engine = Awaited<ReturnType<typeof start>>;

/** One sample every 10 s from `from` to `to` (inclusive), ticking after each. */
async function run(engine: Engine, traffic: Traffic, from: number, to: number, share: number): Promise<void> {
  for (let t = from; t <= to; t += 10 * S) {
    engine.ingestMetrics(traffic.step(share), t);
    await engine.tick(t);
  }
}

const firingTimes = () => rx.at('/hook').map((r) => [r.body.status, Date.parse(r.body.alerts[0].startsAt)]);

describe('a restart keeps', () => {
  it("a pending alert's for clock: it fires when it would have without the restart", async () => {
    const traffic = new Traffic();
    const first = await start(config(errorRate('2m')), T0);
    // errors from T0: the ratio holds from the second sample (T0 + 10s)
    await run(first, traffic, T0, T0 + 60 * S, 0.2);
    expect(rx.received).toHaveLength(0);

    const second = await start(config(errorRate('2m')), T0 + 70 * S);
    await run(second, traffic, T0 + 70 * S, T0 + 4 * M, 0.2);
    // pending since T0 + 10s, for 2m: fires at T0 + 2m10s (a fresh clock would say T0 + 3m20s)
    expect(firingTimes()).toEqual([['firing', T0 + 130 * S]]);
  });

  it('a firing alert: not notified again as new, resolved once when it stops', async () => {
    const traffic = new Traffic();
    const first = await start(config(errorRate('1m')), T0);
    await run(first, traffic, T0, T0 + 2 * M, 0.2);
    expect(firingTimes()).toEqual([['firing', T0 + 70 * S]]);

    const second = await start(config(errorRate('1m')), T0 + 130 * S);
    await run(second, traffic, T0 + 130 * S, T0 + 10 * M, 0.2);
    expect(rx.at('/hook')).toHaveLength(1);
    await run(second, traffic, T0 + 10 * M + 10 * S, T0 + 13 * M, 0);
    expect(firingTimes()).toEqual([
      ['firing', T0 + 70 * S],
      ['resolved', T0 + 70 * S],
    ]);
  });

  it('a firing alert that stops holding right after the restart: the resolved notification still goes out', async () => {
    const traffic = new Traffic();
    const first = await start(config(errorRate('0s')), T0);
    await run(first, traffic, T0, T0 + 30 * S, 0.5);
    expect(firingTimes()).toEqual([['firing', T0 + 10 * S]]);
    // down for 2 minutes: the window holds nothing new, so the first evaluation resolves it
    const second = await start(config(errorRate('0s')), T0 + 150 * S);
    for (let t = T0 + 150 * S; t <= T0 + 200 * S; t += 10 * S) await second.tick(t);
    expect(rx.at('/hook').map((r) => [r.body.status, Date.parse(r.body.alerts[0].endsAt)])).toEqual([
      ['firing', -62135596800000],
      ['resolved', T0 + 150 * S],
    ]);
  });

  it('the window samples: a p95 over 10m sees the histogram it had before the restart', async () => {
    const rules: WebhookExporterConfig['rules'] = [{ alert: 'Slow', group_by: ['service.name'], expr: { metric: 'latency', function: 'p95', window: '10m', op: '>', threshold: 100 } }];
    const first = await start(config(rules), T0);
    // cumulative: 100 slow observations between the first two samples, then nothing new
    first.ingestMetrics(histogram('latency', 'api', [50, 100, 500], [0, 0, 0, 0]), T0);
    first.ingestMetrics(histogram('latency', 'api', [50, 100, 500], [0, 0, 100, 0]), T0 + 10 * S);
    await first.tick(T0 + 10 * S);
    expect(rx.at('/hook')).toHaveLength(1);
    rx.received.length = 0;

    const second = await start(config(rules, { route: { receiver: 'team', group_wait: '0s', group_interval: '10s', repeat_interval: '1m' } }), T0 + 20 * S);
    second.ingestMetrics(histogram('latency', 'api', [50, 100, 500], [0, 0, 100, 0]), T0 + 20 * S);
    await second.tick(T0 + 20 * S);
    await second.tick(T0 + 80 * S);
    // still firing from the restored samples: repeated after repeat_interval, with its value
    const [again] = rx.at('/hook');
    expect(again.body.alerts[0]).toMatchObject({ status: 'firing', startsAt: new Date(T0 + 10 * S).toISOString(), value: 480 });
  });

  it('event windows: the events counted before the restart still count (issue frequency)', async () => {
    const rules: WebhookExporterConfig['rules'] = [{ alert: 'FrequentIssue', group_by: ['issue.id'], event: { context: 'log', condition: 'attributes["issue.id"] != nil', window: '10m', op: '>', threshold: 3 } }];
    const first = await start(config(rules), T0);
    for (let i = 0; i < 3; i++) first.ingestLogs(logRecord('checkout', { 'issue.id': 'abc' }), T0 + i * S);
    // two more in one batch at the same instant: stored as one count of 2
    first.ingestLogs(logRecord('checkout', { 'issue.id': 'other' }), T0 + 5 * S);
    first.ingestLogs(logRecord('checkout', { 'issue.id': 'other' }), T0 + 5 * S);
    await first.tick(T0 + 10 * S);
    expect(rx.received).toHaveLength(0);

    const second = await start(config(rules), T0 + 20 * S);
    second.ingestLogs(logRecord('checkout', { 'issue.id': 'abc' }), T0 + 20 * S);
    second.ingestLogs(logRecord('checkout', { 'issue.id': 'other' }), T0 + 20 * S);
    await second.tick(T0 + 30 * S);
    expect(rx.at('/hook').map((r) => [r.body.alerts[0].labels['issue.id'], r.body.alerts[0].value])).toEqual([['abc', 4]]);
    // the window moves on: the old events leave it after 10 minutes, and the alert resolves
    for (let t = T0 + 40 * S; t <= T0 + 11 * M; t += 10 * S) await second.tick(t);
    expect(rx.at('/hook').map((r) => r.body.status)).toEqual(['firing', 'resolved']);
  });
});

describe('the sample log', () => {
  it('is cut to twice the longest window, keeping the last sample of a series that went quiet (dead man’s switch)', async () => {
    const rules: WebhookExporterConfig['rules'] = [{ alert: 'Quiet', group_by: ['service.name'], expr: { metric: 'http.requests', function: 'absent', window: '1m' } }];
    const first = await start(config(rules), T0);
    const cart = new Traffic('cart');
    const checkout = new Traffic('checkout');
    for (let t = T0; t <= T0 + 30 * M; t += 10 * S) {
      first.ingestMetrics(cart.step(0), t);
      if (t <= T0 + 10 * S) first.ingestMetrics(checkout.step(0), t);
      await first.tick(t);
    }
    expect(rx.at('/hook').map((r) => [r.body.status, r.body.alerts[0].labels['service.name']])).toEqual([['firing', 'checkout']]);
    const db = new Database(join(dir, 'alerts.sqlite'), { readonly: true });
    closers.push(() => db.close());
    // cart: two series (ok, error) × one sample per 10 s over at most 2 minutes and one save; checkout: its last sample
    const rows = (db.prepare('SELECT count(*) AS n FROM rule_samples').get() as { n: number }).n;
    expect(rows).toBeLessThanOrEqual(2 * 14 + 2);
    expect(rows).toBeGreaterThan(2 * 6);

    // restarted: checkout is still known (and still absent), so its alert neither resolves nor is notified again
    const second = await start(config(rules), T0 + 31 * M);
    for (let t = T0 + 31 * M; t <= T0 + 40 * M; t += 10 * S) {
      second.ingestMetrics(cart.step(0), t);
      await second.tick(t);
    }
    expect(rx.at('/hook')).toHaveLength(1);
  });
});

describe('for-state after an outage, as Prometheus restores it', () => {
  const saved = (activeAt: number) => ({ labels: {}, activeAt });
  const grace = 10 * M;

  it('keeps the clock when for is within the grace period', () => {
    expect(restoredActiveAt(saved(0), 5 * M, 2 * M, 30 * M, grace)).toBe(0);
  });

  it('does not count the outage for a long for', () => {
    // pending 10m of 60m before going down for 5m: 50m remain after the restart
    expect(restoredActiveAt(saved(0), 60 * M, 10 * M, 15 * M, grace)).toBe(5 * M);
  });

  it('waits at least the grace period after the restart', () => {
    // 58m of 60m pending when it went down: fires 10m after the restart, not 2m
    expect(restoredActiveAt(saved(0), 60 * M, 58 * M, 59 * M, grace)).toBe(59 * M + grace - 60 * M);
  });

  it('starts a pending alert over after an outage longer than for_outage_tolerance', async () => {
    const traffic = new Traffic();
    const c = config(errorRate('2m'), { for_outage_tolerance: '5m' });
    const first = await start(c, T0);
    await run(first, traffic, T0, T0 + 60 * S, 0.2);
    const second = await start(c, T0 + 7 * M);
    await run(second, traffic, T0 + 7 * M, T0 + 12 * M, 0.2);
    // the clock started again at the first evaluation after the restart (T0 + 7m: the sample kept
    // from before the outage is where the rate starts), not at T0 + 10s
    expect(firingTimes()).toEqual([['firing', T0 + 9 * M]]);
  });
});

it('a state file from before rule state (schema 1) is upgraded when opened, its incidents kept', () => {
  const path = join(dir, 'old.sqlite');
  const state = AlertState.open(path, { create: true });
  state.createIncident({ groupKey: 'g', policy: 'p', title: 'Old', labels: {}, openedAt: T0 }, {});
  state.close();
  const db = new Database(path);
  for (const table of ['rule_windows', 'rule_samples', 'rule_alerts', 'rule_saves', 'deployments']) db.exec(`DROP TABLE ${table}`);
  db.pragma('user_version = 1');
  db.close();

  const upgraded = AlertState.open(path, { create: false });
  closers.push(() => upgraded.close());
  expect(upgraded.incident(1)!.title).toBe('Old');
  upgraded.recordDeployments([{ id: '1', status: 'succeeded', at: T0, environment: 'production', repository: 'r', service: '', revision: 'abc' }], T0);
  expect(upgraded.deployments(T0 - 1, T0 + 1)).toHaveLength(1);
  expect(upgraded.ruleState(60_000).load(new Set(), new Set())).toMatchObject({ evaluatedAt: undefined, windows: new Map(), alerts: new Map() });
});
