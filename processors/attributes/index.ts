import type { ComponentFactory, Consumer, CreateContext, NextConsumers } from '../../pipeline/component.js';
import type { Attributes, LogRecord, Metric, Signal, SignalData, Span } from '../../pipeline/model.js';
import { actionsSchema, compileActions, mustCompileActions, type ActionConfig } from '../internal/attraction.js';
import { compileSkip, matchProblems, matchPropertiesSchema, signalProblems, type MatchConfig } from '../internal/matchprops.js';
import { downstreamFor } from '../internal/downstream.js';
import { problemsError } from '../internal/values.js';
import { forEachEntry, type EntryVisitor } from '../../pipeline/walk.js';

export interface AttributesConfig extends MatchConfig {
  actions: ActionConfig[];
}

export const attributesConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['actions'],
  properties: {
    actions: actionsSchema,
    include: matchPropertiesSchema,
    exclude: matchPropertiesSchema,
  },
};

/**
 * Upstream's `attributes` processor: applies the action list to span attributes, log record
 * attributes and metric data point attributes, optionally only to entries selected by
 * `include` / `exclude`.
 */
export const attributesProcessorFactory: ComponentFactory<AttributesConfig> = {
  type: 'attributes',
  kind: 'processor',
  signals: ['traces', 'metrics', 'logs'],
  stability: 'beta',
  configSchema: attributesConfigSchema,
  validate: (config) => [...compileActions(config.actions, 'actions').problems, ...matchProblems(config)],
  create(ctx: CreateContext, config: AttributesConfig, next: NextConsumers) {
    const consumers: NextConsumers = {};
    for (const signal of ctx.signals) consumers[signal] = attributesConsumer(ctx.id, signal, config, next) as never;
    return { consumers, mutatesData: true };
  },
};

function attributesConsumer<S extends Signal>(id: string, signal: S, config: AttributesConfig, next: NextConsumers): Consumer<S> {
  const downstream = downstreamFor(id, signal, next);
  const apply = mustCompileActions(config.actions, 'actions', id);
  // Which keys apply depends on the pipeline's signal, so that part is checked here, not in validate().
  const problems = [...matchProblems(config), ...signalProblems(signal, config)];
  if (problems.length) throw problemsError(id, problems);
  const skip = compileSkip(signal, config);

  const visit: EntryVisitor<Signal> =
    signal === 'metrics'
      ? (entry, resource) => {
          if (skip?.(entry as never, resource)) return;
          for (const dp of (entry as Metric).data.dataPoints as { attributes: Attributes }[]) apply(dp.attributes);
        }
      : (entry, resource) => {
          if (!skip?.(entry as never, resource)) apply((entry as Span | LogRecord).attributes);
        };

  return {
    async consume(data: SignalData[S]) {
      forEachEntry(signal, data, visit);
      await downstream.consume(data);
    },
  };
}
