import {
  wiredSignals,
  type ComponentFactory,
  type ComponentInstance,
  type Consumer,
  type CreateContext,
  type NextConsumers,
  type PipelineSignal,
  type Signal,
  type SignalData,
} from '../../pipeline/index.js';
import { compileCondition, compileConditions, OttlParseError, type ContextItems, type OttlContext, type Predicate } from '../../pipeline/ottl/index.js';
import { CONDITION_LISTS, conditionsOf, configSchema, DEFAULT_ERROR_MODE, type FilterConfig } from './config.js';
import { filterLogs, filterMetrics, filterProfiles, filterTraces } from './filter.js';
import { OttlErrors } from '../internal/ottl-errors.js';
import { withFlatConditions } from './flat.js';
import { compileLegacy, legacyProblems, type LegacyMatch } from './legacy.js';

export type { ErrorMode, FilterConfig } from './config.js';

/** Every invalid condition, keyed by its place in the config (`traces.span[1]`). */
function validate(raw: FilterConfig): { path: string; message: string }[] {
  const { config, problems } = withFlatConditions(raw);
  for (const { section, key, context } of CONDITION_LISTS) {
    conditionsOf(config, section, key).forEach((condition, i) => {
      try {
        compileCondition(condition, context);
      } catch (err) {
        if (!(err instanceof OttlParseError)) throw err;
        problems.push({ path: `${section}.${key}[${i}]`, message: err.message });
      }
    });
  }
  for (const [signal, section, ottlKey] of LEGACY_PLACES) {
    const legacy = legacyOf(config, signal);
    problems.push(...legacyProblems(signal, section, legacy));
    if (legacy && (legacy.include || legacy.exclude) && conditionsOf(config, signal, ottlKey).length) {
      problems.push({ path: section, message: `cannot use OTTL conditions (${signal}.${ottlKey}) and include/exclude for ${signal} at the same time` });
    }
  }
  return problems;
}

/** Where each signal's legacy config sits, and the OTTL list it replaces. */
const LEGACY_PLACES: readonly [Signal, string, string][] = [
  ['traces', 'spans', 'span'],
  ['logs', 'logs', 'log_record'],
  ['metrics', 'metrics', 'metric'],
];

function legacyOf(config: FilterConfig, signal: Signal): LegacyMatch | undefined {
  const section = signal === 'traces' ? config.spans : config[signal];
  return section && { include: section.include, exclude: section.exclude };
}

// The Collector's metric names (otelcol_processor_filter_spans.filtered, ...) as Prometheus shows them.
// Profiles count their samples, as upstream's profiles.filtered does.
const FILTERED_METRIC: Record<PipelineSignal, [name: string, help: string]> = {
  traces: ['otelcol_processor_filter_spans_filtered_total', 'Number of spans dropped by the filter processor'],
  logs: ['otelcol_processor_filter_logs_filtered_total', 'Number of logs dropped by the filter processor'],
  metrics: ['otelcol_processor_filter_datapoints_filtered_total', 'Number of metric data points dropped by the filter processor'],
  profiles: ['otelcol_processor_filter_profiles_filtered_total', 'Number of profiles dropped by the filter processor'],
};

function isEmpty(signal: PipelineSignal, data: SignalData[PipelineSignal]): boolean {
  if (signal === 'traces') return (data as SignalData['traces']).resourceSpans.length === 0;
  if (signal === 'logs') return (data as SignalData['logs']).resourceLogs.length === 0;
  if (signal === 'profiles') return (data as SignalData['profiles']).resourceProfiles.length === 0;
  return (data as SignalData['metrics']).resourceMetrics.length === 0;
}

function create(ctx: CreateContext, raw: FilterConfig, next: NextConsumers): ComponentInstance {
  const problems = validate(raw);
  if (problems.length) throw new Error(`invalid filter conditions:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);

  const config = withFlatConditions(raw).config;
  const errorMode = config.error_mode ?? DEFAULT_ERROR_MODE;
  const errors = new OttlErrors(`filter processor ${ctx.id}`, ctx.logger, 'filter conditions failed to evaluate; treated as not matching');
  const onError = errors.onError(errorMode);

  const compile = <C extends OttlContext>(section: 'traces' | 'logs' | 'metrics' | 'profiles', key: string, context: C): Predicate<ContextItems[C]> | undefined => {
    const sources = conditionsOf(config, section, key);
    return sources.length ? compileConditions(sources, context, { onError }) : undefined;
  };
  const traces = {
    resource: compile('traces', 'resource', 'resource'),
    span: compile('traces', 'span', 'span') ?? compileLegacy('traces', legacyOf(config, 'traces')),
    spanevent: compile('traces', 'spanevent', 'spanevent'),
  };
  const logs = { resource: compile('logs', 'resource', 'resource'), log_record: compile('logs', 'log_record', 'log') ?? compileLegacy('logs', legacyOf(config, 'logs')) };
  const metrics = {
    resource: compile('metrics', 'resource', 'resource'),
    metric: compile('metrics', 'metric', 'metric') ?? compileLegacy('metrics', legacyOf(config, 'metrics')),
    datapoint: compile('metrics', 'datapoint', 'datapoint'),
  };
  const profiles = { resource: compile('profiles', 'resource', 'resource'), profile: compile('profiles', 'profile', 'profile') };
  const any = (f: object): boolean => Object.values(f).some(Boolean);

  const run: { [S in PipelineSignal]: ((data: SignalData[S]) => number) | undefined } = {
    traces: any(traces) ? (d) => filterTraces(d, traces) : undefined,
    logs: any(logs) ? (d) => filterLogs(d, logs) : undefined,
    metrics: any(metrics) ? (d) => filterMetrics(d, metrics) : undefined,
    profiles: any(profiles) ? (d) => filterProfiles(d, profiles) : undefined,
  };

  const consumerFor = <S extends PipelineSignal>(signal: S): Consumer<S> => {
    const downstream = next[signal] as Consumer<S> | undefined;
    if (!downstream) throw new Error(`filter processor ${ctx.id}: no next consumer for ${signal}`);
    const filter = run[signal] as ((data: SignalData[S]) => number) | undefined;
    if (!filter) return downstream; // nothing configured for this signal: batches pass through untouched
    const [metricName, help] = FILTERED_METRIC[signal];
    const filtered = ctx.telemetry.counter(metricName, help, ['filter']);
    return {
      async consume(data) {
        const dropped = errors.run(signal, () => filter(data));
        if (dropped) {
          filtered.inc({ filter: ctx.id }, dropped);
          ctx.logger.debug({ signal, dropped }, 'filter dropped items');
        }
        // As upstream: a batch filtered down to nothing is not forwarded at all.
        if (isEmpty(signal, data)) return;
        return downstream.consume(data);
      },
    };
  };

  const consumers: NextConsumers = {};
  for (const signal of wiredSignals(ctx)) (consumers as Record<PipelineSignal, Consumer<PipelineSignal>>)[signal] = consumerFor(signal);
  return { consumers, mutatesData: true };
}

/** The Collector's `filter` processor: drops telemetry matching OTTL conditions. */
export const filterProcessorFactory: ComponentFactory<FilterConfig> = {
  type: 'filter',
  kind: 'processor',
  signals: ['traces', 'metrics', 'logs', 'profiles'],
  stability: 'alpha',
  configSchema,
  validate,
  create,
};
