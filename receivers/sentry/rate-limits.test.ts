import { describe, expect, it } from 'vitest';
import { ProjectRateLimiter, rateLimitsHeader } from './rate-limits.js';

describe('project rate limits', () => {
  it('counts items per category in clock-aligned windows and says how long until the window ends', () => {
    const limiter = new ProjectRateLimiter([{ category: 'error', per_second: 2, per_minute: 3 }]);
    const t = 1_700_000_040_000; // a minute boundary
    expect(limiter.admit('event', 1, t + 100)).toEqual([]);
    expect(limiter.admit('event', 1, t + 200)).toEqual([]);
    expect(limiter.admit('event', 1, t + 300)).toEqual([{ categories: 'error', retryAfterSeconds: 1, scope: 'project' }]);
    expect(limiter.admit('transaction', 5, t + 300)).toEqual([]);
    // the next second has room again, the minute one more
    expect(limiter.admit('event', 1, t + 1100)).toEqual([]);
    expect(limiter.admit('event', 1, t + 30_000)).toEqual([{ categories: 'error', retryAfterSeconds: 30, scope: 'project' }]);
    expect(limiter.admit('event', 1, t + 60_000)).toEqual([]);
  });

  it('refuses an item whole when its quantity does not fit, counting nothing', () => {
    const limiter = new ProjectRateLimiter([{ category: 'log', per_second: 10 }]);
    const t = 1_700_000_000_000;
    expect(limiter.admit('log', 8, t)).toEqual([]);
    expect(limiter.admit('log', 3, t)).toHaveLength(1);
    expect(limiter.admit('log', 2, t)).toEqual([]);
  });

  it('counts every category but client reports against `all`', () => {
    const limiter = new ProjectRateLimiter([{ category: 'all', per_minute: 2 }]);
    const t = 1_700_000_040_000;
    expect(limiter.admit('event', 1, t)).toEqual([]);
    expect(limiter.admit('client_report', 1, t)).toEqual([]);
    expect(limiter.admit('attachment', 1, t)).toEqual([]);
    expect(limiter.admit('brand_new_type', 1, t)).toEqual([{ categories: '', retryAfterSeconds: 60, scope: 'project' }]);
  });

  it('writes the header as Relay does', () => {
    expect(
      rateLimitsHeader([
        { categories: 'error', retryAfterSeconds: 60, scope: 'project' },
        { categories: '', retryAfterSeconds: 5, scope: 'organization' },
      ]),
    ).toBe('60:error:project, 5::organization');
  });
});
