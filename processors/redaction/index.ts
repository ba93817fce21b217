import type { ComponentFactory, Consumer, CreateContext, NextConsumers } from '../../pipeline/component.js';
import type { Logs, Metrics, Signal, SignalData, Traces } from '../../pipeline/model.js';
import { downstreamFor } from '../internal/downstream.js';
import { problemsError } from '../internal/values.js';
import { configSchema, detectorRules, validateConfig, type RedactionConfig } from './config.js';
import { compileDataScrubbing, compileDetectors } from './detectors.js';
import { Redactor } from './redactor.js';
import type { RuleSpec } from './rules.js';

export type { RedactionConfig } from './config.js';

/** The redactor a config describes (also what the benchmark drives). */
export function newRedactor(config: RedactionConfig): Redactor {
  const specs = config.detectors.flatMap((d) => detectorRules(d) as RuleSpec[]);
  return new Redactor(config, compileDetectors(specs), config.data_scrubbing && compileDataScrubbing(config.data_scrubbing));
}

/**
 * The Collector-contrib `redaction` processor (allowed keys, blocked values, hashing, summary
 * attributes), plus Sentry Relay's PII rules (`detectors`) and Sentry's default data scrubbing
 * (`data_scrubbing`), also inside Sentry events carried by log records.
 */
export const redactionProcessorFactory: ComponentFactory<RedactionConfig> = {
  type: 'redaction',
  kind: 'processor',
  signals: ['traces', 'metrics', 'logs'],
  stability: 'alpha',
  configSchema,
  validate: validateConfig,
  create(ctx: CreateContext, config: RedactionConfig, next: NextConsumers) {
    const problems = validateConfig(config);
    if (problems.length) throw problemsError(ctx.id, problems);
    if (!config.allow_all_keys && config.allowed_keys.length === 0) {
      ctx.logger.warn(
        `${ctx.id}: allowed_keys is empty and allow_all_keys is false, so every attribute is deleted (upstream's fail-closed default); set allow_all_keys: true to keep attributes and only redact values`,
      );
    }
    const redactor = newRedactor(config);
    const consumers: NextConsumers = {};
    for (const signal of ctx.signals) consumers[signal] = redactionConsumer(ctx.id, signal, redactor, next) as never;
    return { consumers, mutatesData: true };
  },
};

function redactionConsumer<S extends Signal>(id: string, signal: S, redactor: Redactor, next: NextConsumers): Consumer<S> {
  const downstream = downstreamFor(id, signal, next);
  const redact: (data: SignalData[S]) => void =
    signal === 'traces'
      ? (data) => redactor.traces(data as Traces)
      : signal === 'logs'
        ? (data) => redactor.logs(data as Logs)
        : (data) => redactor.metrics(data as Metrics);
  return {
    async consume(data: SignalData[S]) {
      redact(data);
      await downstream.consume(data);
    },
  };
}
