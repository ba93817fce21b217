/**
 * A persistent sending queue on a disk that fills up (an 8 MiB tmpfs, see small-volume.ts),
 * through a real `summit` process: while the disk is full Summit answers 503 + Retry-After and
 * acknowledges nothing it did not store, says so once in the log and in its metrics, and once
 * the backend drains the backlog it accepts data again by itself — no restart. This is also
 * the disk-full recovery probe.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Sender, Sink, ensureStopped, missing, sleep, tracesRequest, until } from './delivery-helpers.js';
import { freePort, SummitProcess, tempDir, writeFile } from './helpers.js';
import { smallVolume } from './small-volume.js';

const VOLUME_BYTES = 8 * 1024 * 1024;
const SPANS_PER_REQUEST = 10;
/** ~240 KiB requests: the volume is full after about 33 of them. */
const PAD = 24 * 1024;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function metric(port: number, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

const FULL_LOG = /disk full at .*refusing new data until space is freed/;

describe('persistent queue on a full disk', () => {
  it('refuses with 503 while full, and accepts again by itself once the backlog drained; every acknowledged span arrives', async () => {
    const volume = smallVolume(VOLUME_BYTES);
    cleanup.push(() => volume.release());
    const configDir = tempDir('summit-disk-full-');
    cleanup.push(() => rmSync(configDir, { recursive: true, force: true }));
    const sink = new Sink(await freePort());
    cleanup.push(() => sink.down());
    const receiver = await freePort();
    const metrics = await freePort();
    const config = writeFile(
      configDir,
      'summit.yaml',
      `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${receiver} } } }
extensions:
  file_storage/queue: { directory: ${join(volume.dir, 'queue')}, create_directory: true }
exporters:
  otlphttp:
    endpoint: ${sink.endpoint}
    timeout: 2s
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0s }
    sending_queue: { storage: file_storage/queue, num_consumers: 4, queue_size: 100000 }
service:
  extensions: [file_storage/queue]
  pipelines:
    traces: { receivers: [otlp], exporters: [otlphttp] }
  telemetry: { metrics: { address: 127.0.0.1:${metrics} } }
`,
    );
    const summit = new SummitProcess(['--config', config], { launcher: volume.launcher });
    cleanup.push(() => ensureStopped(summit));
    await summit.waitForLog(/Everything is ready/);

    // The backend is down: everything acknowledged piles up on the small disk until it is full.
    const sender = new Sender(`http://127.0.0.1:${receiver}`, SPANS_PER_REQUEST);
    const post = () => {
      const ids = sender.nextIds();
      return sender.post({ ids, body: tracesRequest(ids, PAD) });
    };
    let first503;
    for (let i = 0; i < 400 && !first503; i++) {
      const r = await post();
      if (r.status === 503) first503 = r;
      else expect(r.status).toBe(200);
    }
    expect(first503, 'the 8 MiB volume never filled up').toBeDefined();
    expect(first503!.retryAfter).toMatch(/^\d+$/);
    // Refused only once the volume really was full, not early.
    expect(sender.count(200)).toBeGreaterThanOrEqual(25);
    for (let i = 0; i < 10; i++) {
      const r = await post();
      expect(r.status).toBe(503);
      expect(r.retryAfter).toMatch(/^\d+$/);
    }
    await summit.waitForLog(FULL_LOG);
    expect(await metric(metrics, 'otelcol_file_storage_unwritable')).toBe(1);
    expect(await metric(metrics, 'otelcol_exporter_enqueue_failed_spans_total')).toBe(sender.count(503) * SPANS_PER_REQUEST);

    // The backend comes back and drains the backlog; new data must be accepted again, without a restart.
    const acknowledgedWhileFull = new Set(sender.acked);
    await sink.up();
    await until(() => missing(acknowledgedWhileFull, sink.ids).length === 0, 'the backlog at the backend', 15_000);
    let accepted = false;
    for (const deadline = Date.now() + 10_000; !accepted && Date.now() < deadline; ) {
      accepted = (await post()).status === 200;
      if (!accepted) await sleep(100);
    }
    expect(accepted, `still refusing after the backlog drained; log:\n${summit.stderr.slice(-2000)}`).toBe(true);
    for (let i = 0; i < 30; i++) expect((await post()).status).toBe(200);
    await until(() => missing(sender.acked, sink.ids).length === 0, 'every acknowledged span at the backend', 15_000);

    // At least once, and nothing that was refused: every span at the backend was acknowledged.
    expect(missing(sender.acked, sink.ids)).toEqual([]);
    expect([...sink.ids].filter((id) => !sender.acked.has(id))).toEqual([]);
    // Said once for the episode, not once per refused request (its end is logged after a quiet period; see extensions/file_storage).
    expect(summit.stderr.split('\n').filter((l) => FULL_LOG.test(l))).toHaveLength(1);
    expect(await summit.stop('SIGTERM')).toBe(0);
  }, 60_000);
});
