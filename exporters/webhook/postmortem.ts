/**
 * A blameless post-mortem draft in Markdown from an incident's timeline, following the usual
 * template (summary, impact, timeline, root cause, action items): what the state file knows is
 * filled in — pages and acks, the alerts' metric values as the incident went on, deployments
 * seen before and during it, related issues — the rest is left as prompts for the people who
 * write it.
 */
import type { Deployment } from './deployments.js';
import { formatValue } from './template.js';
import type { Incident, IncidentEvent } from './state.js';

/** How long before the alert fired a deployment is listed as a suspect. */
export const DEPLOYMENTS_BEFORE_MS = 24 * 3_600_000;

const time = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

interface OpenedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value?: number;
  startsAt: number;
  pendingValues?: { at: number; value: number }[];
}

function describe(e: IncidentEvent): string {
  const d = e.detail;
  switch (e.kind) {
    case 'opened':
      return `Incident opened: ${((d.alerts as OpenedAlert[] | undefined) ?? []).map((a) => `${a.labels.alertname}${a.value !== undefined ? ` (value ${a.value})` : ''}`).join(', ')}`;
    case 'paged':
      return `Paged tier ${String(d.tier)} (receiver \`${String(d.receiver)}\`)${Number(d.loop) > 0 ? `, repeat ${String(d.loop)}` : ''}`;
    case 'acknowledged':
      return `Acknowledged by ${String(d.by)}`;
    case 'resolved':
      return `Resolved by ${String(d.by)}`;
    case 'values':
      return `Values: ${((d.alerts as OpenedAlert[] | undefined) ?? []).map((a) => `${a.labels.alertname} ${formatValue(a.value)}`).join(', ')}`;
    default:
      return JSON.stringify(d);
  }
}

/** The alert first fired: when the incident's alerts started (the opening, when it does not say). */
export function firstFiredAt(i: Incident, events: IncidentEvent[]): number {
  const alerts = (events.find((e) => e.kind === 'opened')?.detail.alerts as OpenedAlert[] | undefined) ?? [];
  return alerts.length ? Math.min(...alerts.map((a) => a.startsAt)) : i.openedAt;
}

/** The span of time whose deployments a post-mortem lists: a day before the alert fired, to the resolution (or now). */
export function deploymentWindow(i: Incident, events: IncidentEvent[], now: number): [number, number] {
  return [firstFiredAt(i, events) - DEPLOYMENTS_BEFORE_MS, i.resolvedAt ?? now];
}

function deploymentLine(d: Deployment): string {
  return `Deployment ${d.id}${d.repository ? ` of \`${d.repository}\`` : ''}${d.service ? ` (${d.service})` : ''} to ${d.environment || 'an unnamed environment'} ${d.status || 'reported'}${d.revision ? ` at \`${d.revision.slice(0, 12)}\`` : ''}`;
}

/** Each alert's values over the incident (when it fired, then as they changed), as recorded in the timeline. */
function valueHistory(events: IncidentEvent[]): string[] {
  const byAlert = new Map<string, { at: number; value: number; before?: boolean }[]>();
  for (const e of events) {
    if (e.kind !== 'opened' && e.kind !== 'values') continue;
    for (const a of (e.detail.alerts as OpenedAlert[] | undefined) ?? []) {
      if (a.value === undefined) continue;
      const name = Object.entries(a.labels).filter(([k]) => k !== 'alertname' && k !== 'severity').map(([k, v]) => `${k}=${v}`).join(', ');
      const key = `${a.labels.alertname}${name ? ` {${name}}` : ''}`;
      let list = byAlert.get(key);
      if (!list) byAlert.set(key, (list = []));
      if (e.kind === 'opened') for (const p of a.pendingValues ?? []) list.push({ ...p, before: true });
      list.push({ at: e.kind === 'opened' ? a.startsAt : e.at, value: a.value });
    }
  }
  if (!byAlert.size) return [];
  const rows = [...byAlert].map(([key, xs]) => {
    const fired = xs.filter((x) => !x.before);
    const values = fired.map((x) => x.value);
    const series = (list: typeof xs) => list.map((x) => `${time(x.at).slice(11, 19)} ${formatValue(x.value)}`).join(' → ') || '—';
    return `| ${key} | ${series(xs.filter((x) => x.before))} | ${formatValue(values[0])} | ${formatValue(Math.max(...values))} | ${formatValue(values[values.length - 1])} | ${series(fired)} |`;
  });
  return [
    'Metric values of the alerts (as the rules evaluated them; before it fired: while the condition held, pending `for`):',
    '',
    '| alert | before it fired (UTC) | when it fired | peak | last | since it fired (UTC) |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ];
}

export function postmortemMarkdown(i: Incident, events: IncidentEvent[], deployments: readonly Deployment[] = []): string {
  const opened = events.find((e) => e.kind === 'opened');
  const alerts = (opened?.detail.alerts as OpenedAlert[] | undefined) ?? [];
  const labelValues = (name: string): string[] => [...new Set(alerts.map((a) => a.labels[name]).filter((v): v is string => !!v))];
  const firstFired = firstFiredAt(i, events);
  const timeline = [
    ...events.map((e) => ({ at: e.at, text: describe(e) })),
    ...deployments.map((d) => ({ at: d.at, text: deploymentLine(d) })),
    ...(firstFired < i.openedAt ? [{ at: firstFired, text: 'Alert started firing' }] : []),
  ].sort((a, b) => a.at - b.at);
  const services = labelValues('service.name');
  const issues = labelValues('issue.id');
  const versions = [...labelValues('service.version'), ...labelValues('deployment.id')];
  const pages = events.filter((e) => e.kind === 'paged');
  const lines = [
    `# Post-mortem: ${i.title} (incident ${i.id})`,
    '',
    '_Draft generated by `summit incidents postmortem`. Blameless: describe what the system and the process allowed, not who erred._',
    '',
    '| | |',
    '|---|---|',
    `| Status | ${i.status} |`,
    `| Alert fired | ${time(firstFired)} |`,
    `| Incident opened | ${time(i.openedAt)} |`,
    `| Acknowledged | ${i.ackedAt ? `${time(i.ackedAt)} by ${i.ackedBy} (${minutes(i.ackedAt - i.openedAt)} after opening)` : 'never'} |`,
    `| Resolved | ${i.resolvedAt ? `${time(i.resolvedAt)} by ${i.resolvedBy} (${minutes(i.resolvedAt - i.openedAt)} after opening)` : 'not yet'} |`,
    `| People paged | ${pages.length ? [...new Set(pages.map((p) => `\`${String(p.detail.receiver)}\``))].join(', ') : 'nobody'} |`,
    `| Escalation policy | ${i.policy} |`,
    '',
    '## What happened',
    '',
    ...alerts.map((a) => `- **${a.labels.alertname}**${a.annotations.summary ? `: ${a.annotations.summary}` : ''}${a.value !== undefined ? ` (value when it fired: ${a.value})` : ''}`),
    '',
    ...valueHistory(events),
    '_Summarise in two or three sentences what went wrong and how it was fixed._',
    '',
    '## User impact',
    '',
    services.length ? `Affected service(s): ${services.map((s) => `\`${s}\``).join(', ')}.` : 'Affected services: _fill in_.',
    `Duration: ${i.resolvedAt ? minutes(i.resolvedAt - firstFired) : '_ongoing_'} from the first alert.`,
    '',
    '_Who was affected, how many, and how badly (errors, latency, data)?_',
    '',
    '## Timeline (UTC)',
    '',
    '| time | event |',
    '|---|---|',
    ...timeline.map((e) => `| ${time(e.at)} | ${e.text} |`),
    '',
    '## Root cause',
    '',
    ...(issues.length ? ['Related issues:', ...issues.map((id) => `- issue \`${id}\` (\`summit issues show ${id}\`)`), ''] : []),
    ...(versions.length ? [`Versions / deployments around the incident: ${versions.map((v) => `\`${v}\``).join(', ')}.`, ''] : []),
    ...(deployments.length
      ? [
          'Deployments in the day before the alert fired and during the incident (is one of them the change that caused it?):',
          ...deployments.map((d) => `- ${time(d.at)} (${d.at <= firstFired ? `${minutes(firstFired - d.at)} before the alert fired` : 'during the incident'}): ${deploymentLine(d)}`),
          '',
        ]
      : ['No deployment seen in the day before the alert fired (deployment spans reach this exporter from the `github`/`gitlab` receivers through a traces pipeline).', '']),
    '_Why did it happen? Ask "why" until you reach something the team can change._',
    '',
    '## What went well / what went badly',
    '',
    `- Detection: the alert fired ${alerts.length ? 'from rule(s) ' + [...new Set(alerts.map((a) => a.labels.alertname))].join(', ') : '—'}.`,
    `- Response: ${i.ackedAt ? `acknowledged after ${minutes(i.ackedAt - i.openedAt)}` : 'never acknowledged'}${pages.length > 1 ? `, after ${pages.length} pages` : ''}.`,
    '',
    '## Action items',
    '',
    '| action | type (prevent / detect / mitigate) | owner | ticket |',
    '|---|---|---|---|',
    '| _fill in_ | | | |',
    '',
  ];
  return lines.join('\n');
}
