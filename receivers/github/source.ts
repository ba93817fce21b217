import type { IncomingMessage } from 'node:http';
import type { Traces } from '../../pipeline/model.js';
import { parsePayload, optObject, str, type Json } from '../internal/payload.js';
import { hubSignatureMatches } from '../internal/secrets.js';
import { WebhookError, type WebhookOutcome, type WebhookSource } from '../internal/webhook-server.js';
import { checkRunTraces, deploymentStatusTraces, pullRequestTraces, pushTraces } from './activity.js';
import type { GithubWebhookConfig } from './config.js';
import { workflowJobTraces, workflowRunTraces } from './workflow.js';

/** Events Summit turns into spans; ping is answered; every other event is refused as upstream does. */
const HANDLERS: Record<string, (e: Json, body: Buffer, config: GithubWebhookConfig) => Traces | undefined> = {
  workflow_run: (e, body, config) => (completed(optObject(e, 'workflow_run')) ? workflowRunTraces(e, body, config) : undefined),
  workflow_job: (e, body, config) => (completed(optObject(e, 'workflow_job')) ? workflowJobTraces(e, body, config) : undefined),
  deployment_status: (e, _body, config) => deploymentStatusTraces(e, config),
  push: (e, _body, config) => pushTraces(e, config),
  pull_request: (e, _body, config) => pullRequestTraces(e, config),
  check_run: (e, _body, config) => checkRunTraces(e, config),
};

const completed = (o: Json) => str(o, 'status').toLowerCase() === 'completed';

/** GitHub's side of the webhook: X-Hub-Signature-256, X-GitHub-Event, X-GitHub-Delivery. */
export function githubSource(config: GithubWebhookConfig): WebhookSource {
  return {
    sender: 'GitHub',
    authHeader: 'X-Hub-Signature-256',
    authenticate: (req, body, secret) => hubSignatureMatches(header(req, 'x-hub-signature-256'), body, secret),
    deliveryId: (req) => header(req, 'x-github-delivery'),
    handle(req: IncomingMessage, body: Buffer): WebhookOutcome {
      const event = header(req, 'x-github-event');
      if (!event) throw new WebhookError('missing X-GitHub-Event header');
      if (event === 'ping') return { status: 200, message: 'pong' };
      const handler = HANDLERS[event];
      // the event name is GitHub's vocabulary, not free text from the sender: safe to repeat
      if (!handler) throw new WebhookError(`event type not supported: ${/^[a-z_]{1,64}$/.test(event) ? event : '(invalid)'}; supported: ping, ${Object.keys(HANDLERS).join(', ')}`);
      const traces = handler(parsePayload(body, 'GitHub'), body, config);
      return traces ? { traces } : { status: 204, message: '' };
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
