/** Puts the engine together from a resolved config, the state file and a delivery. */
import type { Logger } from 'pino';
import type { ResolvedWebhookConfig } from './config.js';
import type { Delivery } from './delivery.js';
import { Dispatcher } from './dispatcher.js';
import { AlertingEngine } from './engine.js';
import { Escalation } from './escalation.js';
import { SeriesStore } from './series.js';
import type { AlertState } from './state.js';

export function buildEngine(r: ResolvedWebhookConfig, state: AlertState, delivery: Pick<Delivery, 'deliver'>, secret: string, logger: Logger): AlertingEngine {
  const retentionMs = Math.max(0, ...r.rules.map((x) => x.windowMs));
  const store = new SeriesStore(retentionMs, new Set(r.rules.flatMap((x) => x.metric?.metrics ?? [])));
  const escalation = new Escalation(r.policies, state, delivery, { secret, externalURL: r.externalURL, ttlMs: r.linkTtlMs }, logger, r.resolveTimeoutMs);
  const dispatcher = new Dispatcher({
    route: r.route,
    inhibitRules: r.inhibitRules,
    state,
    resolveTimeoutMs: r.resolveTimeoutMs,
    notify: (n) => delivery.deliver({ ...n, externalURL: r.externalURL }),
    flushed: (g, now) => escalation.groupFlushed(g, now),
  });
  return new AlertingEngine(r.rules, store, dispatcher, escalation, r.evaluationIntervalMs, {
    file: state.ruleState(retentionMs),
    restore: r.forStateRestore,
    recordDeployments: (d, now) => state.recordDeployments(d, now),
  });
}
