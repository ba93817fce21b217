import { describe, expect, it } from 'vitest';
import { LoginLimiter, loginKeys } from './login-limiter.js';

describe('login limiter', () => {
  it('refuses a key after its failures fill the window, until the oldest leaves it', () => {
    const limiter = new LoginLimiter(3, 60_000);
    const keys = loginKeys('10.0.0.1', 'Bob');
    for (const t of [0, 10_000, 20_000]) {
      expect(limiter.retryAfter(keys, t)).toBe(0);
      limiter.failed(keys, t);
    }
    expect(limiter.retryAfter(keys, 30_000)).toBe(30);
    expect(limiter.retryAfter(loginKeys('10.0.0.2', 'bob'), 30_000)).toBe(30); // the user name, from elsewhere, any case
    expect(limiter.retryAfter(loginKeys('10.0.0.1', 'carol'), 30_000)).toBe(30); // the address, for anyone
    expect(limiter.retryAfter(loginKeys('10.0.0.2', 'carol'), 30_000)).toBe(0);
    expect(limiter.retryAfter(keys, 60_001)).toBe(0);
    limiter.failed(keys, 61_000);
    expect(limiter.retryAfter(keys, 61_000)).toBe(9); // failures at 10 s, 20 s and 61 s in the window: free at 70 s, when the first leaves it
  });
});
