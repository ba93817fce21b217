import { describe, expect, it } from 'vitest';
import { checkAgainstSchema } from '../../config/schema-check.js';
import { computeLimits, limitBeyondUsableMemory, MIB, memoryLimiterConfigSchema, memoryLimiterDefaults, validateMemoryLimiterConfig, type MemoryLimiterConfig } from './config.js';
import { cgroupMemoryLimit, effectiveTotalMemory } from './memory.js';

const cfg = (c: Partial<MemoryLimiterConfig>): MemoryLimiterConfig => ({ ...memoryLimiterDefaults, check_interval: '1s', ...c });
const problems = (c: Partial<MemoryLimiterConfig>) => validateMemoryLimiterConfig(cfg(c));
const GIB = 1024 * MIB;

describe('memory_limiter config validation', () => {
  it('accepts the usual configs', () => {
    expect(problems({ limit_mib: 4000, spike_limit_mib: 800 })).toEqual([]);
    expect(problems({ limit_mib: 4000 })).toEqual([]);
    expect(problems({ limit_percentage: 80, spike_limit_percentage: 25 })).toEqual([]);
    expect(problems({ limit_percentage: 100 })).toEqual([]);
    expect(problems({ limit_mib: 1, min_gc_interval_when_soft_limited: '10s', min_gc_interval_when_hard_limited: '10s' })).toEqual([]);
  });

  it('fills upstream defaults through the schema, and requires check_interval like upstream (default 0 is rejected)', () => {
    const config: Record<string, unknown> = { limit_mib: 100 };
    expect(checkAgainstSchema(memoryLimiterConfigSchema, config, {})).toEqual([]);
    expect(config).toEqual({ ...memoryLimiterDefaults, limit_mib: 100 });
    expect(validateMemoryLimiterConfig(config as unknown as MemoryLimiterConfig)).toEqual([
      { path: 'check_interval', message: `'check_interval' must be greater than zero (got "0s"); 1s is recommended` },
    ]);
  });

  it('rejects unknown keys and non-integer limits in the schema', () => {
    const bad = checkAgainstSchema(memoryLimiterConfigSchema, { check_interval: '1s', limit_mib: 1.5, ballast_size_mib: 10 }, {});
    expect(bad.map((p) => p.path.join('.'))).toEqual(expect.arrayContaining(['limit_mib']));
    expect(bad.length).toBeGreaterThanOrEqual(2);
    expect(checkAgainstSchema(memoryLimiterConfigSchema, { check_interval: 'soon', limit_mib: 1 }, {}).map((p) => p.path.join('.'))).toEqual([
      'check_interval',
    ]);
  });

  it('check_interval must be greater than zero', () => {
    expect(problems({ limit_mib: 100, check_interval: '0s' })).toEqual([
      { path: 'check_interval', message: `'check_interval' must be greater than zero (got "0s"); 1s is recommended` },
    ]);
    expect(problems({ limit_mib: 100, check_interval: '-1s' })[0].path).toBe('check_interval');
  });

  it('min_gc_interval_when_soft_limited must not be smaller than the hard one, and neither negative', () => {
    expect(problems({ limit_mib: 100, min_gc_interval_when_soft_limited: '1s', min_gc_interval_when_hard_limited: '5s' })).toEqual([
      {
        path: 'min_gc_interval_when_soft_limited',
        message: "'min_gc_interval_when_soft_limited' (1s) should be larger than 'min_gc_interval_when_hard_limited' (5s)",
      },
    ]);
    expect(problems({ limit_mib: 100, min_gc_interval_when_hard_limited: '-1s' })).toEqual([
      { path: 'min_gc_interval_when_hard_limited', message: "'min_gc_interval_when_hard_limited' must not be negative" },
    ]);
    expect(problems({ limit_mib: 100, min_gc_interval_when_soft_limited: '-1s' })).toEqual([
      { path: 'min_gc_interval_when_soft_limited', message: "'min_gc_interval_when_soft_limited' must not be negative" },
    ]);
  });

  it('needs one of limit_mib and limit_percentage', () => {
    expect(problems({})).toEqual([{ path: '', message: "'limit_mib' or 'limit_percentage' must be greater than zero" }]);
  });

  it('rejects both limit_mib and limit_percentage (upstream would silently use limit_mib)', () => {
    expect(problems({ limit_mib: 100, limit_percentage: 50 })).toEqual([
      {
        path: 'limit_percentage',
        message: "set only one of 'limit_mib' (100) and 'limit_percentage' (50): 'limit_mib' is a fixed size, 'limit_percentage' a share of total memory",
      },
    ]);
  });

  it('percentages are at most 100', () => {
    expect(problems({ limit_percentage: 101 })).toEqual([
      { path: 'limit_percentage', message: "'limit_percentage' must be greater than zero and less than or equal to hundred (got 101)" },
    ]);
    expect(problems({ limit_percentage: 50, spike_limit_percentage: 150 })).toEqual([
      { path: 'spike_limit_percentage', message: "'spike_limit_percentage' must be greater than zero and less than or equal to hundred (got 150)" },
      { path: 'spike_limit_percentage', message: "'spike_limit_percentage' (150) must be smaller than 'limit_percentage' (50)" },
    ]);
  });

  it('the spike must be smaller than the limit', () => {
    expect(problems({ limit_mib: 100, spike_limit_mib: 100 })).toEqual([
      { path: 'spike_limit_mib', message: "'spike_limit_mib' (100) must be smaller than 'limit_mib' (100)" },
    ]);
    expect(problems({ limit_mib: 100, spike_limit_mib: 99 })).toEqual([]);
    expect(problems({ limit_percentage: 50, spike_limit_percentage: 50 })).toEqual([
      { path: 'spike_limit_percentage', message: "'spike_limit_percentage' (50) must be smaller than 'limit_percentage' (50)" },
    ]);
  });

  it('rejects a spike key of the other kind than the limit (upstream ignores it)', () => {
    expect(problems({ limit_mib: 100, spike_limit_percentage: 10 })).toEqual([
      { path: 'spike_limit_percentage', message: "'spike_limit_percentage' applies only with 'limit_percentage'; with 'limit_mib' use 'spike_limit_mib'" },
    ]);
    expect(problems({ limit_percentage: 50, spike_limit_mib: 10 })).toEqual([
      { path: 'spike_limit_mib', message: "'spike_limit_mib' applies only with 'limit_mib'; with 'limit_percentage' use 'spike_limit_percentage'" },
    ]);
  });

  it('reports every problem at once', () => {
    const all = problems({ check_interval: '0s', limit_percentage: 120, spike_limit_mib: 5, min_gc_interval_when_soft_limited: '0s', min_gc_interval_when_hard_limited: '1s' });
    expect(all.map((p) => p.path)).toEqual(['check_interval', 'min_gc_interval_when_soft_limited', 'limit_percentage', 'spike_limit_mib']);
  });
});

describe('memory_limiter limits', () => {
  const noTotal = () => {
    throw new Error('total memory must not be read for limit_mib');
  };

  it('limit_mib with an explicit spike', () => {
    expect(computeLimits(cfg({ limit_mib: 4000, spike_limit_mib: 800 }), noTotal)).toEqual({
      hardBytes: 4000 * MIB,
      spikeBytes: 800 * MIB,
      softBytes: 3200 * MIB,
    });
  });

  it('limit_mib with the default spike of 20%', () => {
    expect(computeLimits(cfg({ limit_mib: 1000 }), noTotal)).toEqual({ hardBytes: 1000 * MIB, spikeBytes: 200 * MIB, softBytes: 800 * MIB });
    // integer division of bytes, as upstream
    expect(computeLimits(cfg({ limit_mib: 1 }), noTotal)).toEqual({ hardBytes: MIB, spikeBytes: 209715, softBytes: MIB - 209715 });
  });

  const usable = (totalBytes: number, heapLimitBytes = totalBytes) => () => ({ totalBytes, fromCgroup: false, heapLimitBytes });

  it('percentages of total memory for memory held, and of the heap limit for the heap', () => {
    expect(computeLimits(cfg({ limit_percentage: 80, spike_limit_percentage: 25 }), usable(10 * GIB, 4 * GIB))).toEqual({
      hardBytes: 8 * GIB,
      spikeBytes: 2.5 * GIB,
      softBytes: 5.5 * GIB,
      totalMemoryBytes: 10 * GIB,
      heap: { hardBytes: Math.floor(3.2 * GIB), spikeBytes: GIB, softBytes: Math.floor(3.2 * GIB) - GIB, heapLimitBytes: 4 * GIB },
    });
    const l = computeLimits(cfg({ limit_percentage: 50 }), usable(1000));
    expect(l).toEqual({
      hardBytes: 500,
      spikeBytes: 100,
      softBytes: 400,
      totalMemoryBytes: 1000,
      heap: { hardBytes: 500, spikeBytes: 100, softBytes: 400, heapLimitBytes: 1000 },
    });
    expect(computeLimits(cfg({ limit_percentage: 33, spike_limit_percentage: 1 }), usable(1001, 101))).toEqual({
      hardBytes: 330, // floor(33 * 1001 / 100)
      spikeBytes: 10,
      softBytes: 320,
      totalMemoryBytes: 1001,
      heap: { hardBytes: 33, spikeBytes: 1, softBytes: 32, heapLimitBytes: 101 },
    });
  });

  it('total memory is the cgroup limit when that is smaller', () => {
    expect(effectiveTotalMemory(16 * GIB, 2 * GIB)).toBe(2 * GIB);
    expect(effectiveTotalMemory(16 * GIB, 32 * GIB)).toBe(16 * GIB);
    expect(effectiveTotalMemory(16 * GIB, undefined)).toBe(16 * GIB);
  });
});

describe('limit_mib against what the process can use', () => {
  const usable = { totalBytes: 16 * GIB, fromCgroup: false, heapLimitBytes: 4144 * MIB };

  it('fits at or below the heap limit and total memory; percentages always fit', () => {
    expect(limitBeyondUsableMemory(cfg({ limit_mib: 4144 }), usable)).toEqual([]);
    expect(limitBeyondUsableMemory(cfg({ limit_percentage: 100 }), usable)).toEqual([]);
  });

  it('above the heap limit: names key, value and heap limit, and how to raise it', () => {
    expect(limitBeyondUsableMemory(cfg({ limit_mib: 4145 }), usable)).toEqual([
      {
        path: 'limit_mib',
        message:
          "'limit_mib' (4145) is more than V8's heap limit of this process (4144 MiB): Node would abort with \"JavaScript heap out of memory\" before the memory_limiter refused anything. " +
          "Lower 'limit_mib', or raise the heap limit, e.g. NODE_OPTIONS=--max-old-space-size=4145",
      },
    ]);
  });

  it('above total memory (machine or cgroup): raising the heap limit would not help', () => {
    const big = { ...usable, heapLimitBytes: 64 * GIB };
    expect(limitBeyondUsableMemory(cfg({ limit_mib: 20_000 }), big)).toEqual([
      { path: 'limit_mib', message: "'limit_mib' (20000) is more than this process can use: 16384 MiB (the machine's memory); lower it, or use 'limit_percentage'" },
    ]);
    expect(limitBeyondUsableMemory(cfg({ limit_mib: 20_000 }), { ...usable, fromCgroup: true })[0].message).toContain("16384 MiB (its cgroup's memory limit)");
  });
});

describe('cgroup memory limit', () => {
  const fakeFs = (files: Record<string, string>) => (p: string) => files[p];

  it('reads cgroup v2 memory.max at the root of the mount (container with its own cgroup namespace)', () => {
    const read = fakeFs({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': '536870912\n' });
    expect(cgroupMemoryLimit(read)).toBe(512 * MIB);
  });

  it('"max" means no limit', () => {
    expect(cgroupMemoryLimit(fakeFs({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': 'max\n' }))).toBeUndefined();
  });

  it('takes the smallest limit of the process cgroup and its ancestors (v2, e.g. a systemd service)', () => {
    const read = fakeFs({
      '/proc/self/cgroup': '0::/system.slice/summit.service\n',
      '/sys/fs/cgroup/system.slice/summit.service/memory.max': 'max\n',
      '/sys/fs/cgroup/system.slice/memory.max': String(2 * GIB),
    });
    expect(cgroupMemoryLimit(read)).toBe(2 * GIB);
  });

  it('reads cgroup v1 memory.limit_in_bytes; the v1 "unlimited" value is no limit', () => {
    const v1 = '12:pids:/\n4:memory:/docker/abc\n0::/\n';
    expect(cgroupMemoryLimit(fakeFs({ '/proc/self/cgroup': v1, '/sys/fs/cgroup/memory/memory.limit_in_bytes': String(GIB) }))).toBe(GIB);
    expect(
      cgroupMemoryLimit(fakeFs({ '/proc/self/cgroup': v1, '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' })),
    ).toBeUndefined();
    expect(cgroupMemoryLimit(fakeFs({ '/proc/self/cgroup': '4:cpu,memory:/a\n', '/sys/fs/cgroup/memory/a/memory.limit_in_bytes': '1234\n' }))).toBe(1234);
  });

  it('none when nothing is readable or the content is garbage', () => {
    expect(cgroupMemoryLimit(() => undefined)).toBeUndefined();
    expect(cgroupMemoryLimit(fakeFs({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': 'lots' }))).toBeUndefined();
  });

  it('reads this machine without throwing', () => {
    const v = cgroupMemoryLimit();
    expect(v === undefined || v > 0).toBe(true);
  });
});
