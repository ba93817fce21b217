/**
 * Escalation: one incident per alert group on a route with an `escalation_policy`, paging the
 * policy's tiers one after the other until someone acknowledges (signed link or CLI), starting
 * over `repeat` times. The incident and its next page time live in the state file: after a
 * restart (even kill -9) escalation goes on where it was. A page is queued before the incident
 * records it, so a crash in between sends it again — at least once, never skipped.
 */
import type { Logger } from 'pino';
import { parseDuration } from '../../pipeline/duration.js';
import type { Alert } from './alert.js';
import type { Delivery } from './delivery.js';
import type { FlushedGroup } from './dispatcher.js';
import type { Message } from './integrations.js';
import { signActionQuery, type IncidentAction } from './signing.js';
import type { AlertState, Incident } from './state.js';

export interface EscalationPolicyConfig {
  name: string;
  tiers: { receiver: string; escalate_after?: string }[];
  repeat?: number;
}

/** PagerDuty's default escalation delay. */
export const DEFAULT_ESCALATE_AFTER = '30m';

interface Policy {
  name: string;
  tiers: { receiver: string; escalateAfterMs: number }[];
  repeat: number;
}

export function buildPolicy(c: EscalationPolicyConfig, receivers: ReadonlySet<string>, path: string): Policy {
  return {
    name: c.name,
    repeat: c.repeat ?? 0,
    tiers: c.tiers.map((t, i) => {
      if (!receivers.has(t.receiver)) throw new Error(`${path}.tiers[${i}].receiver: no receiver named "${t.receiver}"`);
      let ms: number;
      try {
        ms = parseDuration(t.escalate_after ?? DEFAULT_ESCALATE_AFTER);
      } catch (err) {
        throw new Error(`${path}.tiers[${i}].escalate_after: ${(err as Error).message}`);
      }
      if (ms <= 0) throw new Error(`${path}.tiers[${i}].escalate_after: must be longer than 0`);
      return { receiver: t.receiver, escalateAfterMs: ms };
    }),
  };
}

export interface LinkSigner {
  secret: string;
  externalURL: string;
  ttlMs: number;
}

export function actionURL(s: LinkSigner, action: IncidentAction, incident: number, now: number): string {
  return `${s.externalURL.replace(/\/+$/, '')}/incidents/${incident}/${action}?${signActionQuery(s.secret, action, incident, now + s.ttlMs)}`;
}

const valuesKey = (alerts: Alert[]): string => alerts.map((a) => `${a.fingerprint}=${a.value}`).join(',');

export class Escalation {
  /** The latest firing alerts of each group, for the text of pages. */
  private readonly alertsOf = new Map<string, Alert[]>();
  /** The alert values last written to each open incident's timeline, by group. */
  private readonly valuesOf = new Map<string, string>();
  private startedAt?: number;

  constructor(
    private readonly policies: Map<string, Policy>,
    private readonly state: AlertState,
    private readonly delivery: Pick<Delivery, 'deliver'>,
    private readonly signer: LinkSigner,
    private readonly logger: Logger,
    /** After a restart, an incident whose alerts no rule reports again within this long resolves (Alertmanager's resolve_timeout). */
    private readonly resolveTimeoutMs: number,
  ) {}

  /** Opens the group's incident when it fires, resolves it when nothing fires any more. */
  async groupFlushed(g: FlushedGroup, now: number): Promise<void> {
    const policy = g.route.escalationPolicy;
    if (!policy) return;
    const open = this.state.openIncident(g.groupKey);
    if (g.firing.length === 0) {
      this.alertsOf.delete(g.groupKey);
      this.valuesOf.delete(g.groupKey);
      if (open && this.state.setStatus(open.id, 'resolved', 'alerts resolved', now)) this.logger.info({ incident: open.id }, 'incident resolved: its alerts resolved');
      return;
    }
    this.alertsOf.set(g.groupKey, g.firing);
    if (open) return this.recordValues(open.id, g, now);
    const names = [...new Set(g.firing.map((a) => a.labels.alertname))].join(', ');
    const label = Object.values(g.groupLabels).join(' ');
    const incident = this.state.createIncident(
      { groupKey: g.groupKey, policy, title: `${names}${label ? ` (${label})` : ''}`, labels: g.groupLabels, openedAt: now },
      {
        alerts: g.firing.map((a) => ({
          labels: a.labels,
          annotations: a.annotations,
          value: a.value,
          startsAt: a.startsAt,
          // the values that led up to it: while it was pending, before it fired
          ...(a.pendingValues?.length ? { pendingValues: a.pendingValues.filter((p) => p.at < a.startsAt) } : {}),
        })),
      },
    );
    this.valuesOf.set(g.groupKey, valuesKey(g.firing));
    this.logger.info({ incident: incident.id, policy }, 'incident opened');
  }

  /** The metric values of the incident's alerts, into its timeline when they changed (for the post-mortem). */
  private recordValues(incident: number, g: FlushedGroup, now: number): void {
    const key = valuesKey(g.firing);
    const last = this.valuesOf.get(g.groupKey);
    this.valuesOf.set(g.groupKey, key);
    // unknown after a restart: what is in the timeline is as good a start as any
    if (last === undefined || last === key) return;
    const alerts = g.firing.filter((a) => a.value !== undefined).map((a) => ({ labels: a.labels, value: a.value }));
    if (alerts.length) this.state.addEvent(incident, { at: now, kind: 'values', detail: { alerts } });
  }

  /** Pages the next tier of every incident that is due; tells those paged of acks and resolutions. */
  async tick(now: number): Promise<void> {
    this.startedAt ??= now;
    if (now - this.startedAt >= this.resolveTimeoutMs) this.resolveOrphans(now);
    for (const incident of this.state.unannounced()) await this.announce(incident, now);
    for (const incident of this.state.dueIncidents(now)) {
      const policy = this.policies.get(incident.policy);
      if (!policy) continue;
      await this.page(incident, policy, now);
    }
  }

  /** Incidents from before a restart whose alerts did not come back (rule state is not kept across restarts). */
  private resolveOrphans(now: number): void {
    for (const i of [...this.state.incidents('open'), ...this.state.incidents('acknowledged')]) {
      if (this.alertsOf.has(i.groupKey)) continue;
      if (this.state.setStatus(i.id, 'resolved', 'alerts no longer reported', now)) this.logger.info({ incident: i.id }, 'incident resolved: its alerts were not reported again');
    }
  }

  /**
   * An acknowledgement (link or CLI, possibly from another process) reaches PagerDuty as
   * `acknowledge`; a resolution reaches every receiver paged (per its send_resolved).
   */
  private async announce(incident: Incident, now: number): Promise<void> {
    const resolved = incident.status === 'resolved';
    const alerts = (this.alertsOf.get(incident.groupKey) ?? [this.placeholderAlert(incident)]).map((a) => (resolved ? { ...a, endsAt: a.endsAt ?? now } : a));
    for (const receiver of this.state.pagedReceivers(incident.id)) {
      const message: Message = {
        receiver,
        groupKey: incident.groupKey,
        groupLabels: incident.labels,
        status: resolved ? 'resolved' : 'firing',
        alerts,
        externalURL: this.signer.externalURL,
        validUntil: now,
        acknowledged: !resolved,
      };
      await this.delivery.deliver(message, resolved ? undefined : ['pagerduty']);
    }
    this.state.markAnnounced(incident.id, incident.status);
  }

  private placeholderAlert(incident: Incident): Alert {
    return { fingerprint: '', labels: { ...incident.labels, alertname: incident.title }, annotations: { summary: incident.title }, startsAt: incident.openedAt };
  }

  private async page(incident: Incident, policy: Policy, now: number): Promise<void> {
    let tier = incident.tier + 1;
    let loop = incident.loop;
    if (tier >= policy.tiers.length) {
      tier = 0;
      loop++;
    }
    if (loop > policy.repeat) {
      // the policy lost tiers or repeats in a config change since this page was scheduled
      this.state.recordPage(incident.id, incident.tier, incident.loop, undefined);
      return;
    }
    const { receiver, escalateAfterMs } = policy.tiers[tier];
    const more = tier + 1 < policy.tiers.length || loop < policy.repeat;
    const message: Message = {
      receiver,
      groupKey: incident.groupKey,
      groupLabels: incident.labels,
      status: 'firing',
      alerts: this.alertsOf.get(incident.groupKey) ?? [this.placeholderAlert(incident)],
      externalURL: this.signer.externalURL,
      validUntil: now + escalateAfterMs,
      incident: { id: incident.id, tier, ackURL: actionURL(this.signer, 'ack', incident.id, now), resolveURL: actionURL(this.signer, 'resolve', incident.id, now) },
    };
    await this.delivery.deliver(message);
    this.state.recordPage(incident.id, tier, loop, more ? now + escalateAfterMs : undefined, { at: now, kind: 'paged', detail: { tier: tier + 1, loop, receiver } });
    this.logger.info({ incident: incident.id, tier: tier + 1, receiver }, 'incident paged');
  }
}
