/**
 * The exporter helper's persistent queue on real files, sending over real HTTP to a backend on
 * 127.0.0.1 that refuses connections for a while.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../../pipeline/builders.js';
import type { ComponentFactory, NextConsumers } from '../../pipeline/component.js';
import { permanentError, retryableError } from '../../pipeline/errors.js';
import { createExporterHelper, type ExporterHelperConfig, type SendFunction } from '../../pipeline/exporterhelper/index.js';
import { metricValue } from '../../pipeline/exporterhelper/testing.js';
import { encodeSignal } from '../../pipeline/otlpjson/index.js';
import { Service } from '../../pipeline/service.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { freePort } from '../../test/helpers.js';
import { fileStorageExtensionFactory } from './index.js';
import type { FileStorage } from './storage.js';

/** A backend that records the span names it was sent. */
class Backend {
  readonly received: string[] = [];
  private server?: Server;

  constructor(readonly port: number) {}

  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const json = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] };
        for (const rs of json.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) this.received.push(s.name);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

/** What an OTLP/HTTP-like exporter's send looks like on top of the helper. */
function httpSend(port: number): SendFunction {
  return async (signal, data, abort) => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/${signal}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(encodeSignal(signal, data)),
      signal: abort,
    });
    await res.text();
    if (res.status === 429 || res.status >= 500) throw retryableError(`HTTP ${res.status}`);
    if (!res.ok) throw permanentError(`HTTP ${res.status}`);
  };
}

const CONFIG: ExporterHelperConfig = {
  timeout: '1s',
  retry_on_failure: { initial_interval: '20ms', max_interval: '100ms', max_elapsed_time: '0', randomization_factor: 0 },
  sending_queue: { storage: 'file_storage/queue', num_consumers: 4 },
};

const batch = (tag: string, n: number) => tracesOf(Array.from({ length: n }, (_, i) => newSpan({ name: `${tag}.${i}` })));

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('persistent sending queue over HTTP', () => {
  it('delivers everything exactly once after the backend was unreachable for a while', async () => {
    const port = await freePort();
    const backend = new Backend(port);
    cleanups.push(() => backend.down());
    const dir = mkdtempSync(join(tmpdir(), 'summit-pq-'));
    const storage = fileStorageExtensionFactory.create(
      testContext({ id: 'file_storage/queue', kind: 'extension', logger: pino({ level: 'silent' }) }),
      { directory: dir },
      {},
    ) as FileStorage;
    await storage.start();
    const ctx = testContext({ id: 'otlphttp', kind: 'exporter', signals: ['traces'], logger: pino({ level: 'silent' }) });
    const helper = createExporterHelper(ctx, CONFIG, httpSend(port));
    await helper.start(testHost({ 'file_storage/queue': storage }));

    const sent: string[] = [];
    for (let i = 0; i < 30; i++) {
      await helper.consumers.traces!.consume(batch(`b${i}`, 2));
      sent.push(`b${i}.0`, `b${i}.1`);
    }
    await new Promise((r) => setTimeout(r, 200)); // connection refused, retrying
    expect(backend.received).toEqual([]);
    expect(await metricValue(ctx.telemetry, 'otelcol_exporter_retries_total', { exporter: 'otlphttp' })).toBeGreaterThan(0);

    await backend.up();
    await until(() => backend.received.length >= sent.length);
    await helper.shutdown();
    await storage.shutdown();
    expect(new Set(backend.received).size).toBe(sent.length);
    expect([...backend.received].sort()).toEqual([...sent].sort());
    expect(await metricValue(ctx.telemetry, 'otelcol_exporter_sent_spans_total', { exporter: 'otlphttp' })).toBe(60);
    // everything acknowledged: nothing left on disk
    expect(readdirSync(join(dir, 'exporter%2Fotlphttp.traces'))).toEqual([]);
  });

  it('keeps the queue on disk when shut down while the backend is down, and delivers it after a restart', async () => {
    const port = await freePort();
    const backend = new Backend(port);
    cleanups.push(() => backend.down());
    const dir = mkdtempSync(join(tmpdir(), 'summit-pq-'));

    let next: NextConsumers = {};
    const receiver: ComponentFactory = {
      type: 'push', kind: 'receiver', signals: ['traces'], stability: 'development', configSchema: {},
      create: (_ctx, _c, n) => ((next = n), {}),
    };
    const exporter: ComponentFactory = {
      type: 'httpx', kind: 'exporter', signals: ['traces'], stability: 'development', configSchema: {},
      create: (ctx, config) => createExporterHelper(ctx, config as ExporterHelperConfig, httpSend(port)),
    };
    const service = () =>
      new Service({
        spec: {
          receivers: new Map([['push', { id: 'push', factory: receiver, config: {}, configDir: '.' }]]),
          processors: new Map(),
          exporters: new Map([['httpx', { id: 'httpx', factory: exporter, config: CONFIG, configDir: '.' }]]),
          connectors: new Map(),
          extensions: new Map([['file_storage/queue', { id: 'file_storage/queue', factory: fileStorageExtensionFactory, config: { directory: dir }, configDir: '.' }]]),
          pipelines: [{ id: 'traces', signal: 'traces', receivers: ['push'], processors: [], exporters: ['httpx'] }],
          serviceExtensions: ['file_storage/queue'],
        },
        logger: pino({ level: 'silent' }),
        shutdownTimeoutMs: 3000,
        metricsAddress: null,
      });

    const first = service();
    await first.start();
    for (let i = 0; i < 10; i++) await next.traces!.consume(batch(`r${i}`, 3));
    await new Promise((r) => setTimeout(r, 100));
    const stopping = Date.now();
    await first.shutdown();
    expect(Date.now() - stopping).toBeLessThan(1500);
    expect(readdirSync(join(dir, 'exporter%2Fhttpx.traces')).length).toBeGreaterThan(0);

    await backend.up();
    const second = service();
    await second.start();
    cleanups.push(() => second.shutdown());
    await until(() => new Set(backend.received).size === 30);
    expect(new Set(backend.received)).toEqual(new Set(Array.from({ length: 10 }, (_, i) => [0, 1, 2].map((j) => `r${i}.${j}`)).flat()));
  });
});
