import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { resolveExporterHelperConfig } from '../../pipeline/exporterhelper/index.js';
import { PARQUET_HELPER_DEFAULTS, parquetConfigSchema, parseSize, resolveParquetConfig, validateParquetConfig, type ParquetConfig } from './config.js';

/** The config as Summit's loader makes it: schema defaults filled in by ajv. */
function withDefaults(c: Record<string, unknown>): { config: ParquetConfig; errors: string[] } {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  const validate = ajv.compile(parquetConfigSchema);
  const config = structuredClone(c);
  validate(config);
  return { config: config as unknown as ParquetConfig, errors: (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) };
}

describe('parquet exporter config', () => {
  it('defaults: ./data, zstd, 200k rows / 32 MiB / 60 s per file, keep forever, own-hour partitions within a week, values cut at 64 KiB, compaction to 64 MiB files; no send timeout, 1000 senders', () => {
    const { config, errors } = withDefaults({});
    expect(errors).toEqual([]);
    expect(validateParquetConfig(config)).toEqual([]);
    expect(resolveParquetConfig(config, '/etc/summit', '/home/me')).toEqual({
      dir: '/home/me/data', // the default is under the working directory
      compression: 'zstd',
      maxRows: 200_000,
      maxBytes: 32 * 1024 * 1024,
      maxAgeMs: 60_000,
      retentionMs: 0,
      partitionWindowMs: 7 * 24 * 3_600_000,
      maxValueBytes: 64 * 1024,
      compaction: { targetBytes: 64 * 1024 * 1024, minFiles: 4, intervalMs: 300_000 },
    });
    expect(resolveParquetConfig(withDefaults({ compaction: { enabled: false } }).config, '/etc/summit').compaction).toBeUndefined();
    const helper = resolveExporterHelperConfig(config, PARQUET_HELPER_DEFAULTS);
    expect(helper.timeoutMs).toBe(0);
    expect(helper.queue).toMatchObject({ enabled: true, consumers: 1000, capacity: 1000 });
  });

  it('resolves a relative path written in a config against its directory and keeps an absolute one', () => {
    expect(resolveParquetConfig(withDefaults({ path: 'out/pq' }).config, '/etc/summit').dir).toBe('/etc/summit/out/pq');
    expect(resolveParquetConfig(withDefaults({ path: '/var/lib/summit' }).config, '/etc/summit').dir).toBe('/var/lib/summit');
  });

  it('sizes: bytes or a number with a unit', () => {
    expect(parseSize(1000)).toBe(1000);
    expect(parseSize('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseSize('1.5GB')).toBe(1.5e9);
    expect(parseSize('512 KiB')).toBe(512 * 1024);
    expect(() => parseSize('lots')).toThrow(/invalid size "lots"/);
  });

  it('the schema refuses unknown keys, compressions and bad values', () => {
    expect(withDefaults({ compresion: 'zstd' }).errors).toEqual([' must NOT have additional properties']);
    expect(withDefaults({ compression: 'lz4' }).errors[0]).toMatch(/^\/compression must be equal to one of the allowed values/);
    expect(withDefaults({ max_rows: 0 }).errors).toEqual(['/max_rows must be >= 1']);
    expect(withDefaults({ max_bytes: '12 parsecs' }).errors[0]).toMatch(/^\/max_bytes must match pattern/);
    expect(withDefaults({ retention: '30d' }).errors[0]).toMatch(/^\/retention must match pattern/);
    expect(withDefaults({ max_value_bytes: 'huge' }).errors[0]).toMatch(/^\/max_value_bytes must match pattern/);
  });

  it.each([
    [{ timeout: '5s' }, 'timeout', /must be 0 \(no limit, the default\) or longer than max_age \(60s\).*writing its rows twice/],
    [{ timeout: '5s', max_age: '0' }, 'timeout', /longer than max_age \(0 = no limit\)/],
    [{ max_age: '-1s' }, 'max_age', /must not be negative/],
    [{ retention: '-1h' }, 'retention', /must not be negative/],
    [{ max_value_bytes: '2MiB' }, 'max_value_bytes', /must be between 1 byte and 1MiB, got "2MiB": a resource's values are written, and read back, once per row/],
    [{ max_value_bytes: 0 }, 'max_value_bytes', /must be between 1 byte and 1MiB/],
  ] as [Partial<ParquetConfig>, string, RegExp][])('rejects %j', (patch, path, message) => {
    const problems = validateParquetConfig({ ...withDefaults({}).config, ...patch });
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toMatch(message);
  });

  it('max_value_bytes: bytes or a size', () => {
    expect(resolveParquetConfig(withDefaults({ max_value_bytes: '1KiB' }).config, '/etc/summit').maxValueBytes).toBe(1024);
    expect(resolveParquetConfig(withDefaults({ max_value_bytes: 1000 }).config, '/etc/summit').maxValueBytes).toBe(1000);
    expect(validateParquetConfig({ ...withDefaults({}).config, max_value_bytes: '1MiB' })).toEqual([]);
  });

  it('accepts a timeout longer than max_age', () => {
    expect(validateParquetConfig({ ...withDefaults({}).config, timeout: '2m', max_age: '30s' })).toEqual([]);
  });
});
