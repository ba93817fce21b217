import { describe, expect, it } from 'vitest';
import { resolveFileConfig, validateFileConfig, type FileConfig } from './config.js';

const base: FileConfig = {
  path: 'out.json',
  format: 'json',
  append: false,
  flush_interval: '1s',
  compression: '',
  create_directory: true,
  directory_permissions: '0755',
};

describe('file exporter config', () => {
  it('accepts the defaults', () => {
    expect(validateFileConfig(base)).toEqual([]);
  });

  it.each([
    [{ append: true, rotation: {} }, 'append', 'append and rotation enabled at the same time is not supported'],
    [{ compression: 'zstd' }, 'compression', 'compression "zstd" is not supported yet; leave compression empty'],
    [{ group_by: { enabled: true } }, 'group_by.enabled', 'group_by is not supported yet'],
    [{ encoding: 'otlp_encoding' }, 'encoding', 'encoding extensions are not supported yet; use format: json'],
    [{ create_directory: false, directory_permissions: '0700' }, 'directory_permissions', 'directory_permissions requires create_directory to be true'],
    [{ flush_interval: '-1s' }, 'flush_interval', 'flush_interval must be larger than zero'],
  ] as [Partial<FileConfig>, string, string][])('rejects %j', (patch, path, message) => {
    expect(validateFileConfig({ ...base, ...patch })).toEqual([{ path, message }]);
  });

  it('accepts group_by that is disabled', () => {
    expect(validateFileConfig({ ...base, group_by: { enabled: false } })).toEqual([]);
  });

  it('resolves relative paths against the config directory, keeps absolute ones', () => {
    expect(resolveFileConfig(base, '/etc/summit').path).toBe('/etc/summit/out.json');
    expect(resolveFileConfig({ ...base, path: '/var/log/x.json' }, '/etc/summit').path).toBe('/var/log/x.json');
  });

  it('rotation: absent means none; present (even null) gets upstream defaults', () => {
    expect(resolveFileConfig(base, '/').rotation).toBeUndefined();
    const defaults = { maxBytes: 100 * 1024 * 1024, maxDays: 0, maxBackups: 100, localTime: false };
    expect(resolveFileConfig({ ...base, rotation: null }, '/').rotation).toEqual(defaults);
    expect(resolveFileConfig({ ...base, rotation: {} }, '/').rotation).toEqual(defaults);
    expect(resolveFileConfig({ ...base, rotation: { max_megabytes: 0 } }, '/').rotation?.maxBytes).toBe(100 * 1024 * 1024);
    expect(resolveFileConfig({ ...base, rotation: { max_megabytes: 0.5, max_backups: 3 } }, '/').rotation).toMatchObject({ maxBytes: 524288, maxBackups: 3 });
  });

  it('flush_interval is parsed, 0 meaning the default', () => {
    expect(resolveFileConfig({ ...base, flush_interval: '250ms' }, '/').syncIntervalMs).toBe(250);
    expect(resolveFileConfig({ ...base, flush_interval: '0' }, '/').syncIntervalMs).toBe(1000);
  });

  it('directory permissions are octal', () => {
    expect(resolveFileConfig({ ...base, directory_permissions: '0700' }, '/').directoryMode).toBe(0o700);
  });
});
