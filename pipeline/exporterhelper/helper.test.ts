import { pino } from 'pino';
import type { ComponentFactory, NextConsumers, ShutdownContext } from '../component.js';
import { Service } from '../service.js';
import { describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../builders.js';
import { ConsumerError, permanentError, retryableError } from '../errors.js';
import type { PipelineSignal, Traces } from '../model.js';
import { testContext, testHost } from '../testing.js';
import type { ExporterHelperConfig } from './config.js';
import { createExporterHelper, type ExporterHelper } from './helper.js';
import type { SendFunction } from './retry.js';
import { MemoryStorage, metricValue } from './testing.js';

const FAST = {
  timeout: '500ms',
  retry_on_failure: { initial_interval: '10ms', max_interval: '40ms', max_elapsed_time: '400ms', randomization_factor: 0 },
};

function batch(n = 1, tag = 'x'): Traces {
  return tracesOf(Array.from({ length: n }, (_, i) => newSpan({ name: `${tag}-${i}` })));
}

function names(t: Traces): string[] {
  return t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));
}

function setup(config: ExporterHelperConfig, send: SendFunction) {
  const logs: { level: number; msg: string; [k: string]: unknown }[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s)) });
  const ctx = testContext({ id: 'otlp/test', kind: 'exporter', signals: ['traces'], logger });
  const helper = createExporterHelper(ctx, config, send, { random: () => 0.5 });
  const consume = (data: Traces) => helper.consumers.traces!.consume(data);
  const metric = (name: string, labels: Record<string, string> = { exporter: 'otlp/test' }) => metricValue(ctx.telemetry, name, labels);
  return { ctx, helper, consume, logs, metric };
}

/** A send that blocks until released, counting concurrency. */
function gatedSend() {
  const received: Traces[] = [];
  let open = false;
  let waiters: (() => void)[] = [];
  let active = 0;
  let maxActive = 0;
  const send: SendFunction = async (_signal, data) => {
    active++;
    maxActive = Math.max(maxActive, active);
    try {
      if (!open) await new Promise<void>((r) => waiters.push(r));
      received.push(data as Traces);
    } finally {
      active--;
    }
  };
  return {
    send,
    received,
    get maxActive() {
      return maxActive;
    },
    open() {
      open = true;
      for (const w of waiters) w();
      waiters = [];
    },
  };
}

/** A ShutdownContext that records what the component reports dropped. */
function shutdownContext(deadline: number) {
  const dropped: [PipelineSignal, number][] = [];
  const ctx: ShutdownContext = { deadline, dropped: (signal, items) => void dropped.push([signal, items]) };
  return { ctx, dropped };
}

const until = async (cond: () => boolean | Promise<boolean>, ms = 3000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('exporter helper without a queue', () => {
  const noQueue = { ...FAST, sending_queue: { enabled: false } };

  it('resolves once the send succeeded, retrying transient failures', async () => {
    let calls = 0;
    const t = setup(noQueue, async () => {
      if (++calls < 3) throw new Error('connection refused');
    });
    await t.helper.start(testHost());
    await t.consume(batch(4));
    expect(calls).toBe(3);
    expect(await t.metric('otelcol_exporter_retries_total')).toBe(2);
    expect(await t.metric('otelcol_exporter_sent_spans_total')).toBe(4);
    expect(await t.metric('otelcol_exporter_send_failed_spans_total')).toBe(0);
    await t.helper.shutdown();
  });

  it('does not retry a permanent error and rejects with it', async () => {
    let calls = 0;
    const t = setup(noQueue, async () => {
      calls++;
      throw permanentError('400 bad request');
    });
    await t.helper.start(testHost());
    const err = await t.consume(batch(2)).catch((e) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('400 bad request');
    expect(calls).toBe(1);
    expect(await t.metric('otelcol_exporter_send_failed_spans_total')).toBe(2);
    expect(t.logs.find((l) => l.level === 50)?.msg).toMatch(/Rejecting data.*otlp\/test.*2 spans.*not retryable/);
  });

  it('gives up after max_elapsed_time with a retryable error', async () => {
    let calls = 0;
    const t = setup({ ...noQueue, retry_on_failure: { ...FAST.retry_on_failure, max_elapsed_time: '100ms' } }, async () => {
      calls++;
      throw new Error('503');
    });
    await t.helper.start(testHost());
    const started = Date.now();
    const err = await t.consume(batch()).catch((e) => e);
    expect(Date.now() - started).toBeLessThan(400);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('no more retries left');
    // waits 10, 20, 40, 40 → the fifth would end past 100 ms
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(calls).toBeLessThanOrEqual(6);
  });

  it('follows the backoff schedule: initial_interval, multiplier, max_interval', async () => {
    const times: number[] = [];
    const t = setup(
      { ...noQueue, retry_on_failure: { initial_interval: '40ms', multiplier: 2, max_interval: '100ms', max_elapsed_time: '0', randomization_factor: 0 } },
      async () => {
        times.push(Date.now());
        if (times.length < 5) throw new Error('down');
      },
    );
    await t.helper.start(testHost());
    await t.consume(batch());
    const gaps = times.slice(1).map((x, i) => x - times[i]);
    const expected = [40, 80, 100, 100];
    gaps.forEach((g, i) => {
      expect(g).toBeGreaterThanOrEqual(expected[i] - 2);
      expect(g).toBeLessThan(expected[i] + 60);
    });
  });

  it('honours the backend asking to wait longer (Retry-After)', async () => {
    const times: number[] = [];
    const t = setup(noQueue, async () => {
      times.push(Date.now());
      if (times.length === 1) throw retryableError('429 too many requests', 200);
    });
    await t.helper.start(testHost());
    await t.consume(batch());
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(198);
  });

  it('aborts a send that outlives timeout, and retries it', async () => {
    const signals: AbortSignal[] = [];
    const t = setup({ ...noQueue, timeout: '50ms' }, (_s, _d, abort) => {
      signals.push(abort);
      if (signals.length > 1) return Promise.resolve();
      return new Promise<void>(() => {}); // a hung connection
    });
    await t.helper.start(testHost());
    const started = Date.now();
    await t.consume(batch());
    expect(Date.now() - started).toBeGreaterThanOrEqual(48);
    expect(signals).toHaveLength(2);
    expect(signals[0].aborted).toBe(true);
    expect(String(signals[0].reason?.message)).toContain('timeout');
    expect(signals[1].aborted).toBe(false);
    expect(await t.metric('otelcol_exporter_retries_total')).toBe(1);
  });

  it('sends once when retry_on_failure is disabled', async () => {
    let calls = 0;
    const t = setup({ ...noQueue, retry_on_failure: { enabled: false } }, async () => {
      calls++;
      throw new Error('down');
    });
    await t.helper.start(testHost());
    await expect(t.consume(batch())).rejects.toThrow('retry_on_failure is disabled');
    expect(calls).toBe(1);
  });
});

describe('exporter helper with the in-memory queue', () => {
  it('resolves once queued, sends in the background, and reports the queue size', async () => {
    const g = gatedSend();
    const t = setup({ ...FAST, sending_queue: { num_consumers: 1, queue_size: 10 } }, g.send);
    await t.helper.start(testHost());
    await t.consume(batch(3));
    await t.consume(batch(2));
    expect(await t.metric('otelcol_exporter_queue_size', { exporter: 'otlp/test', data_type: 'traces' })).toBe(2);
    expect(await t.metric('otelcol_exporter_queue_capacity', { exporter: 'otlp/test', data_type: 'traces' })).toBe(10);
    expect(g.received).toHaveLength(0);
    g.open();
    await until(() => g.received.length === 2);
    await until(async () => (await t.metric('otelcol_exporter_sent_spans_total')) === 5);
    expect(await t.metric('otelcol_exporter_queue_size', { exporter: 'otlp/test', data_type: 'traces' })).toBe(0);
    await t.helper.shutdown();
  });

  it('refuses at once when full, counting and logging it (never a silent drop)', async () => {
    const g = gatedSend();
    const t = setup({ ...FAST, sending_queue: { num_consumers: 1, queue_size: 2 } }, g.send);
    await t.helper.start(testHost());
    await t.consume(batch(1));
    await t.consume(batch(1));
    const err = await t.consume(batch(7)).catch((e) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err.retryable).toBe(true);
    expect(err.message).toBe('sending queue is full');
    expect(await t.metric('otelcol_exporter_enqueue_failed_spans_total')).toBe(7);
    expect(t.logs.find((l) => l.level === 40 && /refused 7 spans: sending queue is full/.test(l.msg))).toBeDefined();
    g.open();
    await t.helper.shutdown();
    expect(g.received).toHaveLength(2);
  });

  it('with block_on_overflow makes the caller wait for room instead', async () => {
    const g = gatedSend();
    const t = setup({ ...FAST, sending_queue: { num_consumers: 1, queue_size: 2, block_on_overflow: true } }, g.send);
    await t.helper.start(testHost());
    await t.consume(batch(1, 'a'));
    await t.consume(batch(1, 'b'));
    let third = false;
    const pending = t.consume(batch(1, 'c')).then(() => (third = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(third).toBe(false);
    g.open();
    await pending;
    await t.helper.shutdown();
    expect(g.received.flatMap(names)).toEqual(['a-0', 'b-0', 'c-0']);
    expect(await t.metric('otelcol_exporter_enqueue_failed_spans_total')).toBe(0);
  });

  it('runs num_consumers sends at once', async () => {
    const g = gatedSend();
    const t = setup({ ...FAST, sending_queue: { num_consumers: 3 } }, g.send);
    await t.helper.start(testHost());
    for (let i = 0; i < 10; i++) await t.consume(batch(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(g.maxActive).toBe(3);
    g.open();
    await until(() => g.received.length === 10);
    expect(g.maxActive).toBe(3);
    await t.helper.shutdown();
  });

  it('with sizer: items counts spans, and lets a batch larger than the queue in when it is empty', async () => {
    const g = gatedSend();
    const t = setup({ ...FAST, sending_queue: { num_consumers: 1, queue_size: 5, sizer: 'items' } }, g.send);
    await t.helper.start(testHost());
    await t.consume(batch(3));
    expect(await t.metric('otelcol_exporter_queue_size', { exporter: 'otlp/test', data_type: 'traces' })).toBe(3);
    await t.consume(batch(2));
    await expect(t.consume(batch(1))).rejects.toThrow('sending queue is full');
    g.open();
    await until(async () => (await t.metric('otelcol_exporter_queue_size', { exporter: 'otlp/test', data_type: 'traces' })) === 0);
    await t.consume(batch(12));
    await until(() => g.received.length === 3);
    await t.helper.shutdown();
  });

  it('with wait_for_result answers only after the export, with its outcome', async () => {
    const g = gatedSend();
    const t = setup({ ...FAST, sending_queue: { wait_for_result: true } }, g.send);
    await t.helper.start(testHost());
    let done = false;
    const p = t.consume(batch()).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    g.open();
    await p;
    await t.helper.shutdown();

    const bad = setup({ ...FAST, sending_queue: { wait_for_result: true } }, async () => {
      throw permanentError('rejected by backend');
    });
    await bad.helper.start(testHost());
    const err = await bad.consume(batch()).catch((e) => e);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('rejected by backend');
    await bad.helper.shutdown();
  });

  it('drops a batch only when retries are exhausted or the error is permanent, logging who, how many and why', async () => {
    const t = setup({ ...FAST, retry_on_failure: { ...FAST.retry_on_failure, max_elapsed_time: '60ms' } }, async (_s, data) => {
      throw names(data as Traces)[0].startsWith('p') ? permanentError('schema mismatch') : new Error('503 unavailable');
    });
    await t.helper.start(testHost());
    await t.consume(batch(3, 'r'));
    await t.consume(batch(2, 'p'));
    await until(async () => (await t.metric('otelcol_exporter_send_failed_spans_total')) === 5);
    const errors = t.logs.filter((l) => l.level === 50).map((l) => l.msg);
    expect(errors.some((m) => /Dropping data.*"otlp\/test" gave up on 2 spans: not retryable error.*schema mismatch/.test(m))).toBe(true);
    expect(await t.metric('otelcol_exporter_sent_spans_total')).toBe(0);
    expect(await t.metric('otelcol_exporter_queue_size', { exporter: 'otlp/test', data_type: 'traces' })).toBe(0);
    await t.helper.shutdown();
    // drop logs are rate-limited, never skipped: the other drop is logged by shutdown at the latest
    const all = t.logs.filter((l) => l.level === 50).map((l) => l.msg);
    expect(all.some((m) => /gave up on 3 spans: no more retries left after \d+ attempts/.test(m))).toBe(true);
  });

  it('drains on shutdown while the backend takes data', async () => {
    let sent = 0;
    const t = setup({ ...FAST, sending_queue: { num_consumers: 2 } }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      sent++;
    });
    await t.helper.start(testHost());
    for (let i = 0; i < 20; i++) await t.consume(batch(1));
    await t.helper.shutdown();
    expect(sent).toBe(20);
    await expect(t.consume(batch())).rejects.toThrow('shutting down');
  });

  it('on shutdown with the backend down, gives up once every sender waits to retry, and logs the loss', async () => {
    const t = setup(
      { ...FAST, retry_on_failure: { ...FAST.retry_on_failure, max_elapsed_time: '0', initial_interval: '1s' }, sending_queue: { num_consumers: 2 } },
      async () => {
        throw new Error('connection refused');
      },
    );
    await t.helper.start(testHost());
    for (let i = 0; i < 5; i++) await t.consume(batch(2));
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    const stop = shutdownContext(Date.now() + 5000);
    await t.helper.shutdown(stop.ctx);
    expect(Date.now() - started).toBeLessThan(500);
    const loss = t.logs.find((l) => l.level === 50 && l.msg.startsWith('exporter otlp/test: dropped 10 spans still queued at shutdown'));
    expect(loss).toMatchObject({ batches: 5, dropped_items: 10, reason: expect.stringContaining('failing backend') });
    expect(stop.dropped).toEqual([['traces', 10]]);
    expect(await t.metric('otelcol_exporter_send_failed_spans_total')).toBe(10);
  });

  it('at the shutdown deadline drops what is still queued or being sent, and says exactly how much', async () => {
    const aborted: AbortSignal[] = [];
    // A backend that never answers: the drain cannot make progress.
    const t = setup({ ...FAST, timeout: '0', sending_queue: { num_consumers: 2 } }, (_s, _d, abort) => {
      aborted.push(abort);
      return new Promise<void>(() => {});
    });
    await t.helper.start(testHost());
    for (let i = 0; i < 6; i++) await t.consume(batch(3));
    const started = Date.now();
    const stop = shutdownContext(started + 200);
    await t.helper.shutdown(stop.ctx);
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(Date.now() - started).toBeLessThan(1000);
    const msg = 'exporter otlp/test: dropped 18 spans still queued at shutdown (in-memory queue; configure sending_queue.storage to keep them)';
    expect(t.logs.find((l) => l.msg === msg)).toMatchObject({ level: 50, batches: 6, dropped_items: 18, data_type: 'traces' });
    expect(stop.dropped).toEqual([['traces', 18]]);
    expect(await t.metric('otelcol_exporter_send_failed_spans_total')).toBe(18);
    // the two sends in flight were aborted, not left running
    expect(aborted.map((a) => a.aborted)).toEqual([true, true]);
  });

  it('reports nothing dropped when the drain finished before the deadline', async () => {
    const t = setup({ ...FAST, sending_queue: { num_consumers: 2 } }, async () => {});
    await t.helper.start(testHost());
    for (let i = 0; i < 4; i++) await t.consume(batch(2));
    const stop = shutdownContext(Date.now() + 2000);
    await t.helper.shutdown(stop.ctx);
    expect(stop.dropped).toEqual([]);
    expect(t.logs.some((l) => /dropped/.test(l.msg))).toBe(false);
  });

  it('refuses data before start', async () => {
    const t = setup(FAST, async () => {});
    await expect(t.consume(batch())).rejects.toMatchObject({ retryable: true, message: expect.stringContaining('not started') });
  });
});

describe('exporter helper with a persistent queue', () => {
  const persistent = { ...FAST, sending_queue: { storage: 'file_storage/q', num_consumers: 2 } };

  it('fails start clearly when the storage extension is missing or is not storage', async () => {
    const t = setup(persistent, async () => {});
    await expect(t.helper.start(testHost())).rejects.toThrow('extension "file_storage/q" is not running');
    await t.helper.shutdown();
    const u = setup(persistent, async () => {});
    await expect(u.helper.start(testHost({ 'file_storage/q': { start: async () => {} } }))).rejects.toThrow('is not a storage extension');
    await u.helper.shutdown();
  });

  it('removes a record only after the backend took it, and keeps undelivered ones for the next start, which sends them first', async () => {
    const storage = new MemoryStorage();
    const host = testHost({ 'file_storage/q': storage });
    const records = () => storage.records.get('exporter/otlp/test:traces')!;

    let up = false;
    const delivered: string[] = [];
    const send: SendFunction = async (_s, data) => {
      if (!up) throw new Error('connection refused');
      delivered.push(...names(data as Traces));
    };
    const first = setup({ ...persistent, retry_on_failure: { ...FAST.retry_on_failure, max_elapsed_time: '0' } }, send);
    await first.helper.start(host);
    for (let i = 0; i < 4; i++) await first.consume(batch(1, `old${i}`));
    expect(records().size).toBe(4);
    await first.helper.shutdown();
    expect(records().size).toBe(4);
    expect(first.logs.some((l) => /keeps 4 undelivered batches/.test(l.msg))).toBe(true);
    expect(await first.metric('otelcol_exporter_send_failed_spans_total')).toBe(0);

    up = true;
    const second = setup({ ...persistent, sending_queue: { ...persistent.sending_queue, num_consumers: 1 } }, send);
    await second.helper.start(host);
    await second.consume(batch(1, 'new'));
    await until(() => delivered.length === 5);
    expect(delivered).toEqual(['old0-0', 'old1-0', 'old2-0', 'old3-0', 'new-0']);
    await until(() => records().size === 0);
    expect(await second.metric('otelcol_exporter_sent_spans_total')).toBe(5);
    await second.helper.shutdown();
  });

  it('drops (logged, acknowledged) a record it cannot decode', async () => {
    const storage = new MemoryStorage();
    const q = await storage.openQueue('exporter/otlp/test', 'traces');
    await q.append(new Uint8Array([1, 2, 3]));
    await q.close();
    const t = setup(persistent, async () => {});
    await t.helper.start(testHost({ 'file_storage/q': storage }));
    await until(() => storage.records.get('exporter/otlp/test:traces')!.size === 0);
    expect(t.logs.some((l) => l.level === 50 && /cannot be read/.test(l.msg))).toBe(true);
    await t.helper.shutdown();
  });

  it('at the shutdown deadline keeps batches being sent and waiting for a retry on disk, drops nothing, and sends them after a restart', async () => {
    const storage = new MemoryStorage();
    const host = testHost({ 'file_storage/q': storage });
    let calls = 0;
    // Every other send hangs (in flight at the deadline), the others fail (waiting for a retry).
    const first = setup({ ...persistent, timeout: '0', retry_on_failure: { ...FAST.retry_on_failure, initial_interval: '10s', max_elapsed_time: '0' }, sending_queue: { ...persistent.sending_queue, num_consumers: 4 } }, () =>
      ++calls % 2 === 0 ? Promise.reject(new Error('503')) : new Promise<void>(() => {}),
    );
    await first.helper.start(host);
    for (let i = 0; i < 6; i++) await first.consume(batch(1, `b${i}`));
    await until(() => calls >= 4);
    const started = Date.now();
    const stop = shutdownContext(started + 150);
    await first.helper.shutdown(stop.ctx);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(stop.dropped).toEqual([]);
    expect(first.logs.some((l) => /keeps 6 undelivered batches/.test(l.msg))).toBe(true);
    expect(storage.records.get('exporter/otlp/test:traces')!.size).toBe(6);

    const delivered: string[] = [];
    const second = setup(persistent, async (_s, data) => void delivered.push(...names(data as Traces)));
    await second.helper.start(host);
    await until(() => delivered.length === 6);
    expect(delivered.sort()).toEqual(['b0-0', 'b1-0', 'b2-0', 'b3-0', 'b4-0', 'b5-0']);
    await second.helper.shutdown();
  });

  it('stopping with somewhere to hand over, passes on queued, retrying and aborted batches at once and leaves nothing on disk', async () => {
    const storage = new MemoryStorage();
    let calls = 0;
    // Every other send hangs until the deadline aborts it, the others fail and wait 10 s for a retry.
    const t = setup({ ...persistent, timeout: '0', retry_on_failure: { ...FAST.retry_on_failure, initial_interval: '10s', max_elapsed_time: '0' }, sending_queue: { ...persistent.sending_queue, num_consumers: 4 } }, () =>
      ++calls % 2 === 0 ? Promise.reject(new Error('503')) : new Promise<void>(() => {}),
    );
    await t.helper.start(testHost({ 'file_storage/q': storage }));
    for (let i = 0; i < 6; i++) await t.consume(batch(1, `b${i}`));
    await until(() => calls >= 4);
    const handed: string[] = [];
    const stop = shutdownContext(Date.now() + 150);
    const started = Date.now();
    await t.helper.shutdown({ ...stop.ctx, handOver: async (_signal, data) => void handed.push(...names(data as Traces)) });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(handed.sort()).toEqual(['b0-0', 'b1-0', 'b2-0', 'b3-0', 'b4-0', 'b5-0']);
    expect(stop.dropped).toEqual([]);
    expect(storage.records.get('exporter/otlp/test:traces')!.size).toBe(0);
    expect(t.logs.some((l) => /stopped and handed over 6 undelivered spans/.test(l.msg))).toBe(true);
  });

  it('reports what nothing else would take when handing over fails (in-memory queue)', async () => {
    const t = setup({ ...FAST, retry_on_failure: { ...FAST.retry_on_failure, initial_interval: '10s', max_elapsed_time: '0' } }, () => Promise.reject(new Error('503')));
    await t.helper.start(testHost());
    for (let i = 0; i < 3; i++) await t.consume(batch(2, `b${i}`));
    const stop = shutdownContext(Date.now() + 1000);
    await t.helper.shutdown({ ...stop.ctx, handOver: () => Promise.reject(retryableError('no backends')) });
    expect(stop.dropped).toEqual([['traces', 6]]);
  });

  it('keeps the batch in memory only while no backlog builds up', async () => {
    const storage = new MemoryStorage();
    const g = gatedSend();
    const t = setup({ ...persistent, sending_queue: { ...persistent.sending_queue, num_consumers: 1 } }, g.send);
    await t.helper.start(testHost({ 'file_storage/q': storage }));
    for (let i = 0; i < 5; i++) await t.consume(batch(1, `b${i}`));
    g.open();
    await until(() => g.received.length === 5);
    // the ones that waited behind the backlog were read back from storage, intact
    expect(g.received.flatMap(names)).toEqual(['b0-0', 'b1-0', 'b2-0', 'b3-0', 'b4-0']);
    expect(storage.reads).toBe(3);
    await t.helper.shutdown();
  });
});

describe('exporter helper instance', () => {
  it('marks itself as reporting its own send results and does not mutate data', () => {
    const t = setup(FAST, async () => {});
    const h: ExporterHelper = t.helper;
    expect(h.reportsOwnSendResults).toBe(true);
    expect(h.mutatesData).toBe(false);
    expect(Object.keys(h.consumers)).toEqual(['traces']);
  });
});

describe('exporter helper in a running service', () => {
  it('is counted once, when the send really finished (the graph does not count its enqueue)', async () => {
    let next: NextConsumers = {};
    const receiver: ComponentFactory = {
      type: 'rcv', kind: 'receiver', signals: ['traces'], stability: 'development', configSchema: {},
      create: (_ctx, _c, n) => ((next = n), {}),
    };
    const exporter: ComponentFactory = {
      type: 'helped', kind: 'exporter', signals: ['traces'], stability: 'development', configSchema: {},
      create: (ctx, config) =>
        createExporterHelper(ctx, config as ExporterHelperConfig, async (_s, data) => {
          if (names(data as Traces)[0].startsWith('bad')) throw permanentError('no');
        }),
    };
    const svc = new Service({
      spec: {
        receivers: new Map([['rcv', { id: 'rcv', factory: receiver, config: {}, configDir: '.' }]]),
        processors: new Map(),
        exporters: new Map([['helped', { id: 'helped', factory: exporter, config: FAST, configDir: '.' }]]),
        connectors: new Map(),
        extensions: new Map(),
        pipelines: [{ id: 'traces', signal: 'traces', receivers: ['rcv'], processors: [], exporters: ['helped'] }],
        serviceExtensions: [],
      },
      logger: pino({ level: 'silent' }),
      shutdownTimeoutMs: 2000,
      metricsAddress: null,
    });
    await svc.start();
    await next.traces!.consume(batch(3, 'good'));
    await next.traces!.consume(batch(2, 'bad'));
    const m = (name: string) => metricValue(svc.telemetry, name, { exporter: 'helped' });
    await until(async () => (await m('otelcol_exporter_send_failed_spans_total')) === 2);
    expect(await m('otelcol_exporter_sent_spans_total')).toBe(3);
    await svc.shutdown();
    expect(await m('otelcol_exporter_sent_spans_total')).toBe(3);
  });
});
