/**
 * The `file_storage` extension (upstream filestorage): durable storage on the local disk for
 * the exporters' persistent sending queues (`sending_queue: { storage: file_storage }`).
 */
import type { ComponentFactory } from '../../pipeline/component.js';
import { fileStorageConfigSchema, resolveFileStorageConfig, validateFileStorageConfig, type FileStorageConfig } from './config.js';
import { FileStorage } from './storage.js';

export type { FileStorageConfig } from './config.js';
export { FileStorage, queueDirName } from './storage.js';
export { FileQueue, type FileQueueOptions } from './file-queue.js';

export const fileStorageExtensionFactory: ComponentFactory<FileStorageConfig> = {
  type: 'file_storage',
  kind: 'extension',
  stability: 'beta',
  configSchema: fileStorageConfigSchema,
  validate: validateFileStorageConfig,
  create(ctx, config) {
    return new FileStorage(resolveFileStorageConfig(config ?? {}, ctx.configDir), ctx.logger, ctx.id, ctx.telemetry);
  },
};
