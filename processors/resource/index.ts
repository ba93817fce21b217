import type { ComponentFactory, Consumer, NextConsumers } from '../../pipeline/component.js';
import type { Resource, Signal, SignalData } from '../../pipeline/model.js';
import { actionsSchema, compileActions, mustCompileActions, type ActionConfig, type AttributesAction } from '../internal/attraction.js';
import { downstreamFor } from '../internal/downstream.js';
import { forEachResource } from '../../pipeline/walk.js';

export interface ResourceConfig {
  attributes: ActionConfig[];
}

export const resourceConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['attributes'],
  properties: { attributes: actionsSchema },
};

/** Upstream's `resource` processor: the attribute actions, applied to resource attributes. */
export const resourceProcessorFactory: ComponentFactory<ResourceConfig> = {
  type: 'resource',
  kind: 'processor',
  signals: ['traces', 'metrics', 'logs'],
  stability: 'beta',
  configSchema: resourceConfigSchema,
  validate: (config) => compileActions(config.attributes, 'attributes').problems,
  create(ctx, config, next) {
    const apply = mustCompileActions(config.attributes, 'attributes', ctx.id);
    const consumers: NextConsumers = {};
    for (const signal of ctx.signals) consumers[signal] = resourceConsumer(ctx.id, signal, apply, next) as never;
    return { consumers, mutatesData: true };
  },
};

function resourceConsumer<S extends Signal>(id: string, signal: S, apply: AttributesAction, next: NextConsumers): Consumer<S> {
  const downstream = downstreamFor(id, signal, next);
  const visit = (resource: Resource) => apply(resource.attributes);
  return {
    async consume(data: SignalData[S]) {
      forEachResource(signal, data, visit);
      await downstream.consume(data);
    },
  };
}
