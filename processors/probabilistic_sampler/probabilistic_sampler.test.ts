import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attrs, logsOf, newLogRecord, newSpan, tracesOf } from '../../pipeline/builders.js';
import type { ComponentInstance } from '../../pipeline/component.js';
import type { Logs, Signal, SignalData, Span, Traces } from '../../pipeline/model.js';
import { fakeCtx, recorder } from '../internal/testing.js';
import { fnv1a32 } from './hash.js';
import { probabilisticSamplerProcessorFactory as factory, validateProbabilisticSamplerConfig, type ProbabilisticSamplerConfig } from './index.js';
import { TraceState, probabilityToThreshold, tValue } from './otep235.js';

function processor<S extends Signal>(signal: S, config: ProbabilisticSamplerConfig) {
  const down = recorder<S>();
  const ctx = fakeCtx('probabilistic_sampler', [signal]);
  const instance = factory.create(ctx, config, { [signal]: down.consumer }) as ComponentInstance;
  return { ctx, received: down.received, consume: (data: SignalData[S]) => instance.consumers![signal]!.consume(data as never) };
}

const spansOut = (received: Traces[]): Span[] => received.flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
const recordsOut = (received: Logs[]) => received.flatMap((l) => l.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)));
const randomTraceId = () => randomBytes(16).toString('hex');

/**
 * The processor's original decision, written out independently with BigInt arithmetic: FNV-1a 32
 * over the seed's 4 little-endian bytes then the 16 trace id bytes; keep when the low 14 bits are
 * below uint32(float32(pct) * float32(16384/100)).
 */
function legacyHashDecision(seed: number, traceId: string, pct: number): boolean {
  let h = 0x811c9dc5n;
  const bytes = [seed & 255, (seed >>> 8) & 255, (seed >>> 16) & 255, (seed >>> 24) & 255, ...Buffer.from(traceId, 'hex')];
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x01000193n) % 2n ** 32n;
  const rate = Math.trunc(Math.fround(Math.fround(pct) * Math.fround(163.84)));
  return Number(h & 0x3fffn) < rate;
}

/** Within 5 standard deviations of a binomial's mean: fails by chance about once in 3.5 million runs. */
function expectBinomial(kept: number, n: number, p: number): void {
  const sigma = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(kept - n * p)).toBeLessThan(5 * sigma);
}

describe('OTEP 235 encoding', () => {
  it('encodes thresholds as upstream README examples show', () => {
    expect(tValue(probabilityToThreshold(0.25, 4)!)).toBe('c');
    expect(tValue(probabilityToThreshold(0.5, 4)!)).toBe('8');
    expect(tValue(probabilityToThreshold(1, 4)!)).toBe('0');
    // 1/3 rounded to 4 significant hex digits: 1 - 1/3 = 0.aaaa... → aaab after rounding
    expect(tValue(probabilityToThreshold(1 / 3, 4)!)).toBe('aaab');
    // a leading zero of the rejection probability does not count toward the precision
    expect(tValue(probabilityToThreshold(0.99, 2)!)).toBe('029');
    expect(probabilityToThreshold(0, 4)).toBeUndefined();
  });

  it('keeps other tracestate members and ot fields, ot first', () => {
    const ts = TraceState.parse('congo=t61rcWkgMzE, ot=th:8;xx:yy;rv:9b8233f7e3a151 ,rojo=00f067aa0ba902b7');
    expect(ts.th).toBe(0x80000000000000n);
    expect(ts.rv).toBe(0x9b8233f7e3a151n);
    expect(ts.serialize()).toBe('ot=rv:9b8233f7e3a151;th:8;xx:yy,congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    expect(() => TraceState.parse('ot=th:xyz')).toThrow(/th "xyz"/);
    expect(() => TraceState.parse('ot=rv:123')).toThrow(/rv "123"/);
    expect(() => TraceState.parse('no-equals-sign')).toThrow(/not key=value/);
  });

  it('hashes with FNV-1a (published test vectors)', () => {
    expect(fnv1a32(Buffer.from(''))).toBe(0x811c9dc5);
    expect(fnv1a32(Buffer.from('a'))).toBe(0xe40c292c);
    expect(fnv1a32(Buffer.from('foobar'))).toBe(0xbf9cf968);
  });
});

describe('probabilistic_sampler traces', () => {
  it('hash_seed mode makes the original decision for every trace id and seed', async () => {
    for (const [seed, pct] of [[22, 33], [0xdeadbeef, 12.5], [1, 0.01]] as const) {
      const p = processor('traces', { mode: 'hash_seed', hash_seed: seed, sampling_percentage: pct });
      const ids = Array.from({ length: 2000 }, randomTraceId);
      await p.consume(tracesOf(ids.map((traceId) => newSpan({ traceId, spanId: 'aaaaaaaaaaaaaaaa' }))));
      expect(spansOut(p.received).map((s) => s.traceId)).toEqual(ids.filter((id) => legacyHashDecision(seed, id, pct)));
    }
  });

  it('hash_seed mode: fixed ids, decisions and the tracestate written', async () => {
    // seed 22, 33%: rate = uint32(float32(33) * float32(163.84)) = 5406 of 16384 buckets
    const ids = ['0102030405060708090a0b0c0d0e0f10', 'ffffffffffffffffffffffffffffffff', '5b8efff798038103d269b633813fc60c', '00000000000000000000000000000001'];
    const expected = ids.map((id) => legacyHashDecision(22, id, 33));
    expect(expected).toContain(true);
    expect(expected).toContain(false);
    const p = processor('traces', { hash_seed: 22, sampling_percentage: 33 });
    await p.consume(tracesOf(ids.map((traceId) => newSpan({ traceId }))));
    const out = spansOut(p.received);
    expect(out.map((s) => s.traceId)).toEqual(ids.filter((_, i) => expected[i]));
    // (16384 - 5406) << 42 as a 14-digit threshold, trailing zeros cut: 0xab88 → "ab88"; rv = the hash spread to 56 bits
    for (const s of out) expect(s.traceState).toMatch(/^ot=rv:[0-9a-f]{14};th:ab88$/);
  });

  it('proportional (the default) keeps 25% within statistical bounds, and marks th:c', async () => {
    const p = processor('traces', { sampling_percentage: 25 });
    const n = 20000;
    await p.consume(tracesOf(Array.from({ length: n }, () => newSpan({ traceId: randomTraceId() }))));
    const out = spansOut(p.received);
    expectBinomial(out.length, n, 0.25);
    for (const s of out) {
      expect(s.traceState).toBe('ot=th:c');
      expect(BigInt(`0x${s.traceId.slice(-14)}`) >= 0xc0000000000000n).toBe(true);
    }
  });

  it('proportional decides on the trace id\'s last 56 bits against the threshold, at the boundary', async () => {
    // 25%: threshold 0xc0000000000000; the first 9 bytes of the id play no part
    const keep = '0123456789abcdef00' + 'c0000000000000';
    const drop = '0123456789abcdefff' + 'bfffffffffffff';
    const p = processor('traces', { sampling_percentage: 25 });
    await p.consume(tracesOf([newSpan({ traceId: keep }), newSpan({ traceId: drop })]));
    expect(spansOut(p.received).map((s) => s.traceId)).toEqual([keep]);
  });

  it('proportional multiplies an arriving probability; equalizing keeps a lower one', async () => {
    const span = () => newSpan({ traceId: randomTraceId(), traceState: 'ot=th:8;rv:f0000000000000,vendor=x' });
    const prop = processor('traces', { sampling_percentage: 50 });
    await prop.consume(tracesOf([span()]));
    expect(spansOut(prop.received)[0].traceState).toBe('ot=rv:f0000000000000;th:c,vendor=x');

    const eq = processor('traces', { mode: 'equalizing', sampling_percentage: 50 });
    await eq.consume(tracesOf([newSpan({ traceId: randomTraceId(), traceState: 'ot=th:c;rv:d0000000000000' })]));
    expect(spansOut(eq.received)[0].traceState).toBe('ot=rv:d0000000000000;th:c');
    await eq.consume(tracesOf([newSpan({ traceId: randomTraceId(), traceState: 'ot=rv:70000000000000' })]));
    expect(eq.received).toHaveLength(1); // rv below th:8 (50%): dropped
  });

  it('fail_closed (default) drops spans without usable randomness; false lets them through', async () => {
    const bad = () => [newSpan({ traceId: randomTraceId(), traceState: 'ot=th:zz' }), newSpan({ traceId: '' })];
    const closed = processor('traces', { sampling_percentage: 100 });
    await closed.consume(tracesOf(bad()));
    expect(closed.received).toHaveLength(0);
    const open = processor('traces', { sampling_percentage: 1, fail_closed: false });
    await open.consume(tracesOf(bad()));
    expect(spansOut(open.received)).toHaveLength(2);
  });

  it('an arriving threshold the randomness contradicts is cleared', async () => {
    const p = processor('traces', { sampling_percentage: 100, fail_closed: false });
    await p.consume(tracesOf([newSpan({ traceId: '00000000000000000010000000000000', traceState: 'ot=th:8' })]));
    expect(spansOut(p.received)[0].traceState).toBe('ot=th:0');
  });

  it('sampling.priority 0 drops and > 0 keeps, whatever the percentage; counted by policy', async () => {
    const p = processor('traces', { sampling_percentage: 0.0001 });
    const keepId = randomTraceId();
    await p.consume(
      tracesOf([
        newSpan({ traceId: keepId, attributes: attrs({ 'sampling.priority': 1 }) }),
        newSpan({ traceId: 'ffffffffffffffffffffffffffffffff', attributes: attrs({ 'sampling.priority': '0' }) }),
      ]),
    );
    expect(spansOut(p.received).map((s) => s.traceId)).toEqual([keepId]);
    const exposition = await p.ctx.telemetry.exposition();
    expect(exposition).toMatch(/otelcol_processor_probabilistic_sampler_count_traces_sampled_total\{processor="probabilistic_sampler",policy="sampling_priority",sampled="true"\} 1/);
    expect(exposition).toMatch(/policy="sampling_priority",sampled="false"\} 1/);
  });

  it('0% keeps nothing and forwards no empty batch', async () => {
    const p = processor('traces', { sampling_percentage: 0 });
    await p.consume(tracesOf([newSpan({ traceId: 'ffffffffffffffffffffffffffffffff' })]));
    expect(p.received).toHaveLength(0);
  });
});

describe('probabilistic_sampler logs', () => {
  it('samples by trace id like spans of the same trace', async () => {
    const ids = Array.from({ length: 4000 }, randomTraceId);
    const spans = processor('traces', { sampling_percentage: 30 });
    const logs = processor('logs', { sampling_percentage: 30 });
    await spans.consume(tracesOf(ids.map((traceId) => newSpan({ traceId }))));
    await logs.consume(logsOf(ids.map((traceId) => newLogRecord({ traceId }))));
    const kept = recordsOut(logs.received);
    expect(kept.map((r) => r.traceId)).toEqual(spansOut(spans.received).map((s) => s.traceId));
    expectBinomial(kept.length, ids.length, 0.3);
    expect(kept[0].attributes.get('sampling.threshold')).toBe(tValue(probabilityToThreshold(Math.fround(30) / 100, 4)!));
  });

  it('attribute_source: record hashes from_attribute (hash_seed mode) and records the randomness', async () => {
    const p = processor('logs', { sampling_percentage: 40, attribute_source: 'record', from_attribute: 'log.id', hash_seed: 7 });
    const n = 10000;
    await p.consume(logsOf(Array.from({ length: n }, (_, i) => newLogRecord({ attributes: attrs({ 'log.id': `id-${i}` }) }))));
    const kept = recordsOut(p.received);
    expectBinomial(kept.length, n, 0.4);
    // the same ids give the same decisions: the hash of the value, not chance
    const again = processor('logs', { sampling_percentage: 40, attribute_source: 'record', from_attribute: 'log.id', hash_seed: 7 });
    await again.consume(logsOf(Array.from({ length: n }, (_, i) => newLogRecord({ attributes: attrs({ 'log.id': `id-${i}` }) }))));
    expect(recordsOut(again.received).map((r) => r.attributes.get('log.id'))).toEqual(kept.map((r) => r.attributes.get('log.id')));
    expect(kept[0].attributes.get('sampling.randomness')).toMatch(/^[0-9a-f]{14}$/);
  });

  it('without a trace id, from_attribute supplies randomness in the consistent modes', async () => {
    const p = processor('logs', { sampling_percentage: 50, from_attribute: 'request.id' });
    await p.consume(logsOf([newLogRecord({ attributes: attrs({ 'request.id': 'r-1' }) }), newLogRecord()]));
    const statuses = recordsOut(p.received).map((r) => r.attributes.get('request.id'));
    expect(statuses).not.toContain(undefined); // the record without trace id or attribute has no randomness: dropped (fail_closed)
  });

  it('sampling_priority raises a record\'s probability', async () => {
    const p = processor('logs', { sampling_percentage: 0.001, sampling_priority: 'prio' });
    const ids = Array.from({ length: 200 }, randomTraceId);
    await p.consume(logsOf(ids.map((traceId) => newLogRecord({ traceId, attributes: attrs({ prio: 100 }) }))));
    expect(recordsOut(p.received)).toHaveLength(200);
  });

  it('config errors name the key', () => {
    expect(validateProbabilisticSamplerConfig({ sampling_percentage: 1e-20 })).toEqual([{ path: 'sampling_percentage', message: expect.stringMatching(/too small/) }]);
    expect(validateProbabilisticSamplerConfig({ attribute_source: 'record' })).toEqual([{ path: 'from_attribute', message: expect.stringMatching(/needs from_attribute/) }]);
  });
});
