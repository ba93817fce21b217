import type { JSONSchema } from '../../pipeline/index.js';
import type { OttlContext } from '../../pipeline/ottl/index.js';

import { ERROR_MODES, type ErrorMode } from '../internal/ottl-errors.js';

export type { ErrorMode } from '../internal/ottl-errors.js';

/** Upstream's default since its feature gate processor.transform.defaultErrorModeIgnore. */
export const DEFAULT_ERROR_MODE: ErrorMode = 'ignore';

/** A statement group (upstream's "advanced config"); a bare string is a group of one, its context inferred. */
export interface StatementGroup {
  context?: string;
  error_mode?: ErrorMode;
  conditions?: string[];
  statements: string[];
}

export type StatementList = (string | StatementGroup)[];

export interface TransformConfig {
  error_mode?: ErrorMode;
  trace_statements?: StatementList;
  metric_statements?: StatementList;
  log_statements?: StatementList;
  /** Accepted so upstream configs load; the transform processor does not take profiles. */
  profile_statements?: StatementList;
  /** Accepted so upstream configs load; see README (log records keep sharing their resource). */
  flatten_data?: boolean;
}

export type StatementsKey = 'trace_statements' | 'metric_statements' | 'log_statements';

/** Each signal's contexts, shallowest first, as its statements may name them. */
export const SIGNAL_CONTEXTS: Record<StatementsKey, readonly OttlContext[]> = {
  trace_statements: ['resource', 'scope', 'span', 'spanevent'],
  metric_statements: ['resource', 'scope', 'metric', 'datapoint'],
  log_statements: ['resource', 'scope', 'log'],
};

const ERROR_MODE: JSONSchema = {
  enum: ERROR_MODES,
  description: 'what a statement that fails does: fail the batch (propagate), or skip it and log (ignore) or not (silent)',
};

const statementList = (example: string): JSONSchema => ({
  type: 'array',
  description: `OTTL statements run in order: strings (context inferred from path prefixes), or groups {context, error_mode, conditions, statements}. e.g. ${example}`,
  items: {
    oneOf: [
      { type: 'string' },
      {
        type: 'object',
        additionalProperties: false,
        required: ['statements'],
        properties: {
          context: { type: 'string', description: 'resource, scope, span, spanevent, metric, datapoint or log; inferred from the statements when absent' },
          error_mode: ERROR_MODE,
          conditions: { type: 'array', items: { type: 'string' }, description: 'OTTL conditions, ORed; the statements run only for items matching one' },
          statements: { type: 'array', items: { type: 'string' } },
        },
      },
    ],
  },
});

export const configSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    error_mode: { ...ERROR_MODE, default: DEFAULT_ERROR_MODE },
    trace_statements: statementList('set(span.attributes["env"], "prod")'),
    metric_statements: statementList('convert_sum_to_gauge() where metric.name == "x"'),
    log_statements: statementList('set(log.severity_text, "FAIL") where log.body == "request failed"'),
    profile_statements: { type: 'array', description: 'accepted for compatibility; the transform processor does not take profiles, so these never run' },
    flatten_data: { type: 'boolean', default: false, description: 'accepted for compatibility; not implemented (see README)' },
  },
};
