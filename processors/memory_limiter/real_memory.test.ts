/**
 * The memory limiter against this test process's real RSS: no injected readers.
 */
import { describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../../pipeline/builders.js';
import { ConsumerError } from '../../pipeline/errors.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { recorder } from '../internal/testing.js';
import { MIB, memoryLimiterDefaults } from './config.js';
import { forcedGc, memoryLimiterProcessorFactory, type MemoryLimiterInstance } from './index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs}ms (rss ${Math.round(process.memoryUsage.rss() / MIB)} MiB)`);
    await sleep(10);
  }
}

describe('memory_limiter with real memory', () => {
  it('refuses once ~200 MB of Buffers push RSS past the soft limit, and accepts again after they are released and collected', async () => {
    // Forcing GC works in a process started without --expose-gc (see memory.ts).
    expect(forcedGc().gc).toBeTypeOf('function');

    const down = recorder<'traces'>();
    const rss0 = process.memoryUsage.rss();
    // Hard limit 100 MiB above the current RSS, soft limit 50 MiB above it.
    const config = { ...memoryLimiterDefaults, check_interval: '20ms', limit_mib: Math.ceil(rss0 / MIB) + 100, spike_limit_mib: 50 };
    const instance = memoryLimiterProcessorFactory.create(
      testContext({ id: 'memory_limiter', kind: 'processor', signals: ['traces'] }),
      config,
      { traces: down.consumer },
    ) as MemoryLimiterInstance;
    const { limiter } = instance;
    const host = testHost();
    await instance.start!(host);
    try {
      expect(limiter.refusing).toBe(false);
      expect(host.checkAdmission()).toBeUndefined();
      await instance.consumers!.traces!.consume(tracesOf([newSpan({ name: 'before' })]));

      // 40 MiB each: above glibc's largest mmap threshold (32 MiB), so each is its own mapping
      // and freeing it returns the memory to the kernel at once.
      let held: Buffer[] = [];
      for (let i = 0; i < 5; i++) held.push(Buffer.alloc(40 * MIB, i + 1));
      expect(process.memoryUsage.rss()).toBeGreaterThanOrEqual(limiter.limits.hardBytes);

      await until(() => limiter.refusing, 2000);
      const refusal = host.checkAdmission();
      expect(refusal).toBeInstanceOf(ConsumerError);
      expect(refusal!.retryable).toBe(true);
      await expect(instance.consumers!.traces!.consume(tracesOf([newSpan({ name: 'during' })]))).rejects.toBe(limiter.error);
      expect(limiter.gcRuns).toBeGreaterThan(0); // above the hard limit: GC forced, but the Buffers are still held
      expect(held.reduce((n, b) => n + b[0], 0)).toBe(15);

      held = [];
      await until(() => !limiter.refusing, 5000);
      expect(host.checkAdmission()).toBeUndefined();
      await instance.consumers!.traces!.consume(tracesOf([newSpan({ name: 'after' })]));
      expect(down.received).toHaveLength(2);
    } finally {
      await instance.shutdown!();
    }
  });
});
