/**
 * A real Alertmanager (Debian's prometheus-alertmanager, installed by .ci/run) receives
 * Summit's alerts through its API v2, and its own API then lists them with Summit's labels.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, tempDir, writeFile } from '../../test/helpers.js';
import { counter, testEngine } from './testing.js';

const S = 1000;
// the test's clock runs ten minutes behind: what it resolves has ended for Alertmanager too
const T0 = Date.now() - 10 * 60 * S;
let am: ChildProcess;
let amURL = '';
let dir = '';

beforeAll(async () => {
  dir = tempDir('summit-alertmanager-');
  const config = writeFile(dir, 'alertmanager.yml', 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n');
  const port = await freePort();
  amURL = `http://127.0.0.1:${port}`;
  am = spawn('prometheus-alertmanager', [`--config.file=${config}`, `--storage.path=${join(dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: 'ignore' });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${amURL}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline || am.exitCode !== null) throw new Error('alertmanager did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(() => {
  am?.kill('SIGKILL');
});

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
}

async function amAlerts(): Promise<AmAlert[]> {
  return (await (await fetch(`${amURL}/api/v2/alerts`)).json()) as AmAlert[];
}

it('Alertmanager lists the alerts Summit sends to /api/v2/alerts, and drops them once resolved', async () => {
  const { engine, state, delivery } = await testEngine(
    {
      rules: [
        {
          alert: 'TooManyRequests',
          severity: 'warning',
          group_by: ['service.name'],
          expr: { metric: 'requests', function: 'increase', window: '1m', op: '>', threshold: 50 },
          labels: { team: 'web' },
          annotations: { summary: '{{ .labels.service.name }} got {{ .value }} requests' },
        },
      ],
      route: { receiver: 'am', group_wait: '0s', group_interval: '10s' },
      receivers: [{ name: 'am', alertmanager_configs: [{ url: amURL }] }],
    },
    join(dir, 'alerts.sqlite'),
  );
  try {
    let total = 0;
    for (let t = T0; t <= T0 + 20 * S; t += 10 * S) {
      engine.ingestMetrics(counter('requests', 'shop', [{ attrs: {}, value: (total += 100) }]), t);
      engine.ingestMetrics(counter('requests', 'blog', [{ attrs: {}, value: total / 100 }]), t);
      await engine.tick(t);
    }
    const alerts = await amAlerts();
    expect(alerts.map((a) => a.labels)).toEqual([{ alertname: 'TooManyRequests', severity: 'warning', service_name: 'shop', team: 'web' }]);
    expect(alerts[0].annotations.summary).toBe('shop got 100 requests');
    expect(alerts[0].status.state).toBe('active');

    // no more requests: the alert resolves, and Summit tells Alertmanager (endsAt now)
    for (let t = T0 + 30 * S; t <= T0 + 120 * S; t += 10 * S) {
      engine.ingestMetrics(counter('requests', 'shop', [{ attrs: {}, value: total }]), t);
      await engine.tick(t);
    }
    expect(await amAlerts()).toEqual([]);
  } finally {
    await delivery.shutdown();
    state.close();
  }
});
