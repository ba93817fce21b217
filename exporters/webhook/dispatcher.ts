/**
 * Alertmanager's notification pipeline: alerts are routed into aggregation groups, each flushed
 * `group_wait` after its first alert and then every `group_interval`; silenced and inhibited
 * alerts are muted; the notification log (in the state file) drops a flush that would tell a
 * receiver nothing new before `repeat_interval`.
 */
import { isResolved, type Alert } from './alert.js';
import { matchesAll, parseMatchers, type Labels, type Matcher } from './matchers.js';
import { groupLabels, matchRoutes, type Route } from './routes.js';
import type { AlertState } from './state.js';

export interface InhibitRuleConfig {
  source_matchers?: string[];
  target_matchers?: string[];
  equal?: string[];
}

export interface InhibitRule {
  source: Matcher[];
  target: Matcher[];
  equal: string[];
}

export function buildInhibitRule(c: InhibitRuleConfig, path: string): InhibitRule {
  try {
    return { source: parseMatchers(c.source_matchers), target: parseMatchers(c.target_matchers), equal: c.equal ?? [] };
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

export interface Notification {
  receiver: string;
  groupKey: string;
  groupLabels: Labels;
  /** Firing alerts, then the resolved ones the receiver had been told were firing. */
  alerts: Alert[];
  status: 'firing' | 'resolved';
  /**
   * Until when a firing alert holds unless sent again: the group re-sends it within
   * repeat_interval + group_interval while it fires (what Alertmanager's API v2 needs as endsAt).
   */
  validUntil: number;
}

/** What a flush leaves for escalation: the group's unmuted firing alerts (none once all resolved). */
export interface FlushedGroup {
  route: Route;
  groupKey: string;
  groupLabels: Labels;
  firing: Alert[];
}

interface AggregationGroup {
  key: string;
  route: Route;
  labels: Labels;
  alerts: Map<string, Alert>;
  nextFlushAt: number;
}

export interface DispatcherOptions {
  route: Route;
  inhibitRules: InhibitRule[];
  state: AlertState;
  /** An alert not refreshed by its rule for this long counts as resolved (Alertmanager's resolve_timeout). */
  resolveTimeoutMs: number;
  notify(n: Notification, now: number): Promise<void>;
  flushed?(g: FlushedGroup, now: number): Promise<void>;
}

export class Dispatcher {
  private readonly groups = new Map<string, AggregationGroup>();
  /** The latest version of every alert, for inhibition. */
  private readonly alerts = new Map<string, { alert: Alert; updatedAt: number }>();

  constructor(private readonly o: DispatcherOptions) {}

  get groupCount(): number {
    return this.groups.size;
  }

  put(alerts: readonly Alert[], now: number): void {
    for (const alert of alerts) {
      this.alerts.set(alert.fingerprint, { alert, updatedAt: now });
      for (const route of matchRoutes(this.o.route, alert.labels)) {
        const labels = groupLabels(route, alert.labels);
        const key = `${route.id}:${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
        let g = this.groups.get(key);
        // a resolved alert with no group fired before a restart: the flush tells the receivers the
        // notification log says were told it fired, and nobody else
        if (!g) this.groups.set(key, (g = { key, route, labels, alerts: new Map(), nextFlushAt: now + route.groupWaitMs }));
        g.alerts.set(alert.fingerprint, alert);
      }
    }
  }

  /** Flushes the groups that are due at `now`. */
  async tick(now: number): Promise<void> {
    this.expireStale(now);
    const due = [...this.groups.values()].filter((g) => g.nextFlushAt <= now);
    if (!due.length) return;
    const silences = this.o.state.activeSilenceMatchers(now);
    const firingNow = [...this.alerts.values()].map((x) => x.alert).filter((a) => !isResolved(a, now));
    const muted = (a: Alert): boolean => silences.some((m) => matchesAll(m, a.labels)) || this.inhibited(a, firingNow);
    for (const g of due) await this.flush(g, now, muted);
  }

  /** An alert whose rule stopped reporting it (Summit restarted, rule removed) resolves after resolve_timeout. */
  private expireStale(now: number): void {
    const expired = new Map<string, Alert>();
    for (const [fp, x] of this.alerts) {
      if (now - x.updatedAt < this.o.resolveTimeoutMs) continue;
      if (x.alert.endsAt === undefined) expired.set(fp, (x.alert = { ...x.alert, endsAt: x.updatedAt + this.o.resolveTimeoutMs }));
      else this.alerts.delete(fp);
    }
    if (!expired.size) return;
    for (const g of this.groups.values()) for (const fp of g.alerts.keys()) if (expired.has(fp)) g.alerts.set(fp, expired.get(fp)!);
  }

  private inhibited(target: Alert, firing: Alert[]): boolean {
    return this.o.inhibitRules.some(
      (r) =>
        matchesAll(r.target, target.labels) &&
        firing.some((s) => s.fingerprint !== target.fingerprint && matchesAll(r.source, s.labels) && r.equal.every((n) => (s.labels[n] ?? '') === (target.labels[n] ?? ''))),
    );
  }

  private async flush(g: AggregationGroup, now: number, muted: (a: Alert) => boolean): Promise<void> {
    const all = [...g.alerts.values()];
    const firing = all.filter((a) => !isResolved(a, now) && !muted(a));
    const resolvedAll = all.filter((a) => isResolved(a, now));
    const receiver = g.route.receiver;
    const last = this.o.state.lastNotification(g.key, receiver);
    const told = new Set(last?.firing ?? []);
    const resolved = resolvedAll.filter((a) => told.has(a.fingerprint));
    if (needsUpdate(last, firing, resolved, now, g.route.repeatIntervalMs)) {
      try {
        await this.o.notify(
          { receiver, groupKey: g.key, groupLabels: g.labels, alerts: [...firing, ...resolved], status: firing.length ? 'firing' : 'resolved', validUntil: now + g.route.repeatIntervalMs + g.route.groupIntervalMs },
          now,
        );
        this.o.state.logNotification(g.key, receiver, { firing: firing.map((a) => a.fingerprint).sort(), resolved: resolved.map((a) => a.fingerprint).sort(), sentAt: now });
        for (const a of resolvedAll) g.alerts.delete(a.fingerprint);
      } catch {
        // not queued (the queue refused it): the next flush tries again, with whatever changed since
      }
    } else {
      for (const a of resolvedAll) g.alerts.delete(a.fingerprint);
    }
    await this.o.flushed?.({ route: g.route, groupKey: g.key, groupLabels: g.labels, firing }, now);
    if (g.alerts.size === 0) this.groups.delete(g.key);
    else g.nextFlushAt = now + g.route.groupIntervalMs;
  }
}

/** Alertmanager's DedupStage.needsUpdate. */
function needsUpdate(last: { firing: string[]; resolved: string[]; sentAt: number } | undefined, firing: Alert[], resolved: Alert[], now: number, repeatMs: number): boolean {
  if (!last) return firing.length > 0;
  const prevFiring = new Set(last.firing);
  if (!firing.every((a) => prevFiring.has(a.fingerprint))) return true;
  if (firing.length === 0) return last.firing.length > 0;
  const prevResolved = new Set(last.resolved);
  if (!resolved.every((a) => prevResolved.has(a.fingerprint))) return true;
  return now - last.sentAt >= repeatMs;
}
