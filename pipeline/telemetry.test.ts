import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { freePort } from '../test/helpers.js';
import { Service } from './service.js';

const emptySpec = {
  receivers: new Map(), processors: new Map(), exporters: new Map(), connectors: new Map(), extensions: new Map(),
  pipelines: [], serviceExtensions: [],
};

describe('self-telemetry endpoint', () => {
  it('serves Prometheus text with the Collector’s process metrics at /metrics and only there', async () => {
    const port = await freePort();
    const svc = new Service({ spec: emptySpec, logger: pino({ level: 'silent' }), shutdownTimeoutMs: 1000, metricsAddress: `127.0.0.1:${port}` });
    await svc.start();
    svc.telemetry.processorItems('logs', 'batch', 7, 'incoming');
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const rss = Number(/^otelcol_process_memory_rss_bytes (\d+)/m.exec(text)?.[1]);
    expect(rss).toBeGreaterThan(10_000_000);
    expect(text).toMatch(/^otelcol_process_runtime_heap_alloc_bytes \d+/m);
    expect(text).toMatch(/^otelcol_process_uptime_seconds_total [\d.]+/m);
    expect(text).toContain('otelcol_processor_incoming_items_total{processor="batch",otel_signal="logs"} 7');
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    await svc.shutdown();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('fails to start with a clear message when the port is taken', async () => {
    const port = await freePort();
    const first = new Service({ spec: emptySpec, logger: pino({ level: 'silent' }), shutdownTimeoutMs: 1000, metricsAddress: `127.0.0.1:${port}` });
    await first.start();
    const second = new Service({ spec: emptySpec, logger: pino({ level: 'silent' }), shutdownTimeoutMs: 1000, metricsAddress: `127.0.0.1:${port}` });
    await expect(second.start()).rejects.toThrow(`cannot serve self-telemetry on 127.0.0.1:${port}: 127.0.0.1:${port} is already in use`);
    await first.shutdown();
  });
});
