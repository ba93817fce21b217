/**
 * An OTLP/gRPC exporter as upstream's `otlp` exporter configures it: its settings schema and
 * checks, and the exporter (transport wrapped in the exporter helper). Shared by `otlp` and by
 * exporters that send OTLP to several backends (`loadbalancing`'s `protocol.otlp`).
 */
import { clientAuthenticator } from './auth.js';
import type { ComponentInstance, CreateContext, JSONSchema } from './component.js';
import { createExporterHelper, exporterHelperSchemaProperties, validateExporterHelperConfig, type ExporterHelperConfig } from './exporterhelper/index.js';
import { grpcClientSchema, type GrpcClientSettings } from './grpc-client.js';
import { OtlpGrpcTransport } from './otlp-grpc-transport.js';
import { checkTls, clientTlsSchema, type ClientTlsConfig } from './tlsconfig.js';

export interface OtlpGrpcExporterConfig extends ExporterHelperConfig, GrpcClientSettings {
  endpoint: string;
  tls?: ClientTlsConfig;
  headers: Record<string, string>;
  compression: 'gzip' | 'none' | '';
}

/** The settings' schema properties (`endpoint` included; a caller that sets it itself may leave it out). */
export function otlpGrpcExporterProperties(): Record<string, JSONSchema> {
  return {
    endpoint: { type: 'string', minLength: 1, description: 'host:port of an OTLP/gRPC server (a http:// or https:// scheme is accepted)' },
    tls: clientTlsSchema,
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    compression: { type: 'string', enum: ['gzip', 'none', ''], default: 'gzip' },
    ...grpcClientSchema,
    ...exporterHelperSchemaProperties(),
  };
}

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)?[^/?#]*@/i;

/** Checks the schema cannot express, with paths under `prefix` (e.g. `protocol.otlp.`). */
export function validateOtlpGrpcExporterConfig(c: Partial<OtlpGrpcExporterConfig>, prefix = ''): { path: string; message: string }[] {
  const problems = [...checkTls(c.tls, `${prefix}tls`), ...validateExporterHelperConfig(c as ExporterHelperConfig).map((p) => ({ ...p, path: prefix + p.path }))];
  // gRPC sends nothing from a URL's userinfo: it would only end up in the target name, and
  // from there in every connection error logged
  if (c.endpoint && USERINFO.test(c.endpoint))
    problems.push({ path: `${prefix}endpoint`, message: 'must not carry credentials (user:password@): gRPC does not send them; use headers (e.g. authorization) instead' });
  return problems;
}

/** The exporter: one gRPC client behind one exporter helper (queue, retry, timeout). */
export function createOtlpGrpcExporter(ctx: CreateContext, config: OtlpGrpcExporterConfig): ComponentInstance & { consumers: NonNullable<ComponentInstance['consumers']> } {
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
}
