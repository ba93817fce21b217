import type { JSONSchema } from '../../pipeline/component.js';
import { compileCondition, OttlParseError, parseCondition, type OttlContext } from '../../pipeline/ottl/index.js';
import type { Problem } from '../internal/values.js';

export interface AttributeConfig {
  key: string;
  /** Upstream accepts a string, an int or a float; an empty string or 0 means "no default", as upstream. */
  default_value?: string | number | null;
}

export interface MetricInfo {
  description?: string;
  /** OTTL conditions, ORed; none = count everything. */
  conditions?: string[];
  attributes?: AttributeConfig[];
}

export type MetricInfos = Record<string, MetricInfo | null>;

/** Upstream's keys (connector/countconnector): one map of metric name → definition per kind of item. */
export interface CountConfig {
  spans?: MetricInfos | null;
  spanevents?: MetricInfos | null;
  metrics?: MetricInfos | null;
  datapoints?: MetricInfos | null;
  logs?: MetricInfos | null;
  /** Accepted so upstream configs load; the count connector does not take profiles (yet), so these never count. */
  profiles?: MetricInfos | null;
}

export type Section = keyof CountConfig;

/** Every section, the OTTL context its conditions use (undefined: syntax-checked only), and its default metric. */
export const SECTIONS: readonly { section: Section; context: OttlContext | undefined; name: string; description: string }[] = [
  { section: 'spans', context: 'span', name: 'trace.span.count', description: 'The number of spans observed.' },
  { section: 'spanevents', context: 'spanevent', name: 'trace.span.event.count', description: 'The number of span events observed.' },
  { section: 'metrics', context: 'metric', name: 'metric.count', description: 'The number of metrics observed.' },
  { section: 'datapoints', context: 'datapoint', name: 'metric.datapoint.count', description: 'The number of data points observed.' },
  { section: 'logs', context: 'log', name: 'log.record.count', description: 'The number of log records observed.' },
  { section: 'profiles', context: undefined, name: 'profile.count', description: 'The number of profiles observed.' },
];

/**
 * The metric definitions of a section: the configured ones, or, when the section is not written
 * at all, its default metric (as upstream: writing a section replaces its default, even with `{}`).
 */
export function metricInfosOf(config: CountConfig, section: Section): [string, MetricInfo][] {
  if (config[section] === undefined) {
    const s = SECTIONS.find((x) => x.section === section)!;
    return [[s.name, { description: s.description }]];
  }
  return Object.entries(config[section] ?? {}).map(([name, info]) => [name, info ?? {}]);
}

const metricInfoSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    description: { type: 'string' },
    conditions: {
      type: 'array',
      items: { type: 'string' },
      description: 'OTTL conditions (see pipeline/ottl/README.md), ORed: an item is counted when any matches; none = every item',
    },
    attributes: {
      type: 'array',
      description: 'count separately per value of these attributes (looked up on the item, then its scope, then its resource)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key'],
        properties: {
          key: { type: 'string', minLength: 1 },
          default_value: { type: ['string', 'number', 'null'], description: 'value for items without the attribute; without it such items are not counted' },
        },
      },
    },
  },
};

const section = (what: string): JSONSchema => ({
  type: 'object',
  additionalProperties: metricInfoSchema,
  description: `metric name → definition, counting ${what}; writing the section replaces its default metric`,
});

export const countConfigSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    spans: section('spans'),
    spanevents: section('span events'),
    metrics: section('metrics'),
    datapoints: section('metric data points'),
    logs: section('log records'),
    profiles: { ...section('profiles'), description: 'accepted for compatibility with upstream configs; the count connector does not take profiles (yet), so these never count' },
  },
};

/**
 * Every problem, keyed by its place in the config (`spans.<metric>.conditions.<i>`): metric names,
 * conditions (compiled in their section's OTTL context) and attributes.
 */
export function validateCountConfig(config: CountConfig): Problem[] {
  const problems: Problem[] = [];
  for (const { section, context } of SECTIONS) {
    if (config[section] === undefined) continue;
    for (const [name, info] of metricInfosOf(config, section)) {
      if (name === '') {
        problems.push({ path: section, message: `${section}: metric name missing` });
        continue;
      }
      (info.conditions ?? []).forEach((condition, i) => {
        try {
          if (context) compileCondition(condition, context);
          else parseCondition(condition);
        } catch (err) {
          if (!(err instanceof OttlParseError)) throw err;
          problems.push({ path: `${section}.${name}.conditions.${i}`, message: `metric "${name}": ${err.message}` });
        }
      });
      if (section === 'metrics' && info.attributes?.length) {
        problems.push({
          path: `${section}.${name}.attributes`,
          message: `metric "${name}": attributes are not supported for metrics (a metric has none; count data points by attribute under datapoints)`,
        });
      }
      (info.attributes ?? []).forEach((a, i) => {
        if (!a?.key) problems.push({ path: `${section}.${name}.attributes.${i}.key`, message: `metric "${name}": attribute key missing` });
      });
    }
  }
  return problems;
}
