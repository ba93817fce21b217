import type { ComponentFactory, JSONSchema } from '../../pipeline/component.js';
import { createOtlpGrpcExporter, otlpGrpcExporterProperties, validateOtlpGrpcExporterConfig, type OtlpGrpcExporterConfig } from '../../pipeline/otlp-grpc-exporter.js';

export type OtlpExporterConfig = OtlpGrpcExporterConfig;

const otlpExporterSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint'],
  properties: otlpGrpcExporterProperties(),
};

/** Sends OTLP over gRPC, as upstream's `otlp` exporter (also known as `otlp_grpc`). */
export const otlpExporterFactory: ComponentFactory<OtlpExporterConfig> = {
  type: 'otlp',
  aliases: ['otlp_grpc'],
  kind: 'exporter',
  signals: ['traces', 'metrics', 'logs', 'profiles'],
  stability: 'stable',
  configSchema: otlpExporterSchema,
  validate: (c) => validateOtlpGrpcExporterConfig(c),
  create: (ctx, config) => createOtlpGrpcExporter(ctx, config),
};
