import { describe, expect, it, vi } from 'vitest';
import { gaugeOf, logsOf, metricsOf, newLogRecord, newResource, newScope, newSpan, tracesOf } from '../../pipeline/builders.js';
import { clientInfo, withClientInfo } from '../../pipeline/client-info.js';
import type { ComponentInstance } from '../../pipeline/component.js';
import { cloneData } from '../../pipeline/model-ops.js';
import type { Metrics, Signal, SignalData, Traces } from '../../pipeline/model.js';
import { deferred, fakeCtx, isSettled, recorder } from '../internal/testing.js';
import { batchDefaults, batchProcessorFactory, type BatchConfig } from './index.js';

function batch<S extends Signal>(signal: S, config: Partial<BatchConfig>, respond?: (data: SignalData[S], call: number) => Promise<void>) {
  const ctx = fakeCtx('batch/test', [signal]);
  const down = recorder<S>(respond);
  // upstream's timing unless a test asks for Summit's idle flush
  const instance = batchProcessorFactory.create(ctx, { ...batchDefaults, flush_when_idle: false, ...config }, { [signal]: down.consumer }) as ComponentInstance;
  const consume = (data: SignalData[S]) => instance.consumers![signal]!.consume(data as never);
  const counter = async (name: string) => (await ctx.telemetry.registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
  return { instance, consume, received: down.received, counter };
}

const spans = (...names: string[]) => tracesOf(names.map((name) => newSpan({ name })));
const spanNames = (t: Traces) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('batch processor', () => {
  it("passes a batch on without the client info of the request that filled it (it mixes requests' data)", async () => {
    const seen: unknown[] = [];
    const b = batch('traces', { send_batch_size: 2, timeout: '10s' }, async () => void seen.push(clientInfo()));
    const first = withClientInfo({ metadata: { tenant: ['a'] } }, () => b.consume(spans('a')));
    await withClientInfo({ metadata: { tenant: ['b'] } }, () => b.consume(spans('b')));
    await first;
    expect(seen).toEqual([undefined]);
  });

  it('metadata_keys: one batch per combination of values, each going on with its metadata; beyond metadata_cardinality_limit refused', async () => {
    const seen: { names: string[]; client: unknown }[] = [];
    const b = batch('traces', { send_batch_size: 2, timeout: '10s', metadata_keys: ['X-Tenant'], metadata_cardinality_limit: 2 }, async (d) => void seen.push({ names: spanNames(d), client: clientInfo() }));
    const as = (tenant: string | undefined, ...names: string[]) =>
      withClientInfo({ metadata: tenant ? { 'x-tenant': [tenant], other: ['dropped'] } : {} }, () => b.consume(spans(...names)));
    const pending = [as('a', 'a1'), as('b', 'b1'), as('a', 'a2'), as('b', 'b2')];
    await Promise.all(pending);
    expect(seen).toEqual([
      { names: ['a1', 'a2'], client: { metadata: { 'x-tenant': ['a'] } } },
      { names: ['b1', 'b2'], client: { metadata: { 'x-tenant': ['b'] } } },
    ]);
    await expect(as(undefined, 'none')).rejects.toThrow(/metadata_cardinality_limit 2.*X-Tenant=/);
    const again = as('a', 'a3');
    await b.instance.shutdown!();
    await again;
    expect(seen[2]).toEqual({ names: ['a3'], client: { metadata: { 'x-tenant': ['a'] } } });
  });

  it('sends when send_batch_size items have accumulated, merging inputs in order', async () => {
    const b = batch('traces', { send_batch_size: 3, timeout: '10s' });
    const first = b.consume(spans('a', 'b'));
    await sleep(5);
    expect(b.received).toHaveLength(0);
    expect(await isSettled(first)).toBe(false);
    const second = b.consume(spans('c'));
    expect(b.received).toHaveLength(1);
    expect(spanNames(b.received[0])).toEqual(['a', 'b', 'c']);
    expect(b.received[0].resourceSpans).toHaveLength(2); // inputs' resource entries appended, not merged
    await Promise.all([first, second]);
    expect(await b.counter('otelcol_processor_batch_batch_size_trigger_send_total')).toBe(1);
    expect(await b.counter('otelcol_processor_batch_timeout_trigger_send_total')).toBe(0);
  });

  it('sends a partial batch after timeout, counted as a timeout trigger', async () => {
    const b = batch('logs', { send_batch_size: 100, timeout: '20ms' });
    const start = Date.now();
    const p = b.consume(logsOf([newLogRecord({ body: 'x' }), newLogRecord({ body: 'y' })]));
    expect(b.received).toHaveLength(0);
    await p;
    expect(Date.now() - start).toBeGreaterThanOrEqual(15);
    expect(b.received).toHaveLength(1);
    expect(b.received[0].resourceLogs[0].scopeLogs[0].logRecords.map((r) => r.body)).toEqual(['x', 'y']);
    expect(await b.counter('otelcol_processor_batch_timeout_trigger_send_total')).toBe(1);
    expect(await b.counter('otelcol_processor_batch_batch_size_trigger_send_total')).toBe(0);
  });

  it('times a pending batch from its first item, not its latest', async () => {
    vi.useFakeTimers();
    try {
      const b = batch('traces', { send_batch_size: 100, timeout: '40ms' });
      const first = b.consume(spans('a'));
      vi.advanceTimersByTime(30);
      const second = b.consume(spans('b'));
      vi.advanceTimersByTime(9);
      expect(b.received).toHaveLength(0);
      vi.advanceTimersByTime(1);
      expect(b.received.map(spanNames)).toEqual([['a', 'b']]);
      await Promise.all([first, second]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('starts a new timeout for items arriving after a size-triggered send', async () => {
    vi.useFakeTimers();
    try {
      const b = batch('traces', { send_batch_size: 2, timeout: '40ms' });
      const first = b.consume(spans('a'));
      vi.advanceTimersByTime(30);
      const second = b.consume(spans('b'));
      expect(b.received).toHaveLength(1);
      vi.advanceTimersByTime(5);
      const third = b.consume(spans('c'));
      vi.advanceTimersByTime(39);
      expect(b.received).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(b.received.map(spanNames)).toEqual([['a', 'b'], ['c']]);
      await Promise.all([first, second, third]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not keep the process alive with its timer', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const b = batch('traces', { send_batch_size: 100, timeout: '10s' });
      const p = b.consume(spans('a'));
      const timer = spy.mock.results.at(-1)!.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      await b.instance.shutdown!();
      await p;
    } finally {
      spy.mockRestore();
    }
  });

  it('splits at send_batch_max_size, keeping item order and resource/scope structure', async () => {
    const r1 = newResource({ 'service.name': 'one' });
    const r2 = newResource({ 'service.name': 'two' });
    const sA = newScope('A');
    const sB = newScope('B');
    const input: Traces = {
      resourceSpans: [
        {
          resource: r1,
          schemaUrl: 'https://schema/1',
          scopeSpans: [
            { scope: sA, schemaUrl: '', spans: [newSpan({ name: '1' }), newSpan({ name: '2' })] },
            { scope: sB, schemaUrl: '', spans: [newSpan({ name: '3' }), newSpan({ name: '4' }), newSpan({ name: '5' })] },
          ],
        },
        { resource: r2, schemaUrl: '', scopeSpans: [{ scope: sA, schemaUrl: '', spans: [newSpan({ name: '6' }), newSpan({ name: '7' })] }] },
      ],
    };
    const snapshot = cloneData('traces', input);
    const b = batch('traces', { send_batch_size: 1, send_batch_max_size: 3, timeout: '10s' });
    await b.consume(input);

    expect(b.received.map(spanNames)).toEqual([['1', '2', '3'], ['4', '5', '6'], ['7']]);
    // Structure of each batch: [resource, schemaUrl, [scope, span names]].
    const shape = (t: Traces) =>
      t.resourceSpans.map((rs) => [rs.resource, rs.schemaUrl, rs.scopeSpans.map((ss) => [ss.scope, ss.spans.map((s) => s.name)])]);
    expect(shape(b.received[0])).toEqual([[r1, 'https://schema/1', [[sA, ['1', '2']], [sB, ['3']]]]]);
    expect(shape(b.received[1])).toEqual([
      [r1, 'https://schema/1', [[sB, ['4', '5']]]],
      [r2, '', [[sA, ['6']]]],
    ]);
    expect(shape(b.received[2])).toEqual([[r2, '', [[sA, ['7']]]]]);
    // Items and resources are shared, not copied; the input's containers are untouched.
    expect(b.received[0].resourceSpans[0].resource).toBe(r1);
    expect(b.received[0].resourceSpans[0].scopeSpans[0].spans[0]).toBe(input.resourceSpans[0].scopeSpans[0].spans[0]);
    expect(input).toEqual(snapshot);
    expect(await b.counter('otelcol_processor_batch_batch_size_trigger_send_total')).toBe(3);
  });

  it('fills the pending batch up to send_batch_max_size before cutting a new input', async () => {
    const b = batch('traces', { send_batch_size: 4, send_batch_max_size: 4, timeout: '10s' });
    const first = b.consume(spans('a', 'b', 'c'));
    const second = b.consume(spans('d', 'e', 'f', 'g', 'h', 'i'));
    expect(b.received.map(spanNames)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['e', 'f', 'g', 'h'],
    ]);
    await first;
    // 'i' is still pending: the second input is not delivered yet.
    expect(await isSettled(second)).toBe(false);
    await b.instance.shutdown!();
    expect(b.received.map(spanNames)[2]).toEqual(['i']);
    await second;
  });

  it('splits metrics by data point, each part keeping the metric and its type', async () => {
    const sum = gaugeOf('requests', [1n, 2n, 3n]);
    sum.data = { type: 'sum', dataPoints: sum.data.dataPoints as never, aggregationTemporality: 2, isMonotonic: true };
    const input = metricsOf([gaugeOf('temp', [1, 2, 3, 4, 5]), sum]);
    const b = batch('metrics', { send_batch_size: 2, send_batch_max_size: 3, timeout: '10s' });
    await b.consume(input);
    const view = (m: Metrics) =>
      m.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((x) => [x.name, x.data.type, x.data.dataPoints.map((p) => (p as { value: unknown }).value)])));
    expect(b.received.map(view)).toEqual([
      [['temp', 'gauge', [1, 2, 3]]],
      [
        ['temp', 'gauge', [4, 5]],
        ['requests', 'sum', [1n]],
      ],
      [['requests', 'sum', [2n, 3n]]],
    ]);
    const lastSum = b.received[2].resourceMetrics[0].scopeMetrics[0].metrics[0].data;
    expect(lastSum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
    expect(input.resourceMetrics[0].scopeMetrics[0].metrics[0].data.dataPoints).toHaveLength(5);
  });

  it('resolves consume() only once downstream has resolved', async () => {
    const gate = deferred();
    const b = batch('traces', { send_batch_size: 1, timeout: '10s' }, () => gate.promise);
    const p = b.consume(spans('a'));
    expect(b.received).toHaveLength(1);
    expect(await isSettled(p)).toBe(false);
    gate.resolve();
    await expect(p).resolves.toBeUndefined();
  });

  it('resolves an input split over several batches only when all of them are delivered', async () => {
    const gates = [deferred(), deferred()];
    const b = batch('traces', { send_batch_size: 2, send_batch_max_size: 2, timeout: '10s' }, (_, i) => gates[i].promise);
    const p = b.consume(spans('a', 'b', 'c', 'd'));
    expect(b.received).toHaveLength(2); // both sent without waiting for the first to finish
    gates[1].resolve();
    expect(await isSettled(p)).toBe(false);
    gates[0].resolve();
    await p;
  });

  it('rejects every input that contributed to a failed batch with the downstream error', async () => {
    const failure = new Error('exporter down');
    const b = batch('traces', { send_batch_size: 2, send_batch_max_size: 2, timeout: '10s' }, (_, i) => (i === 1 ? Promise.reject(failure) : Promise.resolve()));
    const a = b.consume(spans('a')); // batch 0 with half of b
    const c = b.consume(spans('b1', 'b2')); // b1 in batch 0, b2 in batch 1 (fails)
    const d = b.consume(spans('d')); // batch 1 (fails)
    const e = b.consume(spans('e', 'f')); // batch 2
    await expect(a).resolves.toBeUndefined();
    await expect(c).rejects.toBe(failure);
    await expect(d).rejects.toBe(failure);
    await expect(e).resolves.toBeUndefined();
  });

  it('turns a downstream that throws synchronously into a rejection', async () => {
    const b = batch('traces', { send_batch_size: 1, timeout: '10s' }, () => {
      throw new Error('sync');
    });
    await expect(b.consume(spans('a'))).rejects.toThrow('sync');
  });

  it('flushes what is pending on shutdown and waits for it to be delivered', async () => {
    const gate = deferred();
    const b = batch('traces', { send_batch_size: 100, timeout: '10s' }, () => gate.promise);
    const p = b.consume(spans('a', 'b'));
    const shutdown = b.instance.shutdown!();
    expect(b.received.map(spanNames)).toEqual([['a', 'b']]);
    expect(await isSettled(shutdown)).toBe(false);
    gate.resolve();
    await shutdown;
    await p;
    // After shutdown nothing is held back any more.
    const late = b.consume(spans('late'));
    expect(b.received.map(spanNames)[1]).toEqual(['late']);
    await late;
    expect(await b.counter('otelcol_processor_batch_timeout_trigger_send_total')).toBe(0);
  });

  it('sends each input at once with timeout 0, still split by send_batch_max_size', async () => {
    const b = batch('traces', { send_batch_size: 100, send_batch_max_size: 200, timeout: '0s' });
    await b.consume(spans('a'));
    expect(b.received.map(spanNames)).toEqual([['a']]);
  });

  it('resolves an input without items at once and sends nothing', async () => {
    const b = batch('traces', { send_batch_size: 1, timeout: '10s' });
    await b.consume({ resourceSpans: [{ resource: newResource(), schemaUrl: '', scopeSpans: [] }] });
    expect(b.received).toHaveLength(0);
  });

  it('does not mutate data', () => {
    expect(batch('traces', {}).instance.mutatesData).toBe(false);
  });
});

describe('batch config', () => {
  const validate = (c: Partial<BatchConfig>) => batchProcessorFactory.validate!({ ...batchDefaults, ...c });

  it('has upstream defaults in the schema, plus Summit’s flush_when_idle', () => {
    const props = batchProcessorFactory.configSchema.properties as Record<string, { default?: unknown }>;
    expect(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.default]))).toEqual({
      send_batch_size: 8192,
      send_batch_max_size: 0,
      timeout: '200ms',
      metadata_keys: [],
      metadata_cardinality_limit: 1000,
      flush_when_idle: true,
    });
    expect(validate({})).toEqual([]);
  });

  it('requires send_batch_max_size >= send_batch_size unless 0', () => {
    expect(validate({ send_batch_size: 100, send_batch_max_size: 50 })).toEqual([
      { path: 'send_batch_max_size', message: expect.stringMatching(/must be greater or equal to send_batch_size/) },
    ]);
    expect(validate({ send_batch_size: 100, send_batch_max_size: 100 })).toEqual([]);
    expect(validate({ send_batch_size: 100, send_batch_max_size: 0 })).toEqual([]);
  });

  it('rejects a negative timeout and a metadata key given twice', () => {
    expect(validate({ timeout: '-1s' })).toEqual([{ path: 'timeout', message: 'timeout must be greater or equal to 0' }]);
    expect(validate({ metadata_keys: ['tenant', 'Tenant'] })).toEqual([{ path: 'metadata_keys', message: expect.stringMatching(/duplicate entry in metadata_keys: "Tenant"/) }]);
  });

  it('refuses to create with an invalid config', () => {
    expect(() => batch('traces', { send_batch_size: 10, send_batch_max_size: 5 })).toThrow(/send_batch_max_size/);
  });
});

describe('batch processor flushing when input pauses', () => {
  const turn = () => new Promise((r) => setImmediate(r));

  it('sends a lone input after an idle event-loop turn instead of waiting for the timeout', async () => {
    const b = batch('traces', { send_batch_size: 100, timeout: '10s', flush_when_idle: true });
    const start = Date.now();
    await b.consume(spans('a'));
    expect(Date.now() - start).toBeLessThan(1000);
    expect(b.received.map(spanNames)).toEqual([['a']]);
    expect(await b.counter('otelcol_processor_batch_timeout_trigger_send_total')).toBe(0);
  });

  it('merges inputs that arrive in the same turn, and in consecutive busy turns', async () => {
    const b = batch('traces', { send_batch_size: 100, timeout: '10s', flush_when_idle: true });
    const sameTurn = [b.consume(spans('a')), b.consume(spans('b'))];
    await turn();
    const nextTurn = b.consume(spans('c'));
    await Promise.all([...sameTurn, nextTurn]);
    expect(b.received.map(spanNames)).toEqual([['a', 'b', 'c']]);
  });

  it('holds a small idle flush that follows a send closer than 200 ms, so steady light input is still batched', async () => {
    // performance.now stands still: however slow the machine, b and c arrive "within" the gap
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const b = batch('traces', { send_batch_size: 100, timeout: '10s', flush_when_idle: true });
      await b.consume(spans('a'));
      const later = [b.consume(spans('b'))];
      await turn();
      await turn();
      later.push(b.consume(spans('c')));
      await Promise.all(later);
      expect(b.received.map(spanNames)).toEqual([['a'], ['b', 'c']]);
      expect(await b.counter('otelcol_processor_batch_timeout_trigger_send_total')).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops holding small idle flushes for a sender that waits for each answer (a hold that gained no input)', async () => {
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
    try {
      const b = batch('traces', { send_batch_size: 100, timeout: '10s', flush_when_idle: true });
      await b.consume(spans('a'));
      // the first small flush after a send is held; nothing else arrives while it is
      const held = b.consume(spans('b'));
      await turn();
      await turn();
      expect(await isSettled(held)).toBe(false);
      await vi.advanceTimersByTimeAsync(200);
      await held;
      // from now on (for 5 s) the lone sender's requests go at once
      for (const name of ['c', 'd']) {
        const next = b.consume(spans(name));
        await turn();
        await turn();
        expect(await isSettled(next)).toBe(true);
      }
      expect(b.received.map(spanNames)).toEqual([['a'], ['b'], ['c'], ['d']]);
      // 5 s later holding is tried again: the flush after e, close behind it, is held
      vi.advanceTimersByTime(5000);
      await b.consume(spans('e'));
      const probe = b.consume(spans('f'));
      await turn();
      await turn();
      expect(await isSettled(probe)).toBe(false);
      await vi.advanceTimersByTimeAsync(200);
      await probe;
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps holding after a hold too short to tell (the last ms of a gap) gained no input', async () => {
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
    try {
      const b = batch('traces', { send_batch_size: 100, timeout: '10s', flush_when_idle: true });
      await b.consume(spans('a'));
      await vi.advanceTimersByTimeAsync(190);
      // held for the 10 ms left of the gap; steady input 10 ms apart could well bring nothing in that time
      const short = b.consume(spans('b'));
      await turn();
      await turn();
      await vi.advanceTimersByTimeAsync(10);
      await short;
      const next = b.consume(spans('c'));
      await turn();
      await turn();
      expect(await isSettled(next)).toBe(false);
      await vi.advanceTimersByTimeAsync(200);
      await next;
      expect(b.received.map(spanNames)).toEqual([['a'], ['b'], ['c']]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends a large idle batch at once, even right after another send', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      // send_batch_size 4: one span is 1/4 of it, no longer "small"
      const b = batch('traces', { send_batch_size: 4, timeout: '10s', flush_when_idle: true });
      await b.consume(spans('a'));
      const later = [b.consume(spans('b'))];
      await turn();
      await turn();
      later.push(b.consume(spans('c')));
      await Promise.all(later);
      expect(b.received.map(spanNames)).toEqual([['a'], ['b'], ['c']]);
      expect(await b.counter('otelcol_processor_batch_timeout_trigger_send_total')).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('still sends by size under steady input', async () => {
    const b = batch('traces', { send_batch_size: 2, timeout: '10s', flush_when_idle: true });
    const inputs = [b.consume(spans('a')), b.consume(spans('b')), b.consume(spans('c'))];
    await Promise.all(inputs);
    expect(b.received.map(spanNames)).toEqual([['a', 'b'], ['c']]);
    expect(await b.counter('otelcol_processor_batch_batch_size_trigger_send_total')).toBe(1);
  });
});
