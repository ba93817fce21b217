/**
 * Delivery through a real `summit` process to a real OTLP/HTTP backend on loopback, with the
 * in-memory sending queue: an outage of the backend, and SIGTERM under load. What Summit
 * answered 200 must reach the backend (DESIGN.md "Nothing lost").
 * Persistent queues: delivery-persistent.test.ts; memory_limiter floods: delivery-memory.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { freePort, tempDir } from './helpers.js';
import { Sender, Sink, cleanedUpAfterEach, missing, sleep, startSummit, stream, until } from './delivery-helpers.js';

const { running, sinks, dirs } = cleanedUpAfterEach();

async function setup(yaml: (p: { receiver: number; sink: string; metrics: number }) => string) {
  const sink = new Sink(await freePort());
  sinks.push(sink);
  const [receiver, metrics] = [await freePort(), await freePort()];
  const dir = tempDir('summit-delivery-');
  dirs.push(dir);
  const summit = await startSummit(dir, yaml({ receiver, sink: sink.endpoint, metrics }));
  running.push(summit);
  return { sink, summit, sender: new Sender(`http://127.0.0.1:${receiver}`), metrics: `http://127.0.0.1:${metrics}/metrics` };
}

/** The exporter's otelcol_exporter_queue_size (batches waiting or being sent). */
async function queueSize(metrics: string): Promise<number> {
  const text = await (await fetch(metrics)).text();
  return Number(/^otelcol_exporter_queue_size\{exporter="otlphttp",data_type="traces"\} (\d+)/m.exec(text)?.[1] ?? NaN);
}

const RETRY = `retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0s }`;

describe('delivery with the in-memory sending queue', () => {
  it('delivers everything acknowledged while the backend was down once it comes back', async () => {
    const { sink, summit, sender } = await setup(
      (p) => `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${p.receiver} } } }
exporters:
  otlphttp:
    endpoint: ${p.sink}
    timeout: 1s
    ${RETRY}
    sending_queue: { num_consumers: 4, queue_size: 1000 }
service:
  pipelines:
    traces: { receivers: [otlp], exporters: [otlphttp] }
  telemetry: { metrics: { level: none } }
`,
    );
    // Backend down (nothing listens on its port): the queue takes it all, the senders retry.
    const load = stream(sender, { workers: 4, pauseMs: 10, maxRequests: 1000, maxMs: 8000 });
    await until(() => sender.acked.size >= 300, '300 acknowledged spans while the backend is down');
    await sleep(500); // several retry rounds against a closed port
    expect(sink.requests).toBe(0);
    const ackedWhileDown = sender.count(200);
    await sink.up();
    await sleep(300); // keep sending across the recovery
    await load.stop();

    expect(sender.count(200)).toBeGreaterThan(ackedWhileDown);
    // nothing was refused: the queue (1000 batches) had room for the whole outage
    expect([...sender.statuses.keys()]).toEqual([200]);
    await until(() => missing(sender.acked, sink.ids).length === 0, 'every acknowledged span at the backend', 10_000);
    expect(summit.stderr).toMatch(/Exporting failed. Will retry the request after interval/); // the outage was seen and retried
    expect(await summit.stop('SIGTERM')).toBe(0);
    expect(missing(sender.acked, sink.ids)).toEqual([]);
  });

  it('SIGTERM under load with a slow backend: exit 0 within shutdown_timeout, every acknowledged span delivered', async () => {
    const { sink, summit, sender, metrics } = await setup(
      (p) => `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${p.receiver} } } }
processors:
  batch: { timeout: 50ms, send_batch_size: 50 }
exporters:
  otlphttp:
    endpoint: ${p.sink}
    timeout: 2s
    ${RETRY}
    sending_queue: { num_consumers: 2, queue_size: 1000 }
service:
  shutdown_timeout: 10s
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlphttp] }
  telemetry: { metrics: { level: normal, address: 127.0.0.1:${p.metrics} } }
`,
    );
    sink.delayMs = 50; // 2 consumers × 20 answers/s: a backlog builds up in the queue
    await sink.up();
    const load = stream(sender, { workers: 4, pauseMs: 10, maxRequests: 2000, maxMs: 12_000 });
    // SIGTERM once the queue holds a backlog, so the drain is real (bounded wait)
    const deadline = Date.now() + 8000;
    let backlog = 0;
    while ((backlog = await queueSize(metrics)) < 15 && Date.now() < deadline) await sleep(50);
    expect(backlog, 'batches in the sending queue before SIGTERM').toBeGreaterThanOrEqual(15);
    const atSignal = sink.requests;
    const signalled = Date.now();
    summit.child.kill('SIGTERM');
    const code = await summit.exited;
    const stoppedAfterMs = Date.now() - signalled;
    await load.stop();

    expect(code).toBe(0);
    // The exporter helper README, "Shutdown" of an in-memory queue: new data is refused and the
    // senders keep draining until the queue is empty (the backend is up), bounded by
    // service.shutdown_timeout; only batches stuck in retries against a dead backend are lost.
    expect(stoppedAfterMs).toBeLessThan(10_000);
    // ≥ 15 batches were queued a moment before the signal; a few may have been answered in between
    expect(sink.requests - atSignal, 'batches delivered after SIGTERM (the drain)').toBeGreaterThanOrEqual(10);
    expect(missing(sender.acked, sink.ids)).toEqual([]);
    expect(summit.stderr).not.toMatch(/still queued at shutdown|did not stop within the shutdown timeout/);
    expect(summit.stderr).toMatch(/Shutdown complete/);
    // Requests after the signal were refused or cut, never acknowledged and then dropped.
    expect([...sender.statuses.keys()].every((s) => s === 200 || s === 503 || s === 0)).toBe(true);
  });
});
