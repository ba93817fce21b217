import type { JSONSchema } from '../../pipeline/component.js';
import { durationSchema, parseDuration } from '../../pipeline/duration.js';
import type { Problem } from '../internal/values.js';

export const MIB = 1024 * 1024;

/** Upstream's keys (memorylimiterprocessor). 0 means "not set" for the limit keys, as upstream. */
export interface MemoryLimiterConfig {
  check_interval: string;
  limit_mib: number;
  spike_limit_mib: number;
  limit_percentage: number;
  spike_limit_percentage: number;
  min_gc_interval_when_soft_limited: string;
  min_gc_interval_when_hard_limited: string;
}

/**
 * Upstream's defaults. `check_interval` defaults to 0 upstream too, which validation rejects:
 * the operator has to choose one (1s is the recommended value).
 */
export const memoryLimiterDefaults: Readonly<MemoryLimiterConfig> = Object.freeze({
  check_interval: '0s',
  limit_mib: 0,
  spike_limit_mib: 0,
  limit_percentage: 0,
  spike_limit_percentage: 0,
  min_gc_interval_when_soft_limited: '10s',
  min_gc_interval_when_hard_limited: '0s',
});

const UINT32_MAX = 4294967295;

export const memoryLimiterConfigSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    check_interval: {
      ...durationSchema(memoryLimiterDefaults.check_interval),
      description: 'time between measurements of memory usage; required, e.g. 1s',
    },
    limit_mib: {
      type: 'integer',
      minimum: 0,
      maximum: UINT32_MAX,
      default: 0,
      description: 'hard limit in MiB of the memory held (V8 heap + external); at most V8\'s heap limit. Set this or limit_percentage',
    },
    spike_limit_mib: {
      type: 'integer',
      minimum: 0,
      maximum: UINT32_MAX,
      default: 0,
      description: 'expected growth between two checks in MiB; soft limit = limit_mib - spike_limit_mib. 0 = 20% of limit_mib',
    },
    limit_percentage: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description: 'hard limit as a percentage (1..100) of the memory the process can use: of total memory (the cgroup limit when smaller) for memory held, and of V8\'s heap limit for the heap',
    },
    spike_limit_percentage: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description: 'expected growth between two checks as a percentage of the same memory as limit_percentage. 0 = 20% of the limit',
    },
    min_gc_interval_when_soft_limited: {
      ...durationSchema(memoryLimiterDefaults.min_gc_interval_when_soft_limited),
      description: 'least time between forced garbage collections while above the soft limit',
    },
    min_gc_interval_when_hard_limited: {
      ...durationSchema(memoryLimiterDefaults.min_gc_interval_when_hard_limited),
      description: 'least time between forced garbage collections while above the hard limit',
    },
  },
};

/** Upstream's checks (memorylimiter Config.Validate), all reported at once, plus Summit's stricter ones. */
export function validateMemoryLimiterConfig(config: MemoryLimiterConfig): Problem[] {
  const c = { ...memoryLimiterDefaults, ...config };
  const out: Problem[] = [];
  const duration = (key: 'check_interval' | 'min_gc_interval_when_soft_limited' | 'min_gc_interval_when_hard_limited'): number | undefined => {
    try {
      return parseDuration(c[key]);
    } catch (e) {
      out.push({ path: key, message: (e as Error).message });
      return undefined;
    }
  };

  const interval = duration('check_interval');
  if (interval !== undefined && interval <= 0) {
    out.push({ path: 'check_interval', message: `'check_interval' must be greater than zero (got "${c.check_interval}"); 1s is recommended` });
  }
  const soft = duration('min_gc_interval_when_soft_limited');
  const hard = duration('min_gc_interval_when_hard_limited');
  if (soft !== undefined && soft < 0) out.push({ path: 'min_gc_interval_when_soft_limited', message: "'min_gc_interval_when_soft_limited' must not be negative" });
  if (hard !== undefined && hard < 0) out.push({ path: 'min_gc_interval_when_hard_limited', message: "'min_gc_interval_when_hard_limited' must not be negative" });
  if (soft !== undefined && hard !== undefined && soft >= 0 && hard >= 0 && soft < hard) {
    out.push({
      path: 'min_gc_interval_when_soft_limited',
      message: `'min_gc_interval_when_soft_limited' (${c.min_gc_interval_when_soft_limited}) should be larger than 'min_gc_interval_when_hard_limited' (${c.min_gc_interval_when_hard_limited})`,
    });
  }

  if (c.limit_mib === 0 && c.limit_percentage === 0) {
    out.push({ path: '', message: "'limit_mib' or 'limit_percentage' must be greater than zero" });
  }
  if (c.limit_mib > 0 && c.limit_percentage > 0) {
    // Upstream silently lets limit_mib win; Summit asks the operator to say which one is meant.
    out.push({
      path: 'limit_percentage',
      message: `set only one of 'limit_mib' (${c.limit_mib}) and 'limit_percentage' (${c.limit_percentage}): 'limit_mib' is a fixed size, 'limit_percentage' a share of total memory`,
    });
  }
  for (const key of ['limit_percentage', 'spike_limit_percentage'] as const) {
    if (c[key] > 100) {
      out.push({ path: key, message: `'${key}' must be greater than zero and less than or equal to hundred (got ${c[key]})` });
    }
  }
  if (c.limit_mib > 0 && c.spike_limit_mib >= c.limit_mib) {
    out.push({ path: 'spike_limit_mib', message: `'spike_limit_mib' (${c.spike_limit_mib}) must be smaller than 'limit_mib' (${c.limit_mib})` });
  }
  if (c.limit_percentage > 0 && c.limit_percentage <= 100 && c.spike_limit_percentage >= c.limit_percentage) {
    out.push({
      path: 'spike_limit_percentage',
      message: `'spike_limit_percentage' (${c.spike_limit_percentage}) must be smaller than 'limit_percentage' (${c.limit_percentage})`,
    });
  }
  // Upstream ignores a spike key of the other kind without a word; it is always a mistake.
  if (c.limit_mib > 0 && c.limit_percentage === 0 && c.spike_limit_percentage > 0) {
    out.push({
      path: 'spike_limit_percentage',
      message: "'spike_limit_percentage' applies only with 'limit_percentage'; with 'limit_mib' use 'spike_limit_mib'",
    });
  }
  if (c.limit_percentage > 0 && c.limit_mib === 0 && c.spike_limit_mib > 0) {
    out.push({
      path: 'spike_limit_mib',
      message: "'spike_limit_mib' applies only with 'limit_mib'; with 'limit_percentage' use 'spike_limit_percentage'",
    });
  }
  return out;
}

/** The memory this process can use, in bytes: what percentages are taken of and `limit_mib` is checked against. */
export interface UsableMemory {
  /** The machine's memory, or the cgroup memory limit when smaller. */
  totalBytes: number;
  /** Whether totalBytes is the cgroup limit. */
  fromCgroup: boolean;
  /** V8's heap limit: its old generation's (pipeline/heap-limit.ts). */
  heapLimitBytes: number;
}

/** One pair of limits. At or above the soft limit data is refused; above the hard one GC is forced more eagerly. */
export interface Budget {
  /** limit_mib, or limit_percentage of the memory it is taken of. */
  hardBytes: number;
  /** spike_limit_mib / spike_limit_percentage, or 20% of the hard limit when unset. */
  spikeBytes: number;
  /** hardBytes - spikeBytes. */
  softBytes: number;
}

/**
 * The limits on memory held (V8 heap + external), and in percentage mode also on the V8 heap
 * alone. Two comparisons because there are two ways to die: the heap reaching V8's heap limit
 * (an abort, "JavaScript heap out of memory"), where Buffers do not count; and everything held
 * reaching the machine's or the cgroup's memory (the OOM killer), where they do.
 */
export interface MemoryLimits extends Budget {
  /** Percentage mode: the percentages of V8's heap limit (`heapLimitBytes`), compared with the heap in use. */
  heap?: Budget & { heapLimitBytes: number };
  /** Percentage mode: the total memory (machine or cgroup) the limits on memory held were taken of. */
  totalMemoryBytes?: number;
}

/** Upstream's defaulting: an unset (0) spike is a fifth of the limit. */
function budget(hardBytes: number, spikeBytes: number): Budget {
  const spike = spikeBytes === 0 ? Math.floor(hardBytes / 5) : spikeBytes;
  return { hardBytes, spikeBytes: spike, softBytes: hardBytes - spike };
}

/** Integer division of bytes, as upstream. */
const percentOf = (percentage: number, bytes: number) => Math.floor((percentage * bytes) / 100);

/**
 * Upstream's arithmetic (getMemUsageChecker): fixed MiB, or percentages taken with integer
 * division; an unset spike is a fifth of the limit. Percentages apply to the total memory (for
 * memory held) and to V8's heap limit (for the heap), so whichever of the two is smaller binds.
 * `usable` is only called in percentage mode.
 */
export function computeLimits(config: MemoryLimiterConfig, usable: () => UsableMemory): MemoryLimits {
  const c = { ...memoryLimiterDefaults, ...config };
  if (c.limit_mib > 0) return budget(c.limit_mib * MIB, c.spike_limit_mib * MIB);
  const { totalBytes, heapLimitBytes } = usable();
  const share = (bytes: number) => budget(percentOf(c.limit_percentage, bytes), percentOf(c.spike_limit_percentage, bytes));
  return { ...share(totalBytes), heap: { ...share(heapLimitBytes), heapLimitBytes }, totalMemoryBytes: totalBytes };
}

/**
 * `limit_mib` above what the process can use would never refuse before the process dies: the
 * heap aborts at V8's heap limit (the memory held includes the heap, so a limit on it above the
 * heap limit does not protect the heap), and everything is killed at the machine's or cgroup's.
 */
export function limitBeyondUsableMemory(config: MemoryLimiterConfig, usable: UsableMemory): Problem[] {
  const c = { ...memoryLimiterDefaults, ...config };
  if (c.limit_mib <= 0) return [];
  const mib = (bytes: number) => Math.floor(bytes / MIB);
  if (c.limit_mib * MIB > usable.totalBytes) {
    return [
      {
        path: 'limit_mib',
        message: `'limit_mib' (${c.limit_mib}) is more than this process can use: ${mib(usable.totalBytes)} MiB (${usable.fromCgroup ? "its cgroup's memory limit" : "the machine's memory"}); lower it, or use 'limit_percentage'`,
      },
    ];
  }
  if (c.limit_mib * MIB > usable.heapLimitBytes) {
    return [
      {
        path: 'limit_mib',
        message:
          `'limit_mib' (${c.limit_mib}) is more than V8's heap limit of this process (${mib(usable.heapLimitBytes)} MiB): ` +
          'Node would abort with "JavaScript heap out of memory" before the memory_limiter refused anything. ' +
          `Lower 'limit_mib', or raise the heap limit, e.g. NODE_OPTIONS=--max-old-space-size=${c.limit_mib}`,
      },
    ];
  }
  return [];
}
