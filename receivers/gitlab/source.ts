import type { IncomingMessage } from 'node:http';
import type { Traces } from '../../pipeline/model.js';
import { parsePayload, type Json } from '../internal/payload.js';
import { secretMatches } from '../internal/secrets.js';
import { WebhookError, type WebhookOutcome, type WebhookSource } from '../internal/webhook-server.js';
import { deploymentTraces, jobTraces, pushTraces } from './activity.js';
import type { GitlabWebhookConfig } from './config.js';
import { pipelineTraces } from './pipeline.js';

/** X-Gitlab-Event values Summit takes (upstream: Pipeline Hook only). */
function handlers(config: GitlabWebhookConfig): Record<string, (e: Json) => Traces | undefined> {
  return {
    'Pipeline Hook': (e) => pipelineTraces(e, config),
    'Job Hook': jobTraces,
    'Deployment Hook': deploymentTraces,
    'Push Hook': pushTraces,
  };
}

/** GitLab's side of the webhook: X-Gitlab-Token, X-Gitlab-Event, Idempotency-Key. */
export function gitlabSource(config: GitlabWebhookConfig): WebhookSource {
  const byEvent = handlers(config);
  return {
    sender: 'GitLab',
    authHeader: 'X-Gitlab-Token',
    authenticate: (req, _body, secret) => {
      const token = req.headers['x-gitlab-token'];
      return typeof token === 'string' && secretMatches(token, secret);
    },
    // Idempotency-Key stays the same across GitLab's retries of one delivery (GitLab 17.4+)
    deliveryId: (req) => header(req, 'idempotency-key') ?? header(req, 'x-gitlab-event-uuid'),
    handle(req: IncomingMessage, body: Buffer): WebhookOutcome {
      const event = header(req, 'x-gitlab-event');
      if (!event) throw new WebhookError('missing header: X-Gitlab-Event');
      const handler = byEvent[event];
      if (!handler) {
        throw new WebhookError(`unexpected event type: ${/^[A-Za-z ]{1,64}$/.test(event) ? event : '(invalid)'}; supported: ${Object.keys(byEvent).join(', ')}`);
      }
      const traces = handler(parsePayload(body, 'GitLab'));
      return traces ? { traces } : { status: 204, message: '' };
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
