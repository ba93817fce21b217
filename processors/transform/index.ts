import {
  permanentError,
  type ComponentFactory,
  type ComponentInstance,
  type Consumer,
  type CreateContext,
  type NextConsumers,
  type Signal,
  type SignalData,
} from '../../pipeline/index.js';
import { OttlRuntimeError } from '../../pipeline/ottl/index.js';
import { applyLogs, applyMetrics, applyTraces } from './apply.js';
import { configSchema, type TransformConfig } from './config.js';
import { compileGroups, type CompiledGroup, type IgnoredErrors, type Problem } from './groups.js';

export type { TransformConfig } from './config.js';

const APPLY: { [S in Signal]: (data: SignalData[S], groups: readonly CompiledGroup[]) => void } = {
  traces: applyTraces,
  metrics: applyMetrics,
  logs: applyLogs,
};

function compileAll(config: TransformConfig, ignored: IgnoredErrors): { groups: Record<Signal, CompiledGroup[]>; problems: Problem[] } {
  const problems: Problem[] = [];
  const groups = {
    traces: compileGroups(config, 'trace_statements', ignored, problems),
    metrics: compileGroups(config, 'metric_statements', ignored, problems),
    logs: compileGroups(config, 'log_statements', ignored, problems),
  };
  return { groups, problems };
}

function validate(config: TransformConfig): Problem[] {
  return compileAll(config, { count: 0 }).problems;
}

function create(ctx: CreateContext, config: TransformConfig, next: NextConsumers): ComponentInstance {
  // Evaluation is synchronous per batch, so per-batch error bookkeeping can live on the instance.
  const ignored: IgnoredErrors = { count: 0 };
  const { groups, problems } = compileAll(config, ignored);
  if (problems.length) throw new Error(`invalid transform statements:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);

  const consumerFor = <S extends Signal>(signal: S): Consumer<S> => {
    const downstream = next[signal] as Consumer<S> | undefined;
    if (!downstream) throw new Error(`transform processor ${ctx.id}: no next consumer for ${signal}`);
    const signalGroups = groups[signal];
    if (signalGroups.length === 0) return downstream;
    const apply = APPLY[signal] as (data: SignalData[S], groups: readonly CompiledGroup[]) => void;
    return {
      async consume(data) {
        ignored.count = 0;
        ignored.first = undefined;
        try {
          apply(data, signalGroups);
        } catch (err) {
          // The same data fails the same way every time: retrying cannot help.
          if (err instanceof OttlRuntimeError) throw permanentError(`transform processor ${ctx.id}: ${err.message}`, err);
          throw err;
        }
        // One line per batch, not per item: a failing statement must not flood the log.
        if (ignored.count) {
          ctx.logger.warn({ signal, errors: ignored.count, first: ignored.first }, 'transform statements failed; skipped');
        }
        return downstream.consume(data);
      },
    };
  };

  const consumers: NextConsumers = {};
  for (const signal of ctx.signals) (consumers as Record<Signal, Consumer>)[signal] = consumerFor(signal);
  return { consumers, mutatesData: true };
}

/** The Collector's `transform` processor: OTTL statements that modify telemetry. */
export const transformProcessorFactory: ComponentFactory<TransformConfig> = {
  type: 'transform',
  kind: 'processor',
  signals: ['traces', 'metrics', 'logs'],
  stability: 'beta',
  configSchema,
  validate,
  create,
};
