/**
 * A load generator for any OTLP endpoint, like the Collector's telemetrygen:
 *
 *   node dist/bench/loadgen.js --endpoint http://127.0.0.1:4318 [--protocol http|grpc]
 *        [--signal traces] [--duration 10s] [--rate 0] [--concurrency 8]
 *        [--spans-per-request 512] [--profile realistic|small|large]
 *
 * It encodes one request per profile once and sends it over and over, so the generator's own
 * cost stays small; it prints what was accepted and refused.
 */
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { parseDuration } from '../pipeline/duration.js';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { syntheticTraces, type Profile } from './synthetic.js';

export interface LoadOptions {
  endpoint: string;
  protocol: 'http' | 'grpc';
  durationMs: number;
  /** Requests per second overall; 0 = as fast as answers come back. */
  rate: number;
  concurrency: number;
  /** The request body, sent over and over; or a function giving each request its own (e.g. unique span ids). */
  body: Uint8Array | (() => Uint8Array);
  spansPerRequest: number;
  /** The request's path (HTTP, with query) or gRPC method; OTLP traces unless given. */
  path?: string;
  /** gzip: HTTP bodies are compressed once each (Content-Encoding), gRPC messages by the client. */
  compression?: 'gzip';
  contentType?: string;
  /** HTTP: more headers for each request, made from its body (e.g. a webhook's signature). */
  headers?: (body: Uint8Array) => Record<string, string>;
  /** Told every request's body and answer, e.g. to track what was acknowledged. */
  onAnswer?: (body: Uint8Array, answer: Answer) => void;
}

export interface LoadResult {
  acceptedSpans: number;
  refusedRequests: number;
  failedRequests: number;
  /** OTLP/HTTP only: refusals (429/503) that came without a Retry-After header. */
  refusedWithoutRetryAfter: number;
  /** Answers by status: the HTTP status or `grpc <code>`, `failed <error code>` when the connection failed. */
  statuses: Record<string, number>;
  seconds: number;
}

/** One request's answer. */
export interface Answer {
  outcome: 'ok' | 'refused' | 'failed';
  /** HTTP status or `grpc <code>`; `failed <error code>` when there was no answer (connection refused, reset). */
  status: string;
  /** OTLP/HTTP: whether a Retry-After header came with it. */
  retryAfter?: boolean;
}

type Sender = (payload: Buffer) => Promise<Answer>;

function httpSender(endpoint: string, concurrency: number, path: string, contentType: string, headers?: LoadOptions['headers']): { send: Sender; close(): void } {
  // Idle sockets are closed after 4 s, before a server's keep-alive timeout (Node's default: 5 s)
  // can close one under a request just being sent, which the sender would count as failed.
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, timeout: 4000 });
  const url = new URL(path, endpoint);
  const send: Sender = (payload) =>
    new Promise((resolve) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': payload.length, ...headers?.(payload) } }, (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        const outcome = status === 200 ? 'ok' : status === 429 || status === 503 ? 'refused' : 'failed';
        res.on('end', () => resolve({ outcome, status: String(status), retryAfter: res.headers['retry-after'] !== undefined }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ outcome: 'failed', status: `failed ${err.code ?? err.message}` }));
      req.end(payload);
    });
  return { send, close: () => agent.destroy() };
}

function grpcSender(endpoint: string, method: string, gzip: boolean): { send: Sender; close(): void } {
  // grpc-js: compression algorithm 2 is gzip.
  const client = new Client(endpoint.replace(/^https?:\/\//, ''), credentials.createInsecure(), gzip ? { 'grpc.default_compression_algorithm': 2 } : {});
  const send: Sender = (payload) =>
    new Promise((resolve) => {
      client.makeUnaryRequest(method, (b: Buffer) => b, (b: Buffer) => b, payload, new Metadata(), (err) =>
        resolve(
          !err
            ? { outcome: 'ok', status: 'grpc 0' }
            : { outcome: err.code === 14 || err.code === 8 ? 'refused' : 'failed', status: `grpc ${err.code}` },
        ),
      );
    });
  return { send, close: () => client.close() };
}

const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export async function generateLoad(o: LoadOptions): Promise<LoadResult> {
  const gzip = o.compression === 'gzip';
  const sender =
    o.protocol === 'grpc'
      ? grpcSender(o.endpoint, o.path ?? '/opentelemetry.proto.collector.trace.v1.TraceService/Export', gzip)
      : httpSender(o.endpoint, o.concurrency, o.path ?? '/v1/traces', o.contentType ?? 'application/x-protobuf', gzip ? (b) => ({ ...o.headers?.(b), 'content-encoding': 'gzip' }) : o.headers);
  const encode = gzip && o.protocol === 'http' ? (b: Uint8Array) => gzipSync(b) : (b: Uint8Array) => b;
  const make = o.body;
  const same = typeof make === 'function' ? undefined : asBuffer(encode(make));
  const nextBody = typeof make === 'function' ? () => encode(make()) : () => same!;
  const start = performance.now();
  const end = start + o.durationMs;
  const interval = o.rate > 0 ? (1000 * o.concurrency) / o.rate : 0;
  const result: LoadResult = { acceptedSpans: 0, refusedRequests: 0, failedRequests: 0, refusedWithoutRetryAfter: 0, statuses: {}, seconds: 0 };
  const worker = async (w: number) => {
    let next = start + (interval * w) / o.concurrency;
    while (performance.now() < end) {
      if (interval) {
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        next += interval;
      }
      const body = nextBody();
      const answer = await sender.send(asBuffer(body));
      result.statuses[answer.status] = (result.statuses[answer.status] ?? 0) + 1;
      if (answer.outcome === 'ok') result.acceptedSpans += o.spansPerRequest;
      else if (answer.outcome === 'refused') {
        result.refusedRequests++;
        if (answer.retryAfter === false) result.refusedWithoutRetryAfter++;
      } else result.failedRequests++;
      o.onAnswer?.(body, answer);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)));
  result.seconds = (performance.now() - start) / 1000;
  sender.close();
  return result;
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      endpoint: { type: 'string', default: 'http://127.0.0.1:4318' },
      protocol: { type: 'string', default: 'http' },
      signal: { type: 'string', default: 'traces' },
      duration: { type: 'string', default: '10s' },
      rate: { type: 'string', default: '0' },
      concurrency: { type: 'string', default: '8' },
      'spans-per-request': { type: 'string', default: '512' },
      profile: { type: 'string', default: 'realistic' },
    },
  });
  if (values.signal !== 'traces') throw new Error('only --signal traces is generated so far');
  if (values.protocol !== 'http' && values.protocol !== 'grpc') throw new Error('--protocol must be http or grpc');
  if (!['small', 'realistic', 'large'].includes(values.profile!)) throw new Error('--profile must be small, realistic or large');
  const spans = Number(values['spans-per-request']);
  const r = await generateLoad({
    endpoint: values.endpoint!,
    protocol: values.protocol,
    durationMs: parseDuration(values.duration!),
    rate: Number(values.rate),
    concurrency: Number(values.concurrency),
    body: encodeSignal('traces', syntheticTraces(spans, values.profile as Profile)),
    spansPerRequest: spans,
  });
  process.stdout.write(
    `${(r.acceptedSpans / r.seconds).toFixed(0)} spans/s accepted over ${r.seconds.toFixed(1)}s; ` +
      `${r.refusedRequests} requests refused (429/503/UNAVAILABLE), ${r.failedRequests} failed\n`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  cli().catch((err) => {
    process.stderr.write(`loadgen: ${err.message}\n`);
    process.exit(2);
  });
}
