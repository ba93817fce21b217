/**
 * Delivery through a real `summit` process with a persistent sending queue (file_storage): what
 * Summit acknowledged survives `kill -9` and is delivered after the restart, and damaged queue
 * files cost only the damaged record, with a warning naming the file.
 */
import { closeSync, openSync, readSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, tempDir } from './helpers.js';
import { Sender, Sink, cleanedUpAfterEach, missing, readSegment, segmentFiles, sleep, startSummit, stream, until, type SegmentRecord } from './delivery-helpers.js';

const { running, sinks, dirs } = cleanedUpAfterEach();

/** A Summit config with a persistent queue in `dir`/queue, and what a test needs around it. */
async function persistentSetup() {
  const dir = tempDir('summit-delivery-pq-');
  dirs.push(dir);
  const sink = new Sink(await freePort());
  sinks.push(sink);
  const receiver = await freePort();
  const yaml = `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${receiver} } } }
extensions:
  file_storage/queue: { directory: ./queue, create_directory: true }
exporters:
  otlphttp:
    endpoint: ${sink.endpoint}
    timeout: 1s
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0s }
    sending_queue: { storage: file_storage/queue, num_consumers: 4 }
service:
  extensions: [file_storage/queue]
  shutdown_timeout: 5s
  pipelines:
    traces: { receivers: [otlp], exporters: [otlphttp] }
  telemetry: { metrics: { level: none } }
`;
  const start = async () => {
    const summit = await startSummit(dir, yaml);
    running.push(summit);
    return summit;
  };
  return { dir, sink, start, sender: new Sender(`http://127.0.0.1:${receiver}`, 5), queueDir: join(dir, 'queue', 'exporter%2Fotlphttp.traces') };
}

describe('delivery with a persistent sending queue', () => {
  it('kill -9 in the middle of a stream while the backend is down: every acknowledged span is delivered after the restart', async () => {
    const { sink, start, sender, queueDir } = await persistentSetup();
    const first = await start();
    const load = stream(sender, { workers: 6, pauseMs: 0, maxRequests: 5000, maxMs: 8000 });
    await until(() => sender.count(200) >= 60, '60 acknowledged requests');
    first.child.kill('SIGKILL'); // requests are in flight right now
    await first.exited;
    await load.stop();
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(sink.requests).toBe(0);
    const acknowledged = new Set(sender.acked);
    expect(acknowledged.size).toBeGreaterThanOrEqual(300);
    // Requests in flight at the kill failed; they were never acknowledged.
    expect([...sender.statuses.keys()].filter((s) => s !== 200 && s !== 0)).toEqual([]);

    await sink.up();
    const second = await start(); // same config, same directory; the LOCK of the killed process is taken over
    await second.waitForLog(/found \d+ batches \(\d+ spans\) in its persistent queue/);
    const found = Number(/found (\d+) batches/.exec(second.stderr)![1]);
    expect(found).toBeGreaterThanOrEqual(sender.count(200));
    await until(() => missing(acknowledged, sink.ids).length === 0, 'every acknowledged span at the backend', 10_000);
    expect(await second.stop('SIGTERM')).toBe(0);
    expect(missing(acknowledged, sink.ids)).toEqual([]);
    // Everything was delivered and acknowledged in the queue: no segment is left behind.
    expect(segmentFiles(queueDir)).toEqual([]);
  });

  /**
   * Fills the on-disk queue with 12 one-request batches (backend down), stops Summit with
   * SIGTERM so they stay on disk, damages the segment with `damage`, restarts with the backend
   * up, and checks that every record but the damaged one is delivered, with a warning naming
   * the file.
   */
  async function damagedQueue(damage: (file: string, records: SegmentRecord[]) => SegmentRecord, warning: RegExp) {
    const { sink, start, sender, queueDir } = await persistentSetup();
    const first = await start();
    for (let i = 0; i < 12; i++) expect((await sender.post()).status).toBe(200);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.stderr).toMatch(/keeps 12 undelivered batches in its persistent queue/);

    const files = segmentFiles(queueDir);
    expect(files).toHaveLength(1);
    const records = readSegment(files[0]);
    expect(records.map((r) => r.type)).toEqual(Array(12).fill(1));
    expect(new Set(records.flatMap((r) => r.spanIds))).toEqual(sender.acked);
    const damaged = damage(files[0], records);
    const kept = new Set(records.filter((r) => r !== damaged).flatMap((r) => r.spanIds));
    expect(kept.size).toBe(55);

    await sink.up();
    const second = await start();
    await until(() => missing(kept, sink.ids).length === 0, 'every undamaged record at the backend', 10_000);
    await sleep(300); // room for anything else that would (wrongly) arrive
    expect(second.stderr).toMatch(warning);
    const warned = second.stderr.split('\n').find((l) => warning.test(l))!;
    expect(warned).toContain(files[0]);
    expect(JSON.parse(warned).level).toBe(40); // pino's warn
    // The damaged record is skipped: its spans cannot arrive (they were not readable).
    expect(damaged.spanIds.filter((id) => sink.ids.has(id))).toEqual([]);
    expect(missing(kept, sink.ids)).toEqual([]);
    expect(await second.stop('SIGTERM')).toBe(0);
    expect(segmentFiles(queueDir)).toEqual([]);
  }

  it('a queue file whose last record was cut mid-way: warns naming the file, delivers the other records', async () => {
    await damagedQueue((file, records) => {
      const last = records.at(-1)!;
      truncateSync(file, last.offset + Math.floor(last.frameLength / 2));
      return last;
    }, /the last record \(at offset \d+\) was cut short by a crash; skipping it/);
  });

  it('a queue file with a flipped byte inside an early record: warns naming the file, delivers the records before and after it', async () => {
    await damagedQueue((file, records) => {
      const victim = records[1];
      const at = victim.payloadOffset + Math.floor(victim.payloadLength / 2);
      const fd = openSync(file, 'r+');
      try {
        const b = Buffer.alloc(1);
        readSync(fd, b, 0, 1, at);
        b[0] ^= 0xff;
        writeSync(fd, b, 0, 1, at);
      } finally {
        closeSync(fd);
      }
      return victim;
    }, /damaged data at offset \d+ \(\d+ bytes\); skipping it, records after it are kept/);
  });
});
