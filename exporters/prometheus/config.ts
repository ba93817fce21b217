import type { JSONSchema } from '../../pipeline/component.js';
import { durationSchema, parseDuration } from '../../pipeline/duration.js';
import { HTTP_SERVER_DEFAULTS, httpServerSchema, type HttpServerSettings } from '../../pipeline/http-server.js';
import { splitHostPort } from '../../pipeline/net.js';
import { checkTls, serverTlsSchema, type ServerTlsConfig } from '../../pipeline/tlsconfig.js';
import { NAME_LIMITS } from './naming.js';

/** Upstream's translation strategies (otlptranslator), as `translation_strategy` names them. */
export const TRANSLATION_STRATEGIES = [
  'UnderscoreEscapingWithSuffixes',
  'UnderscoreEscapingWithoutSuffixes',
  'NoUTF8EscapingWithSuffixes',
  'NoTranslation',
] as const;
export type TranslationStrategy = (typeof TRANSLATION_STRATEGIES)[number];

export interface PrometheusExporterConfig extends Partial<HttpServerSettings> {
  endpoint: string;
  tls?: ServerTlsConfig;
  namespace: string;
  const_labels: Record<string, string>;
  send_timestamps: boolean;
  metric_expiration: string;
  resource_to_telemetry_conversion: { enabled: boolean; exclude_service_attributes: boolean };
  enable_open_metrics: boolean;
  without_scope_info: boolean;
  add_metric_suffixes: boolean;
  translation_strategy?: TranslationStrategy;
  max_label_name_length: number;
  max_label_value_length: number;
}

export const DEFAULT_ENDPOINT = 'localhost:8889';

export const prometheusExporterSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: { type: 'string', default: DEFAULT_ENDPOINT, description: 'host:port serving /metrics' },
    tls: serverTlsSchema,
    ...httpServerSchema(HTTP_SERVER_DEFAULTS, { auth: false }),
    namespace: { type: 'string', default: '', description: 'prefix of every metric name' },
    const_labels: { type: 'object', additionalProperties: { type: 'string' }, default: {}, description: 'labels added to every series' },
    send_timestamps: { type: 'boolean', default: false },
    metric_expiration: durationSchema('5m'),
    resource_to_telemetry_conversion: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: false },
        exclude_service_attributes: { type: 'boolean', default: false },
      },
    },
    enable_open_metrics: { type: 'boolean', default: false },
    without_scope_info: { type: 'boolean', default: false },
    add_metric_suffixes: { type: 'boolean', default: true, description: 'deprecated upstream: use translation_strategy' },
    translation_strategy: { type: 'string', enum: [...TRANSLATION_STRATEGIES] },
    max_label_name_length: {
      type: 'integer',
      minimum: 1,
      default: NAME_LIMITS.max_label_name_length,
      description: "Summit's own: a series with a label name longer than this many bytes is not served",
    },
    max_label_value_length: {
      type: 'integer',
      minimum: 1,
      default: NAME_LIMITS.max_label_value_length,
      description: "Summit's own: a series whose metric name or a label value is longer than this many bytes is not served",
    },
  },
};

const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function validatePrometheusConfig(c: PrometheusExporterConfig): { path: string; message: string }[] {
  const problems = checkTls(c.tls, 'tls');
  try {
    splitHostPort(c.endpoint ?? DEFAULT_ENDPOINT);
  } catch (err) {
    problems.push({ path: 'endpoint', message: (err as Error).message });
  }
  for (const name of Object.keys(c.const_labels ?? {})) {
    if (!LEGACY_LABEL_NAME.test(name) || name.startsWith('__')) {
      problems.push({ path: `const_labels.${name}`, message: `"${name}" is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)` });
    }
  }
  if (parseDuration(c.metric_expiration ?? '5m') < 0) problems.push({ path: 'metric_expiration', message: 'metric_expiration must not be negative' });
  return problems;
}

/** The settings the exporter runs with, every default applied. */
export interface PrometheusSettings {
  host: string;
  port: number;
  namespace: string;
  constLabels: [string, string][];
  sendTimestamps: boolean;
  /** 0 = never expire. */
  expirationMs: number;
  resourceToTelemetry: boolean;
  excludeServiceAttributes: boolean;
  openMetrics: boolean;
  withoutScopeInfo: boolean;
  withSuffixes: boolean;
  utf8Allowed: boolean;
  maxLabelNameBytes: number;
  maxLabelValueBytes: number;
}

/** translation_strategy, when set, wins over the deprecated add_metric_suffixes (as upstream). */
export function translation(c: Pick<PrometheusExporterConfig, 'translation_strategy' | 'add_metric_suffixes'>): { withSuffixes: boolean; utf8Allowed: boolean } {
  switch (c.translation_strategy) {
    case 'UnderscoreEscapingWithSuffixes':
      return { withSuffixes: true, utf8Allowed: false };
    case 'UnderscoreEscapingWithoutSuffixes':
      return { withSuffixes: false, utf8Allowed: false };
    case 'NoUTF8EscapingWithSuffixes':
      return { withSuffixes: true, utf8Allowed: true };
    case 'NoTranslation':
      return { withSuffixes: false, utf8Allowed: true };
    default:
      return { withSuffixes: c.add_metric_suffixes ?? true, utf8Allowed: false };
  }
}

export function resolvePrometheusConfig(c: Partial<PrometheusExporterConfig>): PrometheusSettings {
  const { host, port } = splitHostPort(c.endpoint ?? DEFAULT_ENDPOINT);
  const r2t = c.resource_to_telemetry_conversion ?? { enabled: false, exclude_service_attributes: false };
  return {
    host,
    port,
    namespace: c.namespace ?? '',
    constLabels: Object.entries(c.const_labels ?? {}),
    sendTimestamps: c.send_timestamps ?? false,
    expirationMs: parseDuration(c.metric_expiration ?? '5m'),
    resourceToTelemetry: r2t.enabled ?? false,
    excludeServiceAttributes: r2t.exclude_service_attributes ?? false,
    openMetrics: c.enable_open_metrics ?? false,
    withoutScopeInfo: c.without_scope_info ?? false,
    maxLabelNameBytes: c.max_label_name_length ?? NAME_LIMITS.max_label_name_length,
    maxLabelValueBytes: c.max_label_value_length ?? NAME_LIMITS.max_label_value_length,
    ...translation({ translation_strategy: c.translation_strategy, add_metric_suffixes: c.add_metric_suffixes ?? true }),
  };
}
