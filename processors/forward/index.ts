import { PIPELINE_SIGNALS, wiredSignals, type ComponentFactory, type NextConsumers } from '../../pipeline/index.js';
import { downstreamFor } from '../internal/downstream.js';

/**
 * The Collector's `forward` connector: what a pipeline exports to it, the pipelines it receives
 * for take as is — to join pipelines of one signal, or to fork one into several (the graph fans
 * out to them, copying for those that change data).
 */
export const forwardConnectorFactory: ComponentFactory<Record<string, never>> = {
  type: 'forward',
  kind: 'connector',
  connects: PIPELINE_SIGNALS.map((s) => [s, s]),
  stability: 'beta',
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  create(ctx, _config, next) {
    const consumers: NextConsumers = {};
    for (const signal of wiredSignals(ctx)) (consumers as Record<string, unknown>)[signal] = downstreamFor(ctx.id, signal, next);
    return { consumers };
  },
};
