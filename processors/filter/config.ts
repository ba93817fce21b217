import type { JSONSchema } from '../../pipeline/index.js';
import type { OttlContext } from '../../pipeline/ottl/index.js';
import { flatConditionsSchema } from './flat.js';
import { legacyMatchSchema, type LegacyMatch } from './legacy.js';

import { ERROR_MODES, type ErrorMode } from '../internal/ottl-errors.js';

export type { ErrorMode } from '../internal/ottl-errors.js';

/** Upstream's default since its feature gate processor.filter.defaultErrorModeIgnore went stable. */
export const DEFAULT_ERROR_MODE: ErrorMode = 'ignore';

export interface FilterConfig {
  error_mode?: ErrorMode;
  traces?: { resource?: string[]; span?: string[]; spanevent?: string[] };
  logs?: { resource?: string[]; log_record?: string[] } & LegacyMatch;
  metrics?: { resource?: string[]; metric?: string[]; datapoint?: string[] } & LegacyMatch;
  /** The legacy span match config (logs and metrics have theirs under `include` / `exclude` of their section). */
  spans?: LegacyMatch;
  profiles?: { resource?: string[]; profile?: string[] };
  trace_conditions?: FlatEntry[];
  log_conditions?: FlatEntry[];
  metric_conditions?: FlatEntry[];
  profile_conditions?: FlatEntry[];
}

/** An entry of the flat lists (flat.ts): a condition, or a group of them with an explicit context. */
export type FlatEntry = string | { context?: string; conditions?: string[]; error_mode?: string };

type Section = 'traces' | 'logs' | 'metrics' | 'profiles';

/** Every condition list of the config, where it sits, and the OTTL context it is compiled in. */
export const CONDITION_LISTS: readonly { section: Section; key: string; context: OttlContext }[] = [
  { section: 'traces', key: 'resource', context: 'resource' },
  { section: 'traces', key: 'span', context: 'span' },
  { section: 'traces', key: 'spanevent', context: 'spanevent' },
  { section: 'logs', key: 'resource', context: 'resource' },
  { section: 'logs', key: 'log_record', context: 'log' },
  { section: 'metrics', key: 'resource', context: 'resource' },
  { section: 'metrics', key: 'metric', context: 'metric' },
  { section: 'metrics', key: 'datapoint', context: 'datapoint' },
  { section: 'profiles', key: 'resource', context: 'resource' },
  { section: 'profiles', key: 'profile', context: 'profile' },
];

export function conditionsOf(config: FilterConfig, section: Section, key: string): string[] {
  const lists = config[section] as Record<string, string[] | undefined> | undefined;
  return lists?.[key] ?? [];
}

const conditions = (context: string, example: string): JSONSchema => ({
  type: 'array',
  items: { type: 'string' },
  description: `OTTL conditions in the ${context} context, ORed; a matching item is dropped. e.g. ${example}`,
});

const RESOURCE = conditions('resource', 'attributes["service.name"] == "noisy"');

export const configSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    error_mode: {
      enum: ERROR_MODES,
      default: DEFAULT_ERROR_MODE,
      description: 'what a condition that fails to evaluate does: fail the batch (propagate), or count as false and log (ignore) or not (silent)',
    },
    traces: {
      type: 'object',
      additionalProperties: false,
      properties: {
        resource: RESOURCE,
        span: conditions('span', 'attributes["http.route"] == "/healthz"'),
        spanevent: conditions('spanevent', 'name == "debug"'),
      },
    },
    logs: {
      type: 'object',
      additionalProperties: false,
      properties: {
        resource: RESOURCE,
        log_record: conditions('log', 'severity_number < SEVERITY_NUMBER_WARN'),
        ...legacyMatchSchema.logs,
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      properties: {
        resource: RESOURCE,
        metric: conditions('metric', 'name == "jvm.gc.duration"'),
        datapoint: conditions('datapoint', 'attributes["state"] == "idle"'),
        ...legacyMatchSchema.metrics,
      },
    },
    ...flatConditionsSchema,
    spans: {
      type: 'object',
      additionalProperties: false,
      description: 'legacy match config (upstream still accepts it): spans failing include or matching exclude are dropped',
      properties: legacyMatchSchema.spans,
    },
    profiles: {
      type: 'object',
      additionalProperties: false,
      properties: {
        resource: RESOURCE,
        profile: conditions('profile', 'original_payload_format == "jfr"'),
      },
    },
  },
};
