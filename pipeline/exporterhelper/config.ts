/** Config of the exporter helper: upstream exporterhelper's keys and defaults. */
import type { JSONSchema } from '../component.js';
import { durationSchema, parseDuration } from '../duration.js';

export interface RetryConfig {
  enabled: boolean;
  initial_interval: string;
  max_interval: string;
  max_elapsed_time: string;
  multiplier: number;
  randomization_factor: number;
}

export interface QueueConfig {
  enabled: boolean;
  num_consumers: number;
  queue_size: number;
  sizer: 'requests' | 'items';
  block_on_overflow: boolean;
  /** Id of a storage extension, e.g. `file_storage/queue`; absent = in-memory queue. */
  storage?: string;
  wait_for_result: boolean;
  /** Accepted only empty: Summit does not batch in the queue (use the batch processor). */
  batch?: Record<string, never> | null;
}

/** The keys an exporter's config gains by using the helper. All optional: defaults apply. */
export interface ExporterHelperConfig {
  timeout?: string;
  retry_on_failure?: Partial<RetryConfig>;
  sending_queue?: Partial<QueueConfig>;
}

export const RETRY_DEFAULTS: RetryConfig = {
  enabled: true,
  initial_interval: '5s',
  max_interval: '30s',
  max_elapsed_time: '300s',
  multiplier: 1.5,
  randomization_factor: 0.5,
};

export const QUEUE_DEFAULTS: QueueConfig = {
  enabled: true,
  num_consumers: 10,
  queue_size: 1000,
  sizer: 'requests',
  block_on_overflow: false,
  wait_for_result: false,
};

export const TIMEOUT_DEFAULT = '5s';

/** Per-exporter changes to the defaults (some upstream exporters ship with other defaults). */
export interface ExporterHelperDefaults {
  timeout?: string;
  retry_on_failure?: Partial<RetryConfig>;
  sending_queue?: Partial<Omit<QueueConfig, 'batch' | 'storage'>>;
}

/**
 * Property schemas to merge into an exporter's config schema:
 * `properties: { ...mine, ...exporterHelperSchemaProperties() }`.
 */
export function exporterHelperSchemaProperties(defaults: ExporterHelperDefaults = {}): Record<'timeout' | 'retry_on_failure' | 'sending_queue', JSONSchema> {
  const r = { ...RETRY_DEFAULTS, ...defaults.retry_on_failure };
  const q = { ...QUEUE_DEFAULTS, ...defaults.sending_queue };
  return {
    timeout: durationSchema(defaults.timeout ?? TIMEOUT_DEFAULT),
    retry_on_failure: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: r.enabled },
        initial_interval: durationSchema(r.initial_interval),
        max_interval: durationSchema(r.max_interval),
        max_elapsed_time: durationSchema(r.max_elapsed_time),
        multiplier: { type: 'number', exclusiveMinimum: 0, default: r.multiplier },
        randomization_factor: { type: 'number', minimum: 0, maximum: 1, default: r.randomization_factor },
      },
    },
    sending_queue: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: q.enabled },
        num_consumers: { type: 'integer', minimum: 1, default: q.num_consumers, description: 'concurrent senders' },
        queue_size: { type: 'integer', minimum: 1, default: q.queue_size, description: 'capacity, in units of the sizer' },
        sizer: { enum: ['requests', 'items'], default: q.sizer, description: 'what queue_size counts: batches (requests) or spans / data points / log records (items)' },
        block_on_overflow: { type: 'boolean', default: q.block_on_overflow, description: 'when full, make the caller wait instead of refusing' },
        storage: { type: 'string', minLength: 1, description: 'id of a storage extension (e.g. file_storage/queue) for a persistent queue' },
        wait_for_result: { type: 'boolean', default: q.wait_for_result, description: 'answer the caller only after the export finished' },
        batch: {
          type: 'object',
          additionalProperties: false,
          properties: {},
          description: 'accepted empty for compatibility; Summit does not batch in the sending queue (use the batch processor)',
        },
      },
    },
  };
}

/** Checks the schema cannot express. Exporters call it from their factory's validate(). */
export function validateExporterHelperConfig(c: ExporterHelperConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const durations: [string, string | undefined][] = [
    ['timeout', c.timeout],
    ['retry_on_failure.initial_interval', c.retry_on_failure?.initial_interval],
    ['retry_on_failure.max_interval', c.retry_on_failure?.max_interval],
    ['retry_on_failure.max_elapsed_time', c.retry_on_failure?.max_elapsed_time],
  ];
  for (const [path, text] of durations) {
    if (text === undefined) continue;
    try {
      if (parseDuration(text) < 0) problems.push({ path, message: `must not be negative, got "${text}"` });
    } catch (err) {
      problems.push({ path, message: (err as Error).message });
    }
  }
  const batch = c.sending_queue?.batch;
  if (batch && Object.keys(batch).length > 0) {
    problems.push({
      path: 'sending_queue.batch',
      message: 'batching in the sending queue is not supported yet; remove the keys under batch and use the batch processor',
    });
  }
  return problems;
}

/** What the helper runs on: defaults applied, durations in milliseconds. */
export interface ResolvedHelperConfig {
  timeoutMs: number;
  retry: { enabled: boolean; initialMs: number; maxIntervalMs: number; maxElapsedMs: number; multiplier: number; randomization: number };
  queue: {
    enabled: boolean;
    consumers: number;
    capacity: number;
    sizer: 'requests' | 'items';
    block: boolean;
    storage?: string;
    waitForResult: boolean;
  };
}

/** Throws with every problem at once when the config is invalid (validation should have caught it). */
export function resolveExporterHelperConfig(c: ExporterHelperConfig, defaults: ExporterHelperDefaults = {}): ResolvedHelperConfig {
  const problems = validateExporterHelperConfig(c);
  if (problems.length) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  const r = { ...RETRY_DEFAULTS, ...defaults.retry_on_failure, ...stripUndefined(c.retry_on_failure) };
  const q = { ...QUEUE_DEFAULTS, ...defaults.sending_queue, ...stripUndefined(c.sending_queue) };
  return {
    timeoutMs: parseDuration(c.timeout ?? defaults.timeout ?? TIMEOUT_DEFAULT),
    retry: {
      enabled: r.enabled,
      initialMs: parseDuration(r.initial_interval),
      maxIntervalMs: parseDuration(r.max_interval),
      maxElapsedMs: parseDuration(r.max_elapsed_time),
      multiplier: r.multiplier,
      randomization: r.randomization_factor,
    },
    queue: {
      enabled: q.enabled,
      consumers: Math.max(1, Math.floor(q.num_consumers)),
      capacity: Math.max(1, Math.floor(q.queue_size)),
      sizer: q.sizer,
      block: q.block_on_overflow,
      storage: q.storage,
      waitForResult: q.wait_for_result,
    },
  };
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
