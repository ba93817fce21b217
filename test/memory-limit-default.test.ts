/**
 * The memory_limiter as config/default.yaml sets it (percentages: 80 % limit, 20 % spike) in a
 * process whose V8 heap limit is far below the machine's memory, behind a slow backend: it must
 * refuse (503 + Retry-After) before V8 aborts with "heap out of memory", and nothing it
 * acknowledged may be lost once the backend keeps up again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Sender, Sink, cleanedUpAfterEach, missing, sleep, tracesRequest, until } from './delivery-helpers.js';
import { ROOT, freePort, tempDir, writeFile, SummitProcess } from './helpers.js';

const { running, sinks, dirs } = cleanedUpAfterEach();

/** V8 old space of the child, on a machine with many GiB (heap_size_limit adds 48 MiB of young generation on Node 20, 192 MiB on Node 24). */
const HEAP_MIB = 192;
/**
 * ~2 MiB requests: 64 spans with a 32 KiB attribute each, so a few dozen fill the heap's soft
 * limit (60% of the heap limit, 144 MiB) with little CPU. At most REQUESTS_PER_SECOND, ~24 MiB/s:
 * the default spike allowance (20% of the heap limit, 48 MiB) has to cover one check_interval
 * (1 s) of growth, as in any deployment; faster growth is what spike_limit_percentage is for.
 */
const SPANS_PER_REQUEST = 64;
const PADDING = 32 * 1024;
const REQUESTS_PER_SECOND = 12;
const SENDERS = 4;

/** The embedded default config's memory_limiter settings, as they are today. */
const defaultLimiter = (parse(readFileSync(join(ROOT, 'config', 'default.yaml'), 'utf8')) as { processors: { memory_limiter: object } }).processors.memory_limiter;

const config = (p: { receiver: number; sink: string }) => `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${p.receiver} } } }
processors:
  memory_limiter: ${JSON.stringify(defaultLimiter)}
  batch:
exporters:
  otlphttp:
    endpoint: ${p.sink}
    compression: none
    retry_on_failure: { initial_interval: 50ms, max_interval: 500ms, max_elapsed_time: 0s }
    sending_queue: { num_consumers: 1 }
service:
  pipelines:
    traces: { receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlphttp] }
  telemetry: { metrics: { level: none } }
`;

describe('the default memory_limiter with a small V8 heap', () => {
  it('refuses with 503 + Retry-After before the heap runs out, and delivers everything it acknowledged', async () => {
    const dir = tempDir('summit-memlimit-default-');
    dirs.push(dir);
    const sink = new Sink(await freePort());
    sinks.push(sink);
    sink.delayMs = 2000; // one consumer, one batch per 2 s: the in-memory queue grows
    await sink.up();
    const receiver = await freePort();

    const summit = new SummitProcess(['--config', writeFile(dir, 'summit.yaml', config({ receiver, sink: sink.endpoint }))], {
      env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_MIB}` },
    });
    running.push(summit);
    await summit.waitForLog(/Everything is ready/);

    const sender = new Sender(`http://127.0.0.1:${receiver}`, SPANS_PER_REQUEST);
    const refusals: { status: number; retryAfter: string | null }[] = [];
    const alive = () => summit.child.exitCode === null && summit.child.signalCode === null;
    const deadline = Date.now() + 60_000;
    let nextSlot = Date.now();
    const worker = async () => {
      while (refusals.length === 0 && alive() && Date.now() < deadline) {
        const wait = nextSlot - Date.now();
        nextSlot = Math.max(nextSlot, Date.now()) + 1000 / REQUESTS_PER_SECOND;
        if (wait > 0) await sleep(wait);
        const ids = sender.nextIds();
        const r = await sender.post({ ids, body: tracesRequest(ids, PADDING), timeoutMs: 10_000 });
        if (r.status === 503 || r.status === 429) refusals.push(r);
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, worker));
    const seen = `answers ${JSON.stringify([...sender.statuses])}; log tail:\n${summit.stderr.slice(-1500)}`;
    expect(alive(), `summit died: ${seen}`).toBe(true);
    expect(refusals.length, seen).toBeGreaterThan(0);
    expect(refusals.every((r) => r.retryAfter !== null && Number(r.retryAfter) >= 1), seen).toBe(true);
    expect(sender.count(200), seen).toBeGreaterThan(0);
    // the test reads the log pipe and the answers' sockets in either order: wait for the line
    await summit.waitForLog(/Memory usage is above soft limit\. Refusing data\./, 10_000);

    sink.delayMs = 0; // the backend catches up: every acknowledged span must arrive
    await until(() => missing(sender.acked, sink.ids).length === 0 || !alive(), 'every acknowledged span at the sink', 30_000);
    const lost = missing(sender.acked, sink.ids);
    expect(lost.length, `${lost.length} of ${sender.acked.size} acknowledged spans lost`).toBe(0);
    expect(alive()).toBe(true);
    expect(await summit.stop('SIGTERM')).toBe(0);
    // the start-up log names what is compared (it used to say RSS)
    expect(summit.stderr).toMatch(/"measured":"V8 heap used \+ external memory"/);
  }, 120_000);
});
