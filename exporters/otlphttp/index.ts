import { wiredSignals, type ComponentFactory, type JSONSchema } from '../../pipeline/component.js';
import { createExporterHelper, exporterHelperSchemaProperties, validateExporterHelperConfig, type ExporterHelperConfig } from '../../pipeline/exporterhelper/index.js';
import { clientAuthenticator } from '../../pipeline/auth.js';
import { httpClientSchema, type HttpClientSettings } from '../../pipeline/http-client.js';
import type { PipelineSignal } from '../../pipeline/model.js';
import { checkTls, clientTlsSchema, type ClientTlsConfig } from '../../pipeline/tlsconfig.js';
import { OtlpHttpTransport } from './transport.js';

export interface OtlpHttpExporterConfig extends ExporterHelperConfig, HttpClientSettings {
  endpoint?: string;
  traces_endpoint?: string;
  metrics_endpoint?: string;
  logs_endpoint?: string;
  profiles_endpoint?: string;
  tls?: ClientTlsConfig;
  headers: Record<string, string>;
  compression: 'gzip' | 'none' | '';
  encoding: 'proto' | 'json';
}

const url = (description: string): JSONSchema => ({ type: 'string', pattern: '^https?://', description });

/** Upstream's otlphttp exporter waits 30s for an answer, not the helper's usual 5s. */
const DEFAULTS = { timeout: '30s' };

export const otlpHttpExporterSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: url('base URL; /v1/traces, /v1/metrics, /v1/logs, /v1development/profiles are appended'),
    traces_endpoint: url('full URL for traces, overriding endpoint'),
    metrics_endpoint: url('full URL for metrics, overriding endpoint'),
    logs_endpoint: url('full URL for logs, overriding endpoint'),
    profiles_endpoint: url('full URL for profiles, overriding endpoint'),
    tls: clientTlsSchema,
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    compression: { type: 'string', enum: ['gzip', 'none', ''], default: 'gzip' },
    encoding: { type: 'string', enum: ['proto', 'json'], default: 'proto' },
    ...httpClientSchema,
    ...exporterHelperSchemaProperties(DEFAULTS),
  },
};

const SIGNAL_PATH: Record<PipelineSignal, string> = { traces: 'v1/traces', metrics: 'v1/metrics', logs: 'v1/logs', profiles: 'v1development/profiles' };

/** Each signal's URL: its own *_endpoint, or the base endpoint with the signal's path appended. */
export function signalUrls(c: OtlpHttpExporterConfig): Partial<Record<PipelineSignal, URL>> {
  const out: Partial<Record<PipelineSignal, URL>> = {};
  for (const signal of Object.keys(SIGNAL_PATH) as PipelineSignal[]) {
    const own = c[`${signal}_endpoint` as const];
    if (own) out[signal] = new URL(own);
    else if (c.endpoint) out[signal] = new URL(`${c.endpoint.replace(/\/+$/, '')}/${SIGNAL_PATH[signal]}`);
  }
  return out;
}

/** Sends OTLP over HTTP (protobuf or JSON), as upstream's `otlphttp` exporter (also `otlp_http`). */
export const otlpHttpExporterFactory: ComponentFactory<OtlpHttpExporterConfig> = {
  type: 'otlphttp',
  aliases: ['otlp_http'],
  kind: 'exporter',
  signals: ['traces', 'metrics', 'logs', 'profiles'],
  stability: 'stable',
  configSchema: otlpHttpExporterSchema,
  validate(c) {
    const problems = [...checkTls(c.tls, 'tls'), ...validateExporterHelperConfig(c)];
    if (!c.endpoint && !c.traces_endpoint && !c.metrics_endpoint && !c.logs_endpoint && !c.profiles_endpoint) {
      problems.push({ path: 'endpoint', message: 'set endpoint, or traces_endpoint / metrics_endpoint / logs_endpoint / profiles_endpoint' });
    }
    try {
      signalUrls(c);
    } catch (err) {
      problems.push({ path: 'endpoint', message: (err as Error).message });
    }
    return problems;
  },
  create(ctx, config) {
    const urls = signalUrls(config);
    const missing = wiredSignals(ctx).filter((s) => !urls[s]);
    if (missing.length) throw new Error(`no URL for ${missing.join(', ')}: set endpoint or ${missing.map((s) => `${s}_endpoint`).join(' / ')}`);
    const transport = new OtlpHttpTransport({
      urls,
      encoding: config.encoding ?? 'proto',
      compression: config.compression === 'gzip' || config.compression === undefined ? 'gzip' : 'none',
      headers: config.headers ?? {},
      tls: config.tls,
      client: config,
      configDir: ctx.configDir,
      logger: ctx.logger,
    });
    const helper = createExporterHelper(ctx, config, (signal, data, abort) => transport.send(signal, data, abort), { defaults: DEFAULTS });
    return {
      ...helper,
      async start(host) {
        if (config.auth) transport.auth = clientAuthenticator(host, config.auth);
        await helper.start(host);
      },
      async shutdown(stop) {
        await helper.shutdown(stop);
        transport.close();
      },
    };
  },
};
