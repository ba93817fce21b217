import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { gaugeOf, logsOf, metricsOf, newLogRecord, newSpan, tracesOf } from '../../pipeline/builders.js';
import type { Host } from '../../pipeline/component.js';
import { ConsumerError } from '../../pipeline/errors.js';
import type { Signal, SignalData } from '../../pipeline/model.js';
import { SelfTelemetry } from '../../pipeline/telemetry.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { recorder } from '../internal/testing.js';
import { MIB, memoryLimiterDefaults, type MemoryLimiterConfig } from './config.js';
import { createMemoryLimiterProcessorFactory, DATA_REFUSED_MESSAGE, type MemoryLimiterDeps, type MemoryLimiterInstance } from './index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

const started: MemoryLimiterInstance[] = [];
afterEach(async () => {
  for (const i of started.splice(0)) await i.shutdown?.();
});

/** A fake machine: RSS, clock and GC under the test's control. */
function fakeMachine() {
  const m = {
    rss: 100 * MIB,
    now: 1_000_000,
    reads: 0,
    gcCalls: 0,
    /** What RSS becomes when GC runs (unchanged when undefined). */
    rssAfterGc: undefined as number | undefined,
    deps: {} as MemoryLimiterDeps,
  };
  m.deps = {
    readMemory: () => {
      m.reads++;
      return m.rss;
    },
    now: () => m.now,
    gc: () => {
      m.gcCalls++;
      if (m.rssAfterGc !== undefined) m.rss = m.rssAfterGc;
    },
    totalMemory: () => {
      throw new Error('not used with limit_mib');
    },
    cgroupMemoryLimit: () => undefined,
    afterGcRecheckMs: 0,
  };
  return m;
}

function setup(config: Partial<MemoryLimiterConfig>, deps: MemoryLimiterDeps, opts: { telemetry?: SelfTelemetry; id?: string } = {}) {
  const logs: { level: number; msg: string; [k: string]: unknown }[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s)) });
  const ctx = testContext({ id: opts.id ?? 'memory_limiter', kind: 'processor', logger, ...(opts.telemetry ? { telemetry: opts.telemetry } : {}) });
  const down = { traces: recorder<'traces'>(), metrics: recorder<'metrics'>(), logs: recorder<'logs'>() };
  const factory = createMemoryLimiterProcessorFactory(deps);
  const full = { ...memoryLimiterDefaults, check_interval: '1h', ...config };
  const instance = factory.create(ctx, full, {
    traces: down.traces.consumer,
    metrics: down.metrics.consumer,
    logs: down.logs.consumer,
  }) as MemoryLimiterInstance;
  const consume = <S extends Signal>(signal: S, data: SignalData[S]) => instance.consumers![signal]!.consume(data as never);
  const metric = async (name: string) =>
    (await ctx.telemetry.registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels.processor === ctx.id)?.value ?? 0;
  const start = async (host: Host = testHost()) => {
    started.push(instance);
    await instance.start!(host);
    return host;
  };
  return { ctx, factory, instance, limiter: instance.limiter, down, consume, metric, start, logs };
}

const spans = (n: number) => tracesOf(Array.from({ length: n }, (_, i) => newSpan({ name: `s${i}` })));
const points = (n: number) => metricsOf([gaugeOf('g', Array.from({ length: n }, (_, i) => i))]);
const records = (n: number) => logsOf(Array.from({ length: n }, () => newLogRecord({ body: 'x' })));

async function rejection(p: Promise<unknown>): Promise<ConsumerError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ConsumerError);
    return e as ConsumerError;
  }
  throw new Error('expected a rejection');
}

describe('memory_limiter processor', () => {
  it('describes itself like upstream', () => {
    const f = createMemoryLimiterProcessorFactory({});
    expect(f.type).toBe('memory_limiter');
    expect(f.kind).toBe('processor');
    expect(f.signals).toEqual(['traces', 'metrics', 'logs']);
  });

  it('forwards every signal unchanged while below the soft limit', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000, spike_limit_mib: 200 }, m.deps);
    expect(p.instance.mutatesData).toBe(false);
    await p.start();
    expect(p.limiter.refusing).toBe(false);
    const t = spans(2);
    await p.consume('traces', t);
    await p.consume('metrics', points(3));
    await p.consume('logs', records(1));
    expect(p.down.traces.received).toEqual([t]);
    expect(p.down.traces.received[0]).toBe(t);
    expect(p.down.metrics.received).toHaveLength(1);
    expect(p.down.logs.received).toHaveLength(1);
    expect(await p.metric('otelcol_processor_memory_limiter_refusing')).toBe(0);
  });

  it('refuses with a retryable error once RSS reaches the soft limit, counting refused items, and accepts again below it', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000, spike_limit_mib: 200, check_interval: '5s' }, m.deps);
    await p.start();
    m.rss = 800 * MIB; // soft limit = 1000 - 200 MiB; at the limit counts as above, as upstream (>=)
    p.limiter.check();
    expect(p.limiter.refusing).toBe(true);
    expect(await p.metric('otelcol_processor_memory_limiter_refusing')).toBe(1);

    const err = await rejection(p.consume('traces', spans(2)));
    expect(err.retryable).toBe(true);
    expect(err.message).toBe(DATA_REFUSED_MESSAGE);
    expect(err.message).toBe('data refused due to high memory usage');
    expect(err.retryAfterMs).toBe(5000); // the check interval: the state cannot change sooner
    await rejection(p.consume('metrics', points(3)));
    await rejection(p.consume('logs', records(4)));
    await rejection(p.consume('logs', records(1)));
    expect(p.down.traces.received).toHaveLength(0);
    expect(p.down.metrics.received).toHaveLength(0);
    expect(p.down.logs.received).toHaveLength(0);
    expect(await p.metric('otelcol_processor_refused_spans_total')).toBe(2);
    expect(await p.metric('otelcol_processor_refused_metric_points_total')).toBe(3);
    expect(await p.metric('otelcol_processor_refused_log_records_total')).toBe(5);

    m.rss = 800 * MIB - 1;
    p.limiter.check();
    expect(p.limiter.refusing).toBe(false);
    expect(await p.metric('otelcol_processor_memory_limiter_refusing')).toBe(0);
    await p.consume('traces', spans(1));
    expect(p.down.traces.received).toHaveLength(1);

    const messages = p.logs.filter((l) => l.level >= 30).map((l) => l.msg);
    expect(messages).toContain('Memory usage is above soft limit. Refusing data.');
    expect(messages).toContain('Memory usage back within limits. Resuming normal operation.');
    const refusing = p.logs.find((l) => l.msg === 'Memory usage is above soft limit. Refusing data.')!;
    expect(refusing).toMatchObject({ level: 40, cur_mem_mib: 800, soft_limit_mib: 800, limit_mib: 1000 });
    expect(p.logs.find((l) => l.msg === 'Memory usage back within limits. Resuming normal operation.')!.level).toBe(30);
  });

  it('hints at least 1s before a retry', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000, check_interval: '100ms' }, m.deps);
    expect(p.limiter.error.retryAfterMs).toBe(1000);
  });

  it('checks at start, so a process already above the soft limit refuses at once', async () => {
    const m = fakeMachine();
    m.rss = 900 * MIB;
    const p = setup({ limit_mib: 1000 }, m.deps); // default spike: 20% → soft limit 800 MiB
    expect(p.limiter.limits).toEqual({ hardBytes: 1000 * MIB, spikeBytes: 200 * MIB, softBytes: 800 * MIB });
    expect(p.limiter.refusing).toBe(false);
    await p.start();
    expect(p.limiter.refusing).toBe(true);
  });

  it('forces a GC above the hard limit on every check by default (min_gc_interval_when_hard_limited 0s)', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000, spike_limit_mib: 200 }, m.deps);
    await p.start();
    m.rss = 1000 * MIB;
    p.limiter.check();
    expect(m.gcCalls).toBe(1);
    expect(p.limiter.refusing).toBe(true);
    m.now += 1;
    p.limiter.check();
    expect(m.gcCalls).toBe(2);
    expect(p.limiter.gcRuns).toBe(2);
    expect(p.logs.map((l) => l.msg)).toContain('Memory usage is above hard limit. Forcing a GC.');
    expect(p.logs.find((l) => l.msg === 'Memory usage is above hard limit. Forcing a GC.')!.level).toBe(40);
  });

  it('rate-limits GC above the hard limit by min_gc_interval_when_hard_limited', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000, spike_limit_mib: 200, min_gc_interval_when_hard_limited: '5s' }, m.deps);
    await p.start(); // the GC clock starts at start, as upstream
    m.rss = 1200 * MIB;
    p.limiter.check();
    expect(m.gcCalls).toBe(0);
    m.now += 5000;
    p.limiter.check();
    expect(m.gcCalls).toBe(1);
    m.now += 4999;
    p.limiter.check();
    expect(m.gcCalls).toBe(1);
    m.now += 1;
    p.limiter.check();
    expect(m.gcCalls).toBe(2);
    expect(p.limiter.refusing).toBe(true);
  });

  it('forces a GC between the soft and hard limits only every min_gc_interval_when_soft_limited (default 10s)', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000, spike_limit_mib: 200 }, m.deps);
    await p.start();
    m.rss = 900 * MIB;
    p.limiter.check();
    expect(m.gcCalls).toBe(0);
    expect(p.limiter.refusing).toBe(true);
    m.now += 10_000;
    p.limiter.check();
    expect(m.gcCalls).toBe(1);
    expect(p.logs.find((l) => l.msg === 'Memory usage is above soft limit. Forcing a GC.')?.level).toBe(30);
    m.now += 9_999;
    p.limiter.check();
    expect(m.gcCalls).toBe(1);
  });

  it('does not refuse when the forced GC brings usage below the soft limit', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000, spike_limit_mib: 200 }, m.deps);
    await p.start();
    m.rss = 1100 * MIB;
    m.rssAfterGc = 500 * MIB;
    p.limiter.check();
    expect(m.gcCalls).toBe(1);
    expect(p.limiter.refusing).toBe(false);
    expect(p.logs.map((l) => l.msg)).not.toContain('Memory usage is above soft limit. Refusing data.');
    expect(p.logs.find((l) => l.msg === 'Memory usage after GC.')).toMatchObject({ cur_mem_mib: 500 });
  });

  it('checks again shortly after a GC, without another GC, since V8 frees Buffer memory after the collection', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000, spike_limit_mib: 200, check_interval: '1h' }, { ...m.deps, afterGcRecheckMs: 10 });
    await p.start();
    m.rss = 1100 * MIB;
    p.limiter.check();
    expect(m.gcCalls).toBe(1);
    expect(p.limiter.refusing).toBe(true);
    m.rss = 300 * MIB; // freed in the background after the GC
    await until(() => !p.limiter.refusing, 1000);
    expect(m.gcCalls).toBe(1);
  });

  it('without a way to force GC it still refuses and recovers', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000 }, { ...m.deps, gc: null });
    await p.start();
    m.rss = 2000 * MIB;
    p.limiter.check();
    expect(p.limiter.refusing).toBe(true);
    expect(p.limiter.gcRuns).toBe(0);
    m.rss = 10 * MIB;
    p.limiter.check();
    expect(p.limiter.refusing).toBe(false);
  });

  it('registers an admission check on the host that refuses requests before they are read', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000, spike_limit_mib: 200 }, m.deps);
    const host = await p.start();
    expect(host.checkAdmission()).toBeUndefined();
    m.rss = 900 * MIB;
    p.limiter.check();
    const refusal = host.checkAdmission();
    expect(refusal).toBeInstanceOf(ConsumerError);
    expect(refusal!.retryable).toBe(true);
    expect(refusal!.message).toBe(DATA_REFUSED_MESSAGE);
    expect(refusal!.retryAfterMs).toBe(3_600_000);
    host.checkAdmission();
    expect(await p.metric('otelcol_processor_memory_limiter_refused_requests_total')).toBe(2);
    m.rss = 100 * MIB;
    p.limiter.check();
    expect(host.checkAdmission()).toBeUndefined();
    // after shutdown, the check left on the host lets everything through
    m.rss = 900 * MIB;
    p.limiter.check();
    await p.instance.shutdown!();
    expect(host.checkAdmission()).toBeUndefined();
    expect(await p.metric('otelcol_processor_memory_limiter_refusing')).toBe(0);
  });

  it('runs checks on an unref’d timer every check_interval and stops them at shutdown', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000, spike_limit_mib: 200, check_interval: '10ms' }, m.deps);
    expect(p.limiter.timer).toBeUndefined();
    await p.start();
    expect(p.limiter.running).toBe(true);
    expect(p.limiter.timer).toBeDefined();
    expect(p.limiter.timer!.hasRef()).toBe(false);
    const before = m.reads;
    await until(() => m.reads >= before + 3);
    m.rss = 950 * MIB;
    await until(() => p.limiter.refusing);
    m.rss = 100 * MIB;
    await until(() => !p.limiter.refusing);

    await p.instance.shutdown!();
    expect(p.limiter.running).toBe(false);
    expect(p.limiter.timer).toBeUndefined();
    const after = m.reads;
    await sleep(60);
    expect(m.reads).toBe(after);
  });

  it('copes with shutdown without start, and with start/shutdown called twice', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000 }, m.deps);
    await p.instance.shutdown!();
    const host = await p.start();
    await p.instance.start!(host);
    await p.instance.shutdown!();
    expect(p.limiter.running).toBe(false);
    await p.instance.shutdown!();
  });

  it('shares one limiter among the instances of one id in a service (one per pipeline), reference counted', async () => {
    const m = fakeMachine();
    const telemetry = new SelfTelemetry();
    const deps = m.deps;
    const factory = createMemoryLimiterProcessorFactory(deps);
    const config = { ...memoryLimiterDefaults, check_interval: '1h', limit_mib: 1000 };
    const ctx = (pipelineId: string, id = 'memory_limiter') => testContext({ id, kind: 'processor', telemetry, pipelineId, signals: ['logs'] });
    const next = { logs: recorder<'logs'>().consumer };
    const a = factory.create(ctx('logs'), config, next) as MemoryLimiterInstance;
    const b = factory.create(ctx('logs/2'), config, next) as MemoryLimiterInstance;
    const other = factory.create(ctx('logs', 'memory_limiter/other'), config, next) as MemoryLimiterInstance;
    const elsewhere = factory.create(testContext({ id: 'memory_limiter', kind: 'processor', signals: ['logs'] }), config, next) as MemoryLimiterInstance;
    expect(a.limiter).toBe(b.limiter);
    expect(other.limiter).not.toBe(a.limiter);
    expect(elsewhere.limiter).not.toBe(a.limiter); // another service

    const inner = testHost();
    let registered = 0;
    const host: Host = { ...inner, addAdmissionCheck: (c) => (registered++, inner.addAdmissionCheck(c)) };
    await a.start!(host);
    await b.start!(host);
    expect(registered).toBe(1);
    const readsAfterStart = m.reads;
    expect(readsAfterStart).toBe(1); // one check at the first start only

    await a.shutdown!();
    expect(a.limiter.running).toBe(true);
    await b.shutdown!();
    expect(a.limiter.running).toBe(false);
  });

  it('takes percentages of total memory, or of the cgroup limit when smaller', async () => {
    const m = fakeMachine();
    const GIB = 1024 * MIB;
    const machineOnly = setup({ limit_percentage: 50, spike_limit_percentage: 25 }, { ...m.deps, totalMemory: () => 8 * GIB, cgroupMemoryLimit: () => undefined });
    expect(machineOnly.limiter.limits).toEqual({ hardBytes: 4 * GIB, spikeBytes: 2 * GIB, softBytes: 2 * GIB, totalMemoryBytes: 8 * GIB });
    const inCgroup = setup({ limit_percentage: 50 }, { ...m.deps, totalMemory: () => 8 * GIB, cgroupMemoryLimit: () => 2 * GIB });
    expect(inCgroup.limiter.limits).toEqual({ hardBytes: GIB, spikeBytes: Math.floor(GIB / 5), softBytes: GIB - Math.floor(GIB / 5), totalMemoryBytes: 2 * GIB });
    expect(inCgroup.logs.find((l) => l.msg === 'Memory limiter configured')).toMatchObject({ total_memory_mib: 2048, limit_mib: 1024, spike_limit_mib: 204 });
  });

  it('create() rejects an invalid config that bypassed validation', () => {
    const m = fakeMachine();
    expect(() => setup({ limit_mib: 100, spike_limit_mib: 100 }, m.deps)).toThrow(
      "memory_limiter: spike_limit_mib: 'spike_limit_mib' (100) must be smaller than 'limit_mib' (100)",
    );
  });
});
