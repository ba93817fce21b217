/**
 * Alerting rules as Prometheus evaluates them: each group for which the condition holds is
 * pending, fires once it held for `for`, keeps firing `keep_firing_for` after it stopped holding,
 * then resolves.
 */
import { parseDuration } from '../../pipeline/duration.js';
import type { Logs, Traces } from '../../pipeline/model.js';
import { fingerprintOf, type Alert } from './alert.js';
import { compileCondition, type CompiledCondition, type ConditionConfig } from './condition.js';
import { EventCounter, type EventConditionConfig } from './events.js';
import { ruleOwner, type LoadedRuleState, type RuleStateFile, type SavedAlert } from './rule-state.js';
import type { SeriesStore } from './series.js';
import { compileTemplate, type Template } from './template.js';

export const SEVERITIES = ['critical', 'warning', 'info'] as const;

export interface RuleConfig {
  alert: string;
  expr?: ConditionConfig;
  event?: EventConditionConfig;
  group_by?: string[];
  for?: string;
  keep_firing_for?: string;
  severity?: (typeof SEVERITIES)[number];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface ActiveGroup {
  labels: Record<string, string>;
  activeAt: number;
  /** When it started firing: the alert's startsAt, as Prometheus sends it. */
  firedAt?: number;
  firing: boolean;
  lastHeld: number;
  /** Whether the condition held at the last evaluation. */
  held: boolean;
  /** Changed in a way the state file does not know yet (appeared, fired, started or stopped holding). */
  dirty: boolean;
  value?: number;
  /** Values while pending (in memory only: a restart starts it over), for the post-mortem. */
  pendingValues: { at: number; value: number }[];
  alert?: Alert;
}

/** Pending values kept per alert: the latest, enough for a `for` of 10 minutes at a 5 s interval. */
const MAX_PENDING_VALUES = 120;

/** Prometheus's `--rules.alert.for-outage-tolerance` and `--rules.alert.for-grace-period`. */
export interface ForStateRestore {
  outageToleranceMs: number;
  gracePeriodMs: number;
}

export class Rule {
  readonly name: string;
  readonly metric?: CompiledCondition;
  readonly events?: EventCounter;
  private readonly forMs: number;
  private readonly keepFiringMs: number;
  private readonly staticLabels: Record<string, string>;
  private readonly annotations: [string, Template][];
  private readonly active = new Map<string, ActiveGroup>();
  /** Group keys of alerts gone since the last save. */
  private readonly gone: string[] = [];

  constructor(
    c: RuleConfig,
    path: string,
    private readonly externalURL: string,
  ) {
    this.name = c.alert;
    if (!c.expr === !c.event) throw new Error(`${path}: set exactly one of expr (a metric condition) and event (an OTTL event condition)`);
    const groupBy = c.group_by ?? [];
    if (c.expr) this.metric = compileCondition(c.expr, groupBy, `${path}.expr`);
    else this.events = new EventCounter(c.event!, groupBy, `${path}.event`);
    this.forMs = duration(c.for ?? '0s', `${path}.for`);
    this.keepFiringMs = duration(c.keep_firing_for ?? '0s', `${path}.keep_firing_for`);
    this.staticLabels = { ...(c.labels ?? {}), alertname: c.alert, ...(c.severity ? { severity: c.severity } : {}) };
    this.annotations = Object.entries(c.annotations ?? {}).map(([k, t]) => {
      try {
        return [k, compileTemplate(t)];
      } catch (err) {
        throw new Error(`${path}.annotations.${k}: ${(err as Error).message}`);
      }
    });
  }

  get windowMs(): number {
    return this.metric?.longestWindowMs ?? this.events!.windowMs;
  }

  ingestLogs(logs: Logs, now: number): void {
    this.events?.ingestLogs(logs, now);
  }

  ingestTraces(traces: Traces, now: number): void {
    this.events?.ingestTraces(traces, now);
  }

  /** Evaluates the rule at `now`: the alerts firing, and those that resolved at this evaluation. */
  evaluate(store: SeriesStore, now: number): Alert[] {
    const { holds } = this.metric ? this.metric.evaluate(store, now) : this.events!.evaluate(now);
    const out: Alert[] = [];
    for (const [key, g] of holds) {
      let a = this.active.get(key);
      if (!a) this.active.set(key, (a = { labels: g.labels, activeAt: now, firing: false, lastHeld: now, held: true, dirty: true, pendingValues: [] }));
      a.lastHeld = now;
      if (!a.held) a.held = a.dirty = true;
      a.value = g.value;
      if (!a.firing && g.value !== undefined) {
        a.pendingValues.push({ at: now, value: g.value });
        if (a.pendingValues.length > MAX_PENDING_VALUES) a.pendingValues.shift();
      }
      if (!a.firing && now - a.activeAt >= this.forMs) {
        a.firing = a.dirty = true;
        a.firedAt = now;
      }
      if (a.firing) out.push(this.alertOf(a));
    }
    for (const [key, a] of this.active) {
      if (holds.has(key)) continue;
      if (a.held) {
        a.held = false;
        a.dirty = true;
      }
      if (a.firing && now - a.lastHeld < this.keepFiringMs) {
        out.push(this.alertOf(a));
        continue;
      }
      this.active.delete(key);
      this.gone.push(key);
      if (a.firing) out.push({ ...this.alertOf(a), endsAt: now });
    }
    return out;
  }

  /** Writes the alerts and event windows that changed since the last save. */
  saveTo(file: RuleStateFile): void {
    this.events?.saveTo(file, this.name);
    for (const key of this.gone.splice(0)) file.removeAlert(this.name, key);
    for (const [key, a] of this.active) {
      if (!a.dirty) continue;
      file.alert(this.name, key, { labels: a.labels, activeAt: a.activeAt, firedAt: a.firedAt, lastHeld: a.held ? undefined : a.lastHeld, value: a.value });
      a.dirty = false;
    }
  }

  /**
   * Puts back the event windows and alerts saved before a restart at `now`. A firing alert
   * fires on (a restart sends it as the same alert, and resolves it when it stops holding); a
   * pending one keeps its `for` clock as Prometheus restores it (see restoredActiveAt), or
   * starts over after an outage longer than the tolerance.
   */
  restore(saved: LoadedRuleState, now: number, o: ForStateRestore): void {
    this.events?.restore(saved.windows.get(ruleOwner(this.name)) ?? []);
    const downAt = saved.evaluatedAt ?? now;
    for (const [key, s] of saved.alerts.get(this.name) ?? []) {
      const firing = s.firedAt !== undefined;
      if (!firing && now - downAt > o.outageToleranceMs) {
        this.gone.push(key);
        continue;
      }
      const activeAt = firing ? s.activeAt : restoredActiveAt(s, this.forMs, downAt, now, o.gracePeriodMs);
      this.active.set(key, {
        labels: s.labels,
        activeAt,
        firedAt: s.firedAt,
        firing,
        lastHeld: s.lastHeld ?? downAt,
        held: s.lastHeld === undefined,
        dirty: activeAt !== s.activeAt,
        value: s.value,
        pendingValues: [],
      });
    }
  }

  /** The state-file owners this rule keeps windows under. */
  get owners(): string[] {
    return this.events ? [ruleOwner(this.name)] : [];
  }

  private alertOf(a: ActiveGroup): Alert {
    if (!a.alert) {
      const labels = { ...a.labels, ...this.staticLabels };
      a.alert = { fingerprint: fingerprintOf(labels), labels, annotations: {}, startsAt: a.firedAt ?? a.activeAt };
    }
    const data = { labels: a.alert.labels, value: a.value, externalURL: this.externalURL };
    a.alert.value = a.value;
    a.alert.pendingValues = a.pendingValues;
    a.alert.annotations = Object.fromEntries(this.annotations.map(([k, t]) => [k, t(data)]));
    return a.alert;
  }
}

/**
 * Prometheus's RestoreForState: the time pending before the outage counts; the outage counts too
 * when `for` is within the grace period; otherwise the outage is not counted, and the alert
 * waits at least the grace period after the restart before it fires.
 */
export function restoredActiveAt(s: SavedAlert, forMs: number, downAt: number, now: number, graceMs: number): number {
  if (forMs <= graceMs) return s.activeAt;
  const remaining = forMs - (downAt - s.activeAt);
  if (remaining <= 0) return s.activeAt;
  if (remaining < graceMs) return now + graceMs - forMs;
  return s.activeAt + (now - downAt);
}

function duration(text: string, path: string): number {
  try {
    const ms = parseDuration(text);
    if (ms < 0) throw new Error('must not be negative');
    return ms;
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
