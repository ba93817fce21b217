/** Config of the `parquet` exporter. README.md documents every key. */
import { isAbsolute, resolve } from 'node:path';
import type { JSONSchema } from '../../pipeline/component.js';
import { durationSchema, parseDuration } from '../../pipeline/duration.js';
import {
  exporterHelperSchemaProperties,
  validateExporterHelperConfig,
  type ExporterHelperConfig,
  type ExporterHelperDefaults,
} from '../../pipeline/exporterhelper/index.js';
import type { Compression } from './worker.js';

export interface ParquetConfig extends ExporterHelperConfig {
  /** Absent: ./data under the working directory. */
  path?: string;
  compression: Compression;
  max_rows: number;
  max_bytes: number | string;
  max_age: string;
  retention: string;
  partition_window: string;
  max_value_bytes: number | string;
  compaction?: { enabled?: boolean; target_size?: number | string; min_files?: number; interval?: string };
}

/**
 * The helper's defaults for this exporter. A send is answered only once its rows are in a
 * finished file, which can take up to max_age: no per-attempt timeout (a timeout would make
 * the helper send the batch again while its rows are still waiting in the open file), and
 * enough concurrent sends that a file can collect many batches before it must be finished.
 */
export const PARQUET_HELPER_DEFAULTS: ExporterHelperDefaults = {
  timeout: '0',
  sending_queue: { num_consumers: 1000 },
};

export const PARQUET_DEFAULTS = {
  path: './data',
  compression: 'zstd' as Compression,
  max_rows: 200_000,
  max_bytes: '32MiB',
  max_age: '60s',
  retention: '0',
  partition_window: '168h',
  max_value_bytes: '64KiB',
  compaction: { enabled: true, target_size: '64MiB', min_files: 4, interval: '5m' },
};

/**
 * The largest max_value_bytes: a resource's values are hashed by the Parquet writer, and read
 * back by queries, once per row of the resource.
 */
const MAX_VALUE_BYTES = 1024 * 1024;
const MAX_VALUE_BYTES_TEXT = '1MiB';

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/;
const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** Bytes in `1048576`, `64MiB`, `1.5GB`. */
export function parseSize(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = SIZE.exec(v.trim());
  if (!m) throw new Error(`invalid size "${v}": expected bytes or a number with B, KB, MB, GB, KiB, MiB, GiB`);
  return Math.floor(parseFloat(m[1]) * UNITS[m[2] ?? 'B']);
}

export const parquetConfigSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description: `root directory of the tables; default ${PARQUET_DEFAULTS.path} under the working directory; a relative path resolves against the config file's directory`,
    },
    compression: { enum: ['zstd', 'snappy', 'gzip', 'none'], default: PARQUET_DEFAULTS.compression, description: 'Parquet page compression' },
    max_rows: { type: 'integer', minimum: 1, default: PARQUET_DEFAULTS.max_rows, description: 'rows at which a file is finished' },
    max_bytes: {
      type: ['integer', 'string'],
      minimum: 1,
      pattern: SIZE.source,
      default: PARQUET_DEFAULTS.max_bytes,
      description: 'uncompressed (Arrow) size of its rows at which a file is finished, e.g. 32MiB',
    },
    max_age: { ...durationSchema(PARQUET_DEFAULTS.max_age), description: 'a file is finished at the latest this long after its first row; 0 = no limit' },
    retention: { ...durationSchema(PARQUET_DEFAULTS.retention), description: 'delete hour partitions older than this, e.g. 720h; 0 = keep forever' },
    partition_window: {
      ...durationSchema(PARQUET_DEFAULTS.partition_window),
      description: "items whose time is more than this before their arrival (or over an hour after) go to the arrival hour's partition; 0 = always their own hour",
    },
    compaction: {
      type: 'object',
      additionalProperties: false,
      description: 'background merging of the small files of finished hour partitions (Summit addition)',
      properties: {
        enabled: { type: 'boolean', default: PARQUET_DEFAULTS.compaction.enabled },
        target_size: { type: ['integer', 'string'], minimum: 1, pattern: SIZE.source, default: PARQUET_DEFAULTS.compaction.target_size, description: 'on-disk size a merged file grows to at most' },
        min_files: { type: 'integer', minimum: 2, default: PARQUET_DEFAULTS.compaction.min_files, description: 'fewest small files in a partition worth merging' },
        interval: { ...durationSchema(PARQUET_DEFAULTS.compaction.interval), description: 'how often finished partitions are looked at' },
      },
    },
    max_value_bytes: {
      type: ['integer', 'string'],
      minimum: 1,
      pattern: SIZE.source,
      default: PARQUET_DEFAULTS.max_value_bytes,
      description: `attribute keys and values (and resource, scope and metric texts) longer than this many UTF-8 bytes are cut and marked; at most ${MAX_VALUE_BYTES_TEXT}`,
    },
    ...exporterHelperSchemaProperties(PARQUET_HELPER_DEFAULTS),
  },
};

export function validateParquetConfig(c: ParquetConfig): { path: string; message: string }[] {
  const problems = validateExporterHelperConfig(c);
  const ms = (key: 'max_age' | 'retention' | 'partition_window' | 'timeout', fallback: string): number | undefined => {
    try {
      const v = parseDuration(c[key] ?? fallback);
      if (v < 0) {
        problems.push({ path: key, message: `must not be negative, got "${c[key]}"` });
        return undefined;
      }
      return v;
    } catch (err) {
      if (key !== 'timeout') problems.push({ path: key, message: (err as Error).message });
      return undefined;
    }
  };
  const maxAge = ms('max_age', PARQUET_DEFAULTS.max_age);
  ms('retention', PARQUET_DEFAULTS.retention);
  ms('partition_window', PARQUET_DEFAULTS.partition_window);
  const timeout = ms('timeout', PARQUET_HELPER_DEFAULTS.timeout!);
  try {
    if (parseSize(c.max_bytes ?? PARQUET_DEFAULTS.max_bytes) < 1) problems.push({ path: 'max_bytes', message: 'must be at least 1 byte' });
  } catch (err) {
    problems.push({ path: 'max_bytes', message: (err as Error).message });
  }
  try {
    const v = parseSize(c.max_value_bytes ?? PARQUET_DEFAULTS.max_value_bytes);
    if (v < 1 || v > MAX_VALUE_BYTES) {
      problems.push({
        path: 'max_value_bytes',
        message: `must be between 1 byte and ${MAX_VALUE_BYTES_TEXT}, got "${c.max_value_bytes}": a resource's values are written, and read back, once per row of the resource`,
      });
    }
  } catch (err) {
    problems.push({ path: 'max_value_bytes', message: (err as Error).message });
  }
  if (timeout !== undefined && timeout > 0 && maxAge !== undefined && (maxAge === 0 || timeout <= maxAge)) {
    problems.push({
      path: 'timeout',
      message:
        `must be 0 (no limit, the default) or longer than max_age (${c.max_age ?? PARQUET_DEFAULTS.max_age}${maxAge === 0 ? ' = no limit' : ''}): ` +
        'a batch is answered only when the file holding its rows is finished, and a timeout before that makes the helper send it again, writing its rows twice',
    });
  }
  return problems;
}

export interface ResolvedParquetConfig {
  dir: string;
  compression: Compression;
  maxRows: number;
  maxBytes: number;
  maxAgeMs: number;
  retentionMs: number;
  partitionWindowMs: number;
  maxValueBytes: number;
  /** Undefined when compaction is off. */
  compaction?: { targetBytes: number; minFiles: number; intervalMs: number };
}

/**
 * Like file_storage's directory: the default is under the working directory (so the embedded
 * default config writes to ./data where summit runs), a path written in a config file resolves
 * against that file's directory.
 */
export function resolveParquetConfig(c: ParquetConfig, configDir: string, cwd = process.cwd()): ResolvedParquetConfig {
  const path = c.path;
  return {
    dir: path === undefined ? resolve(cwd, PARQUET_DEFAULTS.path) : isAbsolute(path) ? path : resolve(configDir, path),
    compression: c.compression ?? PARQUET_DEFAULTS.compression,
    maxRows: c.max_rows ?? PARQUET_DEFAULTS.max_rows,
    maxBytes: parseSize(c.max_bytes ?? PARQUET_DEFAULTS.max_bytes),
    maxAgeMs: parseDuration(c.max_age ?? PARQUET_DEFAULTS.max_age),
    retentionMs: parseDuration(c.retention ?? PARQUET_DEFAULTS.retention),
    partitionWindowMs: parseDuration(c.partition_window ?? PARQUET_DEFAULTS.partition_window),
    maxValueBytes: parseSize(c.max_value_bytes ?? PARQUET_DEFAULTS.max_value_bytes),
    compaction: resolveCompaction({ ...PARQUET_DEFAULTS.compaction, ...c.compaction }),
  };
}

function resolveCompaction(c: Required<NonNullable<ParquetConfig['compaction']>>): ResolvedParquetConfig['compaction'] {
  if (!c.enabled) return undefined;
  return { targetBytes: parseSize(c.target_size), minFiles: c.min_files, intervalMs: parseDuration(c.interval) };
}
