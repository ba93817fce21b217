import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../../pipeline/builders.js';
import type { ComponentInstance } from '../../pipeline/component.js';
import { ConsumerError } from '../../pipeline/errors.js';
import type { Traces } from '../../pipeline/model.js';
import { decodeSignal as decodeJson } from '../../pipeline/otlpjson/index.js';
import { decodeSignal as decodeProto, encodeStatus } from '../../pipeline/otlpproto/index.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { otlpHttpExporterFactory, signalUrls, type OtlpHttpExporterConfig } from './index.js';
import { OtlpHttpTransport, retryAfterMs } from './transport.js';
import { pino } from 'pino';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

const servers: Server[] = [];
const exporters: ComponentInstance[] = [];
afterEach(async () => {
  for (const e of exporters.splice(0)) await e.shutdown?.();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A real HTTP server on loopback answering each request with the next scripted answer. */
async function backend(answers: ((res: ServerResponse) => void)[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      (answers.shift() ?? ((r) => r.writeHead(200).end()))(res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

const traces = (): Traces => tracesOf([newSpan({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'op', startTimeUnixNano: 1_700_000_000_000_000_123n })]);
const never = new AbortController().signal;

function transport(url: string, o: Partial<ConstructorParameters<typeof OtlpHttpTransport>[0]> = {}) {
  const base = new URL(url);
  return new OtlpHttpTransport({
    urls: { traces: new URL('/v1/traces', base), metrics: new URL('/v1/metrics', base), logs: new URL('/v1/logs', base) },
    encoding: 'proto',
    compression: 'gzip',
    headers: { 'x-tenant': 'acme' },
    configDir: '.',
    logger: pino({ level: 'silent' }),
    ...o,
  });
}

describe('otlphttp exporter transport', () => {
  it('POSTs gzip-compressed protobuf with the configured headers to the signal path', async () => {
    const b = await backend([]);
    const t = transport(b.url);
    await t.send('traces', traces(), never);
    t.close();
    expect(b.seen[0].path).toBe('/v1/traces');
    expect(b.seen[0].headers).toMatchObject({ 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', 'x-tenant': 'acme' });
    const got = decodeProto('traces', gunzipSync(b.seen[0].body));
    expect(got.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano).toBe(1_700_000_000_000_000_123n);
  });

  it('sends JSON uncompressed when asked', async () => {
    const b = await backend([]);
    const t = transport(b.url, { encoding: 'json', compression: 'none' });
    await t.send('traces', traces(), never);
    t.close();
    expect(b.seen[0].headers['content-type']).toBe('application/json');
    expect(decodeJson('traces', JSON.parse(b.seen[0].body.toString())).resourceSpans[0].scopeSpans[0].spans[0].name).toBe('op');
  });

  it('treats 429/502/503/504 as retryable, honouring Retry-After, and other errors as permanent', async () => {
    const b = await backend([
      (r) => r.writeHead(429, { 'retry-after': '7' }).end(),
      (r) => r.writeHead(503).end(),
      (r) => r.writeHead(400, { 'content-type': 'application/x-protobuf' }).end(encodeStatus({ code: 3, message: 'bad span' })),
      (r) => r.writeHead(500).end('boom'),
    ]);
    const t = transport(b.url);
    const outcome = () => t.send('traces', traces(), never).then(() => undefined, (e: ConsumerError) => e);
    const throttled = await outcome();
    expect(throttled).toMatchObject({ retryable: true, retryAfterMs: 7000 });
    expect(await outcome()).toMatchObject({ retryable: true, retryAfterMs: undefined });
    const bad = await outcome();
    expect(bad).toMatchObject({ retryable: false });
    expect(bad!.message).toContain('answered 400: bad span');
    expect(await outcome()).toMatchObject({ retryable: false, message: expect.stringContaining('500: boom') });
    t.close();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    expect(retryAfterMs(inTwoSeconds)).toBeGreaterThan(500);
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('sends URL credentials as Basic auth but never quotes them in an error', async () => {
    const b = await backend([(r) => r.writeHead(401).end()]);
    const t = transport(b.url.replace('http://', 'http://user:s3cret@'));
    const err = await t.send('traces', traces(), never).then(() => undefined, (e: Error) => e);
    expect(b.seen[0].headers.authorization).toBe(`Basic ${Buffer.from('user:s3cret').toString('base64')}`);
    expect(err?.message).toMatch(/^http:\/\/\*\*\*@127\.0\.0\.1:\d+\/v1\/traces answered 401/);
    const refused = transport('http://user:s3cret@127.0.0.1:1');
    const netErr = await refused.send('traces', traces(), never).then(() => undefined, (e: Error) => e);
    expect(netErr?.message).toMatch(/^http:\/\/\*\*\*@127\.0\.0\.1:1\/v1\/traces: /);
    t.close();
    refused.close();
  });

  it('treats a refused connection as retryable', async () => {
    const t = transport('http://127.0.0.1:1');
    await expect(t.send('traces', traces(), never)).rejects.toMatchObject({ retryable: true });
    t.close();
  });
});

describe('otlphttp exporter', () => {
  const config = (endpoint: string, over: Partial<OtlpHttpExporterConfig> = {}): OtlpHttpExporterConfig => ({
    endpoint,
    headers: {},
    compression: 'none',
    encoding: 'proto',
    timeout: '2s',
    retry_on_failure: { enabled: true, initial_interval: '10ms', max_interval: '50ms', max_elapsed_time: '5s', multiplier: 1.5, randomization_factor: 0 },
    sending_queue: { enabled: false },
    ...over,
  });

  it('derives each signal URL from endpoint, or takes the per-signal override', () => {
    const urls = signalUrls({ ...config('https://otlp.example.com/base/'), logs_endpoint: 'https://logs.example.com/ingest' });
    expect(urls.traces?.href).toBe('https://otlp.example.com/base/v1/traces');
    expect(urls.logs?.href).toBe('https://logs.example.com/ingest');
  });

  it('retries a throttled request after the server’s delay and then delivers it', async () => {
    const b = await backend([(r) => r.writeHead(429, { 'retry-after': '1' }).end()]);
    const exporter = await otlpHttpExporterFactory.create(testContext({ id: 'otlphttp', kind: 'exporter', signals: ['traces'] }), config(b.url), {});
    exporters.push(exporter);
    await exporter.start!(testHost());
    const start = Date.now();
    await exporter.consumers!.traces!.consume(traces());
    expect(b.seen).toHaveLength(2);
    expect(Date.now() - start).toBeGreaterThanOrEqual(900);
  });

  it('does not retry a permanent error', async () => {
    const b = await backend([(r) => r.writeHead(400).end('no')]);
    const exporter = await otlpHttpExporterFactory.create(testContext({ id: 'otlphttp', kind: 'exporter', signals: ['traces'] }), config(b.url), {});
    exporters.push(exporter);
    await exporter.start!(testHost());
    await expect(exporter.consumers!.traces!.consume(traces())).rejects.toMatchObject({ retryable: false });
    expect(b.seen).toHaveLength(1);
  });
});
