import { clientAuthenticator } from '../../pipeline/auth.js';
import type { ComponentFactory, JSONSchema } from '../../pipeline/component.js';
import { grpcClientSchema, type GrpcClientSettings } from '../../pipeline/grpc-client.js';
import { createExporterHelper, exporterHelperSchemaProperties, validateExporterHelperConfig, type ExporterHelperConfig } from '../../pipeline/exporterhelper/index.js';
import { checkTls, clientTlsSchema, type ClientTlsConfig } from '../../pipeline/tlsconfig.js';
import { OtlpGrpcTransport } from './transport.js';

export interface OtlpExporterConfig extends ExporterHelperConfig, GrpcClientSettings {
  endpoint: string;
  tls?: ClientTlsConfig;
  headers: Record<string, string>;
  compression: 'gzip' | 'none' | '';
}

export const otlpExporterSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint'],
  properties: {
    endpoint: { type: 'string', minLength: 1, description: 'host:port of an OTLP/gRPC server (a http:// or https:// scheme is accepted)' },
    tls: clientTlsSchema,
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    compression: { type: 'string', enum: ['gzip', 'none', ''], default: 'gzip' },
    ...grpcClientSchema,
    ...exporterHelperSchemaProperties(),
  },
};

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)?[^/?#]*@/i;

/** Sends OTLP over gRPC, as upstream's `otlp` exporter (also known as `otlp_grpc`). */
export const otlpExporterFactory: ComponentFactory<OtlpExporterConfig> = {
  type: 'otlp',
  aliases: ['otlp_grpc'],
  kind: 'exporter',
  signals: ['traces', 'metrics', 'logs'],
  stability: 'stable',
  configSchema: otlpExporterSchema,
  validate(c) {
    const problems = [...checkTls(c.tls, 'tls'), ...validateExporterHelperConfig(c)];
    // gRPC sends nothing from a URL's userinfo: it would only end up in the target name, and
    // from there in every connection error logged
    if (USERINFO.test(c.endpoint)) problems.push({ path: 'endpoint', message: 'must not carry credentials (user:password@): gRPC does not send them; use headers (e.g. authorization) instead' });
    return problems;
  },
  create(ctx, config) {
    const transport = new OtlpGrpcTransport({
      endpoint: config.endpoint,
      tls: config.tls,
      headers: config.headers ?? {},
      compression: config.compression === 'gzip' || config.compression === undefined ? 'gzip' : 'none',
      client: config,
      configDir: ctx.configDir,
      logger: ctx.logger,
    });
    const helper = createExporterHelper(ctx, config, (signal, data, abort) => transport.send(signal, data, abort));
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
