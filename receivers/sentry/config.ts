import type { JSONSchema } from '../../pipeline/component.js';
import { HTTP_SERVER_DEFAULTS, httpServerSchema, type HttpServerSettings } from '../../pipeline/http-server.js';
import { endpointProblems } from '../../pipeline/net.js';
import { checkTls, serverTlsSchema, type ServerTlsConfig } from '../../pipeline/tlsconfig.js';
import { uploadsSchema, type UploadsConfig } from './uploads/config.js';

/** What a project's rate limit counts; `all` counts every item of every other category. */
export const RATE_LIMIT_CATEGORIES = ['error', 'transaction', 'session', 'log', 'attachment', 'default', 'all'] as const;
export type RateLimitCategory = (typeof RATE_LIMIT_CATEGORIES)[number];

export interface RateLimitConfig {
  category: RateLimitCategory;
  per_second?: number;
  per_minute?: number;
}

export interface ProjectConfig {
  /** Sentry's numeric project id, as text (the last part of the DSN). */
  id: string;
  /** The project's name (slug): the `service.name` of what it sends. */
  name: string;
  /** Public keys (the DSN's user part) that may send to this project. */
  keys: string[];
  rate_limits: RateLimitConfig[];
}

export interface SentryReceiverConfig extends HttpServerSettings {
  endpoint: string;
  tls?: ServerTlsConfig;
  /** Absent or empty: one project kept in `project_file` (see default-project.ts). */
  projects?: ProjectConfig[];
  /** Where the project used without `projects` is kept. */
  project_file?: string;
  /** Relay's limits.max_event_size: event-like items of one envelope together, in bytes. */
  max_event_size: number;
  /** Relay's limits.max_envelope_size: a whole envelope once decompressed, in bytes. */
  max_envelope_size: number;
  /** The request body as sent (compressed or not), in bytes. */
  max_request_body_size: number;
  /** Source map uploads (sentry-cli, bundler plugins); absent: not served. */
  uploads?: UploadsConfig;
}

const MIB = 1024 * 1024;

export const SENTRY_DEFAULTS = {
  endpoint: 'localhost:9000',
  max_event_size: 1 * MIB,
  max_envelope_size: 200 * MIB,
  max_request_body_size: 20 * MIB,
  ...HTTP_SERVER_DEFAULTS,
  // An answer waits for the pipeline (nothing is acknowledged before it is delivered or queued)
  write_timeout: '0s',
  max_connections: 1000,
};

const KEY_PATTERN = /^[0-9a-f]{32}$/;
const PROJECT_ID_PATTERN = /^[0-9]{1,19}$/;

export const sentryReceiverSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: { type: 'string', default: SENTRY_DEFAULTS.endpoint },
    tls: serverTlsSchema,
    ...httpServerSchema(SENTRY_DEFAULTS),
    max_event_size: { type: 'integer', minimum: 1, default: SENTRY_DEFAULTS.max_event_size, description: 'bytes' },
    max_envelope_size: { type: 'integer', minimum: 1, default: SENTRY_DEFAULTS.max_envelope_size, description: 'bytes, decompressed' },
    max_request_body_size: { type: 'integer', minimum: 1, default: SENTRY_DEFAULTS.max_request_body_size, description: 'bytes, as sent' },
    uploads: uploadsSchema,
    project_file: {
      type: 'string',
      description: "Summit's own: without projects, the one project accepted is kept here (made at the first start); default ./data/sentry-project.json under the working directory",
    },
    projects: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'keys'],
        properties: {
          // YAML reads `id: 42` as a number; both spellings mean the same project
          id: { type: ['string', 'integer'], description: 'numeric project id' },
          name: { type: 'string', minLength: 1 },
          keys: { type: 'array', minItems: 1, items: { type: 'string' } },
          rate_limits: {
            type: 'array',
            default: [],
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['category'],
              anyOf: [{ required: ['per_second'] }, { required: ['per_minute'] }],
              properties: {
                category: { enum: [...RATE_LIMIT_CATEGORIES] },
                per_second: { type: 'integer', minimum: 0 },
                per_minute: { type: 'integer', minimum: 0 },
              },
            },
          },
        },
      },
    },
  },
};

/** The config with defaults under what was written and project ids as text. */
export type ResolvedSentryConfig = SentryReceiverConfig & { projects: ProjectConfig[] };

export function withDefaults(config: SentryReceiverConfig): ResolvedSentryConfig {
  return {
    ...SENTRY_DEFAULTS,
    ...config,
    projects: (config.projects ?? []).map((p) => ({ ...p, id: String(p.id), rate_limits: p.rate_limits ?? [] })),
  };
}

/**
 * What the schema cannot say: ids numeric, keys Sentry public keys (32 lowercase hex digits),
 * and no id, name, key or rate-limit category twice. Messages never quote a key.
 */
export function validateConfig(raw: SentryReceiverConfig): { path: string; message: string }[] {
  const config = withDefaults(raw);
  const problems: { path: string; message: string }[] = [];
  problems.push(...endpointProblems(config.endpoint));
  problems.push(...checkTls(config.tls, 'tls'));
  const ids = new Map<string, number>();
  const names = new Map<string, number>();
  const keys = new Map<string, string>();
  config.projects.forEach((p, i) => {
    const at = `projects[${i}]`;
    if (!PROJECT_ID_PATTERN.test(p.id)) problems.push({ path: `${at}.id`, message: 'must be a numeric project id (the last part of the DSN), e.g. "42"' });
    else if (ids.has(p.id)) problems.push({ path: `${at}.id`, message: `project id ${p.id} is already projects[${ids.get(p.id)}]'s` });
    else ids.set(p.id, i);
    if (names.has(p.name)) problems.push({ path: `${at}.name`, message: `project name "${p.name}" is already projects[${names.get(p.name)}]'s` });
    else names.set(p.name, i);
    p.keys.forEach((key, k) => {
      const keyAt = `${at}.keys[${k}]`;
      if (!KEY_PATTERN.test(key)) problems.push({ path: keyAt, message: 'must be a Sentry public key: 32 lowercase hexadecimal digits' });
      else if (keys.has(key)) problems.push({ path: keyAt, message: `the same key as ${keys.get(key)}; a key belongs to one project` });
      else keys.set(key, keyAt);
    });
    const categories = new Map<string, number>();
    p.rate_limits.forEach((r, k) => {
      if (categories.has(r.category)) {
        problems.push({ path: `${at}.rate_limits[${k}].category`, message: `${r.category} is already limited by rate_limits[${categories.get(r.category)}]; give both per_second and per_minute there` });
      } else categories.set(r.category, k);
    });
  });
  return problems;
}
