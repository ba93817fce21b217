import { describe, expect, it } from 'vitest';
import { attrs, gaugeOf, logsOf, metricsOf, newLogRecord, newSpan, tracesOf } from '../../pipeline/builders.js';
import type { ComponentInstance } from '../../pipeline/component.js';
import type { Signal, SignalData } from '../../pipeline/model.js';
import { fakeCtx, recorder } from '../internal/testing.js';
import { resourceProcessorFactory, type ResourceConfig } from './index.js';

function processor<S extends Signal>(signal: S, config: ResourceConfig) {
  const down = recorder<S>();
  const instance = resourceProcessorFactory.create(fakeCtx('resource/test', [signal]), config, { [signal]: down.consumer }) as ComponentInstance;
  return { instance, received: down.received, consume: (data: SignalData[S]) => instance.consumers![signal]!.consume(data as never) };
}

const config: ResourceConfig = {
  attributes: [
    { key: 'deployment.environment', action: 'insert', value: 'prod' },
    { key: 'host.name', action: 'delete' },
    { key: 'cloud.account.id', action: 'hash' },
  ],
};

describe('resource processor', () => {
  const cases = {
    traces: () => tracesOf([newSpan({ attributes: attrs({ 'host.name': 'span-level' }) })], { 'host.name': 'h1', 'cloud.account.id': 'abc' }),
    logs: () => logsOf([newLogRecord()], { 'host.name': 'h1', 'cloud.account.id': 'abc' }),
    metrics: () => metricsOf([gaugeOf('g', [1])], { 'host.name': 'h1', 'cloud.account.id': 'abc' }),
  };
  const resources = (d: SignalData[Signal]) =>
    ('resourceSpans' in d ? d.resourceSpans : 'resourceLogs' in d ? d.resourceLogs : d.resourceMetrics).map((r) => r.resource.attributes);

  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    it(`applies actions to resource attributes of ${signal}`, async () => {
      const p = processor(signal, config);
      const input = cases[signal]();
      await p.consume(input as never);
      expect(p.received[0]).toBe(input);
      expect(resources(input)).toEqual([
        attrs({
          'cloud.account.id': 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
          'deployment.environment': 'prod',
        }),
      ]);
      expect(p.instance.mutatesData).toBe(true);
    });
  }

  it('leaves item attributes alone', async () => {
    const p = processor('traces', config);
    const input = cases.traces();
    await p.consume(input);
    expect(input.resourceSpans[0].scopeSpans[0].spans[0].attributes.get('host.name')).toBe('span-level');
  });

  it('applies to every resource of a batch', async () => {
    const p = processor('logs', { attributes: [{ key: 'k', action: 'upsert', value: 1 }] });
    const a = logsOf([newLogRecord()]);
    const b = logsOf([newLogRecord()], { k: 'old' });
    const input = { resourceLogs: [...a.resourceLogs, ...b.resourceLogs] };
    await p.consume(input);
    expect(resources(input).map((r) => r.get('k'))).toEqual([1n, 1n]);
  });

  it('validates the action list under "attributes"', () => {
    expect(resourceProcessorFactory.validate!({ attributes: [{ key: 'k', action: 'insert' }, { action: 'upsert', value: 'x' }] })).toEqual([
      { path: 'attributes[0]', message: 'action "insert" needs one of "value", "from_attribute" or "from_context"' },
      { path: 'attributes[1].key', message: '"key" is required for action "upsert"' },
    ]);
    expect(resourceProcessorFactory.validate!({ attributes: [] })).toEqual([{ path: 'attributes', message: expect.stringMatching(/at least one action/) }]);
    expect(() => processor('traces', { attributes: [{ key: 'k', action: 'bogus' }] })).toThrow(/attributes\[0\]\.action: unknown action "bogus"/);
  });
});
