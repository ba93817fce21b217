import { Metadata, Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../../pipeline/builders.js';
import type { ComponentInstance } from '../../pipeline/component.js';
import type { ConsumerError } from '../../pipeline/errors.js';
import type { Traces } from '../../pipeline/model.js';
import { decodeSignal, encodeExportResponse, encodeRetryInfo, encodeStatus, RETRY_INFO_TYPE_URL } from '../../pipeline/otlpproto/index.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { otlpExporterFactory, type OtlpExporterConfig } from './index.js';
import { grpcTarget, OtlpGrpcTransport } from '../../pipeline/otlp-grpc-transport.js';

type Answer = { code: status; details?: string; retryMs?: number } | 'ok';

const servers: Server[] = [];
const exporters: ComponentInstance[] = [];
afterEach(async () => {
  for (const e of exporters.splice(0)) await e.shutdown?.();
  for (const s of servers.splice(0)) s.forceShutdown();
});

/** A real gRPC TraceService on loopback answering each call with the next scripted answer. */
async function backend(answers: Answer[]): Promise<{ endpoint: string; seen: { traces: Traces; metadata: Metadata }[] }> {
  const seen: { traces: Traces; metadata: Metadata }[] = [];
  const server = new Server();
  const identity = (b: Buffer) => b;
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: (r: Uint8Array) => Buffer.from(r),
        responseDeserialize: identity,
      },
    },
    {
      Export: (call: ServerUnaryCall<Buffer, Uint8Array>, cb: sendUnaryData<Uint8Array>) => {
        seen.push({ traces: decodeSignal('traces', call.request), metadata: call.metadata });
        const a = answers.shift() ?? 'ok';
        if (a === 'ok') return cb(null, encodeExportResponse('traces'));
        const metadata = new Metadata();
        if (a.retryMs !== undefined) {
          const details = [{ typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(a.retryMs) }];
          metadata.set('grpc-status-details-bin', Buffer.from(encodeStatus({ code: a.code, message: a.details ?? '', details })));
        }
        cb({ code: a.code, details: a.details ?? 'scripted', metadata });
      },
    },
  );
  servers.push(server);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { endpoint: `127.0.0.1:${port}`, seen };
}

const traces = (): Traces => tracesOf([newSpan({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'op', startTimeUnixNano: 1_700_000_000_000_000_123n })]);
const never = new AbortController().signal;

function transport(endpoint: string) {
  return new OtlpGrpcTransport({ endpoint, tls: { insecure: true }, headers: { 'X-Tenant': 'acme' }, compression: 'gzip', configDir: '.', logger: pino({ level: 'silent' }) });
}

describe('otlp (gRPC) exporter transport', () => {
  it('exports with the configured headers as metadata', async () => {
    const b = await backend(['ok']);
    const t = transport(b.endpoint);
    await t.send('traces', traces(), never);
    t.close();
    expect(b.seen[0].traces.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano).toBe(1_700_000_000_000_000_123n);
    expect(b.seen[0].metadata.get('x-tenant')).toEqual(['acme']);
  });

  it('sends each export intact when exports reuse message memory: sequential, larger, smaller, concurrent', async () => {
    const b = await backend([]);
    const t = transport(b.endpoint);
    const named = (prefix: string, n: number): Traces =>
      tracesOf(Array.from({ length: n }, (_, i) => newSpan({ traceId: 'a'.repeat(32), spanId: (i + 1).toString(16).padStart(16, '0'), name: `${prefix}-${i}` })));
    const names = (x: Traces) => x.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((sp) => sp.name)));
    await t.send('traces', named('first', 3), never);
    // larger than the first's memory (64 KiB), then one that fits in what the larger left
    await t.send('traces', named('large', 3000), never);
    await t.send('traces', named('small', 2), never);
    await Promise.all([t.send('traces', named('a', 500), never), t.send('traces', named('b', 700), never)]);
    t.close();
    expect(b.seen.map((s) => names(s.traces))).toEqual(
      expect.arrayContaining([
        names(named('first', 3)),
        names(named('large', 3000)),
        names(named('small', 2)),
        names(named('a', 500)),
        names(named('b', 700)),
      ]),
    );
    expect(b.seen).toHaveLength(5);
  });

  it('maps answers as upstream: UNAVAILABLE retryable with RetryInfo delay, RESOURCE_EXHAUSTED only with RetryInfo, others permanent', async () => {
    const b = await backend([
      { code: status.UNAVAILABLE, retryMs: 1500 },
      { code: status.UNAVAILABLE },
      { code: status.RESOURCE_EXHAUSTED, retryMs: 200 },
      { code: status.RESOURCE_EXHAUSTED },
      { code: status.INVALID_ARGUMENT, details: 'bad span' },
    ]);
    const t = transport(b.endpoint);
    const outcome = () => t.send('traces', traces(), never).then(() => undefined, (e: ConsumerError) => e);
    expect(await outcome()).toMatchObject({ retryable: true, retryAfterMs: 1500 });
    expect(await outcome()).toMatchObject({ retryable: true, retryAfterMs: undefined });
    expect(await outcome()).toMatchObject({ retryable: true, retryAfterMs: 200 });
    expect(await outcome()).toMatchObject({ retryable: false });
    const bad = await outcome();
    expect(bad).toMatchObject({ retryable: false });
    expect(bad!.message).toContain('INVALID_ARGUMENT: bad span');
    t.close();
  });

  it('refuses credentials in the endpoint without quoting them: gRPC would only log them', () => {
    const base = { headers: {}, compression: 'gzip', timeout: '5s', retry_on_failure: { enabled: false }, sending_queue: { enabled: false } } as unknown as OtlpExporterConfig;
    for (const endpoint of ['http://user:s3cret@collector:4317', 'user:s3cret@collector:4317']) {
      const problems = otlpExporterFactory.validate!({ ...base, endpoint });
      expect(problems).toEqual([{ path: 'endpoint', message: expect.stringContaining('must not carry credentials') }]);
      expect(JSON.stringify(problems)).not.toContain('s3cret');
    }
    expect(otlpExporterFactory.validate!({ ...base, endpoint: 'https://collector:4317' })).toEqual([]);
  });

  it('reads endpoints as upstream: a scheme decides TLS unless tls.insecure', () => {
    expect(grpcTarget('collector:4317', undefined)).toEqual({ target: 'collector:4317', secure: true });
    expect(grpcTarget('collector:4317', { insecure: true })).toEqual({ target: 'collector:4317', secure: false });
    expect(grpcTarget('http://collector:4317', undefined)).toEqual({ target: 'collector:4317', secure: false });
    expect(grpcTarget('https://collector:4317/', undefined)).toEqual({ target: 'collector:4317', secure: true });
  });
});

describe('otlp (gRPC) exporter', () => {
  const config = (endpoint: string): OtlpExporterConfig => ({
    endpoint,
    tls: { insecure: true },
    headers: {},
    compression: 'gzip',
    timeout: '2s',
    retry_on_failure: { enabled: true, initial_interval: '10ms', max_interval: '50ms', max_elapsed_time: '5s', multiplier: 1.5, randomization_factor: 0 },
    sending_queue: { enabled: false },
  });

  it('honours the server’s RetryInfo delay, then delivers', async () => {
    const b = await backend([{ code: status.UNAVAILABLE, retryMs: 600 }, 'ok']);
    const exporter = await otlpExporterFactory.create(testContext({ id: 'otlp', kind: 'exporter', signals: ['traces'] }), config(b.endpoint), {});
    exporters.push(exporter);
    await exporter.start!(testHost());
    const start = Date.now();
    await exporter.consumers!.traces!.consume(traces());
    expect(b.seen).toHaveLength(2);
    expect(Date.now() - start).toBeGreaterThanOrEqual(550);
  });

  it('does not retry a permanent error', async () => {
    const b = await backend([{ code: status.INVALID_ARGUMENT }]);
    const exporter = await otlpExporterFactory.create(testContext({ id: 'otlp', kind: 'exporter', signals: ['traces'] }), config(b.endpoint), {});
    exporters.push(exporter);
    await exporter.start!(testHost());
    await expect(exporter.consumers!.traces!.consume(traces())).rejects.toMatchObject({ retryable: false });
    expect(b.seen).toHaveLength(1);
  });
});
