/**
 * Client authentication as exporters use it: an `otlphttp` exporter with `auth: oauth2client`
 * against a loopback token endpoint, and request metadata carried from a receiver with
 * include_metadata through the sending queue to `headers_setter`.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { basicAuthFactory } from '../extensions/basicauth/index.js';
import { bearerTokenAuthFactory } from '../extensions/bearertokenauth/index.js';
import { headersSetterFactory } from '../extensions/headers_setter/index.js';
import { otlpExporterFactory, type OtlpExporterConfig } from '../exporters/otlp/index.js';
import { oauth2ClientFactory, type OAuth2ClientConfig } from '../extensions/oauth2client/index.js';
import { otlpHttpExporterFactory, type OtlpHttpExporterConfig } from '../exporters/otlphttp/index.js';
import { newSpan, tracesOf } from '../pipeline/builders.js';
import type { Traces } from '../pipeline/model.js';
import { attributesProcessorFactory } from '../processors/attributes/index.js';
import { batchDefaults, batchProcessorFactory } from '../processors/batch/index.js';
import type { ComponentInstance, Host } from '../pipeline/component.js';
import { testContext, testHost } from '../pipeline/testing.js';
import { otlpReceiverFactory } from '../receivers/otlp/index.js';
import { until } from './delivery-helpers.js';
import { freePort } from './helpers.js';

const servers: Server[] = [];
const running: ComponentInstance[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.shutdown?.();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

interface Seen {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback HTTP server that records each request and answers with `answer`. */
async function serve(answer: (seen: Seen) => { status: number; json?: unknown }): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(s);
      const a = answer(s);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.json === undefined ? '' : JSON.stringify(a.json));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

const traces = () => tracesOf([newSpan({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'op', startTimeUnixNano: 1n })]);

async function exporter(endpoint: string, authenticator: string, host: Host, extra: Partial<OtlpHttpExporterConfig> = {}): Promise<ComponentInstance> {
  const config = { endpoint, auth: { authenticator }, headers: {}, compression: 'none', encoding: 'proto', retry_on_failure: { enabled: false }, ...extra } as OtlpHttpExporterConfig;
  const instance = await otlpHttpExporterFactory.create(testContext({ id: 'otlphttp', kind: 'exporter', signals: ['traces'] }), config, {});
  await instance.start!(host);
  running.push(instance);
  return instance;
}

async function oauth2(tokenUrl: string, over: Partial<OAuth2ClientConfig> = {}): Promise<ComponentInstance> {
  const config: OAuth2ClientConfig = { client_id: 'summit', client_secret: 'cl-secret-9', token_url: tokenUrl, scopes: ['otlp.write', 'x'], timeout: '5s', expiry_buffer: '5m', ...over };
  return oauth2ClientFactory.create(testContext({ id: 'oauth2client', kind: 'extension' }), config, {});
}

describe('otlphttp with auth: oauth2client', () => {
  it('gets a token by the client-credentials grant, sends it, and reuses it while it is valid', async () => {
    let issued = 0;
    const tokens = await serve(() => ({ status: 200, json: { access_token: `tok-${++issued}`, token_type: 'bearer', expires_in: 3600 } }));
    const backend = await serve(() => ({ status: 200 }));
    const host = testHost({ oauth2client: await oauth2(`${tokens.url}/oauth2/token`) });
    const e = await exporter(backend.url, 'oauth2client', host, { sending_queue: { enabled: false } });
    await e.consumers!.traces!.consume(traces());
    await e.consumers!.traces!.consume(traces());
    expect(backend.seen.map((s) => s.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    expect(tokens.seen).toHaveLength(1);
    const form = new URLSearchParams(tokens.seen[0].body);
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'client_credentials', scope: 'otlp.write x' });
    expect(tokens.seen[0].headers.authorization).toBe(`Basic ${Buffer.from('summit:cl-secret-9').toString('base64')}`);
  });

  it('gets a new token once the one it holds is within expiry_buffer of expiring', async () => {
    let issued = 0;
    // expires_in 1 s with a 1 s buffer: each token is stale as soon as it arrives
    const tokens = await serve(() => ({ status: 200, json: { access_token: `tok-${++issued}`, expires_in: 1 } }));
    const backend = await serve(() => ({ status: 200 }));
    const host = testHost({ oauth2client: await oauth2(tokens.url, { expiry_buffer: '1s' }) });
    const e = await exporter(backend.url, 'oauth2client', host, { sending_queue: { enabled: false } });
    await e.consumers!.traces!.consume(traces());
    await e.consumers!.traces!.consume(traces());
    expect(backend.seen.map((s) => s.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('fails the export retryably, naming the endpoint and the OAuth error but not the secret, when no token is given', async () => {
    const tokens = await serve(() => ({ status: 401, json: { error: 'invalid_client', error_description: 'unknown client' } }));
    const backend = await serve(() => ({ status: 200 }));
    const host = testHost({ oauth2client: await oauth2(tokens.url) });
    const e = await exporter(backend.url, 'oauth2client', host, { sending_queue: { enabled: false } });
    const err = await e.consumers!.traces!.consume(traces()).then(() => undefined, (x: Error & { retryable?: boolean }) => x);
    expect(err?.message).toMatch(/token endpoint http:\/\/127\.0\.0\.1:\d+\/ answered 401: invalid_client \(unknown client\)/);
    expect(err?.message).not.toContain('cl-secret-9');
    expect(err?.retryable).toBe(true);
    expect(backend.seen).toHaveLength(0);
  });
});

describe('include_metadata → headers_setter', () => {
  it("sets the exporter's headers from the metadata the receiver took in, through the sending queue", async () => {
    const backend = await serve(() => ({ status: 200 }));
    const setter = await headersSetterFactory.create(testContext({ id: 'headers_setter', kind: 'extension' }), {
      headers: [
        { key: 'X-Scope-OrgID', from_context: 'x-tenant', default_value: 'anonymous', action: 'upsert' },
        { key: 'X-Static', value: 'v1', action: 'insert' },
      ],
    }, {});
    const host = testHost({ headers_setter: setter });
    const e = await exporter(backend.url, 'headers_setter', host);
    const port = await freePort();
    const receiver = await otlpReceiverFactory.create(
      testContext({ id: 'otlp', kind: 'receiver' }),
      { protocols: { http: { endpoint: `127.0.0.1:${port}`, include_metadata: true } as never } },
      { traces: e.consumers!.traces },
    );
    await receiver.start!(host);
    running.unshift(receiver);
    const send = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"resourceSpans":[]}' });
    expect((await send({ 'x-tenant': 'acme' })).status).toBe(200);
    expect((await send({})).status).toBe(200);
    await until(() => backend.seen.length === 2, 'both batches exported');
    expect(backend.seen.map((s) => [s.headers['x-scope-orgid'], s.headers['x-static']])).toEqual([
      ['acme', 'v1'],
      ['anonymous', 'v1'],
    ]);
  });
});

describe('include_metadata → batch with metadata_keys → headers_setter', () => {
  it('batches each tenant apart and exports each batch with its tenant header', async () => {
    const backend = await serve(() => ({ status: 200 }));
    const setter = await headersSetterFactory.create(testContext({ id: 'headers_setter', kind: 'extension' }), {
      headers: [{ key: 'X-Scope-OrgID', from_context: 'x-tenant', default_value: 'anonymous', action: 'upsert' }],
    }, {});
    const host = testHost({ headers_setter: setter });
    const e = await exporter(backend.url, 'headers_setter', host, { encoding: 'json' });
    const batch = await batchProcessorFactory.create(
      testContext({ id: 'batch', kind: 'processor', signals: ['traces'] }),
      { ...batchDefaults, send_batch_size: 2, timeout: '5s', flush_when_idle: false, metadata_keys: ['X-Tenant'] },
      { traces: e.consumers!.traces },
    );
    running.unshift(batch);
    const port = await freePort();
    const receiver = await otlpReceiverFactory.create(
      testContext({ id: 'otlp', kind: 'receiver' }),
      { protocols: { http: { endpoint: `127.0.0.1:${port}`, include_metadata: true } as never } },
      { traces: batch.consumers!.traces },
    );
    await receiver.start!(host);
    running.unshift(receiver);
    const span = (name: string) => ({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name, startTimeUnixNano: '1' }] }] }] });
    const send = (tenant: string, name: string) =>
      fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tenant': tenant }, body: JSON.stringify(span(name)) });
    const answers = await Promise.all([send('acme', 'acme-1'), send('globex', 'globex-1'), send('acme', 'acme-2'), send('globex', 'globex-2')]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await until(() => backend.seen.length === 2, 'one batch per tenant exported');
    const exported = backend.seen.map((s) => [s.headers['x-scope-orgid'], [...s.body.matchAll(/"name":"([a-z]+-\d)"/g)].map((m) => m[1]).sort()]);
    expect(exported.sort()).toEqual([
      ['acme', ['acme-1', 'acme-2']],
      ['globex', ['globex-1', 'globex-2']],
    ]);
  });
});

describe('include_metadata and auth → the attributes processor’s from_context', () => {
  it('sets span attributes from the request headers and the authenticated user', async () => {
    const basic = await basicAuthFactory.create(testContext({ id: 'basicauth', kind: 'extension' }), { htpasswd: { inline: `ann:{SHA}${createHash('sha1').update('pw').digest('base64')}` } }, {});
    await basic.start!(testHost());
    const host = testHost({ basicauth: basic });
    const out: Traces[] = [];
    const attributes = await attributesProcessorFactory.create(
      testContext({ id: 'attributes', kind: 'processor', signals: ['traces'] }),
      { actions: [
        { key: 'tenant', from_context: 'metadata.x-tenant', action: 'insert' },
        { key: 'user', from_context: 'auth.username', action: 'insert' },
      ] } as never,
      { traces: { consume: async (t) => void out.push(t) } },
    );
    const port = await freePort();
    const receiver = await otlpReceiverFactory.create(
      testContext({ id: 'otlp', kind: 'receiver' }),
      { protocols: { http: { endpoint: `127.0.0.1:${port}`, include_metadata: true, auth: { authenticator: 'basicauth' } } as never } },
      { traces: attributes.consumers!.traces },
    );
    await receiver.start!(host);
    running.push(receiver);
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'op' }] }] }] });
    const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant': 'acme', authorization: `Basic ${Buffer.from('ann:pw').toString('base64')}` },
      body,
    });
    expect(res.status).toBe(200);
    const span = out[0].resourceSpans[0].scopeSpans[0].spans[0];
    expect(Object.fromEntries(span.attributes)).toEqual({ tenant: 'acme', user: 'ann' });
  });
});

describe('otlp (gRPC) exporter with a client authenticator', () => {
  it("sends bearertokenauth's token and basicauth's credentials that Summit's own otlp receiver accepts", async () => {
    const ext = (id: string) => testContext({ id, kind: 'extension' });
    const bearer = await bearerTokenAuthFactory.create(ext('bearertokenauth'), { scheme: 'Bearer', header: 'Authorization', token: 'grpc-tok' }, {});
    const wrong = await bearerTokenAuthFactory.create(ext('bearertokenauth/wrong'), { scheme: 'Bearer', header: 'Authorization', token: 'nope' }, {});
    const basic = await basicAuthFactory.create(ext('basicauth'), { client_auth: { username: 'ann', password: 'pw' } }, {});
    const host = testHost({ bearertokenauth: bearer, 'bearertokenauth/wrong': wrong, basicauth: basic });
    const port = await freePort();
    let received = 0;
    const receiver = await otlpReceiverFactory.create(
      testContext({ id: 'otlp', kind: 'receiver' }),
      { protocols: { grpc: { endpoint: `127.0.0.1:${port}`, auth: { authenticator: 'bearertokenauth' } } as never } },
      { traces: { consume: async () => void received++ } },
    );
    await receiver.start!(host);
    running.push(receiver);
    const send = async (authenticator: string) => {
      const config = { endpoint: `127.0.0.1:${port}`, tls: { insecure: true }, auth: { authenticator }, headers: {}, compression: 'gzip', retry_on_failure: { enabled: false }, sending_queue: { enabled: false } } as OtlpExporterConfig;
      const e = await otlpExporterFactory.create(testContext({ id: 'otlp', kind: 'exporter', signals: ['traces'] }), config, {});
      await e.start!(host);
      running.push(e);
      return e.consumers!.traces!.consume(traces()).then(() => 'ok', (err: Error) => err.message);
    };
    expect(await send('bearertokenauth')).toBe('ok');
    expect(await send('bearertokenauth/wrong')).toMatch(/UNAUTHENTICATED/);
    expect(await send('basicauth')).toMatch(/UNAUTHENTICATED/);
    expect(received).toBe(1);
  });
});
