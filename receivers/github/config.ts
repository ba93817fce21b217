import type { JSONSchema } from '../../pipeline/component.js';
import { resolveWebhook, validateWebhook, webhookSchema, type WebhookConfig } from '../internal/webhook-config.js';

export interface GithubWebhookConfig extends WebhookConfig {
  /** Upstream: the service.name of every span, over the repository's custom property and name. */
  service_name?: string;
  /** Upstream: the raw delivery as a span event on the run and job spans. */
  include_span_events: boolean;
}

export interface GithubReceiverConfig {
  webhook?: Partial<GithubWebhookConfig>;
}

export const githubReceiverSchema: JSONSchema = webhookSchema({
  service_name: { type: 'string' },
  include_span_events: { type: 'boolean', default: false },
});

/** GitHub's own delivery headers, which required_headers may not name (as upstream). */
export const GITHUB_FIXED_HEADERS = ['X-GitHub-Event', 'X-GitHub-Delivery', 'X-GitHub-Hook-ID', 'X-Hub-Signature-256'];

export function validateGithubConfig(config: GithubReceiverConfig): { path: string; message: string }[] {
  return validateWebhook(config?.webhook, 'X-Hub-Signature-256', GITHUB_FIXED_HEADERS);
}

export function resolveGithubConfig(config: GithubReceiverConfig): GithubWebhookConfig {
  return resolveWebhook({ include_span_events: false, ...(config?.webhook ?? {}) });
}
