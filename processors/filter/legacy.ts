/**
 * The filter processor's legacy match configs, still accepted upstream: `spans.include/exclude`
 * (MatchProperties), `logs.include/exclude` (LogMatchProperties) and `metrics.include/exclude`
 * (MetricMatchProperties). An item fails `include` or matches `exclude` → it is dropped.
 * Upstream refuses them beside OTTL conditions of the same signal; so does Summit.
 */
import type { Resource, Signal } from '../../pipeline/index.js';
import type { LogItem, MetricItem, Predicate, SpanItem } from '../../pipeline/ottl/index.js';
import { compileSkip, matchProblems, matchPropertiesSchema, signalProblems, type MatchConfig, type MatchProperties } from '../internal/matchprops.js';
import type { Problem } from '../internal/values.js';

type Side = 'include' | 'exclude';
export type LegacyMatch = Partial<Record<Side, Record<string, unknown>>>;

/** LogMatchProperties' key → the MatchProperties key that means the same. */
const LOG_KEYS: Record<string, keyof MatchProperties> = {
  record_attributes: 'attributes',
  bodies: 'log_bodies',
  severity_texts: 'log_severity_texts',
  resource_attributes: 'resources',
  severity_number: 'log_severity_number',
};
/** MetricMatchProperties' keys beyond match_type and metric_names. */
const METRIC_UNSUPPORTED = ['expressions', 'resource_attributes'];

const logSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    match_type: { type: 'string' },
    record_attributes: (matchPropertiesSchema.properties as Record<string, unknown>).attributes,
    bodies: { type: 'array', items: { type: 'string' } },
    severity_texts: { type: 'array', items: { type: 'string' } },
    resource_attributes: {},
    severity_number: {},
    libraries: {},
  },
};
const metricSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { match_type: { type: 'string' }, metric_names: { type: 'array', items: { type: 'string' } }, expressions: {}, resource_attributes: {} },
};

export const legacyMatchSchema = {
  spans: { include: matchPropertiesSchema, exclude: matchPropertiesSchema },
  logs: { include: logSchema, exclude: logSchema },
  metrics: { include: metricSchema, exclude: metricSchema },
};

function translate(signal: Signal, props: Record<string, unknown>): { mp: MatchProperties; problems: Problem[] } {
  if (signal === 'traces') return { mp: props as MatchProperties, problems: [] };
  const problems: Problem[] = [];
  const mp: Record<string, unknown> = { match_type: props.match_type };
  for (const [key, value] of Object.entries(props)) {
    if (key === 'match_type') continue;
    if (signal === 'logs') {
      if (key === 'libraries' || LOG_KEYS[key] === 'resources' || LOG_KEYS[key] === 'log_severity_number') problems.push({ path: key, message: `"${key}" is not supported by Summit yet; use OTTL conditions (logs.resource / logs.log_record) instead` });
      else mp[LOG_KEYS[key]] = value;
    } else if (METRIC_UNSUPPORTED.includes(key)) problems.push({ path: key, message: `"${key}" is not supported by Summit yet; use OTTL conditions (metrics.metric) instead` });
    else mp[key] = value;
  }
  if (signal === 'metrics' && props.match_type === 'expr') problems.push({ path: 'match_type', message: 'match_type "expr" is not supported by Summit; use OTTL conditions (metrics.metric / metrics.datapoint) instead' });
  return { mp: mp as MatchProperties, problems };
}

function toMatchConfig(signal: Signal, legacy: LegacyMatch): { config: MatchConfig; problems: Problem[] } {
  const config: MatchConfig = {};
  const problems: Problem[] = [];
  for (const side of ['include', 'exclude'] as const) {
    const props = legacy[side];
    if (!props) continue;
    const t = translate(signal, props);
    config[side] = t.mp;
    problems.push(...t.problems.map((p) => ({ ...p, path: `${side}.${p.path}` })));
  }
  return { config, problems };
}

/** Problems of a legacy match config of `signal`, with paths under `section` (`spans.exclude.attributes[0].key`). */
export function legacyProblems(signal: Signal, section: string, legacy: LegacyMatch | undefined): Problem[] {
  if (!legacy || (!legacy.include && !legacy.exclude)) return [];
  const { config, problems } = toMatchConfig(signal, legacy);
  const all = problems.length ? problems : [...matchProblems(config), ...signalProblems(signal, config)];
  return all.map((p) => ({ ...p, path: `${section}.${p.path}` }));
}

type Dropper = { traces: Predicate<SpanItem>; logs: Predicate<LogItem>; metrics: Predicate<MetricItem> };
const ENTRY_OF = { traces: (i: SpanItem) => i.span, logs: (i: LogItem) => i.log, metrics: (i: MetricItem) => i.metric };

/** The drop predicate of a checked legacy config; undefined when there is none. */
export function compileLegacy<S extends Signal>(signal: S, legacy: LegacyMatch | undefined): Dropper[S] | undefined {
  if (!legacy || (!legacy.include && !legacy.exclude)) return undefined;
  const drop = compileSkip(signal, toMatchConfig(signal, legacy).config) as ((entry: unknown, resource: Resource) => boolean) | undefined;
  if (!drop) return undefined;
  const entryOf = ENTRY_OF[signal] as (item: SpanItem | LogItem | MetricItem) => unknown;
  return ((item: SpanItem | LogItem | MetricItem) => drop(entryOf(item), item.resource)) as Dropper[S];
}
