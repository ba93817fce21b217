import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { withClientInfo } from '../../pipeline/client-info.js';
import type { Consumer } from '../../pipeline/component.js';
import { attrs, gaugeOf, logsOf, metricsOf, newLogRecord, newSpan, tracesOf, type Logs, type Metrics, type NumberDataPoint, type Signal, type Traces } from '../../pipeline/index.js';
import { SelfTelemetry } from '../../pipeline/telemetry.js';
import { ensureStopped, startSummit } from '../../test/delivery-helpers.js';
import { freePort, tempDir, type SummitProcess } from '../../test/helpers.js';
import { routingConnectorFactory, type RoutingConfig } from './index.js';

/** The connector wired to recording pipelines, as the graph wires it. */
function setup(config: RoutingConfig, pipelines: string[], signal: Signal) {
  const received: Record<string, unknown[]> = Object.fromEntries(pipelines.map((p) => [p, []]));
  const consumers = Object.fromEntries(pipelines.map((p) => [p, { consume: async (d: unknown) => void received[p].push(d) } as Consumer]));
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const ctx = {
    id: 'routing',
    kind: 'connector' as const,
    signals: [signal],
    outputSignals: [signal],
    logger,
    telemetry: new SelfTelemetry(),
    configDir: '.',
    pipelineConsumers: { [signal]: consumers },
  };
  const instance = routingConnectorFactory.create(ctx, config, {}) as Awaited<ReturnType<typeof routingConnectorFactory.create>>;
  const consume = (data: unknown) => (instance.consumers as Record<Signal, Consumer>)[signal].consume(data as never);
  return { received, consume, logs };
}

const spanNames = (t: unknown) => (t as Traces).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));
const bodies = (l: unknown) => (l as Logs).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => r.body)));

describe('routing connector', () => {
  it('sends each span to the first route that matches it, the rest to default_pipelines', async () => {
    const h = setup(
      {
        default_pipelines: ['traces/other'],
        table: [
          { context: 'span', condition: 'attributes["db.system"] != nil', pipelines: ['traces/db'] },
          { context: 'resource', condition: 'attributes["service.name"] == "checkout"', pipelines: ['traces/checkout', 'traces/all'] },
        ],
      },
      ['traces/db', 'traces/checkout', 'traces/all', 'traces/other'],
      'traces',
    );
    const batch: Traces = {
      resourceSpans: [
        ...tracesOf([newSpan({ name: 'GET' }), newSpan({ name: 'SELECT', attributes: attrs({ 'db.system': 'pg' }) })], { 'service.name': 'checkout' }).resourceSpans,
        ...tracesOf([newSpan({ name: 'probe' })], { 'service.name': 'web' }).resourceSpans,
      ],
    };
    await h.consume(batch);
    expect(h.received['traces/db'].map(spanNames)).toEqual([['SELECT']]);
    expect(h.received['traces/checkout'].map(spanNames)).toEqual([['GET']]);
    expect(h.received['traces/all'].map(spanNames)).toEqual([['GET']]);
    // Two pipelines from one route get separate copies.
    expect(h.received['traces/all'][0]).not.toBe(h.received['traces/checkout'][0]);
    expect(h.received['traces/other'].map(spanNames)).toEqual([['probe']]);
  });

  it('splits metrics per data point and per metric', async () => {
    const h = setup(
      {
        table: [
          { context: 'datapoint', condition: 'attributes["state"] == "idle"', pipelines: ['metrics/idle'] },
          { context: 'metric', statement: 'route() where name == "cpu"', pipelines: ['metrics/cpu'] },
        ],
      },
      ['metrics/idle', 'metrics/cpu'],
      'metrics',
    );
    const cpu = gaugeOf('cpu', [1]);
    const points = cpu.data.dataPoints as NumberDataPoint[];
    points.push({ ...points[0], attributes: attrs({ state: 'idle' }), value: 2 });
    await h.consume(metricsOf([cpu, gaugeOf('mem', [3])]));
    const counts = (m: unknown) => (m as Metrics).resourceMetrics[0].scopeMetrics[0].metrics.map((x) => [x.name, x.data.dataPoints.length]);
    expect(h.received['metrics/idle'].map(counts)).toEqual([[['cpu', 1]]]);
    expect(h.received['metrics/cpu'].map(counts)).toEqual([[['cpu', 1]]]);
    // mem matched nothing and there is no default: dropped.
  });

  it('routes on request metadata and runs delete_key statements on what they route', async () => {
    const h = setup(
      {
        default_pipelines: ['logs/other'],
        table: [
          { context: 'request', condition: 'request["X-Tenant"] == "acme"', pipelines: ['logs/acme'] },
          { context: 'log', statement: 'delete_key(attributes, "tenant") where attributes["tenant"] == "ecorp"', pipelines: ['logs/ecorp'] },
        ],
      },
      ['logs/acme', 'logs/ecorp', 'logs/other'],
      'logs',
    );
    await withClientInfo({ metadata: { 'x-tenant': ['acme'] } }, () => h.consume(logsOf([newLogRecord({ body: 'a' })])));
    await h.consume(logsOf([newLogRecord({ body: 'e', attributes: attrs({ tenant: 'ecorp' }) }), newLogRecord({ body: 'o' })]));
    expect(h.received['logs/acme'].map(bodies)).toEqual([['a']]);
    expect(h.received['logs/ecorp'].map(bodies)).toEqual([['e']]);
    expect((h.received['logs/ecorp'][0] as Logs).resourceLogs[0].scopeLogs[0].logRecords[0].attributes.size).toBe(0);
    expect(h.received['logs/other'].map(bodies)).toEqual([['o']]);
  });

  it('with error_mode ignore, an item whose condition fails goes to the default pipelines', async () => {
    const config: RoutingConfig = {
      error_mode: 'ignore',
      default_pipelines: ['logs/other'],
      table: [{ context: 'log', condition: 'body["k"] == "v"', pipelines: ['logs/k'] }],
    };
    const h = setup(config, ['logs/k', 'logs/other'], 'logs');
    await h.consume(logsOf([newLogRecord({ body: 'a string cannot be indexed' }), newLogRecord({ body: new Map([['k', 'v']]) })]));
    expect(h.received['logs/k'].map(bodies)).toEqual([[new Map([['k', 'v']])]]);
    expect(h.received['logs/other'].map(bodies)).toEqual([['a string cannot be indexed']]);
    expect(h.logs.find((l) => l.msg === 'routing conditions failed; items went to the default pipelines')).toMatchObject({ errors: 1 });
    const strict = setup({ ...config, error_mode: 'propagate' }, ['logs/k', 'logs/other'], 'logs');
    await expect(strict.consume(logsOf([newLogRecord({ body: 'x' })]))).rejects.toThrow(/routing connector routing: failed to evaluate condition/);
  });

  it('rejects bad tables when the config loads', () => {
    const problems = routingConnectorFactory.validate!({
      table: [
        { condition: 'attributes["a"] = 1', pipelines: ['logs/a'] },
        { context: 'request', condition: 'request["a"] > "b"', pipelines: ['logs/a'] },
        { context: 'log', statement: 'set(attributes["a"], 1) where true', pipelines: ['logs/a'] },
        { pipelines: ['logs/a'] },
      ],
    });
    expect(problems.map((p) => p.path)).toEqual(['table[0]', 'table[1]', 'table[2]', 'table[3]']);
    expect(problems[0].message).toMatch(/at column 17: expected ==/);
    expect(problems[1].message).toMatch(/request\["key"\] == "value"/);
    expect(problems[2].message).toMatch(/editor set is not allowed/);
    expect(problems[3].message).toMatch(/exactly one of condition and statement/);
    expect(() => setup({ table: [{ condition: 'true', pipelines: ['logs/missing'] }] }, ['logs/a'], 'logs')).toThrow(
      /table\[0\]: pipeline "logs\/missing" does not receive logs from routing \(it receives from routing: logs\/a\)/,
    );
  });
});

describe('routing connector in a running summit', () => {
  let summit: SummitProcess | undefined;
  afterEach(() => ensureStopped(summit));

  it('routes OTLP logs to pipelines with their own processors and file exporters', async () => {
    const dir = tempDir('summit-routing-');
    const port = await freePort();
    const pipelines = ['east', 'billing', 'other'];
    summit = await startSummit(
      dir,
      `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
processors:
  transform:
    log_statements:
      - set(log.attributes["routed"], Concat(["east", resource.attributes["service.name"]], "/"))
exporters:
${pipelines.map((p) => `  file/${p}:\n    path: ./${p}.jsonl\n    flush_interval: 10ms`).join('\n')}
connectors:
  routing:
    default_pipelines: [logs/other]
    table:
      - context: log
        condition: attributes["region"] == "east"
        pipelines: [logs/east]
      - statement: route() where attributes["service.name"] == "billing"
        pipelines: [logs/billing]
service:
  pipelines:
    logs/in: { receivers: [otlp], exporters: [routing] }
    logs/east: { receivers: [routing], processors: [transform], exporters: [file/east] }
    logs/billing: { receivers: [routing], exporters: [file/billing] }
    logs/other: { receivers: [routing], exporters: [file/other] }
  telemetry: { metrics: { level: none } }
`,
    );
    const record = (body: string, region: string) => ({ body: { stringValue: body }, attributes: [{ key: 'region', value: { stringValue: region } }] });
    const resourceLogs = (service: string, records: object[]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeLogs: [{ scope: {}, logRecords: records }],
    });
    const res = await fetch(`http://127.0.0.1:${port}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceLogs: [resourceLogs('billing', [record('b-east', 'east'), record('b-west', 'west')]), resourceLogs('web', [record('w-west', 'west')])],
      }),
    });
    expect(res.status).toBe(200);

    const read = (p: string) => {
      const file = join(dir, `${p}.jsonl`);
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .flatMap((line) =>
          (JSON.parse(line).resourceLogs as { resource: { attributes: { value: { stringValue: string } }[] }; scopeLogs: { logRecords: { body: { stringValue: string }; attributes: { key: string; value: { stringValue: string } }[] }[] }[] }[]).flatMap((rl) =>
            rl.scopeLogs.flatMap((sl) =>
              sl.logRecords.map((r) => ({
                service: rl.resource.attributes[0].value.stringValue,
                body: r.body.stringValue,
                routed: r.attributes.find((a) => a.key === 'routed')?.value.stringValue,
              })),
            ),
          ),
        );
    };
    const deadline = Date.now() + 10_000;
    while (pipelines.some((p) => read(p).length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(read('east')).toEqual([{ service: 'billing', body: 'b-east', routed: 'east/billing' }]);
    expect(read('billing')).toEqual([{ service: 'billing', body: 'b-west', routed: undefined }]);
    expect(read('other')).toEqual([{ service: 'web', body: 'w-west', routed: undefined }]);
  });
});
