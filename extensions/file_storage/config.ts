/** Config of the `file_storage` extension: upstream filestorage's keys and defaults. */
import { isAbsolute, resolve } from 'node:path';
import { durationSchema, parseDuration } from '../../pipeline/duration.js';
import { DEFAULT_SEGMENT_BYTES, type FileQueueOptions } from './file-queue.js';

export interface FileStorageConfig {
  directory?: string;
  timeout?: string;
  fsync?: boolean;
  create_directory?: boolean;
  directory_permissions?: string;
  recreate?: boolean;
  compaction?: {
    on_start?: boolean;
    on_rebound?: boolean;
    directory?: string;
    max_transaction_size?: number;
    rebound_needed_threshold_mib?: number;
    rebound_trigger_threshold_mib?: number;
    check_interval?: string;
    cleanup_on_start?: boolean;
  };
}

/** Upstream's default is /var/lib/otelcol/file_storage; Summit keeps its data beside where it runs. */
export const DEFAULT_DIRECTORY = './data/file_storage';

export const fileStorageConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    directory: {
      type: 'string',
      minLength: 1,
      description: `where queues are kept; default ${DEFAULT_DIRECTORY} under the working directory; a relative path resolves against the config file's directory`,
    },
    timeout: durationSchema('1s'),
    fsync: { type: 'boolean', default: false, description: 'fdatasync every write before acknowledging it (survives power loss, slower)' },
    create_directory: { type: 'boolean', default: false, description: 'create directory (and parents) when missing' },
    directory_permissions: { type: 'string', pattern: '^0?[0-7]{3}$', default: '0750', description: 'octal mode for a created directory' },
    recreate: { type: 'boolean', default: false, description: 'accepted for compatibility; damaged records are always skipped, never fatal' },
    compaction: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        on_start: { type: 'boolean', default: false, description: 'move pending records out of old segments when a queue opens' },
        on_rebound: { type: 'boolean', default: false, description: 'compact while running once the files grew large and the pending data shrank' },
        directory: { type: 'string', description: 'accepted for compatibility; Summit compacts in place and needs no temporary directory' },
        max_transaction_size: { type: 'integer', minimum: 1, default: 65536, description: 'records moved per write during compaction' },
        rebound_needed_threshold_mib: { type: 'number', minimum: 0, default: 100 },
        rebound_trigger_threshold_mib: { type: 'number', minimum: 0, default: 10 },
        check_interval: durationSchema('5s'),
        cleanup_on_start: { type: 'boolean', default: false, description: 'accepted for compatibility; Summit leaves no temporary files' },
      },
    },
  },
};

export function validateFileStorageConfig(c: FileStorageConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const [path, text] of [
    ['timeout', c.timeout],
    ['compaction.check_interval', c.compaction?.check_interval],
  ] as const) {
    if (text === undefined) continue;
    try {
      if (parseDuration(text) < 0) problems.push({ path, message: `must not be negative, got "${text}"` });
    } catch (err) {
      problems.push({ path, message: (err as Error).message });
    }
  }
  if (c.compaction?.check_interval !== undefined && c.compaction.on_rebound && parseDurationSafe(c.compaction.check_interval) === 0) {
    problems.push({ path: 'compaction.check_interval', message: 'must be larger than zero when on_rebound is true' });
  }
  return problems;
}

function parseDurationSafe(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

export interface ResolvedFileStorageConfig {
  directory: string;
  timeoutMs: number;
  createDirectory: boolean;
  directoryMode: number;
  queue: Omit<FileQueueOptions, 'logger' | 'onClose'>;
}

const MIB = 1024 * 1024;

export function resolveFileStorageConfig(c: FileStorageConfig, configDir: string, cwd = process.cwd()): ResolvedFileStorageConfig {
  const k = c.compaction ?? {};
  return {
    directory: c.directory === undefined ? resolve(cwd, DEFAULT_DIRECTORY) : isAbsolute(c.directory) ? c.directory : resolve(configDir, c.directory),
    timeoutMs: parseDuration(c.timeout ?? '1s'),
    createDirectory: c.create_directory ?? false,
    directoryMode: parseInt(c.directory_permissions ?? '0750', 8),
    queue: {
      fsync: c.fsync ?? false,
      segmentBytes: DEFAULT_SEGMENT_BYTES,
      compaction: {
        onStart: k.on_start ?? false,
        onRebound: k.on_rebound ?? false,
        reboundNeededBytes: (k.rebound_needed_threshold_mib ?? 100) * MIB,
        reboundTriggerBytes: (k.rebound_trigger_threshold_mib ?? 10) * MIB,
        checkIntervalMs: Math.max(1, parseDuration(k.check_interval ?? '5s')),
        maxTransactionSize: k.max_transaction_size ?? 65536,
      },
    },
  };
}
