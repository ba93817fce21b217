/**
 * What a persistent sending queue costs: the exporter helper with its queue in memory (peer), on
 * disk (file_storage, fsync false) and on disk with fsync true, all in this process. Measured
 * twice: sending over the otlphttp exporter's transport to a sink on loopback (the cost as an
 * operator sees it), and with a send that resolves at once (the queue's own work alone: encode,
 * write, ack, read back behind a backlog).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { OtlpHttpTransport } from '../exporters/otlphttp/transport.js';
import { fileStorageExtensionFactory, type FileStorage } from '../extensions/file_storage/index.js';
import { createExporterHelper, type ExporterHelper, type ExporterHelperConfig, type SendFunction } from '../pipeline/exporterhelper/index.js';
import type { Traces } from '../pipeline/model.js';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { testContext, testHost } from '../pipeline/testing.js';
import { measure, table, type BenchCase, type BenchResult } from './harness.js';
import { syntheticTraces } from './synthetic.js';

const SPANS = 512;
const BATCHES_PER_RUN = 100;
/** consume() calls in flight, like concurrent receiver requests. */
const IN_FLIGHT = 16;
const STORAGE_ID = 'file_storage/bench';

// Built once and reused: the helper never modifies what it is given.
const BATCHES: Traces[] = Array.from({ length: 16 }, (_, i) => syntheticTraces(SPANS, 'realistic', i));

interface QueueCase {
  c: BenchCase;
  stop(): Promise<void>;
}

async function queueCase(name: string, transmit: SendFunction, storage?: { dir: string; fsync: boolean }): Promise<QueueCase> {
  let sentBatches = 0;
  let target = Infinity;
  let reached: (() => void) | undefined;
  const send: SendFunction = async (signal, data, abort) => {
    await transmit(signal, data, abort);
    if (++sentBatches >= target) reached?.();
  };
  const config: ExporterHelperConfig = {
    timeout: '5s',
    sending_queue: { num_consumers: 10, queue_size: 1000, ...(storage ? { storage: STORAGE_ID } : {}) },
  };
  const helper: ExporterHelper = createExporterHelper(testContext({ id: 'otlphttp/bench', kind: 'exporter', signals: ['traces'] }), config, send);
  let ext: FileStorage | undefined;
  if (storage) {
    ext = (await fileStorageExtensionFactory.create(
      testContext({ id: STORAGE_ID, kind: 'extension' }),
      { directory: storage.dir, create_directory: true, fsync: storage.fsync },
      {},
    )) as FileStorage;
    await ext.start();
  }
  await helper.start(testHost(ext ? { [STORAGE_ID]: ext } : {}));
  const consumer = helper.consumers.traces!;
  return {
    c: {
      name,
      async run() {
        target = sentBatches + BATCHES_PER_RUN;
        const allSent = new Promise<void>((r) => (reached = r));
        const inFlight: Promise<void>[] = [];
        for (let i = 0; i < BATCHES_PER_RUN; i++) {
          inFlight.push(consumer.consume(BATCHES[i % BATCHES.length]));
          if (inFlight.length === IN_FLIGHT) await Promise.all(inFlight.splice(0));
        }
        await Promise.all(inFlight);
        // Enqueued is not done: the run ends when the last batch was sent (and, on disk, acknowledged next).
        if (sentBatches < target) await allSent;
        return BATCHES_PER_RUN * SPANS;
      },
    },
    async stop() {
      await helper.shutdown();
      await ext?.shutdown();
    },
  };
}

/** A loopback OTLP/HTTP backend that reads each request and answers 200 at once. */
async function startSink(): Promise<{ server: Server; url: URL }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { server, url: new URL(`http://127.0.0.1:${port}/v1/traces`) };
}

const PEER = 'in-memory queue (peer)';
const NOFSYNC = 'persistent, file_storage fsync: false';
const FSYNC = 'persistent, file_storage fsync: true';

/** The three queues around one send; each persistent one in its own directory under root. */
async function measureQueues(root: string, tag: string, transmit: SendFunction, repeats: number): Promise<BenchResult[]> {
  const cases: QueueCase[] = [];
  try {
    cases.push(await queueCase(PEER, transmit));
    cases.push(await queueCase(NOFSYNC, transmit, { dir: join(root, `${tag}-nofsync`), fsync: false }));
    cases.push(await queueCase(FSYNC, transmit, { dir: join(root, `${tag}-fsync`), fsync: true }));
    return await measure(cases.map((c) => c.c), { repeats });
  } finally {
    for (const c of cases) await c.stop();
  }
}

const rate = (r: BenchResult) => (r.unitsPerSecond >= 1e6 ? `${(r.unitsPerSecond / 1e6).toFixed(1)}M` : `${(r.unitsPerSecond / 1e3).toFixed(0)}k`);
const msPerBatch = (r: BenchResult) => ((SPANS / r.unitsPerSecond) * 1e3).toFixed(2);

/** Throughput of the sending queue in memory vs persistent, in spans/s; peer = in memory. */
export async function persistentQueueSuite(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'summit-bench-pq-'));
  const sink = await startSink();
  const transport = new OtlpHttpTransport({
    urls: { traces: sink.url, metrics: sink.url, logs: sink.url },
    encoding: 'proto',
    compression: 'none',
    headers: {},
    configDir: '.',
    logger: pino({ level: 'silent' }),
  });
  try {
    const overHttp = await measureQueues(root, 'http', (signal, data, abort) => transport.send(signal, data, abort), 7);
    const alone = await measureQueues(root, 'alone', async () => undefined, 5);
    const recordKiB = encodeSignal('traces', BATCHES[0]).length / 1024;
    const get = (rs: BenchResult[], name: string) => rs.find((r) => r.name === name)!;
    return [
      table(
        `persistent sending queue (exporter helper → otlphttp transport, protobuf, no compression → loopback sink; ${SPANS}-span batches, ${IN_FLIGHT} consume() in flight)`,
        'spans',
        overHttp,
        PEER,
      ),
      `the queue alone (send resolves at once), median: in memory ${rate(get(alone, PEER))} spans/s; ` +
        `fsync false ${rate(get(alone, NOFSYNC))} spans/s (${msPerBatch(get(alone, NOFSYNC))} ms per batch); ` +
        `fsync true ${rate(get(alone, FSYNC))} spans/s (${msPerBatch(get(alone, FSYNC))} ms per batch)`,
      `each batch is a ${recordKiB.toFixed(0)} KiB record on disk (OTLP protobuf); a run is ${BATCHES_PER_RUN} batches, timed from the first consume() to the last send`,
      '',
    ].join('\n');
  } finally {
    transport.close();
    await new Promise<void>((r) => sink.server.close(() => r()));
    rmSync(root, { recursive: true, force: true });
  }
}
