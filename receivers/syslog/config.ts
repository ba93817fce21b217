/** Config of the `syslog` receiver: upstream syslogreceiver's keys and defaults. */
import type { JSONSchema } from '../../pipeline/component.js';
import { splitHostPort } from '../../pipeline/net.js';
import { byteSizeSchema } from '../../pipeline/stanza/byte-size.js';
import { retryOnFailureSchema, type RetryOnFailureConfig } from '../../pipeline/stanza/emitter.js';
import { operatorsSchema, validateOperators, type OperatorConfig } from '../../pipeline/stanza/operators.js';
import { timeZoneProblem } from '../../pipeline/stanza/timezone.js';
import { checkTls, serverTlsSchema, type ServerTlsConfig } from '../../pipeline/tlsconfig.js';

export interface TcpConfig {
  listen_address: string;
  max_log_size: number | string;
  tls?: ServerTlsConfig;
  add_attributes: boolean;
  encoding: string;
}

export interface UdpConfig {
  listen_address: string;
  add_attributes: boolean;
  one_log_per_packet: boolean;
  encoding: string;
}

export interface SyslogConfig {
  protocol: 'rfc5424' | 'rfc3164';
  location: string;
  enable_octet_counting: boolean;
  allow_skip_pri_header: boolean;
  non_transparent_framing_trailer?: 'LF' | 'NUL';
  max_octets: number;
  tcp?: TcpConfig;
  udp?: UdpConfig;
  retry_on_failure: RetryOnFailureConfig;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  operators: OperatorConfig[];
}

const ENCODINGS = ['utf-8', 'utf8', 'ascii', 'us-ascii', 'latin1', 'iso-8859-1', 'utf-16le'];

/** Upstream's tcp input keys, under `tcp:` of syslog and at the top of tcplog. */
export const TCP_PROPERTIES = {
  listen_address: { type: 'string' },
  max_log_size: byteSizeSchema('1MiB'),
  tls: serverTlsSchema,
  add_attributes: { type: 'boolean', default: false },
  encoding: { type: 'string', default: 'utf-8' },
};

/** Upstream's udp input keys, under `udp:` of syslog and at the top of udplog. */
export const UDP_PROPERTIES = {
  listen_address: { type: 'string' },
  add_attributes: { type: 'boolean', default: false },
  one_log_per_packet: { type: 'boolean', default: false },
  encoding: { type: 'string', default: 'utf-8' },
};

/** The stanza receiver keys every one of them has. */
export const COMMON_PROPERTIES = {
  retry_on_failure: retryOnFailureSchema,
  attributes: { type: 'object', default: {} },
  resource: { type: 'object', default: {} },
  operators: operatorsSchema,
};

/** Problems of a tcp / udp block's listen_address and encoding, keyed under `prefix`. */
export function checkListener(p: { listen_address: string; encoding: string }, prefix: string): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  try {
    splitHostPort(p.listen_address);
  } catch (err) {
    problems.push({ path: `${prefix}listen_address`, message: (err as Error).message });
  }
  if (!ENCODINGS.includes(p.encoding.toLowerCase())) problems.push({ path: `${prefix}encoding`, message: `unsupported encoding "${p.encoding}"; supported: ${ENCODINGS.join(', ')}` });
  return problems;
}

export const syslogConfigSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['protocol'],
  properties: {
    protocol: { enum: ['rfc5424', 'rfc3164'] },
    location: { type: 'string', default: 'UTC', description: 'IANA time zone of RFC 3164 timestamps' },
    enable_octet_counting: { type: 'boolean', default: false },
    allow_skip_pri_header: { type: 'boolean', default: false },
    non_transparent_framing_trailer: { enum: ['LF', 'NUL'] },
    max_octets: { type: 'integer', minimum: 1, default: 8192 },
    tcp: { type: 'object', additionalProperties: false, required: ['listen_address'], properties: TCP_PROPERTIES },
    udp: { type: 'object', additionalProperties: false, required: ['listen_address'], properties: UDP_PROPERTIES },
    ...COMMON_PROPERTIES,
  },
};

export function validateSyslogConfig(c: SyslogConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (!c.tcp === !c.udp) problems.push({ path: '', message: 'exactly one of tcp or udp must be set' });
  for (const [key, p] of [['tcp', c.tcp], ['udp', c.udp]] as const) if (p) problems.push(...checkListener(p, `${key}.`));
  if (c.tcp) problems.push(...checkTls(c.tcp.tls, 'tcp.tls'));
  if (c.udp && c.enable_octet_counting) problems.push({ path: 'enable_octet_counting', message: 'octet counting is a TCP framing; it cannot be used with udp' });
  if (c.udp && c.non_transparent_framing_trailer) problems.push({ path: 'non_transparent_framing_trailer', message: 'framing trailers are a TCP framing; they cannot be used with udp' });
  if (c.enable_octet_counting && c.non_transparent_framing_trailer) problems.push({ path: 'non_transparent_framing_trailer', message: 'cannot be used with enable_octet_counting' });
  if (c.non_transparent_framing_trailer && c.protocol !== 'rfc5424') problems.push({ path: 'non_transparent_framing_trailer', message: 'requires protocol: rfc5424' });
  if (c.enable_octet_counting && c.protocol !== 'rfc5424') problems.push({ path: 'enable_octet_counting', message: 'requires protocol: rfc5424' });
  const zone = timeZoneProblem(c.location);
  if (zone) problems.push({ path: 'location', message: zone });
  return [...problems, ...validateOperators(c.operators)];
}
