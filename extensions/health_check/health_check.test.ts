import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ComponentFactory } from '../../pipeline/component.js';
import type { GraphSpec } from '../../pipeline/graph.js';
import { Service } from '../../pipeline/service.js';
import { nopReceiverFactory } from '../../receivers/nop/index.js';
import { freePort } from '../../test/helpers.js';
import { healthCheckExtensionFactory } from './index.js';

/** An exporter whose start and shutdown wait until the test lets them go. */
function gatedExporter() {
  let openStart!: () => void;
  let openStop!: () => void;
  const startGate = new Promise<void>((r) => (openStart = r));
  const stopGate = new Promise<void>((r) => (openStop = r));
  const factory: ComponentFactory = {
    type: 'gated', kind: 'exporter', signals: ['traces'], stability: 'development', configSchema: {},
    create: () => ({ consumers: { traces: { consume: async () => {} } }, start: () => startGate, shutdown: () => stopGate }),
  };
  return { factory, openStart: () => openStart(), openStop: () => openStop() };
}

async function status(port: number, path = '/'): Promise<{ code: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { code: res.status, body: await res.text() };
}

describe('health_check extension', () => {
  it('answers 503 until every pipeline started, 200 while running, 503 from the start of shutdown', async () => {
    const port = await freePort();
    const gate = gatedExporter();
    const spec: GraphSpec = {
      receivers: new Map([['nop', { id: 'nop', factory: nopReceiverFactory, config: {}, configDir: '.' }]]),
      processors: new Map(),
      exporters: new Map([['gated', { id: 'gated', factory: gate.factory, config: {}, configDir: '.' }]]),
      connectors: new Map(),
      extensions: new Map([
        ['health_check', { id: 'health_check', factory: healthCheckExtensionFactory, config: { endpoint: `127.0.0.1:${port}`, path: '/health' }, configDir: '.' }],
      ]),
      pipelines: [{ id: 'traces', signal: 'traces', receivers: ['nop'], processors: [], exporters: ['gated'] }],
      serviceExtensions: ['health_check'],
    };
    const svc = new Service({ spec, logger: pino({ level: 'silent' }), shutdownTimeoutMs: 5000, metricsAddress: null });

    const starting = svc.start();
    // the extension is up before the pipelines: it must say "not yet"
    let first = await status(port, '/health').catch(() => undefined);
    for (let i = 0; !first && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 20));
      first = await status(port, '/health').catch(() => undefined);
    }
    expect(first?.code).toBe(503);
    expect(JSON.parse(first!.body).status).toBe('Server not available');

    gate.openStart();
    await starting;
    const running = await status(port, '/health');
    expect(running.code).toBe(200);
    expect(JSON.parse(running.body)).toMatchObject({ status: 'Server available' });
    expect((await status(port, '/other')).code).toBe(404);

    const stopping = svc.shutdown();
    expect((await status(port, '/health')).code).toBe(503);
    gate.openStop();
    await stopping;
    await expect(status(port, '/health')).rejects.toThrow();
  });

  it('rejects an endpoint that is not host:port', () => {
    expect(healthCheckExtensionFactory.validate!({ endpoint: 'localhost', path: '/' })).toEqual([
      { path: 'endpoint', message: expect.stringContaining('expected host:port') },
    ]);
  });
});
