/**
 * Config of the `prometheus` receiver: upstream prometheusreceiver's keys around a Prometheus
 * configuration (`config.global`, `config.scrape_configs`) in Prometheus's own format and
 * defaults. Service discovery other than static and file is accepted and reported as not
 * discovering anything, so configs written for the Collector load.
 */
import type { JSONSchema } from '../../pipeline/component.js';
import { relabelConfigSchema, relabelProblems, type RelabelConfig } from './relabel.js';

export interface PromTlsConfig {
  ca_file?: string;
  ca?: string;
  cert_file?: string;
  cert?: string;
  key_file?: string;
  key?: string;
  server_name?: string;
  insecure_skip_verify?: boolean;
  min_version?: string;
  max_version?: string;
}

export interface HttpSettings {
  basic_auth?: { username?: string; username_file?: string; password?: string; password_file?: string };
  authorization?: { type?: string; credentials?: string; credentials_file?: string };
  bearer_token?: string;
  bearer_token_file?: string;
  tls_config?: PromTlsConfig;
  proxy_url?: string;
  follow_redirects?: boolean;
  enable_http2?: boolean;
}

export interface StaticConfig {
  targets?: string[];
  labels?: Record<string, string>;
}

export interface FileSdConfig {
  files: string[];
  refresh_interval?: string;
}

export interface ScrapeLimits {
  body_size_limit?: string | number;
  sample_limit?: number;
  label_limit?: number;
  label_name_length_limit?: number;
  label_value_length_limit?: number;
}

export interface ScrapeConfig extends HttpSettings, ScrapeLimits {
  job_name: string;
  scrape_interval?: string;
  scrape_timeout?: string;
  scrape_protocols?: string[];
  metrics_path?: string;
  scheme?: string;
  params?: Record<string, string[]>;
  honor_labels?: boolean;
  honor_timestamps?: boolean;
  track_timestamps_staleness?: boolean;
  enable_compression?: boolean;
  target_limit?: number;
  static_configs?: StaticConfig[];
  file_sd_configs?: FileSdConfig[];
  relabel_configs?: RelabelConfig[];
  metric_relabel_configs?: RelabelConfig[];
  [otherDiscovery: string]: unknown;
}

export interface GlobalConfig extends ScrapeLimits {
  scrape_interval?: string;
  scrape_timeout?: string;
  scrape_protocols?: string[];
  external_labels?: Record<string, string>;
}

export interface PrometheusReceiverConfig {
  config: { global?: GlobalConfig; scrape_configs?: ScrapeConfig[]; scrape_config_files?: string[] };
  trim_metric_suffixes: boolean;
  use_start_time_metric: boolean;
  start_time_metric_regex?: string;
  report_extra_scrape_metrics: boolean;
  target_allocator?: unknown;
  api_server?: unknown;
}

const promDuration = { type: 'string', pattern: '^((\\d+)(y|w|d|h|m|s|ms))+$|^0$', description: 'Prometheus duration, e.g. 15s, 1m, 1h30m, 1d' };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const count = { type: 'integer', minimum: 0 };
const byteLimit = { type: ['string', 'integer'], description: 'bytes, or with a unit: 10MB, 1GiB (base 2, as Prometheus reads them)' };

export const SCRAPE_PROTOCOLS = ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4', 'PrometheusProto'];

const limitProperties = {
  body_size_limit: byteLimit,
  sample_limit: count,
  label_limit: count,
  label_name_length_limit: count,
  label_value_length_limit: count,
};

const tlsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ca_file: { type: 'string' },
    ca: { type: 'string' },
    cert_file: { type: 'string' },
    cert: { type: 'string' },
    key_file: { type: 'string' },
    key: { type: 'string' },
    server_name: { type: 'string' },
    insecure_skip_verify: { type: 'boolean' },
    min_version: { enum: ['TLS10', 'TLS11', 'TLS12', 'TLS13'] },
    max_version: { enum: ['TLS10', 'TLS11', 'TLS12', 'TLS13'] },
  },
};

const scrapeConfigSchema = {
  type: 'object',
  required: ['job_name'],
  additionalProperties: false,
  // Other service discoveries (kubernetes_sd_configs, …) load and are reported as discovering nothing.
  patternProperties: { '_sd_configs$': { type: 'array' } },
  properties: {
    job_name: { type: 'string', minLength: 1 },
    scrape_interval: promDuration,
    scrape_timeout: promDuration,
    scrape_protocols: { type: 'array', items: { enum: SCRAPE_PROTOCOLS } },
    metrics_path: { type: 'string' },
    scheme: { enum: ['http', 'https'] },
    params: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    honor_labels: { type: 'boolean' },
    honor_timestamps: { type: 'boolean' },
    track_timestamps_staleness: { type: 'boolean' },
    enable_compression: { type: 'boolean' },
    target_limit: count,
    keep_dropped_targets: count,
    ...limitProperties,
    basic_auth: {
      type: 'object',
      additionalProperties: false,
      properties: { username: { type: 'string' }, username_file: { type: 'string' }, password: { type: 'string' }, password_file: { type: 'string' } },
    },
    authorization: {
      type: 'object',
      additionalProperties: false,
      properties: { type: { type: 'string' }, credentials: { type: 'string' }, credentials_file: { type: 'string' } },
    },
    bearer_token: { type: 'string' },
    bearer_token_file: { type: 'string' },
    tls_config: tlsSchema,
    proxy_url: { type: 'string', pattern: '^https?://' },
    follow_redirects: { type: 'boolean' },
    enable_http2: { type: 'boolean' },
    static_configs: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { targets: { type: 'array', items: { type: 'string' } }, labels: stringMap } },
    },
    file_sd_configs: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['files'],
        properties: { files: { type: 'array', minItems: 1, items: { type: 'string' } }, refresh_interval: promDuration },
      },
    },
    relabel_configs: { type: 'array', items: relabelConfigSchema },
    metric_relabel_configs: { type: 'array', items: relabelConfigSchema },
  },
};

export const prometheusConfigSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['config'],
  properties: {
    config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        global: {
          type: 'object',
          additionalProperties: false,
          properties: {
            scrape_interval: promDuration,
            scrape_timeout: promDuration,
            scrape_protocols: { type: 'array', items: { enum: SCRAPE_PROTOCOLS } },
            evaluation_interval: promDuration,
            external_labels: stringMap,
            ...limitProperties,
          },
        },
        scrape_configs: { type: 'array', items: scrapeConfigSchema },
        scrape_config_files: { type: 'array', items: { type: 'string' } },
      },
    },
    trim_metric_suffixes: { type: 'boolean', default: false },
    use_start_time_metric: { type: 'boolean', default: false },
    start_time_metric_regex: { type: 'string' },
    report_extra_scrape_metrics: { type: 'boolean', default: false },
    target_allocator: { type: 'object', description: 'not supported: Summit rejects it' },
    api_server: { type: 'object', description: 'not supported: Summit rejects it' },
  },
};

/** Prometheus's duration syntax in milliseconds (units y, w, d, h, m, s, ms). */
export function parsePromDuration(text: string): number {
  if (text === '0') return 0;
  const unit: Record<string, number> = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  const re = /(\d+)(ms|y|w|d|h|m|s)/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new Error(`invalid duration "${text}": expected e.g. 15s, 1m, 1h30m`);
    total += Number(m[1]) * unit[m[2]];
    i = re.lastIndex;
  }
  return total;
}

/** Prometheus's base-2 byte sizes (`units.ParseBase2Bytes`): 10MB and 10MiB are both 10 × 2^20. */
export function parseBase2Bytes(v: string | number): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTPE]i?B|B)?\s*$/.exec(v);
  if (!m) throw new Error(`invalid size "${v}": expected e.g. 1024, 10MB, 1GiB`);
  const power = m[2] ? 'BKMGTPE'.indexOf(m[2][0]) : 0;
  return Math.floor(parseFloat(m[1]) * 1024 ** power);
}

export function validatePrometheusConfig(c: PrometheusReceiverConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (c.target_allocator) problems.push({ path: 'target_allocator', message: 'the target allocator is not supported; list targets in config.scrape_configs' });
  if (c.api_server) problems.push({ path: 'api_server', message: 'the Prometheus API server is not supported' });
  if (c.config.scrape_config_files?.length) problems.push({ path: 'config.scrape_config_files', message: 'not supported; write the scrape configs under config.scrape_configs' });
  if (c.start_time_metric_regex) {
    try {
      new RegExp(c.start_time_metric_regex);
    } catch (err) {
      problems.push({ path: 'start_time_metric_regex', message: (err as Error).message });
    }
  }
  const global = c.config.global ?? {};
  const jobs = new Set<string>();
  for (const [i, sc] of (c.config.scrape_configs ?? []).entries()) {
    const at = `config.scrape_configs[${i}].`;
    if (jobs.has(sc.job_name)) problems.push({ path: `${at}job_name`, message: `job_name "${sc.job_name}" is used by an earlier scrape config` });
    jobs.add(sc.job_name);
    const interval = parsePromDuration(sc.scrape_interval ?? global.scrape_interval ?? '1m');
    const timeout = parsePromDuration(sc.scrape_timeout ?? global.scrape_timeout ?? '10s');
    if (interval <= 0) problems.push({ path: `${at}scrape_interval`, message: 'must be greater than 0' });
    if (sc.scrape_timeout && timeout > interval) problems.push({ path: `${at}scrape_timeout`, message: `scrape_timeout (${sc.scrape_timeout}) is greater than scrape_interval` });
    const limit = sc.body_size_limit ?? global.body_size_limit;
    if (limit !== undefined) {
      try {
        parseBase2Bytes(limit);
      } catch (err) {
        problems.push({ path: `${at}body_size_limit`, message: (err as Error).message });
      }
    }
    const auths = [sc.basic_auth, sc.authorization, sc.bearer_token ?? sc.bearer_token_file].filter((a) => a !== undefined);
    if (auths.length > 1) problems.push({ path: at.slice(0, -1), message: 'at most one of basic_auth, authorization and bearer_token / bearer_token_file may be configured' });
    if (sc.basic_auth && sc.basic_auth.password && sc.basic_auth.password_file) problems.push({ path: `${at}basic_auth`, message: 'at most one of password and password_file' });
    if (sc.authorization && sc.authorization.credentials && sc.authorization.credentials_file) problems.push({ path: `${at}authorization`, message: 'at most one of credentials and credentials_file' });
    if (sc.authorization?.type && sc.authorization.type.toLowerCase() === 'basic') problems.push({ path: `${at}authorization.type`, message: 'use basic_auth for Basic authorization' });
    if (sc.proxy_url) problems.push({ path: `${at}proxy_url`, message: 'scraping through a proxy is not supported' });
    for (const key of ['relabel_configs', 'metric_relabel_configs'] as const) {
      for (const [j, r] of (sc[key] ?? []).entries()) problems.push(...relabelProblems(r, `${at}${key}[${j}].`));
    }
  }
  return problems;
}
