/**
 * SIGTERM with a backlog behind a backend that does not answer in time: the shutdown deadline
 * (service.shutdown_timeout) passes with data still queued. An in-memory queue must not exit 0
 * over it: exit 4 and a log line with the exact count dropped per exporter and signal. A
 * persistent queue keeps all of it (waiting, waiting for a retry, or in flight) on disk, exits 0,
 * and delivers it after the restart.
 */
import { describe, expect, it } from 'vitest';
import { freePort, tempDir } from './helpers.js';
import { Sender, Sink, cleanedUpAfterEach, missing, sleep, startSummit, until } from './delivery-helpers.js';

const { running, sinks, dirs } = cleanedUpAfterEach();

/** Longer than the whole test: a request the backend got after it turned slow is never answered while Summit runs. */
const SLOW_MS = 30_000;
/** Long enough for both signals to arrive while the export waits, well inside the 30 s deadline. */
const HELD_MS = 5_000;
const SPANS_PER_REQUEST = 64;
const BACKLOG_REQUESTS = 40;

async function setup(queue: 'memory' | 'persistent', shutdownTimeout = '1s') {
  const dir = tempDir('summit-delivery-stop-');
  dirs.push(dir);
  const sink = new Sink(await freePort());
  sinks.push(sink);
  await sink.up();
  const receiver = await freePort();
  const persistent = queue === 'persistent';
  const yaml = `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${receiver} } } }
${persistent ? 'extensions:\n  file_storage/queue: { directory: ./queue, create_directory: true }\n' : ''}exporters:
  otlphttp/slow:
    endpoint: ${sink.endpoint}
    compression: none
    timeout: 60s
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0s }
    sending_queue: { num_consumers: 3, queue_size: 1000${persistent ? ', storage: file_storage/queue' : ''} }
service:
  ${persistent ? 'extensions: [file_storage/queue]' : 'extensions: []'}
  shutdown_timeout: ${shutdownTimeout}
  pipelines:
    traces: { receivers: [otlp], exporters: [otlphttp/slow] }
  telemetry: { metrics: { level: none } }
`;
  const start = async () => {
    const summit = await startSummit(dir, yaml);
    running.push(summit);
    return summit;
  };
  return { sink, start, sender: new Sender(`http://127.0.0.1:${receiver}`, SPANS_PER_REQUEST) };
}

/** A few requests the backend answers at once, so "delivered" is not empty. */
async function deliverSome(sender: Sender, sink: Sink): Promise<void> {
  for (let i = 0; i < 3; i++) expect((await sender.post()).status).toBe(200);
  await until(() => missing(sender.acked, sink.ids).length === 0, 'the first requests at the backend');
}

async function sendBacklog(sender: Sender): Promise<void> {
  const answers = await Promise.all(Array.from({ length: BACKLOG_REQUESTS }, () => sender.post()));
  expect(answers.map((a) => a.status)).toEqual(Array(BACKLOG_REQUESTS).fill(200));
}

describe('SIGTERM with a backlog the backend cannot take before the shutdown deadline', () => {
  it('in-memory queue: exits 4 and logs exactly how many acknowledged spans it dropped', async () => {
    const { sink, start, sender } = await setup('memory');
    const summit = await start();
    await deliverSome(sender, sink);
    sink.delayMs = SLOW_MS;
    await sendBacklog(sender);

    const code = await summit.stop('SIGTERM');
    const dropped = missing(sender.acked, sink.ids).length;
    expect(dropped).toBeGreaterThanOrEqual(BACKLOG_REQUESTS * SPANS_PER_REQUEST);
    expect(code).toBe(4);
    const line = `exporter otlphttp/slow: dropped ${dropped} spans still queued at shutdown (in-memory queue; configure sending_queue.storage to keep them)`;
    const logged = summit.stderr.split('\n').find((l) => l.includes('still queued at shutdown'));
    expect(logged && JSON.parse(logged)).toMatchObject({ level: 50, msg: line, dropped_items: dropped, data_type: 'traces' });
    expect(summit.stderr).toMatch(new RegExp(`Shutdown complete, but ${dropped} acknowledged items were dropped`));
    // the exporter gave up by itself at the deadline, it was not cut off
    expect(summit.stderr).not.toMatch(/did not stop within the shutdown timeout/);
  });

  it('persistent queue: exits 0, keeps waiting, retrying and in-flight batches on disk, and delivers them after the restart', async () => {
    const { sink, start, sender } = await setup('persistent');
    const first = await start();
    await deliverSome(sender, sink);
    sink.failing = true; // 503: the consumers wait to retry
    await sendBacklog(sender);
    await until(() => /Will retry the request after interval/.test(first.stderr), 'retries against the failing backend');
    sink.delayMs = SLOW_MS; // and the attempts they start from now on hang
    await until(() => sink.pending >= 2, 'two attempts in flight');

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.stderr).toMatch(new RegExp(`keeps ${BACKLOG_REQUESTS} undelivered batches in its persistent queue`));
    expect(first.stderr).not.toMatch(/dropped|did not stop within the shutdown timeout/);
    expect(missing(sender.acked, sink.ids).length).toBe(BACKLOG_REQUESTS * SPANS_PER_REQUEST);

    sink.failing = false;
    sink.delayMs = 0;
    const second = await start();
    await until(() => missing(sender.acked, sink.ids).length === 0, 'every acknowledged span at the backend after the restart');
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  it('a second SIGTERM does not cut the drain short, as upstream; it is logged and the drain finishes', async () => {
    const { sink, start, sender } = await setup('memory', '30s');
    const summit = await start();
    await deliverSome(sender, sink);
    sink.delayMs = HELD_MS; // the backend answers, but only after both signals came
    expect((await sender.post()).status).toBe(200);
    await until(() => sink.pending >= 1, 'an export held by the backend');

    summit.child.kill('SIGTERM');
    await summit.waitForLog(/received SIGTERM/);
    summit.child.kill('SIGTERM');
    await summit.waitForLog(/received SIGTERM again: already shutting down/);
    await sleep(300);
    expect(summit.child.exitCode).toBeNull();
    expect(summit.child.signalCode).toBeNull();
    expect(await summit.exited).toBe(0);
    expect(missing(sender.acked, sink.ids)).toEqual([]);
  });
});
