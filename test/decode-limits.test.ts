/**
 * Decode amplification against a real process: a 20 KB gzip request of ten million empty
 * spans used to decode into gigabytes and kill the process. With the default limits, which
 * shrink with the heap, a process on a 256 MiB heap refuses it and keeps serving.
 */
import { gzipSync } from 'node:zlib';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../pipeline/builders.js';
import { decodeStatus, encodeSignal } from '../pipeline/otlpproto/index.js';
import { SummitProcess, freePort, tempDir, writeFile } from './helpers.js';

/** ExportTraceServiceRequest { ResourceSpans { ScopeSpans { n × empty Span } } }: 2 bytes a span. */
function emptySpans(n: number): Buffer {
  const spans = Buffer.alloc(2 * n);
  for (let i = 0; i < n; i++) spans[2 * i] = 0x12;
  const varint = (v: number): number[] => (v > 0x7f ? [(v & 0x7f) | 0x80, ...varint(Math.floor(v / 128))] : [v]);
  const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag, ...varint(body.length)]), body]);
  return field(0x0a, field(0x12, spans));
}

function grpcExport(address: string, body: Buffer): Promise<ServiceError | null> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve) =>
    client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, new Metadata(), (err) => {
      client.close();
      resolve(err);
    }),
  );
}

let summit: SummitProcess | undefined;
afterEach(async () => {
  await summit?.stop('SIGKILL');
  summit = undefined;
});

describe('decode amplification', () => {
  it('a gzip request of ten million empty spans is refused with 413 by default; the process, on a 256 MiB heap, keeps serving', async () => {
    const [http, grpc] = [await freePort(), await freePort()];
    const file = writeFile(
      tempDir(),
      'summit.yaml',
      `receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${http} }
      grpc: { endpoint: 127.0.0.1:${grpc} }
exporters:
  nop:
service:
  pipelines:
    traces: { receivers: [otlp], exporters: [nop] }
  telemetry:
    metrics: { level: none }
`,
    );
    summit = new SummitProcess(['--config', file], { env: { NODE_OPTIONS: '--max-old-space-size=256' } });
    await summit.waitForLog(/Everything is ready/);

    const bomb = gzipSync(emptySpans(10_000_000));
    expect(bomb.length).toBeLessThan(25_000);
    const refused = await fetch(`http://127.0.0.1:${http}/v1/traces`, {
      method: 'POST',
      body: bomb,
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
    });
    expect(refused.status).toBe(413);
    expect(decodeStatus(new Uint8Array(await refused.arrayBuffer())).message).toContain('the limit is protocols.http.max_request_items');

    // JSON: 6.9M empty spans would be 450 MB of parsed objects before any list could be counted
    const json = Buffer.concat([Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":['), Buffer.alloc(3 * 6_900_000, '{},'), Buffer.from('{}]}]}]}')]);
    const refusedJson = await fetch(`http://127.0.0.1:${http}/v1/traces`, {
      method: 'POST',
      body: gzipSync(json),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(refusedJson.status).toBe(413);
    expect(((await refusedJson.json()) as { message: string }).message).toContain('the limits are protocols.http.max_request_items and protocols.http.max_request_values');

    const err = await grpcExport(`127.0.0.1:${grpc}`, emptySpans(500_000));
    expect(err?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err?.details).toContain('the limit is protocols.grpc.max_request_items');

    const span = newSpan({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'after' });
    const ok = await fetch(`http://127.0.0.1:${http}/v1/traces`, {
      method: 'POST',
      body: Buffer.from(encodeSignal('traces', tracesOf([span]))),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(ok.status).toBe(200);
    expect(await summit.stop('SIGTERM')).toBe(0);
  }, 60_000); // on a loaded machine the 256 MiB child spends seconds in GC
});
