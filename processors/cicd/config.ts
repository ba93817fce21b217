import { isAbsolute, resolve } from 'node:path';
import type { JSONSchema } from '../../pipeline/component.js';
import { durationSchema, parseDuration } from '../../pipeline/duration.js';

export interface CicdConnectorConfig {
  metrics_flush_interval?: string;
  /** The SQLite file keeping what must outlive a restart: commits, deployments, open failures, test outcomes. */
  storage_path?: string;
  /** Bucket bounds (seconds) of the build duration histograms. */
  duration_buckets?: number[];
  /** Series per metric before new label combinations are counted in one overflow series. */
  aggregation_cardinality_limit?: number;
  tests?: { retention?: string };
  dora?: {
    production_environments?: string[];
    lead_time_buckets?: number[];
    failure?: { failed_deployments?: boolean; rollbacks?: boolean; new_issues?: boolean; new_issue_window?: string };
  };
}

export interface ResolvedCicdConfig {
  flushIntervalMs: number;
  storagePath: string;
  durationBuckets: number[];
  cardinalityLimit: number;
  testRetentionMs: number;
  productionEnvironments: Set<string>;
  leadTimeBuckets: number[];
  failure: { failedDeployments: boolean; rollbacks: boolean; newIssues: boolean; newIssueWindowMs: number };
}

const HOUR = 3600;
export const CICD_DEFAULTS = {
  metrics_flush_interval: '15s',
  storage_path: './data/cicd.sqlite',
  // a step takes seconds, a pipeline minutes to hours
  duration_buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, HOUR, 2 * HOUR, 6 * HOUR],
  aggregation_cardinality_limit: 5000,
  test_retention: '720h',
  production_environments: ['production', 'prod'],
  // changes reach production in minutes to weeks
  lead_time_buckets: [600, HOUR, 6 * HOUR, 24 * HOUR, 3 * 24 * HOUR, 7 * 24 * HOUR, 30 * 24 * HOUR],
  new_issue_window: '24h',
};

const buckets = (d: number[]): JSONSchema => ({ type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1, default: d });

export const cicdConfigSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    metrics_flush_interval: durationSchema(CICD_DEFAULTS.metrics_flush_interval),
    storage_path: {
      type: 'string',
      minLength: 1,
      description: `the SQLite file; default ${CICD_DEFAULTS.storage_path} under the working directory; a relative path resolves against the config file's directory`,
    },
    duration_buckets: buckets(CICD_DEFAULTS.duration_buckets),
    aggregation_cardinality_limit: { type: 'integer', minimum: 1, default: CICD_DEFAULTS.aggregation_cardinality_limit },
    tests: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { retention: durationSchema(CICD_DEFAULTS.test_retention) },
    },
    dora: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        production_environments: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, default: CICD_DEFAULTS.production_environments },
        lead_time_buckets: buckets(CICD_DEFAULTS.lead_time_buckets),
        failure: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            failed_deployments: { type: 'boolean', default: true },
            rollbacks: { type: 'boolean', default: true },
            new_issues: { type: 'boolean', default: true },
            new_issue_window: durationSchema(CICD_DEFAULTS.new_issue_window),
          },
        },
      },
    },
  },
};

export function validateCicdConfig(c: CicdConnectorConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const ascending = (xs: number[] | undefined, path: string) => {
    if (xs && xs.some((x, i) => i > 0 && x <= xs[i - 1])) problems.push({ path, message: 'bucket bounds must be strictly increasing' });
  };
  ascending(c?.duration_buckets, 'duration_buckets');
  ascending(c?.dora?.lead_time_buckets, 'dora.lead_time_buckets');
  if (c?.metrics_flush_interval && parseDuration(c.metrics_flush_interval) <= 0) problems.push({ path: 'metrics_flush_interval', message: 'must be positive' });
  return problems;
}

export function resolveCicdConfig(c: CicdConnectorConfig, configDir: string, cwd = process.cwd()): ResolvedCicdConfig {
  const path = c?.storage_path;
  const failure = c?.dora?.failure ?? {};
  return {
    flushIntervalMs: parseDuration(c?.metrics_flush_interval ?? CICD_DEFAULTS.metrics_flush_interval),
    storagePath: path === undefined ? resolve(cwd, CICD_DEFAULTS.storage_path) : isAbsolute(path) ? path : resolve(configDir, path),
    durationBuckets: c?.duration_buckets ?? CICD_DEFAULTS.duration_buckets,
    cardinalityLimit: c?.aggregation_cardinality_limit ?? CICD_DEFAULTS.aggregation_cardinality_limit,
    testRetentionMs: parseDuration(c?.tests?.retention ?? CICD_DEFAULTS.test_retention),
    productionEnvironments: new Set((c?.dora?.production_environments ?? CICD_DEFAULTS.production_environments).map((e) => e.toLowerCase())),
    leadTimeBuckets: c?.dora?.lead_time_buckets ?? CICD_DEFAULTS.lead_time_buckets,
    failure: {
      failedDeployments: failure.failed_deployments ?? true,
      rollbacks: failure.rollbacks ?? true,
      newIssues: failure.new_issues ?? true,
      newIssueWindowMs: parseDuration(failure.new_issue_window ?? CICD_DEFAULTS.new_issue_window),
    },
  };
}
