import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { attributesProcessorFactory } from '../attributes/index.js';
import { batchProcessorFactory } from '../batch/index.js';
import { resourceProcessorFactory } from '../resource/index.js';

// The config layer validates with ajv and fills `default`s; the schemas must compile in strict mode.
const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: true });

describe('config schemas', () => {
  it('batch: an empty config gets upstream defaults (and Summit’s flush_when_idle)', () => {
    const config = {};
    expect(ajv.validate(batchProcessorFactory.configSchema, config)).toBe(true);
    expect(config).toEqual({ send_batch_size: 8192, send_batch_max_size: 0, timeout: '200ms', metadata_keys: [], metadata_cardinality_limit: 1000, flush_when_idle: true });
    expect(ajv.validate(batchProcessorFactory.configSchema, { timeout: '2 seconds' })).toBe(false);
    expect(ajv.validate(batchProcessorFactory.configSchema, { send_batch_size: -1 })).toBe(false);
  });

  it('attributes: accepts upstream-shaped config, rejects unknown keys', () => {
    const ok = {
      actions: [{ key: 'db.statement', action: 'hash' }, { key: 'k', action: 'insert', value: { nested: [1, 'x'] } }],
      include: { match_type: 'regexp', services: ['^api'], attributes: [{ key: 'a', value: 'b' }], regexp: { cacheenabled: true } },
      exclude: { match_type: 'strict', span_names: ['x'], span_kinds: ['SPAN_KIND_CLIENT'] },
    };
    expect(ajv.validate(attributesProcessorFactory.configSchema, ok)).toBe(true);
    expect(ajv.validate(attributesProcessorFactory.configSchema, { actions: [{ key: 'k', action: 'delete', keys: 'x' }] })).toBe(false);
    expect(ajv.validate(attributesProcessorFactory.configSchema, { actions: [], include: { service: ['x'] } })).toBe(false);
    expect(ajv.validate(attributesProcessorFactory.configSchema, {})).toBe(false);
  });

  it('resource: requires attributes', () => {
    expect(ajv.validate(resourceProcessorFactory.configSchema, { attributes: [{ key: 'k', action: 'upsert', value: 1 }] })).toBe(true);
    expect(ajv.validate(resourceProcessorFactory.configSchema, {})).toBe(false);
  });
});
