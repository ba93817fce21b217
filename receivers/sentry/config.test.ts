import { describe, expect, it } from 'vitest';
import { validateConfig, type SentryReceiverConfig } from './config.js';

const KEY = '0123456789abcdef0123456789abcdef';
const config = (projects: unknown[]) => ({ projects }) as unknown as SentryReceiverConfig;

describe('sentry receiver config', () => {
  it('takes numeric ids as text or numbers', () => {
    expect(validateConfig(config([{ id: 42, name: 'a', keys: [KEY] }, { id: '7', name: 'b', keys: ['fedcba9876543210fedcba9876543210'] }]))).toEqual([]);
  });

  it('refuses bad ids and keys, and duplicates, without quoting a key', () => {
    const bad = 'NOT-A-KEY-but-a-secret-looking-1';
    const problems = validateConfig(
      config([
        { id: 'shop', name: 'a', keys: [KEY] },
        { id: '1', name: 'a', keys: [KEY, bad], rate_limits: [{ category: 'error', per_second: 1 }, { category: 'error', per_minute: 5 }] },
        { id: '1', name: 'c', keys: ['fedcba9876543210fedcba9876543210'] },
      ]),
    );
    expect(problems).toEqual([
      { path: 'projects[0].id', message: 'must be a numeric project id (the last part of the DSN), e.g. "42"' },
      { path: 'projects[1].name', message: 'project name "a" is already projects[0]\'s' },
      { path: 'projects[1].keys[0]', message: 'the same key as projects[0].keys[0]; a key belongs to one project' },
      { path: 'projects[1].keys[1]', message: 'must be a Sentry public key: 32 lowercase hexadecimal digits' },
      { path: 'projects[1].rate_limits[1].category', message: 'error is already limited by rate_limits[0]; give both per_second and per_minute there' },
      { path: 'projects[2].id', message: "project id 1 is already projects[1]'s" },
    ]);
    expect(JSON.stringify(problems)).not.toContain(KEY);
    expect(JSON.stringify(problems)).not.toContain(bad);
  });
});
