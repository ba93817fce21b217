import type { JSONSchema } from '../../pipeline/component.js';
import { durationSchema, parseDuration } from '../../pipeline/duration.js';
import type { Problem } from '../internal/values.js';

export interface BatchConfig {
  send_batch_size: number;
  send_batch_max_size: number;
  timeout: string;
  metadata_keys: string[];
  metadata_cardinality_limit: number;
  /** Summit's: send as soon as input pauses for one event-loop turn (senders wait on us). */
  flush_when_idle: boolean;
}

/** Upstream's defaults; the schema's `default`s are taken from here. */
export const batchDefaults: Readonly<BatchConfig> = Object.freeze({
  send_batch_size: 8192,
  send_batch_max_size: 0,
  timeout: '200ms',
  metadata_keys: [],
  metadata_cardinality_limit: 1000,
  flush_when_idle: true,
});

export const batchConfigSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    send_batch_size: {
      type: 'integer',
      minimum: 0,
      default: batchDefaults.send_batch_size,
      description: 'items (spans, metric data points, log records) after which a batch is sent',
    },
    send_batch_max_size: {
      type: 'integer',
      minimum: 0,
      default: batchDefaults.send_batch_max_size,
      description: 'upper bound on a batch; larger ones are split. 0 = no limit',
    },
    timeout: durationSchema(batchDefaults.timeout),
    metadata_keys: { type: 'array', items: { type: 'string' }, default: [] },
    metadata_cardinality_limit: { type: 'integer', minimum: 0, default: batchDefaults.metadata_cardinality_limit },
    flush_when_idle: {
      type: 'boolean',
      default: batchDefaults.flush_when_idle,
      description: 'send the pending batch once no input arrived for a whole event-loop turn (Summit addition)',
    },
  },
};

export function validateBatchConfig(c: BatchConfig): Problem[] {
  const out: Problem[] = [];
  if (c.send_batch_max_size > 0 && c.send_batch_max_size < c.send_batch_size) {
    out.push({
      path: 'send_batch_max_size',
      message: `send_batch_max_size (${c.send_batch_max_size}) must be greater or equal to send_batch_size (${c.send_batch_size}), or 0 for no limit`,
    });
  }
  let timeout = 0;
  try {
    timeout = parseDuration(c.timeout);
  } catch (e) {
    out.push({ path: 'timeout', message: (e as Error).message });
  }
  if (timeout < 0) out.push({ path: 'timeout', message: 'timeout must be greater or equal to 0' });
  const seen = new Set<string>();
  for (const k of c.metadata_keys ?? []) {
    if (seen.has(k.toLowerCase())) out.push({ path: 'metadata_keys', message: `duplicate entry in metadata_keys: "${k}" (keys are case-insensitive)` });
    seen.add(k.toLowerCase());
  }
  return out;
}
