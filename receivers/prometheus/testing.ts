/**
 * Test beds for the `prometheus` receiver: the receiver run alone with a collecting consumer,
 * a recording pass-through proxy (what a target really answered to one scrape), and plain
 * loopback targets serving a given body.
 */
import { gunzipSync } from 'node:zlib';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { ComponentInstance } from '../../pipeline/component.js';
import type { Metric, Metrics, ResourceMetrics } from '../../pipeline/model.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import type { PrometheusReceiverConfig } from './config.js';
import { prometheusReceiverFactory } from './index.js';

export interface RunningReceiver {
  instance: ComponentInstance;
  batches: Metrics[];
  logs: string[];
  /** Resolves with the first batch `accept` takes, polling; rejects after `timeoutMs`. */
  waitFor(accept: (m: Metrics) => boolean, timeoutMs?: number): Promise<Metrics>;
  stop(): Promise<void>;
}

export async function runReceiver(config: Partial<PrometheusReceiverConfig> & Pick<PrometheusReceiverConfig, 'config'>, configDir = '.'): Promise<RunningReceiver> {
  const batches: Metrics[] = [];
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const full: PrometheusReceiverConfig = { trim_metric_suffixes: false, use_start_time_metric: false, report_extra_scrape_metrics: false, ...config };
  const problems = prometheusReceiverFactory.validate!(full);
  if (problems.length) throw new Error(`invalid config: ${JSON.stringify(problems)}`);
  const instance = await prometheusReceiverFactory.create(testContext({ id: 'prometheus', kind: 'receiver', signals: ['metrics'], logger, configDir }), full, {
    metrics: { consume: async (m) => void batches.push(m) },
  });
  await instance.start!(testHost());
  return {
    instance,
    batches,
    logs,
    async waitFor(accept, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = batches.find(accept);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching batch after ${timeoutMs} ms; ${batches.length} batches; log:\n${logs.slice(-10).join('')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => instance.shutdown!({ deadline: Date.now() + 5000, dropped: () => undefined }),
  };
}

export function resourceAttr(rm: ResourceMetrics, key: string): unknown {
  return rm.resource.attributes.get(key);
}

export function allMetrics(m: Metrics): Metric[] {
  return m.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
}

export function metricNamed(m: Metrics, name: string): Metric | undefined {
  return allMetrics(m).find((x) => x.name === name);
}

/** The value of a gauge's single point, e.g. `up`. */
export function gaugeValue(m: Metrics, name: string): number | undefined {
  const metric = metricNamed(m, name);
  if (!metric || metric.data.type !== 'gauge') return undefined;
  return Number(metric.data.dataPoints[0]?.value);
}

export interface Recorded {
  body: string;
  contentType: string;
  accept: string;
}

/** A proxy in front of `upstreamPort` keeping every answer it delivered, decompressed. */
export async function recordingProxy(upstreamPort: number): Promise<{ port: number; recorded: Recorded[]; close(): Promise<void> }> {
  const recorded: Recorded[] = [];
  const server = createServer((req, res) => {
    const out = request({ host: '127.0.0.1', port: upstreamPort, path: req.url, method: 'GET', headers: { ...req.headers, host: `127.0.0.1:${upstreamPort}` } }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = up.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        // kept only once delivered: an answer the scraper gave up on (timeout) is no scrape
        res.once('finish', () => recorded.push({ body: body.toString('utf8'), contentType: String(up.headers['content-type'] ?? ''), accept: String(req.headers.accept ?? '') }));
        res.writeHead(up.statusCode ?? 502, up.headers);
        res.end(raw);
      });
    });
    out.on('error', () => res.writeHead(502).end());
    out.end();
  });
  const port = await listen(server);
  return { port, recorded, close: () => close(server) };
}

/** A target answering every request with `handler`. */
export async function fakeTarget(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; requests: IncomingMessage[]; close(): Promise<void> }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  const port = await listen(server);
  return { port, requests, close: () => close(server) };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}
