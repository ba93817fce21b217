import type { JSONSchema } from '../../pipeline/index.js';

import { ERROR_MODES, type ErrorMode } from '../internal/ottl-errors.js';

export type { ErrorMode } from '../internal/ottl-errors.js';
export type RouteContext = 'resource' | 'span' | 'metric' | 'datapoint' | 'log' | 'request';

export interface RouteConfig {
  context?: RouteContext;
  condition?: string;
  statement?: string;
  pipelines: string[];
}

export interface RoutingConfig {
  table: RouteConfig[];
  default_pipelines?: string[];
  error_mode?: ErrorMode;
  /** Removed upstream in v0.120.0; accepted so older configs load, see README. */
  match_once?: boolean;
}

export const configSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['table'],
  properties: {
    table: {
      type: 'array',
      minItems: 1,
      description: 'routes, tried in order; each item goes to the pipelines of the first route that matches it',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['pipelines'],
        properties: {
          context: { enum: ['resource', 'span', 'metric', 'datapoint', 'log', 'request'], default: 'resource' },
          condition: { type: 'string', description: 'OTTL condition, e.g. attributes["env"] == "prod"' },
          statement: { type: 'string', description: 'OTTL statement, e.g. route() where attributes["env"] == "prod"' },
          pipelines: { type: 'array', minItems: 1, items: { type: 'string' } },
        },
      },
    },
    default_pipelines: { type: 'array', items: { type: 'string' }, description: 'where items that match no route go; dropped when empty' },
    error_mode: { enum: ERROR_MODES, default: 'propagate' },
    match_once: { type: 'boolean', description: 'removed upstream in v0.120.0; routing always matches once. Accepted so older configs load' },
  },
};
