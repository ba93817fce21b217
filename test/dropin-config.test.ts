/**
 * A Collector config that uses the standard client and server settings, authentication and Go's
 * duration and address forms loads as it does upstream, and print-config masks its secrets.
 */
import { describe, expect, it } from 'vitest';
import { runSummit, tempDir, writeFile } from './helpers.js';

const CONFIG = `
extensions:
  bearertokenauth/in:
    token: in-token-77
  basicauth/out:
    client_auth: {username: ann, password: out-pass-88}
  oauth2client:
    client_id: summit
    client_secret: oauth-secret-99
    token_url: https://auth.example.com/token
    timeout: 10000000000
  headers_setter:
    headers:
      - {key: X-Scope-OrgID, from_context: tenant}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
        include_metadata: true
        auth: {authenticator: bearertokenauth/in}
        read_buffer_size: 524288
        keepalive:
          server_parameters: {max_connection_age: 30s}
          enforcement_policy: {min_time: 10s, permit_without_stream: true}
      http:
        endpoint: 127.0.0.1:0
        include_metadata: true
        auth: {authenticator: bearertokenauth/in}
        response_headers: {X-Served-By: summit}
        compression_algorithms: [gzip, zstd]
        read_header_timeout: 10s
        cors: {allowed_origins: ["https://*.example.com"], exposed_headers: [X-Served-By]}
processors:
  attributes:
    actions:
      - {key: tenant, from_context: metadata.tenant, action: insert}
exporters:
  otlphttp:
    endpoint: https://otlp.example.com
    auth: {authenticator: oauth2client}
    proxy_url: http://proxy.example.com:3128
    max_idle_conns: 50
    max_conns_per_host: 4
    idle_conn_timeout: 30s
    http2_ping_timeout: 5s
    cookies: {enabled: true}
    tls: {min_version: "1.3", include_system_ca_certs_pool: true}
    retry_on_failure:
      max_elapsed_time: 0
  otlp:
    endpoint: backend.example.com:4317
    auth: {authenticator: headers_setter}
    balancer_name: pick_first
    authority: backend.example.com
    wait_for_ready: true
    keepalive: {time: 10s, timeout: 5s, permit_without_stream: true}
    tls:
      insecure_skip_verify: true
      cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]
      max_version: "1.3"
  otlp/basic:
    endpoint: backend.example.com:4317
    auth: {authenticator: basicauth/out}
service:
  extensions: [bearertokenauth/in, basicauth/out, oauth2client, headers_setter]
  telemetry:
    metrics:
      address: ":8888"
  pipelines:
    traces:
      receivers: [otlp]
      processors: [attributes]
      exporters: [otlphttp, otlp, otlp/basic]
`;

describe('standard settings and authentication in a config', () => {
  it('loads: auth on servers and clients, TLS and client keys, max_elapsed_time: 0, timeout in nanoseconds, :8888', async () => {
    const file = writeFile(tempDir(), 'collector.yaml', CONFIG);
    const r = await runSummit(['validate', '--config', file]);
    expect(r.stderr).toContain('config is valid');
    expect(r.code).toBe(0);
  });

  it('print-config masks tokens, passwords and client secrets, and shows which authenticator is used', async () => {
    const file = writeFile(tempDir(), 'collector.yaml', CONFIG);
    const r = await runSummit(['print-config', '--config', file]);
    expect(r.code).toBe(0);
    for (const secret of ['in-token-77', 'out-pass-88', 'oauth-secret-99']) expect(r.stdout).not.toContain(secret);
    expect(r.stdout).toContain('authenticator: bearertokenauth/in');
    expect(r.stdout).toMatch(/client_secret: "?\[REDACTED\]"?/);
  });

  it('names the setting and what is expected when a value is wrong', async () => {
    const file = writeFile(
      tempDir(),
      'bad.yaml',
      CONFIG.replace('min_version: "1.3"', 'min_version: "1.4"').replace('TLS_AES_128_GCM_SHA256]', 'TLS_RSA_WITH_RC4_128_SHA]'),
    );
    const r = await runSummit(['validate', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exporters::otlphttp: tls\.min_version: expected one of: .*1\.3; got string "1\.4"/);
    expect(r.stderr).toMatch(/exporters::otlp: tls\.cipher_suites\[1\]: invalid TLS cipher suite "TLS_RSA_WITH_RC4_128_SHA"/);
  });
});
