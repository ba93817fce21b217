import type { JSONSchema } from '../pipeline/component.js';

/**
 * A map schema with a fixed set of keys: a misspelt key is then reported with the valid ones
 * (and a "did you mean"), instead of being silently ignored.
 */
export function objectSchema(properties: Record<string, JSONSchema>, required: string[] = [], extra: JSONSchema = {}): JSONSchema {
  return { type: 'object', properties, additionalProperties: false, ...(required.length ? { required } : {}), ...extra };
}
