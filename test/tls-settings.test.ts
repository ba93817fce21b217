/**
 * configtls on a real listening server: certificates made by openssl at test time, clients
 * made by Node's TLS stack with the versions pinned.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type SecureVersion } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentInstance } from '../pipeline/component.js';
import { testContext, testHost } from '../pipeline/testing.js';
import { otlpExporterFactory } from '../exporters/otlp/index.js';
import { otlpHttpExporterFactory } from '../exporters/otlphttp/index.js';
import { newSpan, tracesOf } from '../pipeline/builders.js';
import { otlpReceiverFactory } from '../receivers/otlp/index.js';
import { freePort, tempDir } from './helpers.js';

let dir: string;
let receiver: ComponentInstance;
let ports: { http: number; grpc: number };

/** A self-signed certificate for localhost / 127.0.0.1, named `name`.crt and `name`.key in `dir`. */
function selfSigned(name: string): void {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`),
  ], { stdio: 'ignore' });
}

beforeAll(async () => {
  dir = tempDir('summit-tls-');
  selfSigned('first');
  selfSigned('second');
  copyFileSync(join(dir, 'first.crt'), join(dir, 'server.crt'));
  copyFileSync(join(dir, 'first.key'), join(dir, 'server.key'));
  ports = { http: await freePort(), grpc: await freePort() };
  const tls = { cert_file: 'server.crt', key_file: 'server.key', min_version: '1.3', reload_interval: '100ms' };
  receiver = await otlpReceiverFactory.create(
    testContext({ id: 'otlp', kind: 'receiver', configDir: dir }),
    { protocols: { http: { endpoint: `127.0.0.1:${ports.http}`, tls } as never, grpc: { endpoint: `127.0.0.1:${ports.grpc}`, tls } as never } },
    { traces: { consume: async () => undefined } },
  );
  await receiver.start!(testHost());
});

afterAll(async () => {
  await receiver?.shutdown?.();
});

/** Handshakes with the version range given; resolves with the version and the server's certificate. */
function handshake(port: number, maxVersion: SecureVersion, ca = 'first.crt'): Promise<{ protocol: string | null; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(join(dir, ca)), maxVersion, minVersion: 'TLSv1.2', ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      const out = { protocol: socket.getProtocol(), fingerprint: socket.getPeerCertificate().fingerprint256 };
      socket.destroy();
      resolve(out);
    });
    socket.on('error', reject);
  });
}

describe('tls.min_version: "1.3"', () => {
  it('refuses a TLS 1.2 client on the HTTP and the gRPC server, and serves TLS 1.3', async () => {
    for (const port of [ports.http, ports.grpc]) {
      await expect(handshake(port, 'TLSv1.2')).rejects.toThrow(/protocol version|alert/i);
      expect((await handshake(port, 'TLSv1.3')).protocol).toBe('TLSv1.3');
    }
  });
});

describe('tls.cipher_suites', () => {
  it("limits TLS 1.2 to the suites named (Go's names)", async () => {
    const port = await freePort();
    const tls = { cert_file: 'first.crt', key_file: 'first.key', max_version: '1.2', cipher_suites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'] };
    const r = await otlpReceiverFactory.create(testContext({ id: 'otlp/ciphers', kind: 'receiver', configDir: dir }), { protocols: { http: { endpoint: `127.0.0.1:${port}`, tls } as never } }, { traces: { consume: async () => undefined } });
    await r.start!(testHost());
    try {
      const cipher = (ciphers: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(join(dir, 'first.crt')), servername: 'localhost', maxVersion: 'TLSv1.2', ciphers }, () => {
            resolve(socket.getCipher().name);
            socket.destroy();
          });
          socket.on('error', reject);
        });
      expect(await cipher('ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256')).toBe('ECDHE-ECDSA-AES256-GCM-SHA384');
      await expect(cipher('ECDHE-ECDSA-AES128-GCM-SHA256')).rejects.toThrow(/handshake|alert|cipher/i);
    } finally {
      await r.shutdown?.();
    }
  });
});

describe("exporters' client TLS", () => {
  const traces = () => tracesOf([newSpan({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'op', startTimeUnixNano: 1n })]);
  async function send(factory: typeof otlpExporterFactory | typeof otlpHttpExporterFactory, endpoint: string, tls: Record<string, unknown>): Promise<string> {
    const config = { endpoint, tls, headers: {}, compression: 'gzip', encoding: 'proto', retry_on_failure: { enabled: false }, sending_queue: { enabled: false } };
    const e = await factory.create(testContext({ id: 'exp', kind: 'exporter', signals: ['traces'], configDir: dir }), config as never, {});
    await e.start!(testHost());
    try {
      return await e.consumers!.traces!.consume(traces()).then(() => 'ok', (err: Error) => err.message);
    } finally {
      await e.shutdown?.();
    }
  }

  it('otlp (gRPC) and otlphttp verify the server against ca_file and keep to the version range', async () => {
    const grpc = `https://127.0.0.1:${ports.grpc}`;
    const http = `https://127.0.0.1:${ports.http}`;
    expect(await send(otlpExporterFactory, grpc, { ca_file: 'first.crt', server_name_override: 'localhost', min_version: '1.3' })).toBe('ok');
    expect(await send(otlpHttpExporterFactory, http, { ca_file: 'first.crt', min_version: '1.3' })).toBe('ok');
    expect(await send(otlpHttpExporterFactory, http, { ca_file: 'first.crt', max_version: '1.2' })).toMatch(/version|alert/i);
    expect(await send(otlpHttpExporterFactory, http, {})).toMatch(/self[- ]signed|certificate/i);
    expect(await send(otlpHttpExporterFactory, http, { insecure_skip_verify: true })).toBe('ok');
    expect(await send(otlpExporterFactory, grpc, { insecure_skip_verify: true })).toBe('ok');
    expect(await send(otlpExporterFactory, grpc, { server_name_override: 'localhost' })).toMatch(/UNAVAILABLE/);
  });
});

describe('tls.reload_interval', () => {
  it('serves a replaced certificate without a restart', async () => {
    const before = await handshake(ports.http, 'TLSv1.3');
    copyFileSync(join(dir, 'second.crt'), join(dir, 'server.crt'));
    copyFileSync(join(dir, 'second.key'), join(dir, 'server.key'));
    for (const port of [ports.http, ports.grpc]) {
      let after = before;
      for (let i = 0; i < 50 && after.fingerprint === before.fingerprint; i++) {
        await new Promise((r) => setTimeout(r, 50));
        after = await handshake(port, 'TLSv1.3', 'second.crt').catch(() => before);
      }
      expect(after.fingerprint).not.toBe(before.fingerprint);
    }
  });
});
