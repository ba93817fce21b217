/**
 * A flood of large requests against a real `summit` process whose exporter's backend is slow:
 * the memory_limiter refuses with 503 + Retry-After, Summit's RSS stays bounded, the process
 * survives and accepts again once the flood is over and the backend keeps up.
 */
import { describe, expect, it } from 'vitest';
import { freePort, tempDir } from './helpers.js';
import { Sender, Sink, cleanedUpAfterEach, rssMiB, sleep, startSummit, tracesRequest } from './delivery-helpers.js';

const { running, sinks, dirs } = cleanedUpAfterEach();

/**
 * limit_mib: the memory_limiter counts memory held (V8 heap + Buffers), not RSS, so RSS may reach
 * about the idle RSS (code, runtime) plus this; and its spike allowance (soft limit = limit − spike).
 */
const HEADROOM_MIB = 150;
const SPIKE_MIB = 30;
/**
 * How far above idle RSS + limit_mib RSS may go. Checks run every 100 ms; between two checks the
 * receiver admits what arrives (up to CONCURRENCY requests of ~1 MiB body each, decoded to a few
 * MiB), and pages freed by a GC stay resident for a while (longer on Node 24 than on 20). Without
 * the limiter the same flood passes 700 MiB, so this still catches a limiter that does not act.
 */
const MARGIN_MIB = 150;
const CONCURRENCY = 16;
/**
 * The flood lasts until the limiter has refused this many requests (or FLOOD_MAX_MS pass): how
 * fast memory fills depends on how busy the machine is, so a fixed duration is not enough on a
 * loaded one and needlessly long on a quiet one.
 */
const REFUSALS_WANTED = 20;
const FLOOD_MAX_MS = 30_000;

const config = (p: { receiver: number; sink: string; limitMib: number }) => `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${p.receiver} } } }
processors:
  memory_limiter:
    check_interval: 100ms
    limit_mib: ${p.limitMib}
    spike_limit_mib: ${SPIKE_MIB}
    min_gc_interval_when_soft_limited: 1s
exporters:
  otlphttp:
    endpoint: ${p.sink}
    timeout: 10s
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0s }
    sending_queue: { num_consumers: 2, queue_size: 100000 }
service:
  pipelines:
    traces: { receivers: [otlp], processors: [memory_limiter], exporters: [otlphttp] }
  telemetry: { metrics: { level: none } }
`;

describe('memory_limiter under a flood', () => {
  it('answers 503 + Retry-After, keeps RSS bounded, survives, and accepts again afterwards', async () => {
    const dir = tempDir('summit-delivery-mem-');
    dirs.push(dir);
    const sink = new Sink(await freePort());
    sinks.push(sink);
    sink.decode = false;
    sink.delayMs = 1000; // 2 consumers × 1 batch/s: the in-memory queue fills up
    await sink.up();
    const receiver = await freePort();

    // Idle RSS of this build on this machine, measured on a first start with a limit far away
    // (but within V8's default heap limit: more would be a config error).
    const probe = await startSummit(dir, config({ receiver, sink: sink.endpoint, limitMib: 2000 }), 'probe.yaml');
    running.push(probe);
    await sleep(300);
    const idle = rssMiB(probe.child.pid!)!;
    expect(await probe.stop('SIGTERM')).toBe(0);
    const limitMib = HEADROOM_MIB;

    const summit = await startSummit(dir, config({ receiver, sink: sink.endpoint, limitMib }));
    running.push(summit);
    const pid = summit.child.pid!;
    const sender = new Sender(`http://127.0.0.1:${receiver}`);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid) ?? 0)), 100);

    // ~1 MiB requests: 1000 spans with 1 KiB of attribute each, encoded once.
    const big = tracesRequest(sender.nextIds(1000), 1024);
    const retryAfter = new Set<string | null>();
    const refusedBodies: string[] = [];
    const end = Date.now() + FLOOD_MAX_MS;
    const worker = async () => {
      while (Date.now() < end && sender.count(503) < REFUSALS_WANTED) {
        const r = await sender.post({ body: big, timeoutMs: 10_000 });
        if (r.status === 503) {
          retryAfter.add(r.retryAfter);
          if (refusedBodies.length < 5) refusedBodies.push(r.body);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      sink.delayMs = 0; // the backend catches up
      const small = new Sender(`http://127.0.0.1:${receiver}`, 5);
      let accepted = false;
      const deadline = Date.now() + 8000;
      while (!accepted && Date.now() < deadline) {
        accepted = (await small.post()).status === 200;
        if (!accepted) await sleep(200);
      }
      expect(accepted, 'Summit accepts again after the flood').toBe(true);
    } finally {
      clearInterval(sampler);
    }
    const seen = `answers: ${JSON.stringify([...sender.statuses])}`;
    expect(sender.count(200), seen).toBeGreaterThan(0);
    expect(sender.count(503), seen).toBeGreaterThan(0);
    expect([...retryAfter].every((v) => v !== null && Number(v) >= 1)).toBe(true);
    expect(refusedBodies.some((b) => b.includes('data refused due to high memory usage'))).toBe(true);
    expect(summit.stderr).toMatch(/Memory usage is above soft limit\. Refusing data\./);
    expect(peak, `peak RSS ${peak.toFixed(0)} MiB; idle ${idle.toFixed(0)} MiB, limit_mib ${limitMib}`).toBeLessThan(idle + limitMib + MARGIN_MIB);
    expect(summit.child.exitCode).toBeNull();
    expect(summit.child.signalCode).toBeNull();
    expect(await summit.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
