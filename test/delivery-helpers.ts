/**
 * Shared pieces of the process-level delivery tests (test/delivery*.test.ts): an OTLP/HTTP sink
 * that can be down, slow or failing, a sender that tracks what Summit acknowledged, and the
 * small waits and readers around a running `summit` process.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { afterEach } from 'vitest';
import { attrs, newSpan, tracesOf } from '../pipeline/builders.js';
import type { Traces } from '../pipeline/model.js';
import { decodeSignal, encodeSignal } from '../pipeline/otlpproto/index.js';
import { SummitProcess, writeFile } from './helpers.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';

/** Span ids of an OTLP traces request. */
export function spanIdsOf(t: Traces): string[] {
  return t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.spanId)));
}

/**
 * An OTLP/HTTP backend on 127.0.0.1:port. It records the span ids of every request it answers
 * 200 (and only those: a 503 or a connection cut before the answer is not a delivery). It can
 * be down (not listening) and brought up later on the same port, answer after `delayMs`, or
 * answer 503 while `failing`.
 */
export class Sink {
  readonly ids = new Set<string>();
  /** Requests answered 200, and the spans in them (duplicates included). */
  requests = 0;
  spans = 0;
  bytes = 0;
  delayMs = 0;
  failing = false;
  /** false: count requests and bytes only (no decoding), for floods. */
  decode = true;
  /** Requests read and not answered yet (waiting out `delayMs`). */
  pending = 0;
  private server?: Server;

  constructor(readonly port: number) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Stops listening and cuts every connection, so the exporter sees refused connections. */
  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    } catch {
      return; // connection cut while reading
    }
    if (this.delayMs > 0) {
      this.pending++;
      await new Promise((r) => setTimeout(r, this.delayMs));
      this.pending--;
    }
    if (res.destroyed || this.server === undefined) return void res.destroy();
    if (this.failing) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('failing on purpose\n');
    let body = Buffer.concat(chunks);
    const encoding = req.headers['content-encoding'];
    if (this.decode) {
      let ids: string[];
      try {
        if (encoding === 'gzip') body = gunzipSync(body);
        else if (encoding === 'deflate') body = inflateSync(body);
        ids = spanIdsOf(decodeSignal('traces', body));
      } catch (err) {
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end(`cannot decode: ${(err as Error).message}\n`);
      }
      for (const id of ids) this.ids.add(id);
      this.spans += ids.length;
    }
    this.requests++;
    this.bytes += body.length;
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  }
}

/** An OTLP/HTTP protobuf traces request with these span ids; `pad` bytes of attribute per span make it large. */
export function tracesRequest(ids: string[], pad = 0): Uint8Array {
  const padding = pad > 0 ? { 'test.padding': 'x'.repeat(pad) } : {};
  const spans = ids.map((spanId, i) =>
    newSpan({
      traceId: TRACE_ID,
      spanId,
      name: `delivery-${i}`,
      startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(i),
      endTimeUnixNano: 1_700_000_000_100_000_000n,
      attributes: attrs({ 'http.route': '/api/items/:id', ...padding }),
    }),
  );
  return encodeSignal('traces', tracesOf(spans, { 'service.name': 'delivery-test' }));
}

export interface PostResult {
  /** HTTP status, or 0 when the request failed (connection refused / reset, timed out). */
  status: number;
  ids: string[];
  retryAfter: string | null;
  /** The answer's body as text (a google.rpc.Status in protobuf carries its message as plain UTF-8). */
  body: string;
}

/**
 * Sends traces requests with ids unique within one Sender to Summit's OTLP/HTTP receiver and
 * keeps the span ids of every request Summit answered 200: those are acknowledged.
 */
export class Sender {
  readonly acked = new Set<string>();
  readonly statuses = new Map<number, number>();
  private seq = 0;

  constructor(
    readonly endpoint: string,
    readonly spansPerRequest = 10,
  ) {}

  nextIds(n = this.spansPerRequest): string[] {
    return Array.from({ length: n }, () => (++this.seq).toString(16).padStart(16, '0'));
  }

  async post(opts: { ids?: string[]; body?: Uint8Array; timeoutMs?: number } = {}): Promise<PostResult> {
    const ids = opts.ids ?? this.nextIds();
    const body = opts.body ?? tracesRequest(ids);
    let result: PostResult;
    try {
      const res = await fetch(`${this.endpoint}/v1/traces`, {
        method: 'POST',
        body: Buffer.from(body),
        headers: { 'content-type': 'application/x-protobuf' },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
      });
      const text = Buffer.from(await res.arrayBuffer()).toString('latin1');
      result = { status: res.status, ids, retryAfter: res.headers.get('retry-after'), body: text };
    } catch {
      result = { status: 0, ids, retryAfter: null, body: '' };
    }
    this.statuses.set(result.status, (this.statuses.get(result.status) ?? 0) + 1);
    if (result.status === 200) for (const id of ids) this.acked.add(id);
    return result;
  }

  count(status: number): number {
    return this.statuses.get(status) ?? 0;
  }
}

/**
 * `workers` senders posting one request after another (each waiting `pauseMs` between) until
 * `stop()` is called, `maxRequests` were sent, or `maxMs` passed — every loop is bounded.
 */
export function stream(sender: Sender, o: { workers: number; pauseMs: number; maxRequests: number; maxMs: number }) {
  let stopped = false;
  let sent = 0;
  const deadline = Date.now() + o.maxMs;
  const worker = async () => {
    while (!stopped && sent < o.maxRequests && Date.now() < deadline) {
      sent++;
      await sender.post();
      if (o.pauseMs > 0) await sleep(o.pauseMs);
    }
  };
  const done = Promise.all(Array.from({ length: o.workers }, worker)).then(() => undefined);
  return {
    done,
    get sent() {
      return sent;
    },
    async stop(): Promise<void> {
      stopped = true;
      await done;
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `check()` holds; throws naming `what` after `ms`. */
export async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Members of `expected` missing from `got`, a few of them shown in a failure message. */
export function missing(expected: Iterable<string>, got: Set<string>): string[] {
  return [...expected].filter((id) => !got.has(id));
}

/** Writes the config into `dir` and starts Summit on it; resolves once it is ready. */
export async function startSummit(dir: string, yaml: string, name = 'summit.yaml'): Promise<SummitProcess> {
  const file = writeFile(dir, name, yaml);
  const summit = new SummitProcess(['--config', file]);
  try {
    await summit.waitForLog(/Everything is ready/);
  } catch (err) {
    await summit.stop('SIGKILL');
    throw err;
  }
  return summit;
}

/** Kills a process left running by a failed test (no-op once it exited). */
export async function ensureStopped(summit: SummitProcess | undefined): Promise<void> {
  if (summit && summit.child.exitCode === null && summit.child.signalCode === null) await summit.stop('SIGKILL');
}

/** Resident memory of a process in MiB, from the kernel (VmRSS); undefined once it is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** The segment files of a persistent queue directory, oldest first. */
export function segmentFiles(queueDir: string): string[] {
  return readdirSync(queueDir)
    .filter((n) => /^seg-\d{20}\.log$/.test(n))
    .sort()
    .map((n) => join(queueDir, n));
}

/** A record of a queue segment as extensions/file_storage/README.md describes the format. */
export interface SegmentRecord {
  offset: number;
  /** Bytes the whole record takes: 12-byte head + length. */
  frameLength: number;
  type: number;
  id: bigint;
  /** Where the payload starts in the file. */
  payloadOffset: number;
  payloadLength: number;
  /** Span ids of a data record's batch (decoded from its OTLP protobuf), [] for an ack. */
  spanIds: string[];
}

/**
 * Reads a segment independently of Summit's code: `magic u32 | length u32 | crc32 u32 | type u8 |
 * id u64 | payload`, big-endian; a data payload is `version u8 | codec name length u8 | codec name |
 * item count u32 | OTLP protobuf`.
 */
export function readSegment(file: string): SegmentRecord[] {
  const buf = readFileSync(file);
  const out: SegmentRecord[] = [];
  let pos = 0;
  while (pos + 21 <= buf.length) {
    if (buf.readUInt32BE(pos) !== 0x534d51f1) throw new Error(`${file}: no record magic at offset ${pos}`);
    const length = buf.readUInt32BE(pos + 4);
    const type = buf[pos + 12];
    const id = buf.readBigUInt64BE(pos + 13);
    const payloadOffset = pos + 21;
    const payloadLength = length - 9;
    let spanIds: string[] = [];
    if (type === 1) {
      const payload = buf.subarray(payloadOffset, payloadOffset + payloadLength);
      const nameLength = payload[1];
      if (payload.toString('utf8', 2, 2 + nameLength) !== 'otlp_proto') throw new Error(`${file}: record at ${pos} is not otlp_proto`);
      spanIds = spanIdsOf(decodeSignal('traces', payload.subarray(6 + nameLength)));
    }
    out.push({ offset: pos, frameLength: 12 + length, type, id, payloadOffset, payloadLength, spanIds });
    pos += 12 + length;
  }
  return out;
}

/** What a test file's tests start — Summit processes, sinks, directories — stopped, closed and removed after each test. */
export function cleanedUpAfterEach(): { running: SummitProcess[]; sinks: Sink[]; dirs: string[] } {
  const running: SummitProcess[] = [];
  const sinks: Sink[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) await ensureStopped(s);
    for (const s of sinks.splice(0)) await s.down();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return { running, sinks, dirs };
}
