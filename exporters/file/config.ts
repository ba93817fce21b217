/** Config of the `file` exporter: upstream fileexporter's keys and defaults. */
import { isAbsolute, resolve } from 'node:path';
import { durationSchema, parseDuration } from '../../pipeline/duration.js';

export interface RotationConfig {
  max_megabytes: number;
  max_days: number;
  max_backups: number;
  localtime: boolean;
}

export interface FileConfig {
  path: string;
  format: 'json';
  append: boolean;
  flush_interval: string;
  /** Absent: no rotation. Present (even empty or null): rotation with upstream's defaults. */
  rotation?: Partial<RotationConfig> | null;
  compression: string;
  create_directory: boolean;
  directory_permissions: string;
  group_by?: { enabled?: boolean; resource_attribute?: string; max_open_files?: number };
  encoding?: string;
}

export const ROTATION_DEFAULTS: RotationConfig = { max_megabytes: 100, max_days: 0, max_backups: 100, localtime: false };

export const fileConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'file to write; relative paths resolve against the config file directory' },
    format: { enum: ['json'], default: 'json', description: 'json: one OTLP/JSON request per line (proto arrives with the protobuf codec)' },
    append: { type: 'boolean', default: false, description: 'append to an existing file instead of truncating it at start' },
    flush_interval: durationSchema('1s'),
    rotation: {
      type: ['object', 'null'],
      additionalProperties: false,
      description: 'rotate the file by size; absent = never rotate',
      properties: {
        max_megabytes: {
          type: 'number',
          minimum: 0,
          default: ROTATION_DEFAULTS.max_megabytes,
          description: 'size (MiB) at which the file is rotated; fractions allowed; 0 = 100',
        },
        max_days: { type: 'integer', minimum: 0, default: ROTATION_DEFAULTS.max_days, description: 'delete backups older than this; 0 = keep' },
        max_backups: { type: 'integer', minimum: 0, default: ROTATION_DEFAULTS.max_backups, description: 'rotated files to keep; 0 = all' },
        localtime: { type: 'boolean', default: ROTATION_DEFAULTS.localtime, description: 'local time instead of UTC in backup names' },
      },
    },
    compression: { type: 'string', default: '', description: 'not supported yet: leave empty' },
    create_directory: { type: 'boolean', default: true, description: 'create missing parent directories at start' },
    directory_permissions: { type: 'string', pattern: '^0?[0-7]{3}$', default: '0755', description: 'octal mode for created directories' },
    group_by: {
      type: 'object',
      additionalProperties: false,
      description: 'not supported yet: only enabled: false',
      properties: {
        enabled: { type: 'boolean' },
        resource_attribute: { type: 'string' },
        max_open_files: { type: 'integer', minimum: 1 },
      },
    },
    encoding: { type: 'string', description: 'not supported yet: encoding extensions' },
  },
};

/** Checks ajv cannot express, with upstream's wording where upstream has the same check. */
export function validateFileConfig(c: FileConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (c.append && c.rotation !== undefined) {
    problems.push({ path: 'append', message: 'append and rotation enabled at the same time is not supported' });
  }
  if (c.compression) {
    problems.push({ path: 'compression', message: `compression "${c.compression}" is not supported yet; leave compression empty` });
  }
  if (c.group_by?.enabled) problems.push({ path: 'group_by.enabled', message: 'group_by is not supported yet' });
  if (c.encoding !== undefined) problems.push({ path: 'encoding', message: 'encoding extensions are not supported yet; use format: json' });
  if (c.create_directory === false && c.directory_permissions !== undefined && c.directory_permissions !== '0755') {
    problems.push({ path: 'directory_permissions', message: 'directory_permissions requires create_directory to be true' });
  }
  try {
    if (parseDuration(c.flush_interval ?? '1s') < 0) problems.push({ path: 'flush_interval', message: 'flush_interval must be larger than zero' });
  } catch (err) {
    problems.push({ path: 'flush_interval', message: (err as Error).message });
  }
  return problems;
}

/** What the writer needs, with defaults applied and units converted. */
export interface ResolvedFileConfig {
  path: string;
  append: boolean;
  syncIntervalMs: number;
  createDirectory: boolean;
  directoryMode: number;
  rotation?: { maxBytes: number; maxDays: number; maxBackups: number; localTime: boolean };
}

const MEGABYTE = 1024 * 1024;

export function resolveFileConfig(c: FileConfig, configDir: string): ResolvedFileConfig {
  const rotation = c.rotation === undefined ? undefined : { ...ROTATION_DEFAULTS, ...(c.rotation ?? {}) };
  const interval = parseDuration(c.flush_interval ?? '1s');
  return {
    path: isAbsolute(c.path) ? c.path : resolve(configDir, c.path),
    append: c.append ?? false,
    // Like upstream, 0 means the default.
    syncIntervalMs: interval > 0 ? interval : 1000,
    createDirectory: c.create_directory ?? true,
    directoryMode: parseInt(c.directory_permissions ?? '0755', 8),
    rotation: rotation && {
      // Like lumberjack, 0 means the default of 100 MiB.
      maxBytes: Math.max(1, Math.floor((rotation.max_megabytes || ROTATION_DEFAULTS.max_megabytes) * MEGABYTE)),
      maxDays: rotation.max_days,
      maxBackups: rotation.max_backups,
      localTime: rotation.localtime,
    },
  };
}
