import {
  type ComponentFactory,
  type ComponentInstance,
  type Consumer,
  type CreateContext,
  type NextConsumers,
  type Signal,
  type SignalData,
} from '../../pipeline/index.js';
import { applyLogs, applyMetrics, applyTraces } from './apply.js';
import { configSchema, type TransformConfig } from './config.js';
import { OttlErrors } from '../internal/ottl-errors.js';
import { compileGroups, type CompiledGroup, type Problem } from './groups.js';

export type { TransformConfig } from './config.js';

const APPLY: { [S in Signal]: (data: SignalData[S], groups: readonly CompiledGroup[]) => void } = {
  traces: applyTraces,
  metrics: applyMetrics,
  logs: applyLogs,
};

function compileAll(config: TransformConfig, errors: OttlErrors): { groups: Record<Signal, CompiledGroup[]>; problems: Problem[] } {
  const problems: Problem[] = [];
  const groups = {
    traces: compileGroups(config, 'trace_statements', errors, problems),
    metrics: compileGroups(config, 'metric_statements', errors, problems),
    logs: compileGroups(config, 'log_statements', errors, problems),
  };
  return { groups, problems };
}

function validate(config: TransformConfig): Problem[] {
  return compileAll(config, new OttlErrors('transform processor', undefined, '')).problems;
}

function create(ctx: CreateContext, config: TransformConfig, next: NextConsumers): ComponentInstance {
  const errors = new OttlErrors(`transform processor ${ctx.id}`, ctx.logger, 'transform statements failed; skipped');
  const { groups, problems } = compileAll(config, errors);
  if (problems.length) throw new Error(`invalid transform statements:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);

  const consumerFor = <S extends Signal>(signal: S): Consumer<S> => {
    const downstream = next[signal] as Consumer<S> | undefined;
    if (!downstream) throw new Error(`transform processor ${ctx.id}: no next consumer for ${signal}`);
    const signalGroups = groups[signal];
    if (signalGroups.length === 0) return downstream;
    const apply = APPLY[signal] as (data: SignalData[S], groups: readonly CompiledGroup[]) => void;
    return {
      async consume(data) {
        errors.run(signal, () => apply(data, signalGroups));
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
