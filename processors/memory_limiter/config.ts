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
      description: 'hard limit of the process RSS in MiB (set this or limit_percentage)',
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
      description: 'hard limit as a percentage (1..100) of total memory (the cgroup limit when smaller)',
    },
    spike_limit_percentage: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description: 'expected growth between two checks as a percentage of total memory. 0 = 20% of the limit',
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

/** Limits in bytes. The soft limit is where refusing starts; above the hard one GC is forced more eagerly. */
export interface MemoryLimits {
  /** limit_mib, or limit_percentage of total memory. */
  hardBytes: number;
  /** spike_limit_mib / spike_limit_percentage, or 20% of the hard limit when unset. */
  spikeBytes: number;
  /** hardBytes - spikeBytes. */
  softBytes: number;
  /** Total memory the percentages were taken of (percentage mode only). */
  totalMemoryBytes?: number;
}

/**
 * Upstream's arithmetic (getMemUsageChecker): fixed MiB, or percentages of total memory taken
 * with integer division; an unset spike is a fifth of the limit.
 * `totalMemory` is only called in percentage mode.
 */
export function computeLimits(config: MemoryLimiterConfig, totalMemory: () => number): MemoryLimits {
  const c = { ...memoryLimiterDefaults, ...config };
  let hardBytes: number;
  let spikeBytes: number;
  let totalMemoryBytes: number | undefined;
  if (c.limit_mib > 0) {
    hardBytes = c.limit_mib * MIB;
    spikeBytes = c.spike_limit_mib * MIB;
  } else {
    totalMemoryBytes = totalMemory();
    hardBytes = Math.floor((c.limit_percentage * totalMemoryBytes) / 100);
    spikeBytes = Math.floor((c.spike_limit_percentage * totalMemoryBytes) / 100);
  }
  if (spikeBytes === 0) spikeBytes = Math.floor(hardBytes / 5);
  return { hardBytes, spikeBytes, softBytes: hardBytes - spikeBytes, ...(totalMemoryBytes === undefined ? {} : { totalMemoryBytes }) };
}
