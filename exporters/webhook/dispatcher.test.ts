/** Routing (matchers, continue, inherited timings) and alerts whose rule went quiet. */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { fingerprintOf, type Alert } from './alert.js';
import { Dispatcher, type Notification } from './dispatcher.js';
import { buildRoute, matchRoutes } from './routes.js';
import { AlertState } from './state.js';

const opened: AlertState[] = [];
afterEach(() => opened.splice(0).forEach((s) => s.close()));

function alert(labels: Record<string, string>, startsAt = 0): Alert {
  return { fingerprint: fingerprintOf(labels), labels, annotations: {}, startsAt };
}

it('routes as Alertmanager: first matching child, continue to the next, the parent when none matches', () => {
  const root = buildRoute(
    {
      receiver: 'default',
      group_wait: '10s',
      routes: [
        { matchers: ['severity="critical"'], receiver: 'pager', continue: true, group_wait: '0s' },
        { matchers: ['team=~"pay.*"'], receiver: 'payments' },
        { matchers: ['team="payments"'], receiver: 'never' },
      ],
    },
    undefined,
    '0',
    'route',
  );
  const receivers = (labels: Record<string, string>) => matchRoutes(root, labels).map((r) => `${r.receiver}:${r.groupWaitMs}`);
  expect(receivers({ severity: 'critical', team: 'payments' })).toEqual(['pager:0', 'payments:10000']);
  expect(receivers({ severity: 'warning', team: 'payments' })).toEqual(['payments:10000']);
  expect(receivers({ severity: 'warning', team: 'web' })).toEqual(['default:10000']);
});

it('an alert its rule stopped reporting resolves after resolve_timeout', async () => {
  const state = AlertState.open(join(tempDir('summit-dispatcher-'), 'alerts.sqlite'), { create: true });
  opened.push(state);
  const sent: Notification[] = [];
  const d = new Dispatcher({
    route: buildRoute({ receiver: 'r', group_wait: '0s', group_interval: '1m' }, undefined, '0', 'route'),
    inhibitRules: [],
    state,
    resolveTimeoutMs: 5 * 60_000,
    notify: async (n) => void sent.push(n),
  });
  d.put([alert({ alertname: 'Gone' })], 0);
  for (let t = 0; t <= 10 * 60_000; t += 60_000) await d.tick(t);
  expect(sent.map((n) => [n.status, n.alerts[0].endsAt])).toEqual([
    ['firing', undefined],
    ['resolved', 5 * 60_000],
  ]);
  expect(d.groupCount).toBe(0);
});
