import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { resolve } from 'node:path';
import { rootCertificates, type SecureContextOptions, type SecureVersion } from 'node:tls';
import type { JSONSchema } from './component.js';
import { durationSchema, parseDuration } from './duration.js';

/** Upstream configtls.Config: what clients and servers share. */
export interface TlsCommonConfig {
  ca_file?: string;
  ca_pem?: string;
  cert_file?: string;
  cert_pem?: string;
  key_file?: string;
  key_pem?: string;
  min_version?: string;
  max_version?: string;
  cipher_suites?: string[];
  include_insecure_cipher_suites?: boolean;
  curve_preferences?: string[];
  include_system_ca_certs_pool?: boolean;
  reload_interval?: string;
  tpm?: { enabled?: boolean };
}

/** Upstream's configtls.ClientConfig keys. */
export interface ClientTlsConfig extends TlsCommonConfig {
  insecure?: boolean;
  insecure_skip_verify?: boolean;
  server_name_override?: string;
}

/** Upstream's configtls.ServerConfig keys. */
export interface ServerTlsConfig extends TlsCommonConfig {
  client_ca_file?: string;
  client_ca_file_reload?: boolean;
}

const VERSIONS: Record<string, SecureVersion> = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' };

/** Go's names (tls.CipherSuites) → OpenSSL's, which Node takes. */
const SECURE_SUITES: Record<string, string> = {
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};
/** tls.InsecureCipherSuites, allowed with include_insecure_cipher_suites (RC4 ones: OpenSSL 3 has none). */
const INSECURE_SUITES: Record<string, string> = {
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
};
/**
 * Go ignores the TLS 1.3 suites in cipher_suites (1.3 always offers its own); OpenSSL would
 * turn TLS 1.3 off without one, so they are always appended.
 */
const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

const CURVES: Record<string, string> = { X25519: 'X25519', P256: 'P-256', P384: 'P-384', P521: 'P-521', X25519MLKEM768: 'X25519MLKEM768' };

const version: JSONSchema = { type: 'string', enum: ['', ...Object.keys(VERSIONS)] };

const commonProperties: Record<string, JSONSchema> = {
  ca_file: { type: 'string' },
  ca_pem: { type: 'string' },
  cert_file: { type: 'string' },
  cert_pem: { type: 'string' },
  key_file: { type: 'string' },
  key_pem: { type: 'string' },
  min_version: { ...version, default: '1.2' },
  max_version: version,
  cipher_suites: { type: 'array', items: { type: 'string' } },
  include_insecure_cipher_suites: { type: 'boolean', default: false },
  curve_preferences: { type: 'array', items: { type: 'string', enum: Object.keys(CURVES) } },
  include_system_ca_certs_pool: { type: 'boolean', default: false },
  reload_interval: durationSchema(),
  tpm: { type: 'object', properties: { enabled: { type: 'boolean' } }, description: 'key in a TPM: not supported' },
};

export const clientTlsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    insecure: { type: 'boolean', default: false, description: 'plaintext (gRPC); for HTTP the URL scheme decides' },
    insecure_skip_verify: { type: 'boolean', default: false },
    server_name_override: { type: 'string' },
    ...commonProperties,
  },
};

export const serverTlsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { ...commonProperties, client_ca_file: { type: 'string' }, client_ca_file_reload: { type: 'boolean', default: false } },
};

type Problem = { path: string; message: string };

/** Checks of a `tls` section ajv cannot express, keyed under `path`. */
export function checkTls(tls: (ServerTlsConfig & ClientTlsConfig) | undefined, path: string): Problem[] {
  if (!tls) return [];
  const problems: Problem[] = [];
  const has = (file?: string, pem?: string) => !!file || !!pem;
  if (has(tls.cert_file, tls.cert_pem) !== has(tls.key_file, tls.key_pem)) problems.push({ path, message: 'cert_file (or cert_pem) and key_file (or key_pem) must be set together' });
  for (const [file, pem] of [['cert_file', 'cert_pem'], ['key_file', 'key_pem'], ['ca_file', 'ca_pem']] as const) {
    if (tls[file] && tls[pem]) problems.push({ path: `${path}.${pem}`, message: `set ${file} or ${pem}, not both` });
  }
  const rank = (v?: string) => (v ? Object.keys(VERSIONS).indexOf(v) : -1);
  if (tls.max_version && rank(tls.max_version) < rank(tls.min_version ?? '1.2')) {
    problems.push({ path: `${path}.max_version`, message: `must not be lower than min_version (${tls.min_version ?? '1.2'})` });
  }
  for (const [i, name] of (tls.cipher_suites ?? []).entries()) {
    if (SECURE_SUITES[name] || (tls.include_insecure_cipher_suites && INSECURE_SUITES[name])) continue;
    const insecure = INSECURE_SUITES[name] ? ' (insecure: set include_insecure_cipher_suites to allow it)' : '';
    problems.push({ path: `${path}.cipher_suites[${i}]`, message: `invalid TLS cipher suite "${name}"${insecure}; expected one of ${Object.keys(SECURE_SUITES).join(', ')}` });
  }
  if (tls.tpm?.enabled) problems.push({ path: `${path}.tpm`, message: 'keys in a TPM are not supported; use key_file' });
  return problems;
}

const read = (baseDir: string, f?: string) => (f ? readFileSync(resolve(baseDir, f)) : undefined);

/** Node's options for the keys clients and servers share. */
function commonOptions(tls: TlsCommonConfig | undefined, baseDir: string, own: Buffer | undefined): SecureContextOptions {
  const suites = tls?.cipher_suites?.length
    ? [...tls.cipher_suites.map((n) => SECURE_SUITES[n] ?? INSECURE_SUITES[n]).filter((n) => !n.startsWith('TLS_')), ...TLS13_SUITES].join(':')
    : undefined;
  return {
    ...(own ? { ca: tls?.include_system_ca_certs_pool ? [...rootCertificates, own.toString()] : own } : {}),
    cert: read(baseDir, tls?.cert_file) ?? (tls?.cert_pem ? Buffer.from(tls.cert_pem) : undefined),
    key: read(baseDir, tls?.key_file) ?? (tls?.key_pem ? Buffer.from(tls.key_pem) : undefined),
    minVersion: VERSIONS[tls?.min_version || '1.2'],
    ...(tls?.max_version ? { maxVersion: VERSIONS[tls.max_version] } : {}),
    ...(suites ? { ciphers: suites } : {}),
    ...(tls?.curve_preferences?.length ? { ecdhCurve: tls.curve_preferences.map((c) => CURVES[c]).join(':') } : {}),
  };
}

/** Node's TLS options for a client, files read relative to the config file's directory. */
export function clientTlsOptions(tls: ClientTlsConfig | undefined, baseDir: string) {
  return {
    ...commonOptions(tls, baseDir, read(baseDir, tls?.ca_file) ?? (tls?.ca_pem ? Buffer.from(tls.ca_pem) : undefined)),
    rejectUnauthorized: !tls?.insecure_skip_verify,
    servername: tls?.server_name_override,
  };
}

export type ServerTlsOptions = SecureContextOptions & {
  requestCert: boolean;
  rejectUnauthorized: boolean;
  /** Present when the files are to be read again (reload_interval, client_ca_file_reload). */
  reload?: { intervalMs: number; watchFile?: string; load(): SecureContextOptions };
};

/** Node's TLS options for a server, or undefined when it serves plaintext. */
export function serverTlsOptions(tls: ServerTlsConfig | undefined, baseDir: string): ServerTlsOptions | undefined {
  if (!tls || !(tls.cert_file || tls.cert_pem) || !(tls.key_file || tls.key_pem)) return undefined;
  // a server's own CAs are those it checks client certificates against
  const load = () => commonOptions(tls, baseDir, read(baseDir, tls.client_ca_file));
  const intervalMs = tls.reload_interval ? Math.max(0, parseDuration(tls.reload_interval)) : 0;
  const watched = tls.client_ca_file_reload && tls.client_ca_file ? resolve(baseDir, tls.client_ca_file) : undefined;
  return {
    ...load(),
    requestCert: !!tls.client_ca_file,
    rejectUnauthorized: !!tls.client_ca_file,
    ...(intervalMs > 0 || watched ? { reload: { intervalMs, watchFile: watched, load } } : {}),
  };
}

/** How often a watched client CA file is looked at (upstream is told by the file system). */
const CA_WATCH_INTERVAL_MS = 1000;

/**
 * Reads the certificate, key and CAs again every reload_interval (and the client CA file when it
 * changes, with client_ca_file_reload), as upstream does, so that renewed certificates are served
 * without a restart. A file that cannot be read keeps the last good ones, with `onError` told.
 * Returns the function that stops it.
 */
export function reloadTls(
  target: { setSecureContext(options: SecureContextOptions): void },
  tls: ServerTlsOptions | undefined,
  onError: (err: Error) => void,
): () => void {
  const reload = tls?.reload;
  if (!reload) return () => undefined;
  const apply = () => {
    try {
      target.setSecureContext({ ...tls, ...reload.load() });
    } catch (err) {
      onError(err as Error);
    }
  };
  const timer = reload.intervalMs > 0 ? setInterval(apply, reload.intervalMs).unref() : undefined;
  if (reload.watchFile) watchFile(reload.watchFile, { interval: CA_WATCH_INTERVAL_MS, persistent: false }, apply);
  return () => {
    clearInterval(timer);
    if (reload.watchFile) unwatchFile(reload.watchFile, apply);
  };
}
