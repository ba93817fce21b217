/** The exporter helper: sending queue → retry → timeout → send, with upstream's config keys. */
export { createExporterHelper, type ExporterHelper, type ExporterHelperOptions } from './helper.js';
export {
  exporterHelperSchemaProperties,
  validateExporterHelperConfig,
  resolveExporterHelperConfig,
  QUEUE_DEFAULTS,
  RETRY_DEFAULTS,
  TIMEOUT_DEFAULT,
  type ExporterHelperConfig,
  type ExporterHelperDefaults,
  type QueueConfig,
  type RetryConfig,
  type ResolvedHelperConfig,
} from './config.js';
export { otlpJsonCodec, otlpProtoCodec, type QueueCodec } from './codec.js';
export type { SendFunction } from './retry.js';
export { isStorageExtension, type DurableQueue, type PendingRecord, type StorageExtension } from './storage.js';
export { ExponentialBackoff, type BackoffSettings } from './backoff.js';
export { backendTextScrubber, BACKEND_TEXT_MAX_CHARS } from './backend-text.js';
