import { wiredSignals, type ComponentFactory, type ComponentInstance, type Consumer, type CreateContext, type NextConsumers } from '../../pipeline/component.js';
import { parseDuration } from '../../pipeline/duration.js';
import { countItems, ITEM_NOUN } from '../../pipeline/model-ops.js';
import type { PipelineSignal, SignalData } from '../../pipeline/model.js';
import type { SelfTelemetry } from '../../pipeline/telemetry.js';
import { downstreamFor } from '../internal/downstream.js';
import { problemsError, type Problem } from '../internal/values.js';
import {
  computeLimits,
  limitBeyondUsableMemory,
  MIB,
  memoryLimiterConfigSchema,
  memoryLimiterDefaults,
  validateMemoryLimiterConfig,
  type MemoryLimiterConfig,
  type UsableMemory,
} from './config.js';
import { MemoryLimiter } from './limiter.js';
import { cgroupMemoryLimit, effectiveTotalMemory, forcedGc, processMemoryInUse, systemTotalMemory, type MemoryInUse } from './memory.js';
import { v8HeapLimit } from '../../pipeline/heap-limit.js';

export {
  computeLimits,
  limitBeyondUsableMemory,
  memoryLimiterDefaults,
  validateMemoryLimiterConfig,
  type MemoryLimiterConfig,
  type MemoryLimits,
  type UsableMemory,
} from './config.js';
export { DATA_REFUSED_MESSAGE, MemoryLimiter } from './limiter.js';
export { cgroupMemoryLimit, effectiveTotalMemory, forcedGc, type ForcedGc, type MemoryInUse, type ReadTextFile } from './memory.js';

/** What the limiter reads from the machine; every one replaceable for tests. */
export interface MemoryLimiterDeps {
  /** What is compared with the limits. Default: the V8 heap in use, and it plus external memory (process.memoryUsage()). */
  readMemory?: () => MemoryInUse;
  /** The machine's memory in bytes. Default: os.totalmem(). */
  totalMemory?: () => number;
  /** The cgroup memory limit in bytes, undefined for none. Default: read from /sys/fs/cgroup. */
  cgroupMemoryLimit?: () => number | undefined;
  /** V8's heap limit (its old generation's) in bytes. Default: pipeline/heap-limit.ts. */
  heapLimit?: () => number;
  /** Forces a full GC; null: never. Default: global.gc, else obtained through the --expose-gc flag (see memory.ts). */
  gc?: (() => void) | null;
  /** Milliseconds clock. Default: Date.now. */
  now?: () => number;
  /** Re-check this long after a forced GC (default 50ms; see MemoryLimiterOptions.afterGcRecheckMs). */
  afterGcRecheckMs?: number;
}

/** A created memory_limiter processor; `limiter` is the (possibly shared) checker, for tests and diagnostics. */
export interface MemoryLimiterInstance extends ComponentInstance {
  readonly limiter: MemoryLimiter;
}

/**
 * A memory_limiter factory reading memory through `deps`. Instances with the same component id
 * in one service (one per pipeline) share one MemoryLimiter, as upstream's factory shares one per
 * config: one timer, one GC policy, one admission check.
 */
export function createMemoryLimiterProcessorFactory(deps: MemoryLimiterDeps = {}): ComponentFactory<MemoryLimiterConfig> {
  // Keyed by the service's telemetry (one per running service), then component id.
  const shared = new WeakMap<SelfTelemetry, Map<string, MemoryLimiter>>();

  function limiterFor(ctx: CreateContext, config: MemoryLimiterConfig): MemoryLimiter {
    let byId = shared.get(ctx.telemetry);
    if (!byId) shared.set(ctx.telemetry, (byId = new Map()));
    let limiter = byId.get(ctx.id);
    if (!limiter) {
      limiter = newLimiter(ctx, config, deps);
      byId.set(ctx.id, limiter);
    }
    return limiter;
  }

  /** The config's own problems; once it has none, whether limit_mib fits in what this process can use. */
  function problemsOf(config: MemoryLimiterConfig): Problem[] {
    const problems = validateMemoryLimiterConfig(config);
    return problems.length ? problems : limitBeyondUsableMemory(config, usableMemory(deps));
  }

  return {
    type: 'memory_limiter',
    kind: 'processor',
    signals: ['traces', 'metrics', 'logs', 'profiles'],
    stability: 'beta',
    configSchema: memoryLimiterConfigSchema,
    validate: problemsOf,
    create(ctx, config, next): MemoryLimiterInstance {
      const c = { ...memoryLimiterDefaults, ...config };
      const problems = problemsOf(c);
      if (problems.length) throw problemsError(ctx.id, problems);
      const limiter = limiterFor(ctx, c);
      const consumers: NextConsumers = {};
      for (const signal of wiredSignals(ctx)) {
        (consumers as Record<PipelineSignal, Consumer<PipelineSignal>>)[signal] = gatedConsumer(ctx, signal, limiter, downstreamFor(ctx.id, signal, next));
      }
      let started = false;
      return {
        consumers,
        mutatesData: false,
        limiter,
        async start(host) {
          if (started) return;
          started = true;
          limiter.acquire(host);
        },
        async shutdown() {
          if (!started) return;
          started = false;
          limiter.release();
        },
      };
    },
  };
}

/** Below this much memory held, pacing forces no GC (see MemoryLimiter.paced), nor below half the soft limit. */
const GC_PACING_FLOOR_BYTES = 128 * MIB;

/** Upstream's `memory_limiter` processor, measuring this process's V8 heap and external memory. */
export const memoryLimiterProcessorFactory: ComponentFactory<MemoryLimiterConfig> = createMemoryLimiterProcessorFactory();

function usableMemory(deps: MemoryLimiterDeps): UsableMemory {
  const machine = (deps.totalMemory ?? systemTotalMemory)();
  const totalBytes = effectiveTotalMemory(machine, (deps.cgroupMemoryLimit ?? (() => cgroupMemoryLimit()))());
  return { totalBytes, fromCgroup: totalBytes < machine, heapLimitBytes: (deps.heapLimit ?? v8HeapLimit)() };
}

function newLimiter(ctx: CreateContext, c: MemoryLimiterConfig, deps: MemoryLimiterDeps): MemoryLimiter {
  const limits = computeLimits(c, () => usableMemory(deps));
  const gcHandle = deps.gc === null ? undefined : deps.gc ? { gc: deps.gc, source: 'injected' } : forcedGc();
  const labels = { processor: ctx.id };
  const refusingGauge = ctx.telemetry
    .gauge('otelcol_processor_memory_limiter_refusing', 'Whether the memory limiter is refusing data because memory usage is above its soft limit (1) or not (0).', [
      'processor',
    ])
    .labels(labels);
  refusingGauge.set(0);
  const admissionRefused = ctx.telemetry
    .counter(
      'otelcol_processor_memory_limiter_refused_requests_total',
      'Number of requests receivers refused before reading them because memory usage is above the soft limit.',
      ['processor'],
    )
    .labels(labels);
  const checkIntervalMs = parseDuration(c.check_interval);
  const limiter = new MemoryLimiter({
    limits,
    checkIntervalMs,
    minGcIntervalWhenSoftLimitedMs: parseDuration(c.min_gc_interval_when_soft_limited),
    minGcIntervalWhenHardLimitedMs: parseDuration(c.min_gc_interval_when_hard_limited),
    readMemory: deps.readMemory ?? processMemoryInUse,
    gc: gcHandle?.gc,
    now: deps.now ?? Date.now,
    logger: ctx.logger,
    afterGcRecheckMs: deps.afterGcRecheckMs ?? 50,
    gcPacingFloorBytes: Math.min(GC_PACING_FLOOR_BYTES, limits.softBytes / 2),
    onStateChange: (refusing) => refusingGauge.set(refusing ? 1 : 0),
    onAdmissionRefused: () => admissionRefused.inc(),
  });
  const mib = (bytes: number) => Math.floor(bytes / MIB);
  ctx.logger.info(
    {
      measured: 'V8 heap used + external memory',
      limit_mib: mib(limits.hardBytes),
      spike_limit_mib: mib(limits.spikeBytes),
      soft_limit_mib: mib(limits.softBytes),
      check_interval: c.check_interval,
      ...(limits.totalMemoryBytes === undefined ? {} : { total_memory_mib: mib(limits.totalMemoryBytes) }),
      ...(limits.heap === undefined
        ? {}
        : {
            limit_percentage: c.limit_percentage,
            spike_limit_percentage: c.spike_limit_percentage,
            v8_heap_limit_mib: mib(limits.heap.heapLimitBytes),
            heap_hard_limit_mib: mib(limits.heap.hardBytes),
            heap_soft_limit_mib: mib(limits.heap.softBytes),
          }),
      forced_gc: gcHandle ? gcHandle.source : 'disabled',
    },
    `Memory limiter configured: it measures memory held (V8 heap used + external memory such as Buffers; not RSS) against limit_mib ${mib(limits.hardBytes)}, refusing data above ${mib(limits.softBytes)} MiB` +
      (limits.heap ? `, and V8 heap used against ${mib(limits.heap.hardBytes)} MiB of V8's ${mib(limits.heap.heapLimitBytes)} MiB heap limit, refusing above ${mib(limits.heap.softBytes)} MiB` : ''),
  );
  if (gcHandle && !gcHandle.gc) {
    ctx.logger.info(
      { reason: 'reason' in gcHandle ? gcHandle.reason : undefined },
      'Garbage collection cannot be forced in this process; the memory limiter only refuses data and relies on V8 collecting on its own',
    );
  }
  return limiter;
}

/** Forwards while memory is fine; refuses (counted) while above the soft limit. */
function gatedConsumer<S extends PipelineSignal>(ctx: CreateContext, signal: S, limiter: MemoryLimiter, down: Consumer<S>): Consumer<S> {
  const refused = ctx.telemetry
    .counter(`otelcol_processor_refused_${ITEM_NOUN[signal]}_total`, `Number of ${ITEM_NOUN[signal]} that were rejected by the processor.`, ['processor'])
    .labels({ processor: ctx.id });
  return {
    consume(data: SignalData[S]): Promise<void> {
      if (!limiter.refusing) return down.consume(data);
      refused.inc(countItems(signal, data));
      return Promise.reject(limiter.error);
    },
  };
}
