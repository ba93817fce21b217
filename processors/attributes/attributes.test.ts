import { describe, expect, it } from 'vitest';
import { attrs, gaugeOf, logsOf, metricsOf, newLogRecord, newSpan, tracesOf } from '../../pipeline/builders.js';
import type { ComponentInstance } from '../../pipeline/component.js';
import type { Attributes, Logs, Metric, Metrics, Signal, SignalData, Traces } from '../../pipeline/model.js';
import { fakeCtx, recorder } from '../internal/testing.js';
import { attributesProcessorFactory, type AttributesConfig } from './index.js';

function processor<S extends Signal>(signal: S, config: AttributesConfig, respond?: () => Promise<void>) {
  const down = recorder<S>(respond);
  const instance = attributesProcessorFactory.create(fakeCtx('attributes/test', [signal]), config, { [signal]: down.consumer }) as ComponentInstance;
  return { instance, received: down.received, consume: (data: SignalData[S]) => instance.consumers![signal]!.consume(data as never) };
}

const upsertEnv: AttributesConfig['actions'] = [{ key: 'env', action: 'upsert', value: 'prod' }];
const spanAttrs = (t: Traces) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.attributes)));
const logAttrs = (l: Logs) => l.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => r.attributes)));
const pointAttrs = (m: Metrics) =>
  m.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((x) => (x.data.dataPoints as { attributes: Attributes }[]).map((p) => p.attributes))));

describe('attributes processor', () => {
  it('applies actions to span attributes, not resource attributes, and forwards the same batch', async () => {
    const p = processor('traces', { actions: [...upsertEnv, { key: 'password', action: 'delete' }] });
    const input = tracesOf([newSpan({ attributes: attrs({ password: 'x', keep: 1 }) })], { password: 'resource-level' });
    await p.consume(input);
    expect(p.received[0]).toBe(input);
    expect(spanAttrs(input)[0]).toEqual(attrs({ keep: 1, env: 'prod' }));
    expect(input.resourceSpans[0].resource.attributes.get('password')).toBe('resource-level');
    expect(p.instance.mutatesData).toBe(true);
  });

  it('applies actions to log record attributes', async () => {
    const p = processor('logs', { actions: upsertEnv });
    const input = logsOf([newLogRecord(), newLogRecord({ attributes: attrs({ env: 'dev' }) })]);
    await p.consume(input);
    expect(logAttrs(input).map((a) => a.get('env'))).toEqual(['prod', 'prod']);
  });

  it('applies actions to the data points of every metric type', async () => {
    const histogram: Metric = {
      name: 'latency',
      description: '',
      unit: 'ms',
      metadata: new Map(),
      data: {
        type: 'histogram',
        aggregationTemporality: 2,
        dataPoints: [{ attributes: attrs({}), startTimeUnixNano: 0n, timeUnixNano: 0n, count: 1, bucketCounts: [1], explicitBounds: [], exemplars: [], flags: 0 }],
      },
    };
    const p = processor('metrics', { actions: upsertEnv });
    const input = metricsOf([gaugeOf('temp', [1, 2]), histogram]);
    await p.consume(input);
    expect(pointAttrs(input).map((a) => a.get('env'))).toEqual(['prod', 'prod', 'prod']);
  });

  it('passes downstream failures back to the caller', async () => {
    const failure = new Error('down');
    const p = processor('traces', { actions: upsertEnv }, () => Promise.reject(failure));
    await expect(p.consume(tracesOf([newSpan()]))).rejects.toBe(failure);
  });

  describe('include / exclude', () => {
    it('include services (strict) selects spans by the resource service.name', async () => {
      const p = processor('traces', { actions: upsertEnv, include: { match_type: 'strict', services: ['checkout'] } });
      const a = tracesOf([newSpan()], { 'service.name': 'checkout' });
      const b = tracesOf([newSpan()], { 'service.name': 'checkout-v2' });
      const c = tracesOf([newSpan()]);
      for (const t of [a, b, c]) await p.consume(t);
      expect([a, b, c].map((t) => spanAttrs(t)[0].get('env'))).toEqual(['prod', undefined, undefined]);
    });

    it('exclude span_names (regexp, unanchored RE2) skips matching spans', async () => {
      const p = processor('traces', { actions: upsertEnv, exclude: { match_type: 'regexp', span_names: ['^health', '(?i)PING'] } });
      const t = tracesOf([newSpan({ name: 'healthz' }), newSpan({ name: 'GET /ping' }), newSpan({ name: 'GET /users' })]);
      await p.consume(t);
      expect(spanAttrs(t).map((a) => a.get('env'))).toEqual([undefined, undefined, 'prod']);
    });

    it('include then exclude: an entry must match include and not match exclude', async () => {
      const p = processor('traces', {
        actions: upsertEnv,
        include: { match_type: 'regexp', span_names: ['^GET '] },
        exclude: { match_type: 'strict', span_names: ['GET /health'] },
      });
      const t = tracesOf([newSpan({ name: 'GET /users' }), newSpan({ name: 'GET /health' }), newSpan({ name: 'POST /users' })]);
      await p.consume(t);
      expect(spanAttrs(t).map((a) => a.get('env'))).toEqual(['prod', undefined, undefined]);
    });

    it('strict attribute matching is typed; a key without value only has to exist', async () => {
      const p = processor('traces', {
        actions: upsertEnv,
        include: { match_type: 'strict', attributes: [{ key: 'http.status_code', value: 500 }, { key: 'error' }] },
      });
      const t = tracesOf([
        newSpan({ attributes: attrs({ 'http.status_code': 500, error: true }) }),
        newSpan({ attributes: new Map<string, never>([['http.status_code', 500 as never], ['error', true as never]]) }), // a double 500.0
        newSpan({ attributes: attrs({ 'http.status_code': 500 }) }),
      ]);
      await p.consume(t);
      expect(spanAttrs(t).map((a) => a.get('env'))).toEqual(['prod', undefined, undefined]);
    });

    it('regexp attribute matching compares the string form of scalars', async () => {
      const p = processor('logs', { actions: upsertEnv, include: { match_type: 'regexp', attributes: [{ key: 'code', value: '^5\\d\\d$' }] } });
      const l = logsOf([
        newLogRecord({ attributes: attrs({ code: 503 }) }),
        newLogRecord({ attributes: attrs({ code: '404' }) }),
        newLogRecord({ attributes: attrs({ code: ['503'] }) }),
      ]);
      await p.consume(l);
      expect(logAttrs(l).map((a) => a.get('env'))).toEqual(['prod', undefined, undefined]);
    });

    it('log_bodies and log_severity_texts select log records', async () => {
      const p = processor('logs', { actions: upsertEnv, include: { match_type: 'regexp', log_bodies: ['timeout'], log_severity_texts: ['^(ERROR|WARN)$'] } });
      const l = logsOf([
        newLogRecord({ body: 'db timeout after 5s', severityText: 'ERROR' }),
        newLogRecord({ body: 'db timeout after 5s', severityText: 'INFO' }),
        newLogRecord({ body: 'ok', severityText: 'ERROR' }),
      ]);
      await p.consume(l);
      expect(logAttrs(l).map((a) => a.get('env'))).toEqual(['prod', undefined, undefined]);
    });

    it('metric_names select whole metrics', async () => {
      const p = processor('metrics', { actions: upsertEnv, exclude: { match_type: 'strict', metric_names: ['skip.me'] } });
      const m = metricsOf([gaugeOf('skip.me', [1]), gaugeOf('take.me', [1, 2])]);
      await p.consume(m);
      expect(pointAttrs(m).map((a) => a.get('env'))).toEqual([undefined, 'prod', 'prod']);
    });

    it('refuses keys that do not apply to the pipeline signal, at create', () => {
      expect(() => processor('traces', { actions: upsertEnv, include: { match_type: 'strict', log_bodies: ['x'] } })).toThrow(
        /include\.log_bodies: "log_bodies" does not apply to spans; for spans use services, span_names, attributes/,
      );
      expect(() => processor('metrics', { actions: upsertEnv, include: { match_type: 'strict', services: ['x'] } })).toThrow(/does not apply to metrics/);
      expect(() => processor('logs', { actions: upsertEnv, exclude: { match_type: 'strict', span_names: ['x'] } })).toThrow(
        /exclude: at least one of "attributes", "log_bodies", "log_severity_texts" must be specified/,
      );
    });
  });

  describe('validate', () => {
    const validate = (c: Partial<AttributesConfig>) => attributesProcessorFactory.validate!({ actions: upsertEnv, ...c } as AttributesConfig);

    it('reports action problems with their index', () => {
      expect(validate({ actions: [{ key: 'a', action: 'upsert', value: 1 }, { key: 'b', action: 'move' }] })).toEqual([
        { path: 'actions[1].action', message: expect.stringMatching(/unknown action "move"/) },
      ]);
      expect(validate({ actions: [] })).toEqual([{ path: 'actions', message: expect.stringMatching(/at least one action/) }]);
    });

    it('reports match problems: match_type, patterns, attribute entries, unsupported upstream keys', () => {
      expect(validate({ exclude: { match_type: 'strict' } })).toEqual([
        { path: 'exclude', message: 'selects nothing: give at least one of services, span_names, attributes, log_bodies, log_severity_texts, metric_names' },
      ]);
      expect(validate({ include: { services: ['a'] } })).toEqual([{ path: 'include.match_type', message: '"match_type" is required: one of strict, regexp' }]);
      expect(validate({ include: { match_type: 'glob', services: ['a'] } })).toEqual([
        { path: 'include.match_type', message: 'unknown match_type "glob": valid types are strict, regexp' },
      ]);
      expect(validate({ exclude: { match_type: 'regexp', span_names: ['ok', '(bad'] } })).toEqual([
        { path: 'exclude.span_names[1]', message: expect.stringMatching(/^invalid regular expression "\(bad"/) },
      ]);
      expect(validate({ include: { match_type: 'regexp', attributes: [{ key: 'code', value: 5 }, { key: '' }] } })).toEqual([
        { path: 'include.attributes[0].value', message: 'match_type regexp only matches string values, but found Int' },
        { path: 'include.attributes[1].key', message: '"key" is required and must not be empty' },
      ]);
      expect(validate({ include: { match_type: 'strict', services: ['a'], resources: [{ key: 'k' }] } })).toEqual([
        { path: 'include.resources', message: expect.stringMatching(/"resources" is not supported by Summit yet/) },
      ]);
    });

    it('accepts upstream regexp cache settings without effect, and a match_type-free key-existence check', () => {
      expect(validate({ include: { match_type: 'regexp', span_names: ['x'], regexp: { cacheenabled: true, cachemaxnumentries: 10 } } })).toEqual([]);
      expect(validate({ include: { attributes: [{ key: 'error' }] } })).toEqual([]);
    });

    it('schema requires actions and rejects unknown keys', () => {
      const schema = attributesProcessorFactory.configSchema as { required: string[]; additionalProperties: boolean };
      expect(schema.required).toEqual(['actions']);
      expect(schema.additionalProperties).toBe(false);
    });
  });
});
