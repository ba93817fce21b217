import type { ComponentFactory } from '../../pipeline/component.js';
import { webhookReceiver } from '../internal/webhook-server.js';
import { gitlabReceiverSchema, resolveGitlabConfig, validateGitlabConfig, type GitlabReceiverConfig } from './config.js';
import { gitlabSource } from './source.js';

export type { GitlabReceiverConfig } from './config.js';

/**
 * Upstream's `gitlab` receiver: GitLab webhook deliveries → pipeline, stage and job spans with
 * the contrib receiver's deterministic ids; Summit also requires the token (compared in
 * constant time), drops replays, and takes Job, Deployment and Push Hooks.
 */
export const gitlabReceiverFactory: ComponentFactory<GitlabReceiverConfig> = {
  type: 'gitlab',
  kind: 'receiver',
  signals: ['traces'],
  stability: 'alpha',
  configSchema: gitlabReceiverSchema,
  validate: validateGitlabConfig,
  create(ctx, config, next) {
    const webhook = resolveGitlabConfig(config);
    return webhookReceiver(ctx, next, webhook, gitlabSource(webhook));
  },
};
