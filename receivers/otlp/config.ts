import type { JSONSchema } from '../../pipeline/component.js';
import { grpcKeepaliveSchema, grpcServerCommonSchema, type GrpcKeepaliveConfig, type GrpcServerCommon } from '../../pipeline/grpc-server.js';
import { HTTP_SERVER_DEFAULTS, httpServerSchema, type HttpServerSettings } from '../../pipeline/http-server.js';
import { maxConnectionsSchema, transportSchema } from '../../pipeline/net.js';
import { serverTlsSchema, type ServerTlsConfig } from '../../pipeline/tlsconfig.js';

export interface GrpcConfig extends GrpcServerCommon {
  endpoint: string;
  max_recv_msg_size_mib: number;
  max_concurrent_streams: number;
  keepalive?: GrpcKeepaliveConfig;
  max_connections: number;
  tls?: ServerTlsConfig;
  max_request_items?: number;
  max_request_values?: number;
  max_items_in_flight?: number;
}

export interface CorsConfig {
  allowed_origins: string[];
  allowed_headers: string[];
  exposed_headers?: string[];
  max_age: number;
}

export interface HttpConfig extends HttpServerSettings {
  endpoint: string;
  transport?: string;
  max_request_body_size: number;
  traces_url_path: string;
  metrics_url_path: string;
  logs_url_path: string;
  cors?: CorsConfig;
  tls?: ServerTlsConfig;
  max_request_items?: number;
  max_request_values?: number;
  max_items_in_flight?: number;
}

export interface OtlpReceiverConfig {
  protocols: { grpc?: GrpcConfig | null; http?: HttpConfig | null };
}

/** Where OTLP/HTTP profiles are posted: fixed, as upstream's otlpreceiver has no key for it. */
export const PROFILES_URL_PATH = '/v1development/profiles';

/** Connections each OTLP server holds at most: a Summit key; see the README. */
const MAX_CONNECTIONS = 1000;

export const GRPC_DEFAULTS = { endpoint: 'localhost:4317', max_recv_msg_size_mib: 4, max_concurrent_streams: 0, max_connections: MAX_CONNECTIONS };
export const HTTP_DEFAULTS = {
  endpoint: 'localhost:4318',
  max_request_body_size: 20 * 1024 * 1024,
  traces_url_path: '/v1/traces',
  metrics_url_path: '/v1/metrics',
  logs_url_path: '/v1/logs',
  // An OTLP answer waits for the pipeline, so no write_timeout (upstream's otlpreceiver has none either)
  ...HTTP_SERVER_DEFAULTS,
  write_timeout: '0s',
  max_connections: MAX_CONNECTIONS,
};

const tls = serverTlsSchema;

const urlPath = (p: string): JSONSchema => ({ type: 'string', pattern: '^/', default: p });

/** Summit's own keys (see limits.ts); without them the limits follow the protocol's size limit. */
const decodeLimitKeys: Record<string, JSONSchema> = {
  max_request_items: { type: 'integer', minimum: 1, description: 'records per request; default: size limit / 16, at most heap / 2048' },
  max_request_values: { type: 'integer', minimum: 1, description: 'attributes and array values per request; default: size limit / 8, at most heap / 1024' },
  max_items_in_flight: {
    type: 'integer',
    minimum: 1,
    description: 'records held at once by requests decoded and not yet answered; a request that would go over waits for a retry (503/UNAVAILABLE). Default: heap / 4096',
  },
};

/**
 * Upstream's keys and defaults. A protocol is enabled by naming it (`grpc:` alone is enough);
 * config validation fills in its defaults from these schemas.
 */
export const otlpReceiverSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['protocols'],
  properties: {
    protocols: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        grpc: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            endpoint: { type: 'string', default: GRPC_DEFAULTS.endpoint },
            max_recv_msg_size_mib: { type: 'number', exclusiveMinimum: 0, default: GRPC_DEFAULTS.max_recv_msg_size_mib },
            max_concurrent_streams: { type: 'integer', minimum: 0, default: GRPC_DEFAULTS.max_concurrent_streams },
            keepalive: grpcKeepaliveSchema,
            max_connections: maxConnectionsSchema(GRPC_DEFAULTS.max_connections),
            tls,
            ...grpcServerCommonSchema,
            ...decodeLimitKeys,
          },
        },
        http: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            endpoint: { type: 'string', default: HTTP_DEFAULTS.endpoint },
            transport: transportSchema,
            max_request_body_size: { type: 'integer', minimum: 1, default: HTTP_DEFAULTS.max_request_body_size, description: 'bytes' },
            traces_url_path: urlPath(HTTP_DEFAULTS.traces_url_path),
            metrics_url_path: urlPath(HTTP_DEFAULTS.metrics_url_path),
            logs_url_path: urlPath(HTTP_DEFAULTS.logs_url_path),
            ...httpServerSchema(HTTP_DEFAULTS),
            cors: {
              type: 'object',
              additionalProperties: false,
              properties: {
                allowed_origins: { type: 'array', items: { type: 'string' }, default: [] },
                allowed_headers: { type: 'array', items: { type: 'string' }, default: [] },
                exposed_headers: { type: 'array', items: { type: 'string' } },
                max_age: { type: 'integer', minimum: 0, default: 0 },
              },
            },
            tls,
            ...decodeLimitKeys,
          },
        },
      },
    },
  },
};

/** The enabled protocols with defaults under whatever was written (`grpc:` alone enables gRPC). */
export function withDefaults(config: OtlpReceiverConfig): { grpc?: GrpcConfig; http?: HttpConfig } {
  const { grpc, http } = config.protocols;
  return {
    grpc: grpc === undefined ? undefined : { ...GRPC_DEFAULTS, ...(grpc ?? {}) },
    http: http === undefined ? undefined : { ...HTTP_DEFAULTS, ...(http ?? {}) },
  };
}
