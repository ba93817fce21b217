import { Ajv } from 'ajv';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  AggregationTemporality,
  ConsumerError,
  SpanKind,
  attrs,
  gaugeOf,
  logsOf,
  metricsOf,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  tracesOf,
  type Logs,
  type Metric,
  type Metrics,
  type Signal,
  type SignalData,
  type Traces,
} from '../../pipeline/index.js';
import { SelfTelemetry } from '../../pipeline/telemetry.js';
import { filterProcessorFactory, type FilterConfig } from './index.js';

interface Harness {
  received: { [S in Signal]: SignalData[S][] };
  logs: Record<string, unknown>[];
  telemetry: SelfTelemetry;
  consume<S extends Signal>(signal: S, data: SignalData[S]): Promise<void>;
  mutatesData?: boolean;
  consumers: object;
}

function setup(config: FilterConfig, signals: Signal[] = ['traces', 'metrics', 'logs']): Harness {
  const received: Harness['received'] = { traces: [], metrics: [], logs: [] };
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const telemetry = new SelfTelemetry();
  const next = {
    traces: { consume: async (d: Traces) => void received.traces.push(d) },
    metrics: { consume: async (d: Metrics) => void received.metrics.push(d) },
    logs: { consume: async (d: Logs) => void received.logs.push(d) },
  };
  const ctx = { id: 'filter/test', kind: 'processor' as const, signals, outputSignals: [], logger, telemetry, configDir: '.' };
  const instance = filterProcessorFactory.create(ctx, config, next) as Awaited<ReturnType<typeof filterProcessorFactory.create>>;
  return {
    received,
    logs,
    telemetry,
    mutatesData: instance.mutatesData,
    consumers: instance.consumers!,
    consume: (signal, data) => (instance.consumers as Record<Signal, { consume(d: unknown): Promise<void> }>)[signal].consume(data),
  };
}

const spanNames = (t: Traces): string[] => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));
const logBodies = (l: Logs): unknown[] => l.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => r.body)));
const metricNames = (m: Metrics): string[] => m.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((x) => x.name)));

/** Two resources; the first with two scopes. */
function sampleTraces(): Traces {
  return {
    resourceSpans: [
      {
        resource: newResource({ 'service.name': 'checkout' }),
        schemaUrl: '',
        scopeSpans: [
          { scope: newScope('http'), schemaUrl: '', spans: [newSpan({ name: 'GET /healthz', kind: SpanKind.Server }), newSpan({ name: 'GET /cart', kind: SpanKind.Server })] },
          { scope: newScope('db'), schemaUrl: '', spans: [newSpan({ name: 'SELECT', kind: SpanKind.Client, attributes: attrs({ 'db.system': 'postgres' }) })] },
        ],
      },
      {
        resource: newResource({ 'service.name': 'probe' }),
        schemaUrl: '',
        scopeSpans: [{ scope: newScope('http'), schemaUrl: '', spans: [newSpan({ name: 'GET /healthz', kind: SpanKind.Client })] }],
      },
    ],
  };
}

describe('factory', () => {
  it('declares the upstream identity', () => {
    expect(filterProcessorFactory).toMatchObject({ type: 'filter', kind: 'processor', signals: ['traces', 'metrics', 'logs', 'profiles'], stability: 'alpha' });
  });

  it('has a closed schema with upstream keys and defaults', () => {
    const validate = new Ajv({ useDefaults: true, strict: false }).compile(filterProcessorFactory.configSchema);
    const config: Record<string, unknown> = {};
    expect(validate(config)).toBe(true);
    expect(config).toEqual({ error_mode: 'ignore' });
    expect(
      validate({
        error_mode: 'silent',
        traces: { resource: ['true'], span: ['true'], spanevent: ['true'] },
        logs: { resource: [], log_record: ['true'] },
        metrics: { resource: [], metric: ['true'], datapoint: ['true'] },
        profiles: { profile: ['true'] },
      }),
    ).toBe(true);
    expect(validate({ error_mode: 'loud' })).toBe(false);
    expect(validate({ spans: { include: { match_type: 'strict', span_names: ['a'] } }, metrics: { include: { match_type: 'regexp' } } })).toBe(true); // legacy match configs
    expect(validate({ spans: { include: { match_type: 'strict', names: ['a'] } } })).toBe(false);
    expect(validate({ traces: { span: [1] } })).toBe(false);
  });

  it('declares that it mutates data and wires only the configured signals', () => {
    const h = setup({ traces: { span: ['true'] } }, ['traces']);
    expect(h.mutatesData).toBe(true);
    expect(Object.keys(h.consumers)).toEqual(['traces']);
  });
});

describe('validate', () => {
  it('reports every invalid condition by its config path, with the column', () => {
    const problems = filterProcessorFactory.validate!({
      traces: { span: ['name == "ok"', 'name = "x"'], spanevent: ['nme == "x"'] },
      logs: { log_record: ['severity_number < SEVERITY_NUMBER_WARNING'] },
      metrics: { metric: ['IsMatch(name, "(")'], datapoint: ['HasAttrKeyOnDatapoint("k")'] },
      profiles: { profile: ['attributes["x"] = 1'] },
    });
    expect(problems.map((p) => p.path)).toEqual([
      'traces.span[1]',
      'traces.spanevent[0]',
      'logs.log_record[0]',
      'metrics.metric[0]',
      'metrics.datapoint[0]',
      'profiles.profile[0]',
    ]);
    expect(problems[0].message).toBe(`condition 'name = "x"' at column 6: expected ==, !=, <, <=, >, >=, got "="`);
    expect(problems[1].message).toMatch(/unknown path "nme" in the spanevent context; valid paths: name, /);
    expect(problems[2].message).toMatch(/unknown enum SEVERITY_NUMBER_WARNING/);
    expect(problems[3].message).toMatch(/invalid regular expression/);
    expect(problems[4].message).toMatch(/only available in the metric context/);
  });

  it('accepts valid conditions and an empty config', () => {
    expect(filterProcessorFactory.validate!({})).toEqual([]);
    expect(filterProcessorFactory.validate!({ traces: { span: ['kind == SPAN_KIND_SERVER and IsMatch(name, "^GET")'] } })).toEqual([]);
  });

  it('makes create() throw on the same problems', () => {
    expect(() => setup({ traces: { span: ['name = "x"'] } })).toThrow(/traces\.span\[0\]: condition 'name = "x"' at column 6/);
  });
});

describe('traces', () => {
  it('drops matching spans and removes emptied scopes and resources', async () => {
    const h = setup({ traces: { span: ['name == "GET /healthz"', 'attributes["db.system"] == "postgres"'] } });
    const data = sampleTraces();
    await h.consume('traces', data);
    expect(h.received.traces).toHaveLength(1);
    expect(h.received.traces[0]).toBe(data); // in place
    expect(spanNames(data)).toEqual(['GET /cart']);
    expect(data.resourceSpans).toHaveLength(1); // probe's only span was dropped
    expect(data.resourceSpans[0].scopeSpans.map((s) => s.scope.name)).toEqual(['http']); // db scope emptied
  });

  it('sees the resource and scope of each span', async () => {
    const h = setup({ traces: { span: ['resource.attributes["service.name"] == "probe" or instrumentation_scope.name == "db"'] } });
    const data = sampleTraces();
    await h.consume('traces', data);
    expect(spanNames(data)).toEqual(['GET /healthz', 'GET /cart']);
  });

  it('drops whole resources with resource conditions', async () => {
    const h = setup({ traces: { resource: ['attributes["service.name"] == "probe"'] } });
    const data = sampleTraces();
    await h.consume('traces', data);
    expect(data.resourceSpans.map((rs) => rs.resource.attributes.get('service.name'))).toEqual(['checkout']);
  });

  it('drops matching span events but keeps their span', async () => {
    const span = newSpan({
      name: 'work',
      attributes: attrs({ 'http.route': '/a' }),
      events: [
        { name: 'debug', timeUnixNano: 1n, attributes: new Map(), droppedAttributesCount: 0 },
        { name: 'exception', timeUnixNano: 2n, attributes: attrs({ 'exception.type': 'E' }), droppedAttributesCount: 0 },
        { name: 'debug', timeUnixNano: 3n, attributes: new Map(), droppedAttributesCount: 0 },
      ],
    });
    const lonely = newSpan({ name: 'other', events: [{ name: 'debug', timeUnixNano: 1n, attributes: new Map(), droppedAttributesCount: 0 }] });
    const h = setup({ traces: { spanevent: ['name == "debug" and span.attributes["http.route"] == "/a"', 'span.name == "other"'] } });
    const data = tracesOf([span, lonely]);
    await h.consume('traces', data);
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    expect(lonely.events).toEqual([]);
    expect(spanNames(data)).toEqual(['work', 'other']);
  });

  it('does not forward a batch whose spans were all dropped', async () => {
    const h = setup({ traces: { span: ['true'] } });
    await expect(h.consume('traces', sampleTraces())).resolves.toBeUndefined();
    expect(h.received.traces).toHaveLength(0);
  });

  it('forwards untouched when nothing matches', async () => {
    const h = setup({ traces: { span: ['name == "nope"'] } });
    const data = sampleTraces();
    await h.consume('traces', data);
    expect(h.received.traces).toEqual([sampleTraces()]);
  });

  it('counts dropped spans in self-telemetry and logs the count at debug, without values', async () => {
    const h = setup({ traces: { span: ['attributes["db.system"] == "postgres" or name == "GET /healthz"'] } });
    await h.consume('traces', sampleTraces());
    const text = await h.telemetry.exposition();
    expect(text).toContain('otelcol_processor_filter_spans_filtered_total{filter="filter/test"} 3');
    const debug = h.logs.filter((l) => l.level === 20);
    expect(debug).toHaveLength(1);
    expect(debug[0]).toMatchObject({ signal: 'traces', dropped: 3, msg: 'filter dropped items' });
    expect(JSON.stringify(h.logs)).not.toContain('postgres');
  });
});

describe('logs', () => {
  function sampleLogs(): Logs {
    return {
      resourceLogs: [
        {
          resource: newResource({ 'service.name': 'api' }),
          schemaUrl: '',
          scopeLogs: [
            {
              scope: newScope('app'),
              schemaUrl: '',
              logRecords: [
                newLogRecord({ severityNumber: 5, body: 'debug detail' }),
                newLogRecord({ severityNumber: 13, body: 'disk almost full' }),
                newLogRecord({ severityNumber: 17, body: 'user password=hunter2 rejected' }),
              ],
            },
          ],
        },
        { resource: newResource({ 'service.name': 'chatty' }), schemaUrl: '', scopeLogs: [{ scope: newScope(), schemaUrl: '', logRecords: [newLogRecord({ severityNumber: 9, body: 'hi' })] }] },
      ],
    };
  }

  it('drops matching log records and emptied resources', async () => {
    const h = setup({ logs: { log_record: ['severity_number < SEVERITY_NUMBER_WARN', 'IsMatch(body, "password")'] } });
    const data = sampleLogs();
    await h.consume('logs', data);
    expect(logBodies(data)).toEqual(['disk almost full']);
    expect(data.resourceLogs).toHaveLength(1);
    expect(h.received.logs).toEqual([data]);
  });

  it('drops whole resources with resource conditions', async () => {
    const h = setup({ logs: { resource: ['attributes["service.name"] == "chatty"'] } });
    const data = sampleLogs();
    await h.consume('logs', data);
    expect(logBodies(data)).toHaveLength(3);
    expect(data.resourceLogs).toHaveLength(1);
  });

  it('does not forward a batch whose records were all dropped', async () => {
    const h = setup({ logs: { log_record: ['severity_number >= SEVERITY_NUMBER_TRACE'] } });
    await h.consume('logs', sampleLogs());
    expect(h.received.logs).toHaveLength(0);
  });
});

describe('metrics', () => {
  function sampleMetrics(): Metrics {
    const sum: Metric = {
      name: 'http.server.requests',
      description: '',
      unit: '1',
      metadata: new Map(),
      data: {
        type: 'sum',
        aggregationTemporality: AggregationTemporality.Cumulative,
        isMonotonic: true,
        dataPoints: [
          { attributes: attrs({ route: '/healthz' }), startTimeUnixNano: 0n, timeUnixNano: 1n, value: 5n, exemplars: [], flags: 0 },
          { attributes: attrs({ route: '/cart' }), startTimeUnixNano: 0n, timeUnixNano: 1n, value: 7n, exemplars: [], flags: 0 },
        ],
      },
    };
    return metricsOf([gaugeOf('jvm.gc.duration', [0.1, 0.2]), sum, gaugeOf('queue.depth', [3], { route: '/healthz' })], { 'service.name': 'api' });
  }

  it('drops matching metrics', async () => {
    const h = setup({ metrics: { metric: ['name == "jvm.gc.duration"', 'type == METRIC_DATA_TYPE_SUM and is_monotonic == true'] } });
    const data = sampleMetrics();
    await h.consume('metrics', data);
    expect(metricNames(data)).toEqual(['queue.depth']);
  });

  it('drops matching data points and removes metrics left without any', async () => {
    const h = setup({ metrics: { datapoint: ['attributes["route"] == "/healthz"', 'metric.name == "jvm.gc.duration" and value_double < 0.15'] } });
    const data = sampleMetrics();
    await h.consume('metrics', data);
    expect(metricNames(data)).toEqual(['jvm.gc.duration', 'http.server.requests']); // queue.depth lost its only point
    const [gc, sum] = data.resourceMetrics[0].scopeMetrics[0].metrics;
    expect(gc.data.dataPoints.map((p) => (p as { value: number }).value)).toEqual([0.2]);
    expect(sum.data.dataPoints.map((p) => p.attributes.get('route'))).toEqual(['/cart']);
    expect(await h.telemetry.exposition()).toContain('otelcol_processor_filter_datapoints_filtered_total{filter="filter/test"} 3');
  });

  it('applies metric conditions before datapoint conditions', async () => {
    const h = setup({ metrics: { metric: ['HasAttrOnDatapoint("route", "/cart")'], datapoint: ['value_int == 5'] } });
    const data = sampleMetrics();
    await h.consume('metrics', data);
    expect(metricNames(data)).toEqual(['jvm.gc.duration', 'queue.depth']);
  });

  it('drops whole resources with resource conditions', async () => {
    const h = setup({ metrics: { resource: ['attributes["service.name"] == "api"'] } });
    await h.consume('metrics', sampleMetrics());
    expect(h.received.metrics).toHaveLength(0);
    expect(await h.telemetry.exposition()).toContain('otelcol_processor_filter_datapoints_filtered_total{filter="filter/test"} 5');
  });

  it('does not forward a batch whose metrics were all dropped', async () => {
    const h = setup({ metrics: { datapoint: ['true'] } });
    await h.consume('metrics', sampleMetrics());
    expect(h.received.metrics).toHaveLength(0);
  });
});

describe('signals without conditions', () => {
  it('pass through untouched, even when other signals are filtered', async () => {
    const h = setup({ traces: { span: ['true'] } });
    const logs = logsOf([newLogRecord({ body: 'x' })]);
    await h.consume('logs', logs);
    expect(h.received.logs[0]).toBe(logs);
  });
});

describe('error_mode', () => {
  // Indexing a string attribute is a runtime error; the second condition still matches GET /cart.
  const conditions = ['attributes["route"]["x"] == "y"', 'name == "GET /cart"'];
  const data = (): Traces => tracesOf([newSpan({ name: 'GET /cart', attributes: attrs({ route: '/cart' }) }), newSpan({ name: 'keep', attributes: attrs({ route: '/k' }) })]);

  it('propagate rejects the batch with a permanent error and forwards nothing', async () => {
    const h = setup({ error_mode: 'propagate', traces: { span: conditions } });
    const err = await h.consume('traces', data()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect((err as ConsumerError).retryable).toBe(false);
    expect((err as Error).message).toBe(
      `filter processor filter/test: failed to evaluate condition 'attributes["route"]["x"] == "y"': a value of type string cannot be indexed with ["x"]`,
    );
    expect(h.received.traces).toHaveLength(0);
  });

  it('ignore treats the failing condition as false, goes on, and warns once per batch', async () => {
    const h = setup({ error_mode: 'ignore', traces: { span: conditions } });
    const d = data();
    await h.consume('traces', d);
    expect(spanNames(d)).toEqual(['keep']);
    const warnings = h.logs.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ signal: 'traces', errors: 2 });
    expect(String(warnings[0].first)).toContain('cannot be indexed');
    expect(JSON.stringify(warnings)).not.toContain('/cart');
  });

  it('silent behaves like ignore without logging', async () => {
    const h = setup({ error_mode: 'silent', traces: { span: conditions } });
    const d = data();
    await h.consume('traces', d);
    expect(spanNames(d)).toEqual(['keep']);
    expect(h.logs.filter((l) => (l.level as number) >= 40)).toEqual([]);
  });

  it('resets the error count per batch', async () => {
    const h = setup({ error_mode: 'ignore', traces: { span: conditions } });
    await h.consume('traces', data());
    await h.consume('traces', data());
    expect(h.logs.filter((l) => l.level === 40).map((l) => l.errors)).toEqual([2, 2]);
  });
});

describe('legacy include/exclude match configs (still accepted upstream)', () => {
  it('spans.exclude with strict attributes drops health checks, as real configs write it', async () => {
    const h = setup({ spans: { exclude: { match_type: 'strict', attributes: [{ key: 'http.target', value: '/health' }] } } });
    const data = tracesOf([newSpan({ name: 'GET', attributes: attrs({ 'http.target': '/health' }) }), newSpan({ name: 'GET', attributes: attrs({ 'http.target': '/cart' }) }), newSpan({ name: 'bare' })]);
    await h.consume('traces', data);
    expect(spanNames(data)).toEqual(['GET', 'bare']);
    expect(data.resourceSpans[0].scopeSpans[0].spans[0].attributes.get('http.target')).toBe('/cart');
  });

  it('spans.include keeps only matching spans (regexp services and span names); include and exclude together', async () => {
    const h = setup({ spans: { include: { match_type: 'regexp', services: ['^check'] }, exclude: { match_type: 'regexp', span_names: ['healthz$'] } } });
    const data = sampleTraces();
    await h.consume('traces', data);
    expect(spanNames(data)).toEqual(['GET /cart', 'SELECT']);
  });

  it('logs.include / exclude with LogMatchProperties keys (bodies, severity_texts, record_attributes)', async () => {
    const records = [
      newLogRecord({ body: 'payment failed', severityText: 'ERROR', attributes: attrs({ team: 'pay' }) }),
      newLogRecord({ body: 'payment ok', severityText: 'INFO', attributes: attrs({ team: 'pay' }) }),
      newLogRecord({ body: 'payment retry', severityText: 'ERROR', attributes: attrs({ team: 'ops' }) }),
      newLogRecord({ body: 'cache warm', severityText: 'ERROR', attributes: attrs({ team: 'pay' }) }),
    ];
    const h = setup({ logs: { include: { match_type: 'regexp', bodies: ['^payment'], record_attributes: [{ key: 'team', value: 'pay' }] }, exclude: { match_type: 'strict', severity_texts: ['INFO'] } } });
    const data = logsOf(records);
    await h.consume('logs', data);
    expect(logBodies(data)).toEqual(['payment failed']);
  });

  it('metrics.exclude by metric_names', async () => {
    const h = setup({ metrics: { exclude: { match_type: 'regexp', metric_names: ['^go_', 'process_.*'] } } });
    const data = metricsOf([gaugeOf('go_goroutines', [1]), gaugeOf('http.server.duration', [2]), gaugeOf('process_cpu', [3])]);
    await h.consume('metrics', data);
    expect(metricNames(data)).toEqual(['http.server.duration']);
  });

  it('names what it cannot take: OTTL beside include/exclude, expr metrics, resource attributes, a bad regexp', () => {
    const problems = filterProcessorFactory.validate!({
      spans: { exclude: { match_type: 'regexp', span_names: ['('] } },
      traces: { span: ['name == "x"'] },
      metrics: { include: { match_type: 'expr', expressions: ['x > 1'] } },
      logs: { exclude: { match_type: 'strict', resource_attributes: [{ key: 'a', value: 'b' }] } },
    } as FilterConfig);
    const text = problems.map((p) => `${p.path}: ${p.message}`);
    expect(text).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^spans\.exclude\.span_names\[0\]: invalid regular expression "\("/),
        'spans: cannot use OTTL conditions (traces.span) and include/exclude for traces at the same time',
        expect.stringMatching(/^metrics\.include\.expressions: "expressions" is not supported by Summit yet/),
        expect.stringMatching(/^metrics\.include\.match_type: match_type "expr" is not supported/),
        expect.stringMatching(/^logs\.exclude\.resource_attributes: "resource_attributes" is not supported by Summit yet/),
      ]),
    );
  });
});

describe('the flat *_conditions lists (context from path prefixes)', () => {
  it('drops spans, resources and span events by inferred context, and metrics and log records', async () => {
    const h = setup({
      trace_conditions: ['span.name == "GET /healthz"', 'resource.attributes["service.name"] == "probe"', { context: 'span', conditions: ['attributes["db.system"] == "postgres"'] }],
      log_conditions: ['log.severity_number < SEVERITY_NUMBER_WARN'],
      metric_conditions: ['metric.name == "drop.me"'],
    } as FilterConfig);
    const data = sampleTraces();
    await h.consume('traces', data);
    expect(spanNames(data)).toEqual(['GET /cart']);
    const logs = logsOf([newLogRecord({ severityNumber: 5, body: 'debug' }), newLogRecord({ severityNumber: 17, body: 'error' })]);
    await h.consume('logs', logs);
    expect(logBodies(logs)).toEqual(['error']);
    const metrics = metricsOf([gaugeOf('drop.me', [1]), gaugeOf('keep.me', [2])]);
    await h.consume('metrics', metrics);
    expect(metricNames(metrics)).toEqual(['keep.me']);
  });

  it('names a condition whose context cannot be told or does not fit, and a per-group error_mode', () => {
    const problems = filterProcessorFactory.validate!({
      trace_conditions: ['name == "x"', 'log.body == "y"', { context: 'log', conditions: ['true'] }, { conditions: ['span.name == "z"'], error_mode: 'silent' }],
    } as FilterConfig).map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual([
      expect.stringMatching(/^trace_conditions\[0\]: cannot infer the context/),
      expect.stringMatching(/^trace_conditions\[1\]: path prefix "log" cannot be used here/),
      expect.stringMatching(/^trace_conditions\[2\]: context "log" cannot be used here/),
      'trace_conditions[3].error_mode: a per-group error_mode is not supported by Summit; set error_mode on the processor',
    ]);
  });
});
