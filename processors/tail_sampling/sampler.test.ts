import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { attrs, newSpan, tracesOf } from '../../pipeline/builders.js';
import { StatusCode, type Span, type Traces } from '../../pipeline/model.js';
import { SelfTelemetry } from '../../pipeline/telemetry.js';
import { fakeCtx, recorder } from '../internal/testing.js';
import { tailSamplingProcessorFactory } from './index.js';
import { samplerMetrics } from './metrics.js';
import { buildPolicy } from './policies.js';
import { TailSampler } from './sampler.js';
import { loadConfig, tid } from './testing.js';

const ERROR = { code: StatusCode.Error, message: 'boom' };

/** A sampler on a clock the test moves; what it sends on is collected as span ids per trace. */
function setup(yaml: string) {
  const config = loadConfig(yaml);
  const clock = { t: 1_000_000 };
  const telemetry = new SelfTelemetry();
  const out: Traces[] = [];
  let sampler: TailSampler | undefined;
  const metrics = samplerMetrics(telemetry, 'tail_sampling', () => sampler!.tracesInMemory, () => sampler!.bytesInMemory);
  sampler = new TailSampler({
    id: 'tail_sampling',
    config,
    decisionWaitMs: 1000,
    policies: config.policies.map((p) => buildPolicy(p, { now: () => clock.t })),
    now: () => clock.t,
    forward: async (d) => void out.push(d),
    metrics,
    logger: pino({ level: 'silent' }),
  });
  const spansOut = () => {
    const byTrace = new Map<string, string[]>();
    for (const t of out)
      for (const rs of t.resourceSpans)
        for (const ss of rs.scopeSpans) for (const s of ss.spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s.spanId]);
    return byTrace;
  };
  return { sampler: sampler!, clock, out, spansOut, telemetry };
}

const span = (trace: number, n: number, extra: Parameters<typeof newSpan>[0] = {}) => newSpan({ traceId: tid(trace), spanId: n.toString(16).padStart(16, '0'), name: 'op', ...extra });

const ERRORS_ONLY = `
decision_wait: 1s
policies: [{ name: errors, type: status_code, status_code: { status_codes: [ERROR] } }]
`;

describe('TailSampler', () => {
  it('decides on the whole trace once decision_wait has passed, whatever batches its spans came in', async () => {
    const { sampler, clock, spansOut } = setup(ERRORS_ONLY);
    await sampler.consume(tracesOf([span(1, 1), span(2, 1)]));
    clock.t += 600;
    await sampler.consume(tracesOf([span(1, 2, { status: ERROR }), span(2, 2)], { 'service.name': 'other' }));
    await sampler.decideDue();
    expect(spansOut().size).toBe(0); // not yet due
    clock.t += 400;
    await sampler.decideDue();
    expect(spansOut()).toEqual(new Map([[tid(1), [span(1, 1).spanId, span(1, 2).spanId]]]));
    expect(sampler.tracesInMemory).toBe(0);
    expect(sampler.bytesInMemory).toBe(0);
  });

  it('sends late spans on at once when their trace was sampled, and drops them when it was not', async () => {
    const { sampler, clock, spansOut, telemetry } = setup(ERRORS_ONLY);
    await sampler.consume(tracesOf([span(1, 1, { status: ERROR }), span(2, 1)]));
    clock.t += 1000;
    await sampler.decideDue();
    clock.t += 5000;
    await sampler.consume(tracesOf([span(1, 9), span(2, 9)]));
    expect(spansOut().get(tid(1))).toEqual([span(1, 1).spanId, span(1, 9).spanId]);
    expect(spansOut().has(tid(2))).toBe(false);
    expect(sampler.tracesInMemory).toBe(0);
    const text = await telemetry.exposition();
    expect(text).toMatch(/otelcol_processor_tail_sampling_sampling_late_span_age_count\{processor="tail_sampling"\} 2\b/);
    expect(text).toMatch(/otelcol_processor_tail_sampling_count_traces_sampled_total\{processor="tail_sampling",policy="errors",sampled="true",decision="sampled"\} 1/);
    expect(text).toMatch(/otelcol_processor_tail_sampling_global_count_traces_sampled_total\{processor="tail_sampling",sampled="false",decision="not_sampled"\} 1/);
  });

  it('remembers decisions beyond num_traces through the decision caches', async () => {
    const { sampler, clock, spansOut } = setup(`
num_traces: 2
decision_cache: { sampled_cache_size: 100, non_sampled_cache_size: 100 }
policies: [{ name: errors, type: status_code, status_code: { status_codes: [ERROR] } }]
`);
    for (let i = 1; i <= 6; i++) await sampler.consume(tracesOf([span(i, 1, i === 1 ? { status: ERROR } : {})]));
    clock.t += 1000;
    await sampler.decideDue();
    await sampler.consume(tracesOf([span(1, 2), span(2, 2)]));
    expect(spansOut().get(tid(1))).toEqual([span(1, 1).spanId, span(1, 2).spanId]);
    expect(spansOut().has(tid(2))).toBe(false);
    expect(sampler.tracesInMemory).toBe(0);
  });

  it('keeps within the memory budget by deciding the oldest traces early, sampled ones sent on', async () => {
    const { sampler, clock, spansOut, telemetry } = setup(`
memory_budget_bytes: 2000
policies: [{ name: errors, type: status_code, status_code: { status_codes: [ERROR] } }]
`);
    for (let i = 1; i <= 50; i++) {
      await sampler.consume(tracesOf([span(i, 1, i % 10 === 0 ? { status: ERROR } : {}), span(i, 2)]));
      expect(sampler.bytesInMemory).toBeLessThanOrEqual(2000);
      clock.t += 1;
    }
    expect(sampler.tracesInMemory).toBeGreaterThan(0);
    clock.t += 1000;
    await sampler.decideDue();
    // every error trace kept whole, nothing else
    expect([...spansOut().keys()].sort()).toEqual([10, 20, 30, 40, 50].map(tid));
    for (const ids of spansOut().values()) expect(ids).toHaveLength(2);
    expect(await telemetry.exposition()).toMatch(/sampling_trace_decided_early_total\{processor="tail_sampling",reason="memory_budget"\} \d+/);
  });

  it('does not sample a trace past maximum_trace_size_bytes, nor its later spans', async () => {
    const { sampler, clock, spansOut } = setup(`
maximum_trace_size_bytes: 1000
policies: [{ name: all, type: always_sample }]
`);
    await sampler.consume(tracesOf([span(1, 1, { name: 'x'.repeat(2000) }), span(2, 1)]));
    expect(sampler.tracesInMemory).toBe(1);
    await sampler.consume(tracesOf([span(1, 2)]));
    clock.t += 1000;
    await sampler.decideDue();
    expect([...spansOut().keys()]).toEqual([tid(2)]);
  });

  it('drop policies win even with sample_on_first_match', async () => {
    const { sampler, clock, spansOut } = setup(`
sample_on_first_match: true
policies:
  - { name: all, type: always_sample }
  - { name: no-health, type: drop, drop: { drop_sub_policy: [{ name: h, type: string_attribute, string_attribute: { key: url.path, values: [/health] } }] } }
`);
    await sampler.consume(tracesOf([span(1, 1, { attributes: attrs({ 'url.path': '/health' }) }), span(2, 1)]));
    clock.t += 1000;
    await sampler.decideDue();
    expect([...spansOut().keys()]).toEqual([tid(2)]);
  });

  it('sends sampled traces on whole and unchanged while the buffers of decided traces are written again', async () => {
    const { sampler, clock, out } = setup(`
policies:
  - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
  - { name: kept, type: string_attribute, string_attribute: { key: keep, values: ['yes'] } }
`);
    const sent = new Map<string, Span>();
    const expected = new Set<string>();
    const pad = 'p'.repeat(400);
    // 40 rounds 100 ms apart of 60 traces of ~450-byte spans: ~5 MB through 256 KiB buffers,
    // which come back once no trace in them is pending. Each trace's last two spans come 8 rounds
    // after its first three, under another resource, into a buffer shared with newer traces
    // that are decided later than it.
    const later: Span[][] = [];
    for (let round = 0, trace = 1; round < 48; round++) {
      const first: Span[] = [];
      const second: Span[] = [];
      for (let i = 0; i < 60 && round < 40; i++, trace++) {
        for (let n = 1; n <= 5; n++) {
          const s = span(trace, n, {
            attributes: attrs({ pad, round: BigInt(round), ...(n === 5 && trace % 5 === 0 ? { keep: 'yes' } : {}) }),
            ...(n === 4 && trace % 7 === 0 ? { status: ERROR } : {}),
          });
          sent.set(s.traceId + s.spanId, s);
          (n <= 3 ? first : second).push(s);
        }
        if (trace % 5 === 0 || trace % 7 === 0) expected.add(tid(trace));
      }
      later.push(second);
      await sampler.consume(tracesOf(first));
      if (round >= 8) await sampler.consume(tracesOf(later[round - 8], { 'service.name': 'other' }));
      clock.t += 100;
      await sampler.decideDue();
    }
    clock.t += 1000;
    await sampler.decideDue();
    const received = out.flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
    expect(new Set(received.map((s) => s.traceId))).toEqual(expected);
    expect(received).toHaveLength(expected.size * 5);
    for (const s of received) expect(s).toEqual(sent.get(s.traceId + s.spanId));
    expect(sampler.bytesInMemory).toBe(0);
  });

  it('on shutdown decides what is pending, or drops it when drop_pending_traces_on_shutdown', async () => {
    const keep = setup(ERRORS_ONLY);
    await keep.sampler.consume(tracesOf([span(1, 1, { status: ERROR }), span(2, 1)]));
    expect(await keep.sampler.flush(false)).toBe(0);
    expect([...keep.spansOut().keys()]).toEqual([tid(1)]);
    const drop = setup(ERRORS_ONLY);
    await drop.sampler.consume(tracesOf([span(1, 1, { status: ERROR })]));
    await drop.sampler.flush(true);
    expect(drop.out).toHaveLength(0);
    expect(drop.sampler.tracesInMemory).toBe(0);
  });
});

describe('tail_sampling processor', () => {
  it('sends on sampled traces after decision_wait on its own timer, and the rest on shutdown', async () => {
    const config = loadConfig(`
decision_wait: 50ms
policies: [{ name: errors, type: status_code, status_code: { status_codes: [ERROR] } }]
`);
    const next = recorder<'traces'>();
    const p = await tailSamplingProcessorFactory.create(fakeCtx('tail_sampling', ['traces']), config, { traces: next.consumer });
    await p.start!({} as never);
    await p.consumers!.traces!.consume(tracesOf([span(1, 1, { status: ERROR }), span(2, 1)]));
    await expect.poll(() => next.received.length, { timeout: 5000 }).toBe(1);
    await p.consumers!.traces!.consume(tracesOf([span(3, 1, { status: ERROR })]));
    await p.shutdown!();
    const ids = next.received.flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.traceId))));
    expect(ids).toEqual([tid(1), tid(3)]);
  });
});
