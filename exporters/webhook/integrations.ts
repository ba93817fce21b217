/**
 * What each kind of receiver is sent: the documented payload of Alertmanager's webhook
 * (version 4), Slack's Block Kit, PagerDuty Events API v2, Microsoft Teams (a MessageCard for
 * Office 365 connectors, an Adaptive Card for Workflows), Discord (embeds) and Alertmanager's
 * API v2, built from a notification.
 */
import { createHash } from 'node:crypto';
import type { Alert } from './alert.js';
import type { Labels } from './matchers.js';
import type { Template } from './template.js';

export const INTEGRATION_KINDS = ['webhook', 'slack', 'pagerduty', 'msteams', 'msteamsv2', 'discord', 'alertmanager'] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];

/** Links of an escalated incident, put into the message so whoever is paged can act. */
export interface IncidentLinks {
  id: number;
  tier: number;
  ackURL: string;
  resolveURL: string;
}

export interface Message {
  receiver: string;
  groupKey: string;
  groupLabels: Labels;
  status: 'firing' | 'resolved';
  alerts: Alert[];
  externalURL: string;
  /** Alertmanager API: until when a firing alert stays valid unless sent again. */
  validUntil: number;
  incident?: IncidentLinks;
  /** PagerDuty: acknowledge the incident with this dedup key instead of trigger/resolve. */
  acknowledged?: boolean;
}

export interface IntegrationSettings {
  /** PagerDuty: routing key; Slack: channel override; webhook: max_alerts. */
  routing_key?: string;
  channel?: string;
  max_alerts?: number;
  severity?: string;
  /** The receiver's own title and text (Slack, Teams Workflows, Discord), over Summit's defaults. */
  title?: Template;
  text?: Template;
}

/** What a receiver's title/text template sees: the group's common labels, as Alertmanager's `.CommonLabels`. */
function rendered(t: Template | undefined, m: Message, fallback: () => string): string {
  return t ? t({ labels: common(m.alerts, 'labels'), value: undefined, externalURL: m.externalURL }) : fallback();
}

const iso = (ms: number | undefined): string => new Date(ms ?? 0).toISOString();

function common<K extends 'labels' | 'annotations'>(alerts: Alert[], key: K): Record<string, string> {
  if (!alerts.length) return {};
  const out = { ...alerts[0][key] };
  for (const a of alerts.slice(1)) for (const k of Object.keys(out)) if (a[key][k] !== out[k]) delete out[k];
  return out;
}

const firingOf = (m: Message): Alert[] => m.alerts.filter((a) => a.endsAt === undefined);

/** `[FIRING:2] HighErrorRate checkout`, Alertmanager's default title. */
export function title(m: Message): string {
  const n = firingOf(m).length;
  const name = Object.values(m.groupLabels).join(' ') || (common(m.alerts, 'labels').alertname ?? '');
  return `[${m.status.toUpperCase()}${m.status === 'firing' ? `:${n}` : ''}] ${name}`.trim();
}

function alertLine(a: Alert): string {
  const summary = a.annotations.summary ?? a.annotations.description ?? a.labels.alertname ?? '';
  return `${a.endsAt === undefined ? '🔥' : '✅'} ${summary}`;
}

export function buildBody(kind: IntegrationKind, m: Message, s: IntegrationSettings): unknown {
  switch (kind) {
    case 'webhook':
      return webhookBody(m, s.max_alerts ?? 0);
    case 'slack':
      return slackBody(m, s);
    case 'pagerduty':
      return pagerDutyBody(m, s.routing_key ?? '', s.severity);
    case 'msteams':
      return {
        '@type': 'MessageCard',
        '@context': 'https://schema.org/extensions',
        themeColor: m.status === 'firing' ? '8C1A1A' : '2DC72D',
        summary: title(m),
        title: title(m),
        text: m.alerts.map(alertLine).join('\n\n'),
        ...(m.incident ? { potentialAction: [{ '@type': 'OpenUri', name: 'Acknowledge', targets: [{ os: 'default', uri: m.incident.ackURL }] }] } : {}),
      };
    case 'msteamsv2':
      return adaptiveCardBody(m, s);
    case 'discord':
      return {
        embeds: [
          {
            title: rendered(s.title, m, () => title(m)).slice(0, 256),
            description: [rendered(s.text, m, () => m.alerts.map(alertLine).join('\n')), ...(m.incident ? [`[Acknowledge](${m.incident.ackURL})`] : [])].join('\n').slice(0, 4096),
            color: m.status === 'firing' ? 0x992d22 : 0x2ecc71,
          },
        ],
      };
    case 'alertmanager':
      return m.alerts.map((a) => ({
        labels: sanitizeLabels(a.labels),
        annotations: sanitizeLabels(a.annotations),
        startsAt: iso(a.startsAt),
        endsAt: iso(a.endsAt ?? m.validUntil),
        ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
      }));
  }
}

function webhookBody(m: Message, maxAlerts: number): unknown {
  const alerts = maxAlerts > 0 ? m.alerts.slice(0, maxAlerts) : m.alerts;
  return {
    version: '4',
    groupKey: m.groupKey,
    truncatedAlerts: m.alerts.length - alerts.length,
    status: m.status,
    receiver: m.receiver,
    groupLabels: m.groupLabels,
    commonLabels: common(m.alerts, 'labels'),
    commonAnnotations: common(m.alerts, 'annotations'),
    externalURL: m.externalURL,
    alerts: alerts.map((a) => ({
      status: a.endsAt === undefined ? 'firing' : 'resolved',
      labels: a.labels,
      annotations: a.annotations,
      startsAt: iso(a.startsAt),
      endsAt: a.endsAt === undefined ? '0001-01-01T00:00:00Z' : iso(a.endsAt),
      generatorURL: a.generatorURL ?? '',
      fingerprint: a.fingerprint,
      ...(a.value !== undefined ? { value: a.value } : {}),
    })),
    ...(m.incident ? { incident: { id: m.incident.id, tier: m.incident.tier + 1, ack_url: m.incident.ackURL, resolve_url: m.incident.resolveURL } } : {}),
  };
}

/**
 * Teams Workflows (Power Automate) webhooks take an Adaptive Card in a message, as Alertmanager's
 * msteamsv2 sends it: a bold title coloured by status, then the text; Summit adds the incident's
 * Acknowledge/Resolve links as actions.
 */
function adaptiveCardBody(m: Message, s: IntegrationSettings): unknown {
  const color = m.status === 'resolved' ? 'Good' : 'Attention';
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          type: 'AdaptiveCard',
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          version: '1.2',
          body: [
            { type: 'TextBlock', text: rendered(s.title, m, () => title(m)), weight: 'Bolder', size: 'Medium', wrap: true, style: 'heading', color },
            { type: 'TextBlock', text: rendered(s.text, m, () => m.alerts.map(alertLine).join('\n\n')), wrap: true },
          ],
          ...(m.incident
            ? {
                actions: [
                  { type: 'Action.OpenUrl', title: 'Acknowledge', url: m.incident.ackURL },
                  { type: 'Action.OpenUrl', title: 'Resolve', url: m.incident.resolveURL },
                ],
              }
            : {}),
          msteams: { width: 'full' },
        },
      },
    ],
  };
}

function slackBody(m: Message, s: IntegrationSettings): unknown {
  const text = rendered(s.title, m, () => title(m));
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: text.slice(0, 150), emoji: true } },
    ...(s.text
      ? [{ type: 'section', text: { type: 'mrkdwn', text: rendered(s.text, m, () => '').slice(0, 3000) } }]
      : m.alerts.slice(0, 20).map((a) => ({
          type: 'section',
          text: { type: 'mrkdwn', text: `${alertLine(a)}\n${Object.entries(a.labels).map(([k, v]) => `\`${k}=${v}\``).join(' ')}`.slice(0, 3000) },
        }))),
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${m.alerts.length} alert(s) · <${m.externalURL}|Summit>` }] },
  ];
  if (m.incident) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Acknowledge' }, style: 'primary', url: m.incident.ackURL, action_id: `ack-${m.incident.id}` },
        { type: 'button', text: { type: 'plain_text', text: 'Resolve' }, url: m.incident.resolveURL, action_id: `resolve-${m.incident.id}` },
      ],
    });
  }
  return { ...(s.channel ? { channel: s.channel } : {}), text, blocks };
}

const PD_SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

function pagerDutyBody(m: Message, routingKey: string, severity: string | undefined): unknown {
  const dedupKey = createHash('sha256').update(m.groupKey).digest('hex');
  const action = m.status === 'resolved' ? 'resolve' : m.acknowledged ? 'acknowledge' : 'trigger';
  if (action !== 'trigger') return { routing_key: routingKey, event_action: action, dedup_key: dedupKey };
  const labels = common(m.alerts, 'labels');
  const sev = severity ?? labels.severity;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: title(m).slice(0, 1024),
      source: labels['service.name'] ?? labels.service ?? 'summit',
      severity: sev && PD_SEVERITIES.has(sev) ? sev : 'error',
      custom_details: { firing: firingOf(m).map(alertLine).join('\n'), num_firing: firingOf(m).length, group_labels: m.groupLabels },
    },
    client: 'Summit',
    client_url: m.externalURL,
    links: m.incident ? [{ href: m.incident.ackURL, text: 'Acknowledge in Summit' }] : [],
  };
}

/** Alertmanager label names are `[a-zA-Z_][a-zA-Z0-9_]*`: other characters become `_` (service.name → service_name). */
export function sanitizeLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[k.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^([0-9])/, '_$1')] = v;
  return out;
}
