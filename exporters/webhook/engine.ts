/**
 * The alerting engine, driven by a clock: telemetry goes into the series store and event
 * counters as it arrives; each tick evaluates the rules (every `evaluation_interval`), flushes
 * the alert groups that are due and pages the incidents that are due. Tests drive `tick` with
 * their own clock.
 */
import type { Logs, Metrics, Traces } from '../../pipeline/model.js';
import type { Dispatcher } from './dispatcher.js';
import type { Escalation } from './escalation.js';
import { deploymentsIn, type Deployment } from './deployments.js';
import type { RuleStateFile } from './rule-state.js';
import type { ForStateRestore, Rule } from './rules.js';
import type { SeriesStore } from './series.js';

export class AlertingEngine {
  private nextEvaluation = -Infinity;
  /** Ticks run one at a time: a slow flush delays the next tick instead of overlapping it. */
  private running: Promise<void> = Promise.resolve();
  /** Deployment spans seen since the last evaluation (written with it). */
  private readonly deployments: Deployment[] = [];

  constructor(
    readonly rules: readonly Rule[],
    readonly store: SeriesStore,
    readonly dispatcher: Dispatcher,
    readonly escalation: Escalation,
    private readonly evaluationIntervalMs: number,
    private readonly ruleState?: { file: RuleStateFile; restore: ForStateRestore; recordDeployments(d: Deployment[], now: number): void },
  ) {}

  /** Puts back the rules' windows and alerts from the state file; before any telemetry arrives. */
  restore(now: number): void {
    if (!this.ruleState) return;
    const owners = new Set([...this.store.owners, ...this.rules.flatMap((r) => r.owners)]);
    const saved = this.ruleState.file.load(owners, new Set(this.rules.map((r) => r.name)));
    this.store.restore(saved.windows);
    for (const r of this.rules) r.restore(saved, now, this.ruleState.restore);
  }

  ingestMetrics(m: Metrics, now: number): void {
    this.store.ingest(m, now);
  }

  ingestLogs(l: Logs, now: number): void {
    for (const r of this.rules) r.ingestLogs(l, now);
  }

  ingestTraces(t: Traces, now: number): void {
    for (const r of this.rules) r.ingestTraces(t, now);
    if (this.ruleState) this.deployments.push(...deploymentsIn(t));
  }

  tick(now: number): Promise<void> {
    this.running = this.running.catch(() => undefined).then(() => this.step(now));
    return this.running;
  }

  private async step(now: number): Promise<void> {
    if (now >= this.nextEvaluation) {
      this.nextEvaluation = now + this.evaluationIntervalMs;
      this.evaluate(now);
    }
    await this.dispatcher.tick(now);
    await this.escalation.tick(now);
  }

  /**
   * Evaluates every rule and hands the alerts to the dispatcher, then writes what changed in the
   * rules' state in one transaction (synchronous: CPU and one commit).
   */
  evaluate(now: number): void {
    for (const r of this.rules) this.dispatcher.put(r.evaluate(this.store, now), now);
    this.store.prune(now);
    this.ruleState?.file.save(now, (file) => {
      this.store.saveTo(file);
      for (const r of this.rules) r.saveTo(file);
    });
    if (this.deployments.length) this.ruleState?.recordDeployments(this.deployments.splice(0), now);
  }
}
