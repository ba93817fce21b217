/** Config of the `issue_store` extension (Summit's own keys; README.md documents them). */
import { isAbsolute, resolve } from 'node:path';
import { durationSchema, parseDuration } from '../../pipeline/duration.js';
import type { Synchronous } from './db.js';

export interface IssueStoreConfig {
  /** Absent: ./data/issues.sqlite under the working directory. */
  path?: string;
  synchronous?: Synchronous;
  sample_events?: number;
  retention?: { max_age?: string; max_issues?: number };
}

export const ISSUE_STORE_DEFAULTS = {
  path: './data/issues.sqlite',
  synchronous: 'NORMAL' as Synchronous,
  sample_events: 10,
  max_age: '2160h',
  max_issues: 100_000,
};

export const issueStoreConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description: `the SQLite database file; default ${ISSUE_STORE_DEFAULTS.path} under the working directory; a relative path resolves against the config file's directory`,
    },
    synchronous: {
      enum: ['NORMAL', 'FULL'],
      default: ISSUE_STORE_DEFAULTS.synchronous,
      description: "SQLite's synchronous level for recording (WAL mode): NORMAL keeps every acknowledged commit across a process crash or kill -9, FULL across power loss too (an fsync per commit)",
    },
    sample_events: {
      type: 'integer',
      minimum: 0,
      maximum: 1000,
      default: ISSUE_STORE_DEFAULTS.sample_events,
      description: 'events kept whole per issue besides its first: the latest this many',
    },
    retention: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        max_age: { ...durationSchema(ISSUE_STORE_DEFAULTS.max_age), description: 'issues not seen for longer are deleted with their events; 0 = no limit' },
        max_issues: {
          type: 'integer',
          minimum: 1,
          default: ISSUE_STORE_DEFAULTS.max_issues,
          description: 'beyond this many issues, the least recently seen are deleted',
        },
      },
    },
  },
};

export function validateIssueStoreConfig(c: IssueStoreConfig): { path: string; message: string }[] {
  const text = c.retention?.max_age;
  if (text === undefined) return [];
  try {
    if (parseDuration(text) < 0) return [{ path: 'retention.max_age', message: `must not be negative, got "${text}"` }];
  } catch (err) {
    return [{ path: 'retention.max_age', message: (err as Error).message }];
  }
  return [];
}

export interface ResolvedIssueStoreConfig {
  path: string;
  synchronous: Synchronous;
  sampleEvents: number;
  /** 0: no age limit. */
  maxAgeMs: number;
  maxIssues: number;
}

export function resolveIssueStoreConfig(c: IssueStoreConfig, configDir: string, cwd = process.cwd()): ResolvedIssueStoreConfig {
  return {
    path: c.path === undefined ? resolve(cwd, ISSUE_STORE_DEFAULTS.path) : isAbsolute(c.path) ? c.path : resolve(configDir, c.path),
    synchronous: c.synchronous ?? ISSUE_STORE_DEFAULTS.synchronous,
    sampleEvents: c.sample_events ?? ISSUE_STORE_DEFAULTS.sample_events,
    maxAgeMs: parseDuration(c.retention?.max_age ?? ISSUE_STORE_DEFAULTS.max_age),
    maxIssues: c.retention?.max_issues ?? ISSUE_STORE_DEFAULTS.max_issues,
  };
}
