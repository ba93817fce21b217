import type { ComponentFactory, ComponentInstance, Consumer, CreateContext, NextConsumers } from '../../pipeline/component.js';
import { cloneData, countItems } from '../../pipeline/model-ops.js';
import type { Signal, SignalData } from '../../pipeline/model.js';
import { OttlErrors } from '../internal/ottl-errors.js';
import { configSchema, type RoutingConfig } from './config.js';
import { compileTable, SIGNAL_CONTEXTS, type Route } from './routes.js';
import { takeLogs, takeMetrics, takeTraces } from './split.js';

export type { RoutingConfig } from './config.js';

const TAKE: { [S in Signal]: (data: SignalData[S], route: Route) => SignalData[S] | undefined } = {
  traces: takeTraces,
  metrics: takeMetrics,
  logs: takeLogs,
};

function validate(config: RoutingConfig): { path: string; message: string }[] {
  return compileTable(config, undefined).problems;
}

function create(ctx: CreateContext, config: RoutingConfig, _next: NextConsumers): ComponentInstance {
  const mode = config.error_mode ?? 'propagate';
  const errors = new OttlErrors(`routing connector ${ctx.id}`, ctx.logger, 'routing conditions failed; items went to the default pipelines');
  const { routes, problems } = compileTable(config, errors.onError(mode));
  if (problems.length) throw new Error(`invalid routing table:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  if (config.match_once === false) {
    ctx.logger.warn('routing: match_once was removed upstream in v0.120.0; every item goes to the first route that matches it');
  }

  const consumerFor = <S extends Signal>(signal: S): Consumer<S> => {
    const available = (ctx.pipelineConsumers?.[signal] ?? {}) as Record<string, Consumer<S>>;
    const resolve = (ids: string[], where: string): Consumer<S>[] =>
      ids.map((id) => {
        const c = available[id];
        if (!c) throw new Error(`${where}: pipeline "${id}" does not receive ${signal} from ${ctx.id} (it receives from ${ctx.id}: ${Object.keys(available).join(', ') || 'none'})`);
        return c;
      });
    const table = routes.map((route, i) => {
      if (!SIGNAL_CONTEXTS[signal].includes(route.context)) throw new Error(`table[${i}]: the ${route.context} context cannot route ${signal}`);
      return { route, targets: resolve(route.pipelines, `table[${i}]`) };
    });
    const defaults = resolve(config.default_pipelines ?? [], 'default_pipelines');
    const take = TAKE[signal] as (data: SignalData[S], route: Route) => SignalData[S] | undefined;
    return {
      async consume(data) {
        const sends: [Consumer<S>, SignalData[S]][] = [];
        errors.run(signal, () => {
          for (const { route, targets } of table) {
            const taken = take(data, route);
            if (taken) for (const t of targets) sends.push([t, taken]);
          }
        });
        if (countItems(signal, data) > 0) {
          if (defaults.length) for (const t of defaults) sends.push([t, data]);
          else ctx.logger.debug({ signal, items: countItems(signal, data) }, 'routing: items matched no route and there are no default_pipelines; dropped');
        }
        // Batches share resource and scope objects, and a route may feed several pipelines: each
        // send but the last gets its own copy so one pipeline's changes cannot reach another.
        await Promise.all(sends.map(([target, batch], i) => target.consume(i === sends.length - 1 ? batch : cloneData(signal, batch))));
      },
    };
  };

  const consumers: NextConsumers = {};
  for (const signal of ctx.signals) (consumers as Record<Signal, Consumer>)[signal] = consumerFor(signal);
  return { consumers, mutatesData: true };
}

/** The Collector's `routing` connector: sends each item to the pipelines of the first route whose OTTL condition it matches. */
export const routingConnectorFactory: ComponentFactory<RoutingConfig> = {
  type: 'routing',
  kind: 'connector',
  connects: [
    ['traces', 'traces'],
    ['metrics', 'metrics'],
    ['logs', 'logs'],
  ],
  stability: 'alpha',
  configSchema,
  validate,
  create,
};
