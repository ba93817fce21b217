import { regexError } from '../internal/goregex.js';
import type { Problem } from '../internal/values.js';
import type { DataScrubbingConfig } from './detectors.js';
import { METHODS, parseRuleId, type Method, type RuleSpec } from './rules.js';
import type { UrlSanitizerConfig } from './url-sanitizer.js';

export const HASH_FUNCTIONS = ['md5', 'sha1', 'sha3', 'hmac-sha256', 'hmac-sha512'] as const;
export type HashFunction = (typeof HASH_FUNCTIONS)[number];
export type Summary = 'debug' | 'info' | 'silent';

/** A detector as configured: a Relay rule id, or the id with its method and replacement text. */
export type DetectorConfig = string | { rule: string; method?: Method; text?: string };

export interface RedactionConfig {
  allow_all_keys: boolean;
  allowed_keys: string[];
  ignored_keys: string[];
  ignored_key_patterns: string[];
  blocked_key_patterns: string[];
  blocked_values: string[];
  allowed_values: string[];
  hash_function?: HashFunction | '';
  hmac_key?: string;
  redact_all_types: boolean;
  summary: Summary;
  url_sanitizer: UrlSanitizerConfig;
  db_sanitizer?: unknown;
  /** Summit: Relay's builtin rules over every string value. */
  detectors: DetectorConfig[];
  /** Summit: Sentry's server-side data scrubbing settings; absent = off. */
  data_scrubbing?: DataScrubbingConfig;
}

const strings = { type: 'array', items: { type: 'string' }, default: [] };

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allow_all_keys: { type: 'boolean', default: false },
    allowed_keys: strings,
    ignored_keys: strings,
    ignored_key_patterns: strings,
    blocked_key_patterns: strings,
    blocked_values: strings,
    allowed_values: strings,
    hash_function: { type: 'string', enum: ['', ...HASH_FUNCTIONS] },
    hmac_key: { type: 'string' },
    redact_all_types: { type: 'boolean', default: false },
    summary: { type: 'string', enum: ['debug', 'info', 'silent'], default: 'silent' },
    url_sanitizer: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: false },
        attributes: strings,
        sanitize_span_name: { type: 'boolean', default: true },
        sanitize_log_body: { type: 'boolean', default: true },
      },
    },
    db_sanitizer: {},
    detectors: {
      type: 'array',
      default: [],
      items: {
        anyOf: [
          { type: 'string' },
          {
            type: 'object',
            additionalProperties: false,
            required: ['rule'],
            properties: { rule: { type: 'string' }, method: { type: 'string', enum: [...METHODS] }, text: { type: 'string' } },
          },
        ],
      },
    },
    data_scrubbing: {
      type: 'object',
      additionalProperties: false,
      properties: {
        scrub_data: { type: 'boolean', default: true },
        scrub_defaults: { type: 'boolean', default: true },
        scrub_ip_addresses: { type: 'boolean', default: false },
        sensitive_fields: strings,
        exclude_fields: strings,
      },
    },
  },
};

/** upstream: an HMAC key shorter than the hash's block-size guidance is refused. */
const HMAC_MIN_BYTES: Partial<Record<HashFunction, number>> = { 'hmac-sha256': 32, 'hmac-sha512': 64 };

/** The rules a detector entry stands for, with its method and text applied; a string naming the problem otherwise. */
export function detectorRules(d: DetectorConfig): RuleSpec[] | string {
  const entry = typeof d === 'string' ? { rule: d } : d;
  const specs = parseRuleId(entry.rule);
  if (typeof specs === 'string') return specs;
  return specs.map((s) => ({ ...s, method: entry.method ?? s.method, text: entry.text ?? s.text }));
}

export function validateConfig(c: RedactionConfig): Problem[] {
  const problems: Problem[] = [];
  for (const key of ['ignored_key_patterns', 'blocked_key_patterns', 'blocked_values', 'allowed_values'] as const) {
    (c[key] ?? []).forEach((pattern, i) => {
      const err = regexError(pattern);
      if (err) problems.push({ path: `${key}[${i}]`, message: `invalid regular expression ${JSON.stringify(pattern)}: ${err}` });
    });
  }
  const min = c.hash_function ? HMAC_MIN_BYTES[c.hash_function] : undefined;
  if (min !== undefined) {
    const bytes = Buffer.byteLength(c.hmac_key ?? '', 'utf8');
    if (bytes < min) problems.push({ path: 'hmac_key', message: `${c.hash_function} needs an hmac_key of at least ${min} bytes (got ${bytes})` });
  }
  if (c.db_sanitizer !== undefined && c.db_sanitizer !== null) {
    problems.push({
      path: 'db_sanitizer',
      message: 'not supported by Summit: upstream obfuscates SQL, Redis, Memcached, MongoDB, OpenSearch and Elasticsearch statements with its own parsers; remove the key',
    });
  }
  (c.detectors ?? []).forEach((d, i) => {
    const specs = detectorRules(d);
    if (typeof specs === 'string') problems.push({ path: `detectors[${i}]`, message: specs });
  });
  return problems;
}
