import type { JSONSchema } from '../../pipeline/component.js';
import { durationSchema } from '../../pipeline/duration.js';
import { otlpGrpcExporterProperties, validateOtlpGrpcExporterConfig, type OtlpGrpcExporterConfig } from '../../pipeline/otlp-grpc-exporter.js';
import { ROUTING_KEYS, type RoutingKey } from './routing.js';

export interface LoadBalancingConfig {
  routing_key: RoutingKey;
  routing_attributes?: string[];
  protocol: { otlp: Omit<OtlpGrpcExporterConfig, 'endpoint'> & { endpoint?: string } };
  resolver: {
    static?: { hostnames: string[] };
    dns?: { hostname: string; port: string; interval: string; timeout: string };
  };
}

const { endpoint: _endpoint, ...otlpSettings } = otlpGrpcExporterProperties();

export const configSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['protocol', 'resolver'],
  properties: {
    routing_key: { enum: [...ROUTING_KEYS], default: 'traceID' },
    routing_attributes: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    protocol: {
      type: 'object',
      additionalProperties: false,
      required: ['otlp'],
      // upstream ignores protocol.otlp.endpoint (the resolver gives the endpoints); so do we
      properties: { otlp: { type: 'object', additionalProperties: false, properties: { endpoint: { type: 'string' }, ...otlpSettings } } },
    },
    resolver: {
      type: 'object',
      additionalProperties: false,
      properties: {
        static: { type: 'object', additionalProperties: false, required: ['hostnames'], properties: { hostnames: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } } },
        dns: {
          type: 'object',
          additionalProperties: false,
          required: ['hostname'],
          properties: { hostname: { type: 'string', minLength: 1 }, port: { type: 'string', pattern: '^\\d+$', default: '4317' }, interval: durationSchema('5s'), timeout: durationSchema('1s') },
        },
      },
    },
  },
};

export function validateConfig(c: LoadBalancingConfig): { path: string; message: string }[] {
  const problems = validateOtlpGrpcExporterConfig({ ...c.protocol.otlp, endpoint: undefined }, 'protocol.otlp.');
  const resolvers = Object.keys(c.resolver ?? {});
  if (resolvers.length !== 1) problems.push({ path: 'resolver', message: `configure exactly one resolver (static or dns), got ${resolvers.length ? resolvers.join(' and ') : 'none'}` });
  if (c.routing_key === 'attributes' && !c.routing_attributes?.length) problems.push({ path: 'routing_attributes', message: 'routing_key attributes needs routing_attributes' });
  return problems;
}
