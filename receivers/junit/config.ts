import type { JSONSchema } from '../../pipeline/component.js';
import { HTTP_SERVER_DEFAULTS, httpServerSchema, type HttpServerSettings } from '../../pipeline/http-server.js';
import { endpointProblems } from '../../pipeline/net.js';
import { checkTls, serverTlsSchema, type ServerTlsConfig } from '../../pipeline/tlsconfig.js';

export interface JunitReceiverConfig extends HttpServerSettings {
  endpoint: string;
  path: string;
  /** The token uploads carry as `Authorization: Bearer <token>`. */
  bearer_token?: string;
  /** Accept uploads without a token. */
  insecure_allow_unauthenticated: boolean;
  /** The request body as sent (compressed or not), and once decompressed, in bytes. */
  max_request_body_size: number;
  max_depth: number;
  max_test_cases: number;
  tls?: ServerTlsConfig;
}

export const JUNIT_DEFAULTS = {
  endpoint: 'localhost:8081',
  path: '/junit',
  insecure_allow_unauthenticated: false,
  max_request_body_size: 20 * 1024 * 1024,
  // JUnit reports nest three or four levels; a few more for nested suites
  max_depth: 32,
  max_test_cases: 100_000,
  ...HTTP_SERVER_DEFAULTS,
};

export const junitReceiverSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: { type: 'string', default: JUNIT_DEFAULTS.endpoint },
    path: { type: 'string', pattern: '^/', default: JUNIT_DEFAULTS.path },
    bearer_token: { type: 'string' },
    insecure_allow_unauthenticated: { type: 'boolean', default: false },
    max_request_body_size: { type: 'integer', minimum: 1, default: JUNIT_DEFAULTS.max_request_body_size, description: 'bytes' },
    max_depth: { type: 'integer', minimum: 2, default: JUNIT_DEFAULTS.max_depth },
    max_test_cases: { type: 'integer', minimum: 1, default: JUNIT_DEFAULTS.max_test_cases },
    ...httpServerSchema(JUNIT_DEFAULTS),
    tls: serverTlsSchema,
  },
};

export function validateJunitConfig(raw: Partial<JunitReceiverConfig>): { path: string; message: string }[] {
  const config = resolveJunitConfig(raw);
  const problems: { path: string; message: string }[] = [];
  problems.push(...endpointProblems(config.endpoint));
  if (!config.bearer_token && !config.insecure_allow_unauthenticated) {
    problems.push({
      path: 'bearer_token',
      message: `a token is required: anyone who can reach ${config.endpoint} could otherwise upload forged test results. Set bearer_token (uploads send "Authorization: Bearer <token>"), or set insecure_allow_unauthenticated: true`,
    });
  }
  problems.push(...checkTls(config.tls, 'tls'));
  return problems;
}

export function resolveJunitConfig(raw: Partial<JunitReceiverConfig> | undefined): JunitReceiverConfig {
  return { ...JUNIT_DEFAULTS, ...(raw ?? {}) };
}
