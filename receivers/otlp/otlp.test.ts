import { request } from 'node:http';
import { connect as connectHttp2, type ClientHttp2Stream } from 'node:http2';
import { gzipSync } from 'node:zlib';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../../pipeline/builders.js';
import type { ComponentInstance, Consumer, NextConsumers } from '../../pipeline/component.js';
import { AuthenticationError } from '../../pipeline/auth.js';
import { ConsumerError, permanentError, retryableError } from '../../pipeline/errors.js';
import type { Signal, SignalData, Traces } from '../../pipeline/model.js';
import { encodeSignal as encodeJson } from '../../pipeline/otlpjson/index.js';
import { decodeExportResponse, decodeRetryInfo, decodeStatus, encodeSignal as encodeProto } from '../../pipeline/otlpproto/index.js';
import { countTurns, strictlyIncreasing, testContext, testHost } from '../../pipeline/testing.js';
import { until } from '../../test/delivery-helpers.js';
import { freePort } from '../../test/helpers.js';
import { otlpReceiverFactory, type OtlpReceiverConfig } from './index.js';
import { SLICE_ITEMS } from './intake.js';
import { decodeLimitsFor, inFlightLimitFor } from './limits.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const traces = (n = 2): Traces =>
  tracesOf(Array.from({ length: n }, (_, i) => newSpan({ traceId: TRACE, spanId: (0xeee19b7ec3c1b100n + BigInt(i)).toString(16), name: `span-${i}`, startTimeUnixNano: 1_700_000_000_000_000_001n })));

interface Harness {
  received: SignalData[Signal][];
  http: string;
  grpc: string;
  instance: ComponentInstance;
  /** What the pipeline does with the next batch. */
  behaviour: { fail?: Error; refuse?: ConsumerError; hold?: Promise<void>; failAfter?: { batches: number; err: Error }; seen?: () => void };
}

const running: ComponentInstance[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.shutdown?.();
});

async function startReceiver(
  http: Partial<NonNullable<OtlpReceiverConfig['protocols']['http']>> = {},
  grpcMib = 4,
  grpc: Partial<NonNullable<OtlpReceiverConfig['protocols']['grpc']>> = {},
): Promise<Harness> {
  const [hp, gp] = [await freePort(), await freePort()];
  const received: Harness['received'] = [];
  const behaviour: Harness['behaviour'] = {};
  const consumer: Consumer = {
    async consume(data) {
      behaviour.seen?.();
      if (behaviour.fail) throw behaviour.fail;
      if (behaviour.failAfter && received.length >= behaviour.failAfter.batches) throw behaviour.failAfter.err;
      received.push(data);
      if (behaviour.hold) await behaviour.hold;
    },
  };
  const next: NextConsumers = { traces: consumer, metrics: consumer, logs: consumer };
  const config: OtlpReceiverConfig = {
    protocols: { http: { endpoint: `127.0.0.1:${hp}`, ...http } as never, grpc: { endpoint: `127.0.0.1:${gp}`, max_recv_msg_size_mib: grpcMib, ...grpc } as never },
  };
  const instance = await otlpReceiverFactory.create(testContext({ id: 'otlp', kind: 'receiver' }), config, next);
  const host = testHost();
  host.addAdmissionCheck(() => behaviour.refuse);
  await instance.start!(host);
  running.push(instance);
  return { received, http: `127.0.0.1:${hp}`, grpc: `127.0.0.1:${gp}`, instance, behaviour };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function post(address: string, path: string, body: Uint8Array | string, headers: Record<string, string>, method = 'POST'): Promise<Answer> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const PROTO_HEADERS = { 'content-type': 'application/x-protobuf' };
const jsonBody = (t: Traces) => JSON.stringify(encodeJson('traces', t));

describe('otlp receiver over HTTP', () => {
  it('accepts JSON and answers JSON', async () => {
    const h = await startReceiver();
    const r = await post(h.http, '/v1/traces', jsonBody(traces()), { 'content-type': 'application/json; charset=utf-8' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body.toString())).toEqual({});
    expect((h.received[0] as Traces).resourceSpans[0].scopeSpans[0].spans.map((s) => s.name)).toEqual(['span-0', 'span-1']);
  });

  it('accepts protobuf, gzip-compressed, and answers an empty protobuf response', async () => {
    const h = await startReceiver();
    const r = await post(h.http, '/v1/traces', gzipSync(encodeProto('traces', traces(3))), { ...PROTO_HEADERS, 'content-encoding': 'gzip' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-protobuf');
    expect(decodeExportResponse('traces', r.body)).toBeUndefined();
    expect((h.received[0] as Traces).resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano).toBe(1_700_000_000_000_000_001n);
  });

  it('serves custom paths and 404s the default ones then', async () => {
    const h = await startReceiver({ traces_url_path: '/otlp/traces' });
    expect((await post(h.http, '/otlp/traces', jsonBody(traces()), JSON_HEADERS)).status).toBe(200);
    expect((await post(h.http, '/v1/traces', jsonBody(traces()), JSON_HEADERS)).status).toBe(404);
  });

  it('answers 405 with Allow for a wrong method and 415 for an unknown content type', async () => {
    const h = await startReceiver();
    const wrong = await post(h.http, '/v1/logs', '', {}, 'GET');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
    const unknown = await post(h.http, '/v1/logs', 'x', { 'content-type': 'text/plain' });
    expect(unknown.status).toBe(415);
    expect(unknown.body.toString()).toContain('application/x-protobuf');
  });

  it('answers 400 with a google.rpc.Status in the request’s format for undecodable data', async () => {
    const h = await startReceiver();
    const json = await post(h.http, '/v1/traces', '{"resourceSpans": 7}', JSON_HEADERS);
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body.toString())).toMatchObject({ code: 3, message: expect.stringContaining('resourceSpans') });
    const proto = await post(h.http, '/v1/traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), PROTO_HEADERS);
    expect(proto.status).toBe(400);
    expect(decodeStatus(proto.body)).toMatchObject({ code: 3, message: expect.stringContaining('cannot decode traces request') });
    expect(h.received).toHaveLength(0);
  });

  it('answers 413 over max_request_body_size, declared or streamed, and for a zip bomb', async () => {
    const h = await startReceiver({ max_request_body_size: 1000 });
    const big = jsonBody(traces(40));
    expect(big.length).toBeGreaterThan(1000);
    expect((await post(h.http, '/v1/traces', big, JSON_HEADERS)).status).toBe(413);
    expect((await post(h.http, '/v1/traces', big, { ...JSON_HEADERS, 'transfer-encoding': 'chunked' })).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(100_000, 0x20));
    expect(bomb.length).toBeLessThan(1000);
    expect((await post(h.http, '/v1/traces', bomb, { ...JSON_HEADERS, 'content-encoding': 'gzip' })).status).toBe(413);
    expect(h.received).toHaveLength(0);
  });

  it('answers 503 with Retry-After when the pipeline pushes back, 400 when it refuses for good', async () => {
    const h = await startReceiver();
    h.behaviour.fail = retryableError('sending queue is full', 2500);
    const busy = await post(h.http, '/v1/traces', jsonBody(traces()), JSON_HEADERS);
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('3');
    expect(JSON.parse(busy.body.toString())).toMatchObject({ code: 14, message: 'sending queue is full' });
    h.behaviour.fail = permanentError('bad data');
    expect((await post(h.http, '/v1/traces', jsonBody(traces()), JSON_HEADERS)).status).toBe(400);
  });

  it('refuses before reading the body when admission is refused (memory pressure)', async () => {
    const h = await startReceiver();
    h.behaviour.refuse = retryableError('data refused due to high memory usage', 1000);
    const r = await post(h.http, '/v1/metrics', Buffer.alloc(5_000_000, 0x7b), JSON_HEADERS);
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.headers.connection).toBe('close');
    expect(h.received).toHaveLength(0);
  });

  it('hands a large request to the pipeline in slices of SLICE_ITEMS spans, one per event-loop turn, and answers once all are delivered', async () => {
    const h = await startReceiver();
    // every slice must arrive in a turn of its own, so nothing else waits behind a whole request
    const turn = countTurns();
    const turns: number[] = [];
    h.behaviour.seen = () => turns.push(turn.now());
    const n = 3 * SLICE_ITEMS + 5;
    try {
      const r = await post(h.http, '/v1/traces', jsonBody(traces(n)), JSON_HEADERS);
      expect(r.status).toBe(200);
    } finally {
      turn.stop();
    }
    const sizes = h.received.map((t) => (t as Traces).resourceSpans.reduce((k, rs) => k + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0));
    expect(sizes).toEqual([SLICE_ITEMS, SLICE_ITEMS, SLICE_ITEMS, 5]);
    expect(strictlyIncreasing(turns)).toBe(true);
    const names = h.received.flatMap((t) => (t as Traces).resourceSpans[0].scopeSpans[0].spans.map((s) => s.name));
    expect(names).toEqual(Array.from({ length: n }, (_, i) => `span-${i}`));
  });

  it('answers a sliced request with the first slice’s failure and sends no slice after it', async () => {
    const h = await startReceiver();
    h.behaviour.failAfter = { batches: 1, err: retryableError('sending queue is full', 1000) };
    const r = await post(h.http, '/v1/traces', jsonBody(traces(4 * SLICE_ITEMS)), JSON_HEADERS);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body.toString())).toMatchObject({ message: 'sending queue is full' });
    expect(h.received).toHaveLength(1);
  });

  it('reports spans without ids as partial_success and delivers the rest', async () => {
    const h = await startReceiver();
    const t = traces(3);
    t.resourceSpans[0].scopeSpans[0].spans[1].traceId = '';
    const r = await post(h.http, '/v1/traces', jsonBody(t), JSON_HEADERS);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toEqual({
      partialSuccess: { rejectedSpans: '1', errorMessage: '1 spans rejected: spans must have a non-empty trace_id and span_id' },
    });
    const p = await post(h.http, '/v1/traces', encodeProto('traces', t), PROTO_HEADERS);
    expect(decodeExportResponse('traces', p.body)).toEqual({ rejected: 1, errorMessage: expect.stringContaining('1 spans rejected') });
    expect((h.received[0] as Traces).resourceSpans[0].scopeSpans[0].spans.map((s) => s.name)).toEqual(['span-0', 'span-2']);
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const h = await startReceiver({ cors: { allowed_origins: ['https://*.example.com'], allowed_headers: ['x-custom'], max_age: 600 } });
    const ok = await post(h.http, '/v1/traces', '', { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-custom, x-other' }, 'OPTIONS');
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(ok.headers['access-control-allow-headers']).toBe('content-type, x-custom');
    expect(ok.headers['access-control-max-age']).toBe('600');
    const denied = await post(h.http, '/v1/traces', '', { origin: 'https://evil.test', 'access-control-request-method': 'POST' }, 'OPTIONS');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const actual = await post(h.http, '/v1/traces', jsonBody(traces()), { ...JSON_HEADERS, origin: 'https://app.example.com' });
    expect(actual.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });
});

/** A raw unary call, as any OTLP gRPC client makes it. */
/** A raw HTTP/2 call's response headers and trailers together, once the stream closes. */
function headersAndTrailers(req: ClientHttp2Stream): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let seen: Record<string, unknown> = {};
    req.on('response', (head) => (seen = { ...head }));
    req.on('trailers', (trailers) => (seen = { ...seen, ...trailers }));
    req.on('error', reject);
    req.on('close', () => resolve(seen));
    req.resume();
  });
}

const GRPC_COMPRESSION = { deflate: 1, gzip: 2 } as const;

function grpcExport(address: string, signal: 'traces' | 'logs', body: Uint8Array, opts: { gzip?: boolean; compression?: keyof typeof GRPC_COMPRESSION; method?: string } = {}) {
  const service = signal === 'traces' ? 'opentelemetry.proto.collector.trace.v1.TraceService' : 'opentelemetry.proto.collector.logs.v1.LogsService';
  const compression = opts.compression ?? (opts.gzip ? 'gzip' : undefined);
  const client = new Client(address, credentials.createInsecure(), compression ? { 'grpc.default_compression_algorithm': GRPC_COMPRESSION[compression] } : {});
  return new Promise<{ err: ServiceError | null; response?: Buffer }>((resolve) => {
    client.makeUnaryRequest(
      opts.method ?? `/${service}/Export`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      new Metadata(),
      (err, response) => {
        client.close();
        resolve({ err, response });
      },
    );
  });
}

describe('otlp receiver over gRPC', () => {
  it('exports traces, plain, gzip- and deflate-compressed', async () => {
    const h = await startReceiver();
    for (const compression of [undefined, 'gzip', 'deflate'] as const) {
      const { err, response } = await grpcExport(h.grpc, 'traces', encodeProto('traces', traces()), { compression });
      expect(err).toBeNull();
      expect(decodeExportResponse('traces', response!)).toBeUndefined();
    }
    expect(h.received).toHaveLength(3);
  });

  it('answers UNIMPLEMENTED for a method it does not serve, naming it', async () => {
    const h = await startReceiver();
    const profiles = '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export'; // no profiles pipeline here
    for (const method of [profiles, '/grpc.health.v1.Health/Check']) {
      const { err } = await grpcExport(h.grpc, 'traces', encodeProto('traces', traces()), { method });
      expect(err?.code).toBe(status.UNIMPLEMENTED);
      expect(err?.details).toBe(`The server does not implement the method ${method}`);
    }
    expect(h.received).toHaveLength(0);
  });

  it('answers DEADLINE_EXCEEDED once the grpc-timeout a client sent has passed, and 415 to a request that is not gRPC', async () => {
    const h = await startReceiver();
    h.behaviour.hold = new Promise(() => undefined);
    const session = connectHttp2(`http://${h.grpc}`);
    try {
      const body = Buffer.from(encodeProto('traces', traces()));
      const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), body]);
      frame.writeUInt32BE(body.length, 1);
      const answer = (headers: Record<string, string>, payload: Buffer) => {
        const req = session.request({ ':method': 'POST', ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export', ...headers });
        const seen = headersAndTrailers(req);
        req.end(payload);
        return seen;
      };
      const late = await answer({ 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '200m' }, frame);
      expect(late['grpc-status']).toBe('4');
      expect(late['grpc-message']).toBe('Deadline exceeded');
      expect((await answer({ 'content-type': 'application/json' }, Buffer.from('{}')))[':status']).toBe(415);
    } finally {
      session.close();
    }
  });

  it('answers INVALID_ARGUMENT for undecodable bytes and for a permanent pipeline error', async () => {
    const h = await startReceiver();
    expect((await grpcExport(h.grpc, 'logs', Buffer.from([0x0a, 0x05, 0x01]))).err?.code).toBe(status.INVALID_ARGUMENT);
    h.behaviour.fail = permanentError('no');
    expect((await grpcExport(h.grpc, 'traces', encodeProto('traces', traces()))).err?.code).toBe(status.INVALID_ARGUMENT);
  });

  it('answers UNAVAILABLE with RetryInfo when the pipeline pushes back, and when admission is refused', async () => {
    const h = await startReceiver();
    h.behaviour.fail = retryableError('sending queue is full', 1500);
    const { err } = await grpcExport(h.grpc, 'traces', encodeProto('traces', traces()));
    expect(err?.code).toBe(status.UNAVAILABLE);
    const details = decodeStatus(err!.metadata.get('grpc-status-details-bin')[0] as Buffer);
    expect(details.details?.[0].typeUrl).toBe('type.googleapis.com/google.rpc.RetryInfo');
    expect(decodeRetryInfo(details.details![0].value)).toBe(1500);
    h.behaviour.fail = undefined;
    h.behaviour.refuse = retryableError('data refused due to high memory usage');
    expect((await grpcExport(h.grpc, 'traces', encodeProto('traces', traces()))).err?.code).toBe(status.UNAVAILABLE);
    expect(h.received).toHaveLength(0);
  });

  it('takes compressed requests under a max_recv_msg_size_mib larger than any Buffer (8 GiB)', async () => {
    const h = await startReceiver({}, 8192);
    expect((await grpcExport(h.grpc, 'traces', encodeProto('traces', traces()), { gzip: true })).err).toBeNull();
    expect(h.received).toHaveLength(1);
  });

  it('answers UNAUTHENTICATED once the authenticator refuses, also for a call whose message failed first', async () => {
    const gp = await freePort();
    let release!: () => void;
    const decided = new Promise<void>((r) => (release = r));
    const slowAuth = {
      async authenticate(): Promise<undefined> {
        await decided;
        throw new AuthenticationError('no token');
      },
    };
    const consumer: Consumer = { consume: async () => undefined };
    const config = { protocols: { grpc: { endpoint: `127.0.0.1:${gp}`, max_recv_msg_size_mib: 4, auth: { authenticator: 'slowauth' } } as never } };
    const instance = await otlpReceiverFactory.create(testContext({ id: 'otlp', kind: 'receiver' }), config, { traces: consumer });
    await instance.start!(testHost({ slowauth: slowAuth }));
    running.push(instance);
    const session = connectHttp2(`http://127.0.0.1:${gp}`);
    try {
      // no message at all: the call fails on its body while the authenticator still decides
      const req = session.request({ ':method': 'POST', ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export', 'content-type': 'application/grpc', te: 'trailers' });
      const answer = headersAndTrailers(req);
      req.end();
      await new Promise((r) => setTimeout(r, 100));
      release();
      const seen = await answer;
      expect(seen['grpc-status']).toBe(String(status.UNAUTHENTICATED));
      expect(seen['grpc-message']).toBe('no token');
    } finally {
      session.close();
    }
  });

  it('answers RESOURCE_EXHAUSTED for a message over max_recv_msg_size_mib', async () => {
    const h = await startReceiver({}, 0.001);
    const { err } = await grpcExport(h.grpc, 'traces', encodeProto('traces', traces(200)));
    expect(err?.code).toBe(status.RESOURCE_EXHAUSTED);
  });
});

/** ExportTraceServiceRequest { ResourceSpans { ScopeSpans { n × empty Span } } }: 2 bytes a span, ~450 bytes of heap each once decoded. */
function emptySpans(n: number): Buffer {
  const spans = Buffer.alloc(2 * n);
  for (let i = 0; i < n; i++) spans[2 * i] = 0x12;
  const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag, ...varint(body.length)]), body]);
  return field(0x0a, field(0x12, spans));
}

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
  return [...out, n];
}

describe('decode limits and decode-error answers', () => {
  it('defaults to the size limit / 16 items and / 8 values, at most what a quarter of the heap holds and 65,536 items / 1,048,576 values', () => {
    const MiB = 1024 * 1024;
    expect(decodeLimitsFor(20 * MiB, {}, 4096 * MiB)).toEqual({ maxItems: 65_536, maxValues: 1_048_576 });
    expect(decodeLimitsFor(4 * MiB, {}, 4096 * MiB)).toEqual({ maxItems: 65_536, maxValues: 524_288 });
    expect(decodeLimitsFor(512 * 1024, {}, 4096 * MiB)).toEqual({ maxItems: 32_768, maxValues: 65_536 });
    expect(decodeLimitsFor(20 * MiB, {}, 128 * MiB)).toEqual({ maxItems: 65_536, maxValues: 131_072 });
    expect(decodeLimitsFor(20 * MiB, {}, 64 * MiB)).toEqual({ maxItems: 32_768, maxValues: 65_536 });
    expect(decodeLimitsFor(20 * MiB, { max_request_items: 500_000, max_request_values: 7 }, 256 * MiB)).toEqual({ maxItems: 500_000, maxValues: 7 });
  });

  it('refuses a request of more than 65,536 records by default, naming the key, and takes one of 65,536', async () => {
    const h = await startReceiver();
    const json = (n: number) => `{"resourceSpans":[{"scopeSpans":[{"spans":[${Array(n).fill('{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b101"}').join(',')}]}]}]}`;
    const r = await post(h.http, '/v1/traces', json(65_535), JSON_HEADERS);
    expect(JSON.parse(r.body.toString()).message).toBe(
      'traces request refused: more than 65536 items (spans, span events and links, resource and scope entries) at resourceSpans[0].scopeSpans[0].spans; the limit is protocols.http.max_request_items',
    );
    expect(r.status).toBe(413);
    expect(h.received).toHaveLength(0);
    expect((await post(h.http, '/v1/traces', json(65_534), JSON_HEADERS)).status).toBe(200);
  });

  it('answers 413 RESOURCE_EXHAUSTED for a small gzip request of two million empty spans, naming the limit', async () => {
    const h = await startReceiver({ max_request_items: 1000 });
    const bomb = gzipSync(emptySpans(2_000_000));
    expect(bomb.length).toBeLessThan(10_000);
    const r = await post(h.http, '/v1/traces', bomb, { ...PROTO_HEADERS, 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
    const answer = decodeStatus(r.body);
    expect(answer.code).toBe(8);
    expect(answer.message).toMatch(/^traces request refused: more than 1000 items \(spans, span events and links, resource and scope entries\) at byte \d+; the limit is protocols\.http\.max_request_items$/);
    expect(h.received).toHaveLength(0);
    // the connection and the receiver are fine afterwards
    expect((await post(h.http, '/v1/traces', encodeProto('traces', traces()), PROTO_HEADERS)).status).toBe(200);
  });

  it('applies the limits to JSON, and derives them from max_request_body_size when not set', async () => {
    const h = await startReceiver({ max_request_body_size: 160_000 }); // → 10,000 items, 20,000 values
    const json = (n: number) => `{"resourceSpans":[{"scopeSpans":[{"spans":[${Array(n).fill('{}').join(',')}]}]}]}`;
    const r = await post(h.http, '/v1/traces', json(20_000), JSON_HEADERS);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body.toString())).toEqual({
      code: 8,
      message: 'traces request refused: more than 10000 items (spans, span events and links, resource and scope entries) at resourceSpans[0].scopeSpans[0].spans; the limit is protocols.http.max_request_items',
    });
    expect((await post(h.http, '/v1/traces', json(9_998), JSON_HEADERS)).status).toBe(200);
    const values = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"arrayValue":{"values":[${Array(20_001).fill('{}').join(',')}]}}}]}]}]}`;
    const v = await post(h.http, '/v1/logs', values, JSON_HEADERS);
    expect(v.status).toBe(413);
    expect(JSON.parse(v.body.toString()).message).toContain('more than 20000 values (attributes and array values) at resourceLogs[0].scopeLogs[0].logRecords[0].body.arrayValue.values; the limit is protocols.http.max_request_values');
    // JSON.parse would build every object before a list could be counted: the byte scan refuses first
    const small = await startReceiver({ max_request_items: 10, max_request_values: 10 });
    const objects = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"unknown":[${Array(1000).fill('{}').join(',')}]}]}]}]}`;
    const o = await post(small.http, '/v1/traces', objects, JSON_HEADERS);
    expect(o.status).toBe(413);
    expect(JSON.parse(o.body.toString()).message).toMatch(
      /^traces request refused: more than 142 containers \(JSON objects and arrays, .*\) at byte \d+; the limits are protocols\.http\.max_request_items and protocols\.http\.max_request_values$/,
    );
  });

  it('answers RESOURCE_EXHAUSTED over gRPC, naming the gRPC limit', async () => {
    const h = await startReceiver({}, 4, { max_request_items: 1000 });
    const { err } = await grpcExport(h.grpc, 'traces', emptySpans(1_000_000), { gzip: true });
    expect(err?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err?.details).toMatch(/^traces request refused: more than 1000 items .* at byte \d+; the limit is protocols\.grpc\.max_request_items$/);
    expect(h.received).toHaveLength(0);
  });

  it('holds at most max_items_in_flight records across unanswered requests: more gets 503 / UNAVAILABLE until they are answered', async () => {
    const h = await startReceiver({ max_items_in_flight: 1500 }, 4, { max_items_in_flight: 1500 });
    let answerHeld!: () => void;
    h.behaviour.hold = new Promise((r) => (answerHeld = r));
    const first = post(h.http, '/v1/traces', emptySpans(1000), PROTO_HEADERS); // 1002 records with its resource and scope
    await until(() => h.received.length === 1, 'the first request in the pipeline');
    const busy = await post(h.http, '/v1/traces', emptySpans(1000), PROTO_HEADERS);
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('1');
    expect(decodeStatus(busy.body).message).toBe('receiver busy: 1002 records of requests in flight, more than protocols.http.max_items_in_flight (1500) with this one; retry later');
    const beside = post(h.http, '/v1/traces', emptySpans(400), PROTO_HEADERS); // fits beside it
    await until(() => h.received.length === 2, 'the request that fits in the pipeline');
    // each protocol counts its own
    const grpcFirst = grpcExport(h.grpc, 'traces', emptySpans(1000));
    await until(() => h.received.length === 3, 'the gRPC request in the pipeline');
    expect((await grpcExport(h.grpc, 'traces', emptySpans(1000))).err?.code).toBe(status.UNAVAILABLE);
    h.behaviour.hold = undefined;
    answerHeld();
    expect((await first).status).toBe(200);
    expect((await beside).status).toBe(200);
    expect((await grpcFirst).err).toBeNull();
    // with nothing in flight, a request gets the per-request limits whatever max_items_in_flight is
    expect((await post(h.http, '/v1/traces', emptySpans(3000), PROTO_HEADERS)).status).toBe(200);
  });

  it('defaults max_items_in_flight to an eighth of the heap at 512 bytes a record', () => {
    expect(inFlightLimitFor({}, 4096 * 1024 * 1024)).toBe(1_048_576);
    expect(inFlightLimitFor({ max_items_in_flight: 10 }, 4096 * 1024 * 1024)).toBe(10);
  });

  it('answers 400 for nesting deeper than OTLP allows, before parsing it', async () => {
    const h = await startReceiver();
    const r = await post(h.http, '/v1/logs', gzipSync('['.repeat(5_000_000)), { ...JSON_HEADERS, 'content-encoding': 'gzip' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body.toString()).message).toMatch(/^cannot decode logs request: \(root\): expected JSON nested at most \d+ levels deep/);
  });

  it('keeps 400 answers short and free of what the request carried', async () => {
    const h = await startReceiver();
    const secret = 'Bearer SECRET-0123456789';
    const answers = [
      await post(h.http, '/v1/traces', `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${secret}"}]}]}]}`, JSON_HEADERS),
      await post(h.http, '/v1/traces', `{"resourceSpans": "${secret}`, JSON_HEADERS),
      await post(h.http, '/v1/traces', `{"${secret}": }`, JSON_HEADERS),
      await post(h.http, '/v1/traces', '{}', { ...JSON_HEADERS, 'content-encoding': secret }),
      await post(h.http, '/v1/traces', Buffer.from(`\x0a\x20${secret}`), PROTO_HEADERS),
    ];
    for (const a of answers) {
      expect(a.status).toBe(400);
      expect(a.body.toString()).not.toContain('SECRET');
    }
    // A path through values nested to the limit runs to kilobytes; the answer keeps its ends.
    let value = '{"stringValue":"x"}';
    for (let i = 0; i <= 100; i++) value = `{"kvlistValue":{"values":[{"key":"k","value":${value}}]}}`;
    const deep = await post(h.http, '/v1/logs', `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${value}}]}]}]}`, JSON_HEADERS);
    expect(deep.status).toBe(400);
    const message = JSON.parse(deep.body.toString()).message as string;
    expect(message.length).toBeLessThanOrEqual(512);
    expect(message).toMatch(/^cannot decode logs request: resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]\.body\.kvlistValue.*\.\.\..*: expected values nested at most 100 levels deep, got deeper nesting$/);
  });
});
