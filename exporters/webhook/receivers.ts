/** Receivers as Alertmanager configures them: a name and lists of `*_configs`, one target each. */
import type { IntegrationKind, IntegrationSettings } from './integrations.js';
import { compileTemplate } from './template.js';

interface Common {
  send_resolved?: boolean;
}

export interface ReceiverConfig {
  name: string;
  webhook_configs?: (Common & { url: string; secret?: string; max_alerts?: number })[];
  slack_configs?: (Common & { api_url: string; channel?: string; title?: string; text?: string })[];
  pagerduty_configs?: (Common & { routing_key: string; url?: string; severity?: string })[];
  msteams_configs?: (Common & { webhook_url: string })[];
  msteamsv2_configs?: (Common & { webhook_url: string; title?: string; text?: string })[];
  discord_configs?: (Common & { webhook_url: string; title?: string; message?: string })[];
  alertmanager_configs?: (Common & { url: string })[];
}

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

const sendResolved = { type: 'boolean' };
const httpUrl = { type: 'string', pattern: '^https?://' };
const list = (required: string[], properties: Record<string, unknown>) => ({
  type: 'array',
  items: { type: 'object', additionalProperties: false, required, properties: { send_resolved: sendResolved, ...properties } },
});

export const receiverSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    webhook_configs: list(['url'], { url: httpUrl, secret: { type: 'string', minLength: 16 }, max_alerts: { type: 'integer', minimum: 0 } }),
    slack_configs: list(['api_url'], { api_url: httpUrl, channel: { type: 'string' }, title: { type: 'string' }, text: { type: 'string' } }),
    pagerduty_configs: list(['routing_key'], { routing_key: { type: 'string', minLength: 1 }, url: httpUrl, severity: { type: 'string', enum: ['critical', 'error', 'warning', 'info'] } }),
    msteams_configs: list(['webhook_url'], { webhook_url: httpUrl }),
    msteamsv2_configs: list(['webhook_url'], { webhook_url: httpUrl, title: { type: 'string' }, text: { type: 'string' } }),
    discord_configs: list(['webhook_url'], { webhook_url: httpUrl, title: { type: 'string' }, message: { type: 'string' } }),
    alertmanager_configs: list(['url'], { url: httpUrl }),
  },
};

export interface Target {
  kind: IntegrationKind;
  url: string;
  /** HMAC key of a generic webhook: bodies are signed with it. */
  secret?: string;
  sendResolved: boolean;
  settings: IntegrationSettings;
}

/** A receiver's title/text templates, compiled (an unsupported action names its key path). */
function templates(c: { title?: string; text?: string }, path: string, textKey = 'text'): Pick<IntegrationSettings, 'title' | 'text'> {
  const compile = (key: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    try {
      return compileTemplate(text);
    } catch (err) {
      throw new Error(`${path}.${key}: ${(err as Error).message}`);
    }
  };
  return { title: compile('title', c.title), text: compile(textKey, c.text) };
}

/** Each receiver's targets, in config order (the queue refers to a target by its position). */
export function buildTargets(receivers: readonly ReceiverConfig[]): Map<string, Target[]> {
  const out = new Map<string, Target[]>();
  for (const [n, r] of receivers.entries()) {
    const path = (list: string, i: number) => `receivers[${n}].${list}[${i}]`;
    const targets: Target[] = [
      ...(r.webhook_configs ?? []).map((c): Target => ({ kind: 'webhook', url: c.url, secret: c.secret, sendResolved: c.send_resolved ?? true, settings: { max_alerts: c.max_alerts } })),
      // Alertmanager's defaults: Slack does not send resolved notifications unless asked
      ...(r.slack_configs ?? []).map((c, i): Target => ({ kind: 'slack', url: c.api_url, sendResolved: c.send_resolved ?? false, settings: { channel: c.channel, ...templates(c, path('slack_configs', i)) } })),
      ...(r.pagerduty_configs ?? []).map((c): Target => ({
        kind: 'pagerduty',
        url: c.url ?? PAGERDUTY_EVENTS_URL,
        sendResolved: c.send_resolved ?? true,
        settings: { routing_key: c.routing_key, severity: c.severity },
      })),
      ...(r.msteams_configs ?? []).map((c): Target => ({ kind: 'msteams', url: c.webhook_url, sendResolved: c.send_resolved ?? true, settings: {} })),
      ...(r.msteamsv2_configs ?? []).map((c, i): Target => ({ kind: 'msteamsv2', url: c.webhook_url, sendResolved: c.send_resolved ?? true, settings: templates(c, path('msteamsv2_configs', i)) })),
      ...(r.discord_configs ?? []).map((c, i): Target => ({
        kind: 'discord',
        url: c.webhook_url,
        sendResolved: c.send_resolved ?? true,
        settings: templates({ title: c.title, text: c.message }, path('discord_configs', i), 'message'),
      })),
      ...(r.alertmanager_configs ?? []).map((c): Target => ({ kind: 'alertmanager', url: `${c.url.replace(/\/+$/, '')}/api/v2/alerts`, sendResolved: true, settings: {} })),
    ];
    out.set(r.name, targets);
  }
  return out;
}

/** Values never to quote in a log line (URLs of Slack/Teams/Discord hooks carry their token). */
export function targetSecrets(targets: Iterable<Target[]>): string[] {
  const out: string[] = [];
  for (const list of targets) for (const t of list) out.push(t.url, ...(t.secret ? [t.secret] : []), ...(t.settings.routing_key ? [t.settings.routing_key] : []));
  return out;
}
