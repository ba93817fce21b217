/**
 * The alerting targets of issue 14: 10,000 active series evaluated by 50 rules every 10 s (CPU
 * per round as a share of a core), 1,000 alerts firing at once grouped and flushed (time from
 * group_wait to every group's notification queued), and heap per active alert.
 */
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { AggregationTemporality, type Metric, type Metrics } from '../pipeline/model.js';
import { resolveWebhookConfig, type WebhookExporterConfig } from '../exporters/webhook/config.js';
import type { RuleConfig } from '../exporters/webhook/rules.js';
import { AlertState } from '../exporters/webhook/state.js';
import { buildEngine } from '../exporters/webhook/wiring.js';
import type { Alert } from '../exporters/webhook/alert.js';
import { fingerprintOf } from '../exporters/webhook/alert.js';
import type { Message } from '../exporters/webhook/integrations.js';
import { tempDir } from '../test/helpers.js';
import { measure, median, table } from './harness.js';

const SERVICES = 50;
const ROUTES = 20;
const METRICS = 10; // 10 metrics × 50 services × 20 routes = 10,000 series
const RULES = 50;
const ROUND_MS = 10_000;
const BOUNDS = [5, 10, 25, 50, 100, 250, 500, 1000];

/** One round of samples: 5 counters and 5 histograms, cumulative, for every service and route. */
function round(i: number): Metrics {
  return {
    resourceMetrics: Array.from({ length: SERVICES }, (_, s) => ({
      resource: { attributes: new Map([['service.name', `svc-${s}`]]), droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeMetrics: [
        {
          scope: { name: 'bench', version: '', attributes: new Map(), droppedAttributesCount: 0 },
          schemaUrl: '',
          metrics: Array.from({ length: METRICS }, (_, m): Metric => {
            const attributes = (r: number) => new Map([['http.route', `/r${r}`]]);
            if (m % 2 === 0) {
              return {
                name: `counter.${m}`,
                description: '',
                unit: '1',
                metadata: new Map(),
                data: {
                  type: 'sum',
                  isMonotonic: true,
                  aggregationTemporality: AggregationTemporality.Cumulative,
                  dataPoints: Array.from({ length: ROUTES }, (_, r) => ({ attributes: attributes(r), startTimeUnixNano: 0n, timeUnixNano: 0n, value: i * (r + 1), exemplars: [], flags: 0 })),
                },
              };
            }
            return {
              name: `histogram.${m}`,
              description: '',
              unit: 'ms',
              metadata: new Map(),
              data: {
                type: 'histogram',
                aggregationTemporality: AggregationTemporality.Cumulative,
                dataPoints: Array.from({ length: ROUTES }, (_, r) => ({
                  attributes: attributes(r),
                  startTimeUnixNano: 0n,
                  timeUnixNano: 0n,
                  count: i * 9,
                  sum: i * 500,
                  bucketCounts: [i, i, i, i, i, i, i, i, i],
                  explicitBounds: BOUNDS,
                  exemplars: [],
                  flags: 0,
                })),
              },
            };
          }),
        },
      ],
    })),
  };
}

function rules(): RuleConfig[] {
  return Array.from({ length: RULES }, (_, i) => {
    const m = i % METRICS;
    const fn = m % 2 === 0 ? (['rate', 'increase', 'avg', 'max'] as const)[i % 4] : (['p95', 'p99', 'rate', 'avg'] as const)[i % 4];
    return { alert: `Rule${i}`, group_by: ['service.name'], for: '5m', expr: { metric: m % 2 === 0 ? `counter.${m}` : `histogram.${m}`, function: fn, window: '5m', op: '>', threshold: 1e12 } };
  });
}

function config(rs: RuleConfig[], route: WebhookExporterConfig['route']): WebhookExporterConfig {
  return { rules: rs, route, receivers: [{ name: 'sink', webhook_configs: [{ url: 'http://127.0.0.1:9/' }] }] };
}

function engineWith(c: WebhookExporterConfig, dir: string, deliver: (m: Message) => Promise<void>) {
  const resolved = resolveWebhookConfig(c, dir);
  const state = AlertState.open(join(dir, `${Math.random()}.sqlite`), { create: true });
  return { engine: buildEngine(resolved, state, { deliver }, 'bench-secret-0123456789', pino({ level: 'silent' })), state };
}

function gc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export async function alertingSuite(): Promise<string> {
  const dir = tempDir('summit-bench-alerting-');
  const out: string[] = [];

  // 1. evaluation: each run is one 10 s round — a sample for each of the 10,000 series, then 50 rules
  const batches = Array.from({ length: 40 }, (_, i) => round(i + 1));
  const { engine, state } = engineWith(config(rules(), { receiver: 'sink' }), dir, async () => undefined);
  const ingestOnly = engineWith(config(rules(), { receiver: 'sink' }), dir, async () => undefined);
  let now = 0;
  let k = 0;
  for (; k < 31; k++, now += ROUND_MS) engine.ingestMetrics(batches[k % batches.length], now), ingestOnly.engine.ingestMetrics(batches[k % batches.length], now);
  const series = engine.store.size;
  const results = await measure([
    { name: 'ingest a round (peer)', run: async () => (ingestOnly.engine.ingestMetrics(batches[k % batches.length], now), ingestOnly.engine.store.prune(now), series) },
    {
      name: 'ingest + evaluate 50 rules',
      run: async () => {
        engine.ingestMetrics(batches[k++ % batches.length], now);
        engine.evaluate(now);
        now += ROUND_MS;
        return series;
      },
    },
  ]);
  const perRound = series / results[1].unitsPerSecond;
  out.push(table(`alerting: ${series} series × ${RULES} rules (5m windows, 10 s rounds)`, 'series', results, 'ingest a round (peer)'));
  out.push(`CPU per 10 s round: ${(perRound * 1000).toFixed(1)} ms = ${((perRound / 10) * 100).toFixed(2)}% of a core (target < 10%)\n`);
  state.close();
  ingestOnly.state.close();

  // 2. 1,000 alerts firing at once, group_by service.name (50 groups): time from group_wait to every group queued
  const latencies: number[] = [];
  for (let r = 0; r < 7; r++) {
    let queued = 0;
    const g = engineWith(config([], { receiver: 'sink', group_by: ['service.name'], group_wait: '30s' }), dir, async () => void queued++);
    const alerts: Alert[] = Array.from({ length: 1000 }, (_, i) => {
      const labels = { alertname: `A${i % 20}`, 'service.name': `svc-${i % SERVICES}`, instance: `i-${i}` };
      return { fingerprint: fingerprintOf(labels), labels, annotations: { summary: `alert ${i}` }, startsAt: 0 };
    });
    g.engine.dispatcher.put(alerts, 0);
    const start = process.hrtime.bigint();
    await g.engine.dispatcher.tick(30_000);
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (queued !== SERVICES) throw new Error(`expected ${SERVICES} grouped notifications, got ${queued}`);
    g.state.close();
  }
  out.push(`1,000 alerts → ${SERVICES} grouped notifications: flushed ${median(latencies).toFixed(1)} ms (median of 7) after group_wait (target < 1 s)\n`);

  // 3. heap per active alert: 10,000 firing alerts held by rules and the dispatcher
  const collect = gc();
  collect();
  const before = process.memoryUsage().heapUsed;
  const m = engineWith(config([{ alert: 'Everything', group_by: ['service.name', 'http.route'], expr: { metric: 'c', function: 'last', window: '5m', op: '>=', threshold: 0 } }], { receiver: 'sink', group_by: ['service.name'] }), dir, async () => undefined);
  const points: Metrics = counterOf(10_000);
  m.engine.ingestMetrics(points, 0);
  m.engine.evaluate(0);
  collect();
  const perAlert = (process.memoryUsage().heapUsed - before) / 10_000;
  out.push(`heap per active alert (its series, rule state, alert and group entry): ${(perAlert / 1024).toFixed(2)} KiB\n`);
  m.state.close();
  return out.join('\n');
}

function counterOf(n: number): Metrics {
  return {
    resourceMetrics: Array.from({ length: n / 100 }, (_, s) => ({
      resource: { attributes: new Map([['service.name', `svc-${s}`]]), droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeMetrics: [
        {
          scope: { name: 'bench', version: '', attributes: new Map(), droppedAttributesCount: 0 },
          schemaUrl: '',
          metrics: [
            {
              name: 'c',
              description: '',
              unit: '1',
              metadata: new Map(),
              data: { type: 'gauge', dataPoints: Array.from({ length: 100 }, (_, r) => ({ attributes: new Map([['http.route', `/r${r}`]]), startTimeUnixNano: 0n, timeUnixNano: 0n, value: 1, exemplars: [], flags: 0 })) },
            },
          ],
        },
      ],
    })),
  };
}
