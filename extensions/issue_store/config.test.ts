import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAgainstSchema } from '../../config/schema-check.js';
import { resolveIssueStoreConfig, validateIssueStoreConfig } from './config.js';
import { issueStoreExtensionFactory } from './index.js';

describe('issue_store config', () => {
  it('has its documented defaults', () => {
    const c: Record<string, unknown> = {};
    expect(checkAgainstSchema(issueStoreExtensionFactory.configSchema, c)).toEqual([]);
    expect(c).toEqual({ synchronous: 'NORMAL', sample_events: 10, retention: { max_age: '2160h', max_issues: 100000 } });
    expect(resolveIssueStoreConfig(c, '/etc/summit', '/srv/run')).toEqual({
      path: '/srv/run/data/issues.sqlite',
      synchronous: 'NORMAL',
      sampleEvents: 10,
      maxAgeMs: 90 * 24 * 3600_000,
      maxIssues: 100000,
    });
  });

  it('resolves a relative path against the config file’s directory', () => {
    expect(resolveIssueStoreConfig({ path: 'state/issues.sqlite' }, '/etc/summit', '/srv/run').path).toBe(join('/etc/summit', 'state/issues.sqlite'));
    expect(resolveIssueStoreConfig({ path: '/var/lib/issues.sqlite' }, '/etc/summit').path).toBe('/var/lib/issues.sqlite');
  });

  it('names bad values', () => {
    expect(checkAgainstSchema(issueStoreExtensionFactory.configSchema, { sample_events: -1, retention: { max_issues: 0, max_age: '3 days' } }).length).toBeGreaterThan(0);
    expect(checkAgainstSchema(issueStoreExtensionFactory.configSchema, { synchronous: 'OFF' })).toHaveLength(1);
    expect(validateIssueStoreConfig({ retention: { max_age: '-1h' } })).toEqual([{ path: 'retention.max_age', message: 'must not be negative, got "-1h"' }]);
  });
});
