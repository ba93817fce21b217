import type { ComponentFactory } from '../../pipeline/component.js';
import { webhookReceiver } from '../internal/webhook-server.js';
import { githubReceiverSchema, resolveGithubConfig, validateGithubConfig, type GithubReceiverConfig } from './config.js';
import { githubSource } from './source.js';

export type { GithubReceiverConfig } from './config.js';

/**
 * Upstream's `github` receiver (traces side): GitHub webhook deliveries → CI/CD spans with the
 * contrib receiver's deterministic ids; Summit also authenticates every delivery, drops replays,
 * and takes deployments, pushes, pull requests and check runs.
 */
export const githubReceiverFactory: ComponentFactory<GithubReceiverConfig> = {
  type: 'github',
  kind: 'receiver',
  signals: ['traces'],
  stability: 'alpha',
  configSchema: githubReceiverSchema,
  validate: validateGithubConfig,
  create(ctx, config, next) {
    const webhook = resolveGithubConfig(config);
    return webhookReceiver(ctx, next, webhook, githubSource(webhook));
  },
};
