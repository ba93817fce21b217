import { createServer } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { gaugeOf, metricsOf, newSpan, tracesOf } from './builders.js';
import type { ComponentFactory, Consumer, NextConsumers } from './component.js';
import type { ComponentSpec, GraphSpec, PipelineSpec } from './graph.js';
import type { Signal, SignalData, Traces } from './model.js';
import { countItems } from './model-ops.js';
import { consumeVia } from './receiver-transport.js';
import { Service } from './service.js';

/** Test doubles that record what the graph did to them. */
function harness() {
  const events: string[] = [];
  const receivers = new Map<string, NextConsumers>();
  const exported = new Map<string, { signal: Signal; data: SignalData[Signal] }[]>();
  const created = new Map<string, number>();
  const bump = (id: string) => created.set(id, (created.get(id) ?? 0) + 1);
  const lifecycle = (id: string) => ({
    start: async () => void events.push(`start ${id}`),
    shutdown: async () => void events.push(`stop ${id}`),
  });

  const receiver: ComponentFactory = {
    type: 'rcv', kind: 'receiver', signals: ['traces', 'metrics', 'logs'], stability: 'development', configSchema: {},
    create(ctx, _c, next) {
      bump(ctx.id);
      receivers.set(ctx.id, next);
      return lifecycle(ctx.id);
    },
  };
  const exporter: ComponentFactory<{ fail?: boolean }> = {
    type: 'rec', kind: 'exporter', signals: ['traces', 'metrics', 'logs'], stability: 'development', configSchema: {},
    create(ctx, config) {
      bump(ctx.id);
      const consumers: NextConsumers = {};
      for (const signal of ctx.signals) {
        (consumers as Record<Signal, Consumer>)[signal] = {
          async consume(data) {
            if (config.fail) throw new Error(`${ctx.id} is down`);
            exported.set(ctx.id, [...(exported.get(ctx.id) ?? []), { signal, data }]);
          },
        };
      }
      return { consumers, ...lifecycle(ctx.id) };
    },
  };
  const renamer: ComponentFactory<{ to: string }> = {
    type: 'rename', kind: 'processor', signals: ['traces'], stability: 'development', configSchema: {},
    create(ctx, config, next) {
      bump(`${ctx.id}@${ctx.pipelineId}`);
      return {
        mutatesData: true,
        consumers: {
          traces: {
            consume(data: Traces) {
              for (const rs of data.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) s.name = config.to;
              return next.traces!.consume(data);
            },
          },
        },
        ...lifecycle(`${ctx.id}@${ctx.pipelineId}`),
      };
    },
  };
  const spanCounter: ComponentFactory = {
    type: 'spancount', kind: 'connector', connects: [['traces', 'metrics'], ['traces', 'traces']], stability: 'development', configSchema: {},
    create(ctx, _c, next) {
      bump(ctx.id);
      return {
        consumers: {
          traces: {
            async consume(data: Traces) {
              await Promise.all([
                next.metrics?.consume(metricsOf([gaugeOf('spans', [countItems('traces', data)])])),
                next.traces?.consume(data),
              ]);
            },
          },
        },
        ...lifecycle(ctx.id),
      };
    },
  };
  const portHog: ComponentFactory<{ port: number }> = {
    type: 'hog', kind: 'exporter', signals: ['traces'], stability: 'development', configSchema: {},
    create(ctx, config) {
      const server = createServer();
      return {
        consumers: { traces: { consume: async () => {} } },
        start: () => new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.port, '127.0.0.1', () => resolve())),
        shutdown: () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
      };
    },
  };
  const broken: ComponentFactory = {
    type: 'broken', kind: 'receiver', signals: ['traces'], stability: 'development', configSchema: {},
    create: () => ({ start: async () => { throw new Error('cannot bind 0.0.0.0:1'); } }),
  };
  const factories = { receiver, exporter, renamer, spanCounter, portHog, broken };
  return { events, receivers, exported, created, factories };
}

function spec(parts: {
  receivers?: Record<string, [ComponentFactory, unknown?]>;
  processors?: Record<string, [ComponentFactory, unknown?]>;
  exporters?: Record<string, [ComponentFactory, unknown?]>;
  connectors?: Record<string, [ComponentFactory, unknown?]>;
  pipelines: PipelineSpec[];
}): GraphSpec {
  const toMap = (o: Record<string, [ComponentFactory, unknown?]> = {}) =>
    new Map<string, ComponentSpec>(Object.entries(o).map(([id, [factory, config]]) => [id, { id, factory, config: config ?? {}, configDir: '.' }]));
  return {
    receivers: toMap(parts.receivers),
    processors: toMap(parts.processors),
    exporters: toMap(parts.exporters),
    connectors: toMap(parts.connectors),
    extensions: new Map(),
    pipelines: parts.pipelines,
    serviceExtensions: [],
  };
}

const pipeline = (id: string, receivers: string[], processors: string[], exporters: string[]): PipelineSpec => ({
  id, signal: id.split('/')[0] as Signal, receivers, processors, exporters,
});

function service(graph: GraphSpec): Service {
  return new Service({ spec: graph, logger: pino({ level: 'silent' }), shutdownTimeoutMs: 2000, metricsAddress: null });
}

const spans = (...names: string[]) => tracesOf(names.map((name) => newSpan({ name })));
const spanNames = (d: SignalData[Signal]) => (d as Traces).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));

describe('pipeline graph', () => {
  it('creates a receiver shared by several pipelines once and fans out to each', async () => {
    const h = harness();
    const { receiver, exporter } = h.factories;
    const svc = service(spec({
      receivers: { 'rcv': [receiver] },
      exporters: { 'rec/a': [exporter], 'rec/b': [exporter] },
      pipelines: [pipeline('traces', ['rcv'], [], ['rec/a']), pipeline('traces/2', ['rcv'], [], ['rec/b']), pipeline('logs', ['rcv'], [], ['rec/a'])],
    }));
    await svc.start();
    expect(h.created.get('rcv')).toBe(1);
    expect(Object.keys(h.receivers.get('rcv')!).sort()).toEqual(['logs', 'traces']);
    await h.receivers.get('rcv')!.traces!.consume(spans('x'));
    expect(h.exported.get('rec/a')!.map((e) => e.signal)).toEqual(['traces']);
    expect(h.exported.get('rec/b')!.map((e) => e.signal)).toEqual(['traces']);
    await svc.shutdown();
  });

  it('creates an exporter shared by pipelines of different signals once', async () => {
    const h = harness();
    const { receiver, exporter } = h.factories;
    const svc = service(spec({
      receivers: { 'rcv/1': [receiver], 'rcv/2': [receiver] },
      exporters: { rec: [exporter] },
      pipelines: [pipeline('traces', ['rcv/1'], [], ['rec']), pipeline('metrics', ['rcv/2'], [], ['rec'])],
    }));
    await svc.start();
    expect(h.created.get('rec')).toBe(1);
    await h.receivers.get('rcv/1')!.traces!.consume(spans('a'));
    await h.receivers.get('rcv/2')!.metrics!.consume(metricsOf([gaugeOf('m', [1])]));
    expect(h.exported.get('rec')!.map((e) => e.signal)).toEqual(['traces', 'metrics']);
    await svc.shutdown();
  });

  it('creates a processor once per pipeline that uses it', async () => {
    const h = harness();
    const { receiver, exporter, renamer } = h.factories;
    const svc = service(spec({
      receivers: { rcv: [receiver] },
      processors: { rename: [renamer, { to: 'r' }] },
      exporters: { rec: [exporter] },
      pipelines: [pipeline('traces', ['rcv'], ['rename'], ['rec']), pipeline('traces/2', ['rcv'], ['rename'], ['rec'])],
    }));
    await svc.start();
    expect(h.created.get('rename@traces')).toBe(1);
    expect(h.created.get('rename@traces/2')).toBe(1);
    await svc.shutdown();
  });

  it('never lets one branch see another branch’s mutation', async () => {
    const h = harness();
    const { receiver, exporter, renamer } = h.factories;
    const svc = service(spec({
      receivers: { rcv: [receiver] },
      processors: { 'rename/x': [renamer, { to: 'x' }], 'rename/y': [renamer, { to: 'y' }] },
      exporters: { 'rec/plain': [exporter], 'rec/x': [exporter], 'rec/y': [exporter] },
      pipelines: [
        pipeline('traces/x', ['rcv'], ['rename/x'], ['rec/x']),
        pipeline('traces/plain', ['rcv'], [], ['rec/plain']),
        pipeline('traces/y', ['rcv'], ['rename/y'], ['rec/y']),
      ],
    }));
    await svc.start();
    const input = spans('orig', 'orig');
    await h.receivers.get('rcv')!.traces!.consume(input);
    expect(spanNames(h.exported.get('rec/x')![0].data)).toEqual(['x', 'x']);
    expect(spanNames(h.exported.get('rec/y')![0].data)).toEqual(['y', 'y']);
    expect(spanNames(h.exported.get('rec/plain')![0].data)).toEqual(['orig', 'orig']);
    // the read-only branch got the sender's very object, the mutating ones copies
    expect(h.exported.get('rec/plain')![0].data).toBe(input);
    await svc.shutdown();
  });

  it('gives the original to the last branch when every branch mutates, copies to the others', async () => {
    const h = harness();
    const { receiver, exporter, renamer } = h.factories;
    const svc = service(spec({
      receivers: { rcv: [receiver] },
      processors: { 'rename/x': [renamer, { to: 'x' }], 'rename/y': [renamer, { to: 'y' }] },
      exporters: { 'rec/x': [exporter], 'rec/y': [exporter] },
      pipelines: [pipeline('traces/x', ['rcv'], ['rename/x'], ['rec/x']), pipeline('traces/y', ['rcv'], ['rename/y'], ['rec/y'])],
    }));
    await svc.start();
    const input = spans('orig');
    await h.receivers.get('rcv')!.traces!.consume(input);
    expect(spanNames(h.exported.get('rec/x')![0].data)).toEqual(['x']);
    expect(spanNames(h.exported.get('rec/y')![0].data)).toEqual(['y']);
    expect(h.exported.get('rec/y')![0].data).toBe(input);
    await svc.shutdown();
  });

  it('wires a connector as exporter of one pipeline and receiver of others, across signals', async () => {
    const h = harness();
    const { receiver, exporter, spanCounter, renamer } = h.factories;
    const svc = service(spec({
      receivers: { rcv: [receiver] },
      processors: { rename: [renamer, { to: 'renamed' }] },
      exporters: { 'rec/spans': [exporter], 'rec/metrics': [exporter], 'rec/raw': [exporter] },
      connectors: { count: [spanCounter] },
      pipelines: [
        pipeline('traces/in', ['rcv'], [], ['count', 'rec/raw']),
        pipeline('metrics', ['count'], [], ['rec/metrics']),
        pipeline('traces/out', ['count'], ['rename'], ['rec/spans']),
      ],
    }));
    await svc.start();
    await h.receivers.get('rcv')!.traces!.consume(spans('a', 'b', 'c'));
    const m = h.exported.get('rec/metrics')![0];
    expect(m.signal).toBe('metrics');
    const point = (m.data as SignalData['metrics']).resourceMetrics[0].scopeMetrics[0].metrics[0].data.dataPoints[0];
    expect(point).toMatchObject({ value: 3 });
    expect(spanNames(h.exported.get('rec/spans')![0].data)).toEqual(['renamed', 'renamed', 'renamed']);
    // the connector feeds a mutating pipeline, so the raw exporter beside it keeps the original names
    expect(spanNames(h.exported.get('rec/raw')![0].data)).toEqual(['a', 'b', 'c']);
    await svc.shutdown();
  });

  it('starts exporters before processors before receivers and stops in reverse', async () => {
    const h = harness();
    const { receiver, exporter, renamer, spanCounter } = h.factories;
    const svc = service(spec({
      receivers: { rcv: [receiver] },
      processors: { 'rename/1': [renamer, { to: '1' }], 'rename/2': [renamer, { to: '2' }] },
      exporters: { rec: [exporter] },
      connectors: { conn: [spanCounter] },
      pipelines: [pipeline('traces', ['rcv'], ['rename/1'], ['conn']), pipeline('traces/2', ['conn'], ['rename/2'], ['rec'])],
    }));
    await svc.start();
    await svc.shutdown();
    expect(h.events).toEqual([
      'start rec', 'start rename/2@traces/2', 'start conn', 'start rename/1@traces', 'start rcv',
      'stop rcv', 'stop rename/1@traces', 'stop conn', 'stop rename/2@traces/2', 'stop rec',
    ]);
  });

  it('rejects upstream when an exporter fails, so the sender can retry', async () => {
    const h = harness();
    const { receiver, exporter } = h.factories;
    const svc = service(spec({
      receivers: { rcv: [receiver] },
      exporters: { 'rec/ok': [exporter], 'rec/down': [exporter, { fail: true }] },
      pipelines: [pipeline('traces', ['rcv'], [], ['rec/ok', 'rec/down'])],
    }));
    await svc.start();
    await expect(h.receivers.get('rcv')!.traces!.consume(spans('a'))).rejects.toThrow('rec/down is down');
    const text = await svc.telemetry.exposition();
    expect(text).toMatch(/otelcol_receiver_refused_spans_total\{receiver="rcv",transport=""\} 1/);
    expect(text).toMatch(/otelcol_exporter_send_failed_spans_total\{exporter="rec\/down"\} 1/);
    expect(text).toMatch(/otelcol_exporter_sent_spans_total\{exporter="rec\/ok"\} 1/);
    await svc.shutdown();
  });

  it('labels what a receiver took with the transport it came over', async () => {
    const h = harness();
    const { receiver, exporter } = h.factories;
    const svc = service(spec({ receivers: { rcv: [receiver] }, exporters: { rec: [exporter] }, pipelines: [pipeline('traces', ['rcv'], [], ['rec'])] }));
    await svc.start();
    const next = h.receivers.get('rcv')!.traces!;
    // concurrent calls, each counted under its own transport when it ends
    await Promise.all([consumeVia('grpc', () => next.consume(spans('a'))), consumeVia('http', () => next.consume(spans('b', 'c')))]);
    const text = await svc.telemetry.exposition();
    expect(text).toMatch(/otelcol_receiver_accepted_spans_total\{receiver="rcv",transport="grpc"\} 1/);
    expect(text).toMatch(/otelcol_receiver_accepted_spans_total\{receiver="rcv",transport="http"\} 2/);
    await svc.shutdown();
  });

  it('stops what started and frees its ports when a component fails to start', async () => {
    const h = harness();
    const { broken, portHog } = h.factories;
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));

    const svc = service(spec({
      receivers: { broken: [broken] },
      exporters: { hog: [portHog, { port }] },
      pipelines: [pipeline('traces', ['broken'], [], ['hog'])],
    }));
    await expect(svc.start()).rejects.toThrow(/receiver "broken" failed to start: cannot bind/);
    // the exporter had bound the port; it must be free again
    const again = createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    await new Promise<void>((r) => again.close(() => r()));
  });

  it('reports not-ready until started and from the moment shutdown begins', async () => {
    const h = harness();
    const { receiver, exporter } = h.factories;
    const svc = service(spec({ receivers: { rcv: [receiver] }, exporters: { rec: [exporter] }, pipelines: [pipeline('traces', ['rcv'], [], ['rec'])] }));
    const seen: boolean[] = [];
    svc.onReadyChange((r) => seen.push(r));
    expect(svc.isReady()).toBe(false);
    await svc.start();
    expect(svc.isReady()).toBe(true);
    await svc.shutdown();
    expect(seen).toEqual([true, false]);
  });
});

describe('reload', () => {
  it('keeps an unchanged receiver running and re-points it at the new pipelines', async () => {
    const h = harness();
    const { receiver, exporter } = h.factories;
    const before = spec({ receivers: { rcv: [receiver] }, exporters: { 'rec/old': [exporter] }, pipelines: [pipeline('traces', ['rcv'], [], ['rec/old'])] });
    const svc = service(before);
    await svc.start();
    const send = h.receivers.get('rcv')!.traces!;
    await send.consume(spans('before'));

    await svc.reload(spec({ receivers: { rcv: [receiver] }, exporters: { 'rec/new': [exporter] }, pipelines: [pipeline('traces', ['rcv'], [], ['rec/new'])] }));
    expect(h.created.get('rcv')).toBe(1);
    // the sender still holds the consumer it was given at creation
    await send.consume(spans('after'));
    expect(h.exported.get('rec/old')!.map((e) => spanNames(e.data))).toEqual([['before']]);
    expect(h.exported.get('rec/new')!.map((e) => spanNames(e.data))).toEqual([['after']]);
    expect(h.events).toContain('stop rec/old');
    expect(h.events).not.toContain('stop rcv');
    await svc.shutdown();
  });

  it('recreates a receiver whose config changed, stopping the old one first', async () => {
    const h = harness();
    const { receiver, exporter } = h.factories;
    const svc = service(spec({ receivers: { rcv: [receiver, { port: 1 }] }, exporters: { rec: [exporter] }, pipelines: [pipeline('traces', ['rcv'], [], ['rec'])] }));
    await svc.start();
    await svc.reload(spec({ receivers: { rcv: [receiver, { port: 2 }] }, exporters: { rec: [exporter] }, pipelines: [pipeline('traces', ['rcv'], [], ['rec'])] }));
    expect(h.created.get('rcv')).toBe(2);
    expect(h.created.get('rec')).toBe(1);
    const stopOld = h.events.indexOf('stop rcv');
    expect(stopOld).toBeGreaterThan(-1);
    expect(h.events.lastIndexOf('start rcv')).toBeGreaterThan(stopOld);
    await svc.shutdown();
  });

  it('drains what the old pipeline held before stopping it', async () => {
    const h = harness();
    const { receiver, exporter } = h.factories;
    // holds every batch until shutdown, like batch with a long timeout
    const holder: ComponentFactory = {
      type: 'hold', kind: 'processor', signals: ['traces'], stability: 'development', configSchema: {},
      create(_ctx, _c, next) {
        const held: { data: Traces; done: () => void }[] = [];
        return {
          consumers: { traces: { consume: (data: Traces) => new Promise<void>((done) => held.push({ data, done })) } },
          async shutdown() {
            for (const { data, done } of held.splice(0)) await next.traces!.consume(data).then(done);
          },
        };
      },
    };
    const svc = service(spec({
      receivers: { rcv: [receiver] }, processors: { hold: [holder] }, exporters: { rec: [exporter] },
      pipelines: [pipeline('traces', ['rcv'], ['hold'], ['rec'])],
    }));
    await svc.start();
    const acked = h.receivers.get('rcv')!.traces!.consume(spans('held'));
    await svc.reload(spec({ receivers: { rcv: [receiver] }, exporters: { rec: [exporter] }, pipelines: [pipeline('traces', ['rcv'], [], ['rec'])] }));
    await acked;
    expect(h.exported.get('rec')!.map((e) => spanNames(e.data))).toEqual([['held']]);
    await svc.shutdown();
  });

  it('keeps the old pipeline serving when the new one cannot start', async () => {
    const h = harness();
    const { receiver, exporter, portHog } = h.factories;
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const svc = service(spec({ receivers: { rcv: [receiver] }, exporters: { rec: [exporter] }, pipelines: [pipeline('traces', ['rcv'], [], ['rec'])] }));
    await svc.start();
    await expect(
      svc.reload(spec({ receivers: { rcv: [receiver] }, exporters: { hog: [portHog, { port }] }, pipelines: [pipeline('traces', ['rcv'], [], ['hog'])] })),
    ).rejects.toThrow(/exporter "hog" failed to start/);
    await h.receivers.get('rcv')!.traces!.consume(spans('still-here'));
    expect(h.exported.get('rec')!.map((e) => spanNames(e.data))).toEqual([['still-here']]);
    await svc.shutdown();
    await new Promise<void>((r) => blocker.close(() => r()));
  });
});
