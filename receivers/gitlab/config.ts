import type { JSONSchema } from '../../pipeline/component.js';
import { resolveWebhook, validateWebhook, webhookSchema, type WebhookConfig } from '../internal/webhook-config.js';

export interface GitlabWebhookConfig extends WebhookConfig {
  /** Upstream: commit author, message and the triggering user on pipeline spans. */
  include_user_attributes: boolean;
}

export interface GitlabReceiverConfig {
  webhook?: Partial<GitlabWebhookConfig>;
}

export const gitlabReceiverSchema: JSONSchema = webhookSchema({
  include_user_attributes: { type: 'boolean', default: false },
});

/** GitLab's own delivery headers, which required_headers may not name (as upstream). */
export const GITLAB_FIXED_HEADERS = ['X-Gitlab-Webhook-UUID', 'X-Gitlab-Event', 'X-Gitlab-Event-UUID', 'Idempotency-Key'];

export function validateGitlabConfig(config: GitlabReceiverConfig): { path: string; message: string }[] {
  return validateWebhook(config?.webhook, 'X-Gitlab-Token', GITLAB_FIXED_HEADERS);
}

export function resolveGitlabConfig(config: GitlabReceiverConfig): GitlabWebhookConfig {
  return resolveWebhook({ include_user_attributes: false, ...(config?.webhook ?? {}) });
}
