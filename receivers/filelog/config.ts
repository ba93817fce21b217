/** Config of the `filelog` receiver: upstream filelogreceiver's keys and defaults. */
import type { JSONSchema } from '../../pipeline/component.js';
import { durationSchema } from '../../pipeline/duration.js';
import { byteSizeSchema } from '../../pipeline/stanza/byte-size.js';
import { retryOnFailureSchema, type RetryOnFailureConfig } from '../../pipeline/stanza/emitter.js';
import { operatorsSchema, validateOperators, type OperatorConfig } from '../../pipeline/stanza/operators.js';
import { orderingCriteriaSchema, orderingProblems, type OrderingCriteria } from './ordering.js';

export interface FilelogConfig {
  include: string[];
  exclude: string[];
  start_at: 'beginning' | 'end';
  poll_interval: string;
  fingerprint_size: number | string;
  max_log_size: number | string;
  max_concurrent_files: number;
  encoding: string;
  multiline?: { line_start_pattern?: string; line_end_pattern?: string };
  force_flush_period: string;
  include_file_name: boolean;
  include_file_path: boolean;
  include_file_name_resolved: boolean;
  include_file_path_resolved: boolean;
  storage?: string;
  delete_after_read: boolean;
  compression: '' | 'gzip' | 'auto';
  exclude_older_than?: string;
  ordering_criteria?: OrderingCriteria;
  acquire_fs_lock: boolean;
  header?: { pattern: string; metadata_operators: OperatorConfig[] };
  retry_on_failure: RetryOnFailureConfig;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  operators: OperatorConfig[];
}

export const ENCODINGS = ['utf-8', 'utf8', 'utf-16le', 'utf-16be', 'ascii', 'us-ascii', 'latin1', 'iso-8859-1', 'nop'];

export const filelogConfigSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['include'],
  properties: {
    include: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'globs of files to read; ** matches any depth' },
    exclude: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    start_at: { enum: ['beginning', 'end'], default: 'end' },
    poll_interval: durationSchema('200ms'),
    fingerprint_size: byteSizeSchema(1000),
    max_log_size: byteSizeSchema('1MiB'),
    max_concurrent_files: { type: 'integer', minimum: 2, default: 1024 },
    encoding: { type: 'string', default: 'utf-8' },
    multiline: {
      type: 'object',
      additionalProperties: false,
      properties: { line_start_pattern: { type: 'string', minLength: 1 }, line_end_pattern: { type: 'string', minLength: 1 } },
    },
    force_flush_period: durationSchema('500ms'),
    include_file_name: { type: 'boolean', default: true },
    include_file_path: { type: 'boolean', default: false },
    include_file_name_resolved: { type: 'boolean', default: false },
    include_file_path_resolved: { type: 'boolean', default: false },
    storage: { type: 'string', minLength: 1, description: 'id of a file_storage extension keeping read offsets across restarts' },
    delete_after_read: { type: 'boolean', default: false },
    compression: { enum: ['', 'gzip', 'auto'], default: '', description: 'auto: gzip for files named *.gz' },
    exclude_older_than: { ...durationSchema(), description: 'skip files not modified for this long' },
    ordering_criteria: orderingCriteriaSchema,
    acquire_fs_lock: { type: 'boolean', default: false, description: 'accepted; Node.js has no flock, so files are read without a lock' },
    header: {
      type: 'object',
      additionalProperties: false,
      required: ['pattern', 'metadata_operators'],
      properties: { pattern: { type: 'string', minLength: 1 }, metadata_operators: { ...operatorsSchema, minItems: 1 } },
    },
    retry_on_failure: retryOnFailureSchema,
    attributes: { type: 'object', default: {} },
    resource: { type: 'object', default: {} },
    operators: operatorsSchema,
  },
};

export function validateFilelogConfig(c: FilelogConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (!ENCODINGS.includes(c.encoding.toLowerCase())) problems.push({ path: 'encoding', message: `unsupported encoding "${c.encoding}"; supported: ${ENCODINGS.join(', ')}` });
  if (c.delete_after_read && c.start_at === 'end') problems.push({ path: 'delete_after_read', message: '`delete_after_read` cannot be used with `start_at: end`' });
  if (c.header) {
    if (c.start_at !== 'beginning') problems.push({ path: 'header', message: '`header` requires `start_at: beginning` (a header is only seen from a file\'s first line)' });
    problems.push(...regexProblems(c.header.pattern, 'header.pattern'), ...validateOperators(c.header.metadata_operators, 'header.metadata_operators'));
  }
  problems.push(...orderingProblems(c.ordering_criteria));
  const m = c.multiline;
  if (m) {
    if (m.line_start_pattern && m.line_end_pattern) problems.push({ path: 'multiline', message: 'only one of line_start_pattern and line_end_pattern can be set' });
    if (!m.line_start_pattern && !m.line_end_pattern) problems.push({ path: 'multiline', message: 'one of line_start_pattern or line_end_pattern must be set' });
    for (const key of ['line_start_pattern', 'line_end_pattern'] as const) {
      const p = m[key];
      if (p !== undefined) problems.push(...regexProblems(p, `multiline.${key}`));
    }
  }
  return problems;
}

function regexProblems(pattern: string, path: string): { path: string; message: string }[] {
  try {
    new RegExp(pattern);
    return [];
  } catch (err) {
    return [{ path, message: (err as Error).message }];
  }
}
