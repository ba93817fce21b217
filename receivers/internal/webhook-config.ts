import type { JSONSchema } from '../../pipeline/component.js';
import { parseDuration, durationSchema } from '../../pipeline/duration.js';
import { HTTP_SERVER_DEFAULTS, httpServerSchema, type HttpServerSettings } from '../../pipeline/http-server.js';
import { splitHostPort } from '../../pipeline/net.js';
import { checkTls, serverTlsSchema, type ServerTlsConfig } from '../../pipeline/tlsconfig.js';

/** The `webhook:` block of the contrib `github` and `gitlab` receivers, plus Summit's keys. */
export interface WebhookConfig extends HttpServerSettings {
  endpoint: string;
  path: string;
  health_path: string;
  secret?: string;
  required_headers?: Record<string, string>;
  tls?: ServerTlsConfig;
  /** Summit: the request body as sent, in bytes. */
  max_request_body_size: number;
  /** Summit: accept deliveries without a secret (upstream's behaviour with no secret set). */
  insecure_allow_unauthenticated: boolean;
  /** Summit: how long a delivery id is remembered so its replay is dropped (0s: never). */
  delivery_dedup_window: string;
}

/** Upstream's defaults: localhost:8080, /events, /health, 500 ms read and write timeouts. */
export const WEBHOOK_DEFAULTS = {
  endpoint: 'localhost:8080',
  path: '/events',
  health_path: '/health',
  ...HTTP_SERVER_DEFAULTS,
  read_timeout: '500ms',
  write_timeout: '500ms',
  // GitHub sends at most 25 MB; GitLab's pipeline hooks for large pipelines come close to it
  max_request_body_size: 25 * 1024 * 1024,
  insecure_allow_unauthenticated: false,
  delivery_dedup_window: '1h',
};

/** Upstream refuses longer read/write timeouts: a webhook sender waits 10 s at most. */
const MAX_TIMEOUT_MS = 10_000;

/** The `webhook` block's schema with `extra` receiver-specific keys. */
export function webhookSchema(extra: Record<string, JSONSchema>): JSONSchema {
  const path = (p: string): JSONSchema => ({ type: 'string', pattern: '^/', default: p });
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      webhook: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          endpoint: { type: 'string', default: WEBHOOK_DEFAULTS.endpoint },
          path: path(WEBHOOK_DEFAULTS.path),
          health_path: path(WEBHOOK_DEFAULTS.health_path),
          secret: { type: 'string' },
          required_headers: { type: 'object', additionalProperties: { type: 'string' } },
          ...httpServerSchema(WEBHOOK_DEFAULTS),
          tls: serverTlsSchema,
          max_request_body_size: { type: 'integer', minimum: 1, default: WEBHOOK_DEFAULTS.max_request_body_size, description: 'bytes' },
          insecure_allow_unauthenticated: { type: 'boolean', default: false },
          delivery_dedup_window: durationSchema(WEBHOOK_DEFAULTS.delivery_dedup_window),
          ...extra,
        },
      },
    },
  };
}

/**
 * Cross-field checks: upstream's (timeouts, required headers) and Summit's refusal to run
 * without a secret unless told to. `fixedHeaders` are the sender's own headers that
 * required_headers may not name.
 */
export function validateWebhook(webhook: Partial<WebhookConfig> | undefined, secretHeader: string, fixedHeaders: string[]): { path: string; message: string }[] {
  const w = { ...WEBHOOK_DEFAULTS, ...(webhook ?? {}) };
  const problems: { path: string; message: string }[] = [];
  try {
    splitHostPort(w.endpoint);
  } catch (err) {
    problems.push({ path: 'webhook.endpoint', message: (err as Error).message });
  }
  if (w.path === w.health_path) problems.push({ path: 'webhook.health_path', message: 'must differ from webhook.path' });
  for (const key of ['read_timeout', 'write_timeout'] as const) {
    if (parseDuration(w[key]) > MAX_TIMEOUT_MS) problems.push({ path: `webhook.${key}`, message: `the duration specified for ${key} exceeds the maximum allowed value of 10s` });
  }
  for (const [key, value] of Object.entries(w.required_headers ?? {})) {
    if (!key || !value) problems.push({ path: `webhook.required_headers`, message: 'both key and value are required to assign a required_header' });
    if (fixedHeaders.some((h) => h.toLowerCase() === key.toLowerCase())) {
      problems.push({ path: `webhook.required_headers.${key}`, message: `the sender's own headers [${fixedHeaders.join(', ')}] cannot be configured` });
    }
  }
  if (!w.secret && !w.insecure_allow_unauthenticated) {
    problems.push({
      path: 'webhook.secret',
      message:
        `a secret is required: anyone who can reach ${w.endpoint} could otherwise send forged events. Set the same secret here and in the webhook's settings ` +
        `(it is checked against ${secretHeader}), or set webhook.insecure_allow_unauthenticated: true to accept unauthenticated deliveries`,
    });
  }
  problems.push(...checkTls(w.tls, 'webhook.tls'));
  return problems;
}

/** The block as written over the defaults. */
export function resolveWebhook<W extends Partial<WebhookConfig>>(webhook: W | undefined): WebhookConfig & W {
  return { ...WEBHOOK_DEFAULTS, ...(webhook ?? ({} as W)) } as WebhookConfig & W;
}
