/** Test stand-ins: a loopback server receiving notifications, and metric/log batches built in a line. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregationTemporality, type AnyValue, type Logs, type Metrics, type Traces } from '../../pipeline/model.js';
import { pino } from 'pino';
import { testContext, testHost } from '../../pipeline/testing.js';
import { resolveWebhookConfig, type WebhookExporterConfig } from './config.js';
import { Delivery } from './delivery.js';
import type { AlertingEngine } from './engine.js';
import { AlertState } from './state.js';
import { buildEngine } from './wiring.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

/** Stands in for Slack, PagerDuty, Teams, Discord and webhook endpoints: records every POST by path. */
export class LoopbackReceiver {
  readonly received: Received[] = [];
  /** The status answered; a 5xx records nothing (the sender must retry). */
  status = 200;
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        if (this.status >= 300) return void res.writeHead(this.status).end('unavailable');
        this.received.push({ path: req.url ?? '', headers: req.headers, raw, body: raw ? JSON.parse(raw) : undefined });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/**
 * The engine on a clock the test moves, delivering for real (no queue: a tick returns once sent);
 * it starts from the rule state in the file, as at `now`.
 */
export async function testEngine(config: WebhookExporterConfig, statePath: string, now = 0): Promise<{ engine: AlertingEngine; state: AlertState; secret: string; delivery: Delivery }> {
  const resolved = resolveWebhookConfig({ ...config, state_path: statePath }, '.');
  const state = AlertState.open(statePath, { create: true });
  const delivery = new Delivery(testContext({ id: 'webhook', kind: 'exporter' }), { sending_queue: { enabled: false }, retry_on_failure: { enabled: false } }, resolved.targets);
  await delivery.start(testHost());
  const secret = config.signing_secret ?? state.generatedSecret();
  const engine = buildEngine(resolved, state, delivery, secret, pino({ level: 'silent' }));
  engine.restore(now);
  return { engine, state, secret, delivery };
}

const resource = (attrs: Record<string, string>) => ({ attributes: new Map<string, AnyValue>(Object.entries(attrs)), droppedAttributesCount: 0 });
const scope = { name: 'test', version: '', attributes: new Map(), droppedAttributesCount: 0 };

/** One cumulative monotonic counter per resource, with points by attributes. */
export function counter(name: string, service: string, points: { attrs: Record<string, string>; value: number }[]): Metrics {
  return {
    resourceMetrics: [
      {
        resource: resource({ 'service.name': service }),
        schemaUrl: '',
        scopeMetrics: [
          {
            scope,
            schemaUrl: '',
            metrics: [
              {
                name,
                description: '',
                unit: '1',
                metadata: new Map(),
                data: {
                  type: 'sum',
                  isMonotonic: true,
                  aggregationTemporality: AggregationTemporality.Cumulative,
                  dataPoints: points.map((p) => ({ attributes: new Map(Object.entries(p.attrs)), startTimeUnixNano: 0n, timeUnixNano: 0n, value: p.value, exemplars: [], flags: 0 })),
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** A histogram series per call: cumulative bucket counts. */
export function histogram(name: string, service: string, bounds: number[], buckets: number[]): Metrics {
  const count = buckets.reduce((a, b) => a + b, 0);
  return {
    resourceMetrics: [
      {
        resource: resource({ 'service.name': service }),
        schemaUrl: '',
        scopeMetrics: [
          {
            scope,
            schemaUrl: '',
            metrics: [
              {
                name,
                description: '',
                unit: 'ms',
                metadata: new Map(),
                data: {
                  type: 'histogram',
                  aggregationTemporality: AggregationTemporality.Cumulative,
                  dataPoints: [{ attributes: new Map(), startTimeUnixNano: 0n, timeUnixNano: 0n, count, sum: 0, bucketCounts: buckets, explicitBounds: bounds, exemplars: [], flags: 0 }],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

export function logRecord(service: string, attrs: Record<string, AnyValue>): Logs {
  return {
    resourceLogs: [
      {
        resource: resource({ 'service.name': service }),
        schemaUrl: '',
        scopeLogs: [
          {
            scope,
            schemaUrl: '',
            logRecords: [
              {
                timeUnixNano: 0n,
                observedTimeUnixNano: 0n,
                severityNumber: 17,
                severityText: 'ERROR',
                body: 'boom',
                attributes: new Map(Object.entries(attrs)),
                droppedAttributesCount: 0,
                flags: 0,
                traceId: '',
                spanId: '',
                eventName: '',
              },
            ],
          },
        ],
      },
    ],
  };
}

/** A span with one `exception` span event carrying these attributes (what grouping marks). */
export function spanWithException(service: string, attrs: Record<string, AnyValue>): Traces {
  return {
    resourceSpans: [
      {
        resource: resource({ 'service.name': service }),
        schemaUrl: '',
        scopeSpans: [
          {
            scope,
            schemaUrl: '',
            spans: [
              {
                traceId: '1'.repeat(32),
                spanId: '2'.repeat(16),
                traceState: '',
                parentSpanId: '',
                flags: 0,
                name: 'GET /cart',
                kind: 2,
                startTimeUnixNano: 0n,
                endTimeUnixNano: 0n,
                attributes: new Map([['http.route', '/cart']]),
                droppedAttributesCount: 0,
                events: [{ timeUnixNano: 0n, name: 'exception', attributes: new Map(Object.entries(attrs)), droppedAttributesCount: 0 }],
                droppedEventsCount: 0,
                links: [],
                droppedLinksCount: 0,
                status: { code: 2, message: '' },
              },
            ],
          },
        ],
      },
    ],
  };
}
