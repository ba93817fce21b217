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

const GIB = 1024 * MIB;

/** A fake machine: memory held, V8 heap, clock and GC under the test's control. */
function fakeMachine() {
  const m = {
    /** V8 heap + external. */
    held: 100 * MIB,
    /** V8 heap alone (compared only in percentage mode). */
    heap: 50 * MIB,
    now: 1_000_000,
    reads: 0,
    gcCalls: 0,
    /** What held and heap become when GC runs (unchanged when undefined). */
    heldAfterGc: undefined as number | undefined,
    heapAfterGc: undefined as number | undefined,
    deps: {} as MemoryLimiterDeps,
  };
  m.deps = {
    readMemory: () => {
      m.reads++;
      return { heldBytes: m.held, heapBytes: m.heap };
    },
    now: () => m.now,
    gc: () => {
      m.gcCalls++;
      if (m.heldAfterGc !== undefined) m.held = m.heldAfterGc;
      if (m.heapAfterGc !== undefined) m.heap = m.heapAfterGc;
    },
    totalMemory: () => 64 * GIB,
    cgroupMemoryLimit: () => undefined,
    heapLimit: () => 16 * GIB,
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
    expect(f.signals).toEqual(['traces', 'metrics', 'logs', 'profiles']);
  });

  it('below the soft limit, forces a GC once memory held has doubled since the last one and is at least 128 MiB (GC pacing)', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 4000, spike_limit_mib: 800 }, m.deps); // soft limit 3200 MiB
    await p.start();
    const gcAt = (held: number, after?: number) => {
      m.held = held * MIB;
      m.heldAfterGc = after === undefined ? undefined : after * MIB;
      p.limiter.check();
      return m.gcCalls;
    };
    expect(gcAt(127)).toBe(0); // under the floor
    expect(gcAt(300, 120)).toBe(1);
    expect(gcAt(239)).toBe(1); // not yet twice 120
    expect(gcAt(260, 200)).toBe(2);
    expect(gcAt(399)).toBe(2);
    expect(p.limiter.refusing).toBe(false);
    expect(p.logs.filter((l) => l.msg === 'Memory usage after GC.').map((l) => l.level)).toEqual([20, 20]); // debug: routine, not news
    // a small soft limit halves the floor: pacing starts at half of it
    const small = fakeMachine();
    const q = setup({ limit_mib: 300, spike_limit_mib: 100 }, small.deps); // soft limit 200 MiB
    await q.start();
    small.held = 101 * MIB;
    q.limiter.check();
    expect(small.gcCalls).toBe(1);
  });

  it('paces GC between checks too, as requests ask for admission: memory read at most every 100 ms, never while idle', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 4000, spike_limit_mib: 800 }, m.deps); // soft limit 3200 MiB, checks every hour
    const host = await p.start();
    const reads = m.reads;
    m.held = 300 * MIB;
    m.heldAfterGc = 120 * MIB;
    expect(host.checkAdmission()).toBeUndefined();
    expect([m.gcCalls, m.reads - reads]).toEqual([1, 2]); // the read, and the one after the GC
    m.held = 260 * MIB;
    m.now += 99;
    host.checkAdmission();
    expect(m.reads - reads).toBe(2); // within 100 ms of the last read
    m.now += 1;
    host.checkAdmission();
    expect([m.gcCalls, m.reads - reads]).toEqual([2, 4]); // 260 MiB: over twice the 120 left after the last GC, and over the floor
    m.now += 100;
    m.heldAfterGc = undefined;
    m.held = 200 * MIB; // not twice 120
    host.checkAdmission();
    expect([m.gcCalls, m.reads - reads]).toEqual([2, 5]);
    expect(p.limiter.refusing).toBe(false);
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

  it('refuses with a retryable error once memory held reaches the soft limit, counting refused items, and accepts again below it', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000, spike_limit_mib: 200, check_interval: '5s' }, m.deps);
    await p.start();
    m.held = 800 * MIB; // soft limit = 1000 - 200 MiB; at the limit counts as above, as upstream (>=)
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

    m.held = 800 * MIB - 1;
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
    m.held = 900 * MIB;
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
    m.held = 1000 * MIB;
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
    m.held = 1200 * MIB;
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
    m.held = 900 * MIB;
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
    m.held = 1100 * MIB;
    m.heldAfterGc = 500 * MIB;
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
    m.held = 1100 * MIB;
    p.limiter.check();
    expect(m.gcCalls).toBe(1);
    expect(p.limiter.refusing).toBe(true);
    m.held = 300 * MIB; // freed in the background after the GC
    await until(() => !p.limiter.refusing, 1000);
    expect(m.gcCalls).toBe(1);
  });

  it('without a way to force GC it still refuses and recovers', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000 }, { ...m.deps, gc: null });
    await p.start();
    m.held = 2000 * MIB;
    p.limiter.check();
    expect(p.limiter.refusing).toBe(true);
    expect(p.limiter.gcRuns).toBe(0);
    m.held = 10 * MIB;
    p.limiter.check();
    expect(p.limiter.refusing).toBe(false);
  });

  it('registers an admission check on the host that refuses requests before they are read', async () => {
    const m = fakeMachine();
    const p = setup({ limit_mib: 1000, spike_limit_mib: 200 }, m.deps);
    const host = await p.start();
    expect(host.checkAdmission()).toBeUndefined();
    m.held = 900 * MIB;
    p.limiter.check();
    const refusal = host.checkAdmission();
    expect(refusal).toBeInstanceOf(ConsumerError);
    expect(refusal!.retryable).toBe(true);
    expect(refusal!.message).toBe(DATA_REFUSED_MESSAGE);
    expect(refusal!.retryAfterMs).toBe(3_600_000);
    host.checkAdmission();
    expect(await p.metric('otelcol_processor_memory_limiter_refused_requests_total')).toBe(2);
    m.held = 100 * MIB;
    p.limiter.check();
    expect(host.checkAdmission()).toBeUndefined();
    // after shutdown, the check left on the host lets everything through
    m.held = 900 * MIB;
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
    m.held = 950 * MIB;
    await until(() => p.limiter.refusing);
    m.held = 100 * MIB;
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

  it('takes percentages of total memory, or of the cgroup limit when smaller, and of V8\'s heap limit for the heap', async () => {
    const m = fakeMachine();
    const machineOnly = setup(
      { limit_percentage: 50, spike_limit_percentage: 25 },
      { ...m.deps, totalMemory: () => 8 * GIB, cgroupMemoryLimit: () => undefined, heapLimit: () => 2 * GIB },
    );
    expect(machineOnly.limiter.limits).toEqual({
      hardBytes: 4 * GIB,
      spikeBytes: 2 * GIB,
      softBytes: 2 * GIB,
      totalMemoryBytes: 8 * GIB,
      heap: { hardBytes: GIB, spikeBytes: GIB / 2, softBytes: GIB / 2, heapLimitBytes: 2 * GIB },
    });
    const inCgroup = setup({ limit_percentage: 50 }, { ...m.deps, totalMemory: () => 8 * GIB, cgroupMemoryLimit: () => 2 * GIB, heapLimit: () => 4 * GIB });
    expect(inCgroup.limiter.limits).toMatchObject({ hardBytes: GIB, spikeBytes: Math.floor(GIB / 5), softBytes: GIB - Math.floor(GIB / 5), totalMemoryBytes: 2 * GIB });
    expect(inCgroup.logs.find((l) => l.msg.startsWith('Memory limiter configured: it measures memory held (V8 heap used + external memory such as Buffers; not RSS)'))).toMatchObject({ total_memory_mib: 2048, limit_mib: 1024, spike_limit_mib: 204 });
  });

  it("with the default config's percentages, refuses once the V8 heap reaches its share of V8's heap limit, though memory held is far below its share of the machine's", async () => {
    // The original failure: 80% of a 24 GiB machine is far above a 4 GiB heap limit, so the
    // limit on memory held alone never refused before V8 aborted with "heap out of memory".
    const m = fakeMachine();
    const p = setup(
      { limit_percentage: 80, spike_limit_percentage: 20, check_interval: '1s' },
      { ...m.deps, totalMemory: () => 24 * GIB, heapLimit: () => 4 * GIB },
    );
    const heap = p.limiter.limits.heap!;
    expect(heap).toEqual({ hardBytes: Math.floor(3.2 * GIB), spikeBytes: Math.floor(0.8 * GIB), softBytes: Math.floor(3.2 * GIB) - Math.floor(0.8 * GIB), heapLimitBytes: 4 * GIB });
    expect(p.logs.find((l) => l.msg.startsWith('Memory limiter configured: it measures memory held (V8 heap used + external memory such as Buffers; not RSS)'))).toMatchObject({
      measured: 'V8 heap used + external memory',
      total_memory_mib: 24 * 1024,
      limit_mib: Math.floor(0.8 * 24 * 1024),
      v8_heap_limit_mib: 4096,
      heap_hard_limit_mib: Math.floor(0.8 * 4096),
      heap_soft_limit_mib: Math.floor(0.6 * 4096),
    });
    await p.start();
    expect(p.limiter.refusing).toBe(false);

    // Buffers count toward memory held but not toward the heap limit: 10 GiB of them alone do not refuse.
    m.held = 10 * GIB;
    m.heap = 100 * MIB;
    p.limiter.check();
    expect(p.limiter.refusing).toBe(false);
    expect(m.gcCalls).toBe(1); // GC pacing: memory held went from nothing to 10 GiB

    m.held = 2.5 * GIB;
    m.heap = heap.softBytes;
    p.limiter.check();
    expect(p.limiter.refusing).toBe(true);
    expect(m.gcCalls).toBe(1); // between soft and hard: GC only every min_gc_interval_when_soft_limited
    expect(p.logs.find((l) => l.msg === 'Memory usage is above soft limit. Refusing data.')).toMatchObject({
      cur_mem_mib: 2560,
      cur_heap_mib: 2457.6, // 60% of 4096 MiB
      heap_soft_limit_mib: 2457.6,
      heap_hard_limit_mib: 3276.8,
    });

    m.heap = heap.hardBytes;
    m.heapAfterGc = heap.softBytes - 1;
    p.limiter.check(); // above the heap's hard limit: GC on every check; it brings the heap below the soft limit
    expect(m.gcCalls).toBe(2);
    expect(p.logs.find((l) => l.msg === 'Memory usage is above hard limit. Forcing a GC.')).toBeDefined();
    expect(p.limiter.refusing).toBe(false);
  });

  it("rejects limit_mib above V8's heap limit, naming the heap limit and how to raise it", () => {
    const m = fakeMachine();
    const deps = { ...m.deps, heapLimit: () => 4144 * MIB };
    const factory = createMemoryLimiterProcessorFactory(deps);
    const config = { ...memoryLimiterDefaults, check_interval: '1s', limit_mib: 5000 };
    const message =
      "'limit_mib' (5000) is more than V8's heap limit of this process (4144 MiB): Node would abort with \"JavaScript heap out of memory\" " +
      "before the memory_limiter refused anything. Lower 'limit_mib', or raise the heap limit, e.g. NODE_OPTIONS=--max-old-space-size=5000";
    expect(factory.validate!(config)).toEqual([{ path: 'limit_mib', message }]);
    expect(() => setup({ limit_mib: 5000 }, deps)).toThrow(`memory_limiter: limit_mib: ${message}`);
    expect(factory.validate!({ ...config, limit_mib: 4144 })).toEqual([]);
    // percentages always fit: they are taken of what the process can use
    expect(factory.validate!({ ...config, limit_mib: 0, limit_percentage: 100 })).toEqual([]);
  });

  it('rejects limit_mib above the machine\'s memory or the cgroup limit', () => {
    const m = fakeMachine();
    const onMachine = createMemoryLimiterProcessorFactory({ ...m.deps, totalMemory: () => 2 * GIB });
    const config = { ...memoryLimiterDefaults, check_interval: '1s', limit_mib: 3000 };
    expect(onMachine.validate!(config)).toEqual([
      { path: 'limit_mib', message: "'limit_mib' (3000) is more than this process can use: 2048 MiB (the machine's memory); lower it, or use 'limit_percentage'" },
    ]);
    const inCgroup = createMemoryLimiterProcessorFactory({ ...m.deps, cgroupMemoryLimit: () => 512 * MIB });
    expect(inCgroup.validate!(config)[0].message).toContain("512 MiB (its cgroup's memory limit)");
    // an otherwise invalid config reports only its own problems
    expect(onMachine.validate!({ ...config, spike_limit_mib: 3000 }).map((p) => p.path)).toEqual(['spike_limit_mib']);
  });

  it('create() rejects an invalid config that bypassed validation', () => {
    const m = fakeMachine();
    expect(() => setup({ limit_mib: 100, spike_limit_mib: 100 }, m.deps)).toThrow(
      "memory_limiter: spike_limit_mib: 'spike_limit_mib' (100) must be smaller than 'limit_mib' (100)",
    );
  });
});
