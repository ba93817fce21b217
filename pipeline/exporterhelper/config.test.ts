import { describe, expect, it } from 'vitest';
import { checkAgainstSchema } from '../../config/schema-check.js';
import { exporterHelperSchemaProperties, resolveExporterHelperConfig, validateExporterHelperConfig } from './config.js';

const schema = () => ({ type: 'object', additionalProperties: false, properties: { endpoint: { type: 'string' }, ...exporterHelperSchemaProperties() } });

describe('exporter helper config', () => {
  it('fills in upstream defaults', () => {
    const c: Record<string, unknown> = { endpoint: 'x' };
    expect(checkAgainstSchema(schema(), c)).toEqual([]);
    expect(c).toEqual({
      endpoint: 'x',
      timeout: '5s',
      retry_on_failure: { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '300s', multiplier: 1.5, randomization_factor: 0.5 },
      sending_queue: { enabled: true, num_consumers: 10, queue_size: 1000, sizer: 'requests', block_on_overflow: false, wait_for_result: false },
    });
    expect(resolveExporterHelperConfig(c)).toEqual({
      timeoutMs: 5000,
      retry: { enabled: true, initialMs: 5000, maxIntervalMs: 30000, maxElapsedMs: 300000, multiplier: 1.5, randomization: 0.5 },
      queue: { enabled: true, consumers: 10, capacity: 1000, sizer: 'requests', block: false, storage: undefined, waitForResult: false },
    });
  });

  it('resolves the same defaults without schema validation, and takes per-exporter defaults', () => {
    expect(resolveExporterHelperConfig({}).timeoutMs).toBe(5000);
    const r = resolveExporterHelperConfig({ sending_queue: { num_consumers: 2 } }, { timeout: '10s', sending_queue: { enabled: false } });
    expect(r.timeoutMs).toBe(10000);
    expect(r.queue).toMatchObject({ enabled: false, consumers: 2, capacity: 1000 });
  });

  it('accepts storage and an empty batch (batch: with nothing after it)', () => {
    const c = { sending_queue: { storage: 'file_storage/queue', batch: null } };
    expect(checkAgainstSchema(schema(), c)).toEqual([]);
    expect(resolveExporterHelperConfig(c).queue.storage).toBe('file_storage/queue');
  });

  it('refuses batching options in the queue, unknown keys, bad values', () => {
    const issues = checkAgainstSchema(schema(), {
      retry_on_failure: { max_elapsed: '1s', randomization_factor: 2 },
      sending_queue: { batch: { flush_timeout: '200ms' }, sizer: 'bytes', num_consumers: 0, blocking: true },
      timeout: 'soon',
    });
    const paths = issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'retry_on_failure.max_elapsed',
        'retry_on_failure.randomization_factor',
        'sending_queue.batch.flush_timeout',
        'sending_queue.sizer',
        'sending_queue.num_consumers',
        'sending_queue.blocking',
        'timeout',
      ]),
    );
    expect(issues.find((i) => i.path.join('.') === 'sending_queue.batch.flush_timeout')!.message).toContain('no keys are allowed here');
    expect(issues.find((i) => i.path.join('.') === 'timeout')!.message).toBe('expected duration, e.g. 200ms, 5s, 1m30s; got string "soon"');
    expect(validateExporterHelperConfig({ sending_queue: { batch: { flush_timeout: '1s' } as never } })[0].message).toContain('use the batch processor');
    expect(validateExporterHelperConfig({ timeout: '-1s' })).toEqual([{ path: 'timeout', message: 'must not be negative, got "-1s"' }]);
    expect(() => resolveExporterHelperConfig({ timeout: '-1s' })).toThrow('timeout: must not be negative');
  });
});
