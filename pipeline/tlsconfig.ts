import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JSONSchema } from './component.js';

/** Upstream's configtls.ClientConfig keys. */
export interface ClientTlsConfig {
  insecure?: boolean;
  insecure_skip_verify?: boolean;
  ca_file?: string;
  cert_file?: string;
  key_file?: string;
  server_name_override?: string;
}

/** Upstream's configtls.ServerConfig keys (the ones Summit implements). */
export interface ServerTlsConfig {
  cert_file?: string;
  key_file?: string;
  client_ca_file?: string;
}

export const clientTlsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    insecure: { type: 'boolean', default: false, description: 'plaintext (gRPC); for HTTP the URL scheme decides' },
    insecure_skip_verify: { type: 'boolean', default: false },
    ca_file: { type: 'string' },
    cert_file: { type: 'string' },
    key_file: { type: 'string' },
    server_name_override: { type: 'string' },
  },
};

export const serverTlsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { cert_file: { type: 'string' }, key_file: { type: 'string' }, client_ca_file: { type: 'string' } },
};

export function checkTlsPair(tls: { cert_file?: string; key_file?: string } | undefined, path: string): { path: string; message: string }[] {
  if (!tls || !!tls.cert_file === !!tls.key_file) return [];
  return [{ path, message: 'cert_file and key_file must be set together' }];
}

/** Node's TLS options for a client, files read relative to the config file's directory. */
export function clientTlsOptions(tls: ClientTlsConfig | undefined, baseDir: string) {
  const read = (f?: string) => (f ? readFileSync(resolve(baseDir, f)) : undefined);
  return {
    ca: read(tls?.ca_file),
    cert: read(tls?.cert_file),
    key: read(tls?.key_file),
    rejectUnauthorized: !tls?.insecure_skip_verify,
    servername: tls?.server_name_override,
  };
}

/** Node's TLS options for a server, or undefined when it serves plaintext. */
export function serverTlsOptions(tls: ServerTlsConfig | undefined, baseDir: string) {
  if (!tls?.cert_file || !tls.key_file) return undefined;
  const read = (f: string) => readFileSync(resolve(baseDir, f));
  return {
    cert: read(tls.cert_file),
    key: read(tls.key_file),
    ca: tls.client_ca_file ? read(tls.client_ca_file) : undefined,
    requestCert: !!tls.client_ca_file,
    rejectUnauthorized: !!tls.client_ca_file,
  };
}
