/**
 * Authentication as a Collector user wires it: the OpenTelemetry JS SDK's own OTLP exporters
 * send to an `otlp` receiver whose servers take `auth: {authenticator: ...}`, with a bearer
 * token and with basic auth, over HTTP and gRPC.
 */
import { execFileSync } from 'node:child_process';
import { Metadata } from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthFactory } from '../extensions/basicauth/index.js';
import { bearerTokenAuthFactory } from '../extensions/bearertokenauth/index.js';
import { clientInfo, type ClientInfo } from '../pipeline/client-info.js';
import type { ComponentInstance, Consumer } from '../pipeline/component.js';
import { testContext, testHost } from '../pipeline/testing.js';
import { otlpReceiverFactory } from '../receivers/otlp/index.js';
import { freePort } from './helpers.js';

const TOKEN = 'tok-3f9a1c';
/** Made by openssl, so that Summit's reading of Apache's MD5 crypt is checked against another's. */
const APR1 = execFileSync('openssl', ['passwd', '-apr1', '-salt', 'Zq3xW9ab', 'apr-pass'], { encoding: 'utf8' }).trim();
const BCRYPT = bcrypt.hashSync('bcrypt-pass', 4);

interface Server {
  http: string;
  grpc: string;
  clients: (ClientInfo | undefined)[];
}

const running: ComponentInstance[] = [];

async function receiver(authenticator: string, host: ReturnType<typeof testHost>): Promise<Server> {
  const [hp, gp] = [await freePort(), await freePort()];
  const clients: Server['clients'] = [];
  const consumer: Consumer = {
    async consume() {
      clients.push(clientInfo());
    },
  };
  const auth = { authenticator };
  const instance = await otlpReceiverFactory.create(
    testContext({ id: `otlp/${authenticator}`, kind: 'receiver' }),
    { protocols: { http: { endpoint: `127.0.0.1:${hp}`, auth, include_metadata: true } as never, grpc: { endpoint: `127.0.0.1:${gp}`, auth, include_metadata: true } as never } },
    { traces: consumer },
  );
  await instance.start!(host);
  running.push(instance);
  return { http: `http://127.0.0.1:${hp}/v1/traces`, grpc: `http://127.0.0.1:${gp}`, clients };
}

let bearer: Server;
let basic: Server;
let spans: ReadableSpan[];

beforeAll(async () => {
  const ext = (id: string) => testContext({ id, kind: 'extension' });
  const bearerExt = await bearerTokenAuthFactory.create(ext('bearertokenauth'), { scheme: 'Bearer', header: 'Authorization', token: TOKEN }, {});
  // {SHA} as `htpasswd -s` writes it, the digest made by openssl
  const sha = execFileSync('openssl', ['dgst', '-sha1', '-binary'], { input: 'sha-pass' }).toString('base64');
  const basicExt = await basicAuthFactory.create(ext('basicauth'), { htpasswd: { inline: `ann:${APR1}\nbob:${BCRYPT}\ncy:{SHA}${sha}` } }, {});
  for (const e of [bearerExt, basicExt]) await e.start?.(testHost());
  const host = testHost({ bearertokenauth: bearerExt, basicauth: basicExt });
  bearer = await receiver('bearertokenauth', host);
  basic = await receiver('basicauth', host);

  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  provider.getTracer('auth-test').startSpan('checkout').end();
  spans = memory.getFinishedSpans();
});

afterAll(async () => {
  for (const r of running.splice(0)) await r.shutdown?.();
});

function exportWith(exporter: SpanExporter): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, (r) => void exporter.shutdown().then(() => resolve(r))));
}

const http = (url: string, headers: Record<string, string> = {}) => exportWith(new ProtoTraceExporter({ url, headers }));
const grpc = (url: string, headers: Record<string, string> = {}) => {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  return exportWith(new GrpcTraceExporter({ url, metadata }));
};
const basicHeader = (user: string, pass: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });

describe('bearertokenauth on the otlp receiver', () => {
  it('accepts the token over HTTP and gRPC, with the request metadata reaching the pipeline', async () => {
    expect(await http(bearer.http, { Authorization: `Bearer ${TOKEN}`, 'X-Tenant': 'acme' })).toEqual({ code: ExportResultCode.SUCCESS });
    expect(await grpc(bearer.grpc, { authorization: `Bearer ${TOKEN}`, 'x-tenant': 'beta' })).toEqual({ code: ExportResultCode.SUCCESS });
    expect(bearer.clients.map((c) => c?.metadata['x-tenant'])).toEqual([['acme'], ['beta']]);
    expect(bearer.clients[0]?.address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('refuses a missing or wrong token: 401 over HTTP, UNAUTHENTICATED over gRPC', async () => {
    const before = bearer.clients.length;
    for (const headers of [{}, { Authorization: 'Bearer wrong' }, { Authorization: TOKEN }] as Record<string, string>[]) {
      const h = await http(bearer.http, headers);
      expect(h.code).toBe(ExportResultCode.FAILED);
      expect((h.error as { code?: number }).code).toBe(401);
      const g = await grpc(bearer.grpc, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])));
      expect(g.code).toBe(ExportResultCode.FAILED);
      expect((g.error as { code?: number }).code).toBe(16); // UNAUTHENTICATED
      expect(String(g.error)).not.toContain(TOKEN);
    }
    expect(bearer.clients.length).toBe(before);
  });

  it('answers 401 with a WWW-Authenticate challenge', async () => {
    const res = await fetch(bearer.http, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array() });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="summit"');
  });
});

describe('basicauth on the otlp receiver', () => {
  it('accepts htpasswd users (MD5, bcrypt, SHA1) over HTTP and gRPC, with the user name as auth.username', async () => {
    expect(await http(basic.http, basicHeader('ann', 'apr-pass'))).toEqual({ code: ExportResultCode.SUCCESS });
    expect(await grpc(basic.grpc, { authorization: basicHeader('bob', 'bcrypt-pass').Authorization })).toEqual({ code: ExportResultCode.SUCCESS });
    expect(await http(basic.http, basicHeader('cy', 'sha-pass'))).toEqual({ code: ExportResultCode.SUCCESS });
    expect(basic.clients.map((c) => c?.auth?.username)).toEqual(['ann', 'bob', 'cy']);
  });

  it('refuses no, wrong or unknown credentials', async () => {
    for (const headers of [{}, basicHeader('ann', 'nope'), basicHeader('zed', 'apr-pass'), { Authorization: `Bearer ${TOKEN}` }] as Record<string, string>[]) {
      expect(((await http(basic.http, headers)).error as { code?: number }).code).toBe(401);
      const g = await grpc(basic.grpc, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])));
      expect((g.error as { code?: number }).code).toBe(16);
    }
    const res = await fetch(basic.http, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array() });
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="summit"');
  });
});
