/**
 * Failed logins limited per client address and per user name, as Sentry limits its login form
 * (`auth:ip:<ip>` and `auth:username:<name>`, 10 in 60 s): once a key has ATTEMPTS failures in
 * the last WINDOW_MS, logins for it are refused with 429 and Retry-After until the oldest of
 * them leaves the window — before the password is checked, so the refusal costs no bcrypt.
 * A guesser rotating user names is held by its address; one rotating addresses, by the name.
 */
import { FifoMap } from 'summit';
export const ATTEMPTS = 10;
export const WINDOW_MS = 60_000;
/** Keys tracked at most; beyond, the oldest are forgotten (a flood of addresses cannot grow memory). */
const MAX_KEYS = 100_000;

export class LoginLimiter {
  /** Failure times per key, oldest first. */
  private readonly failures = new FifoMap<string, number[]>();

  constructor(
    private readonly attempts = ATTEMPTS,
    private readonly windowMs = WINDOW_MS,
  ) {}

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length) this.failures.set(key, times);
    else this.failures.delete(key);
    return times;
  }

  /** Seconds until a login for these keys may be tried again; 0 when it may now. */
  retryAfter(keys: string[], now = Date.now()): number {
    let until = 0;
    for (const key of keys) {
      const times = this.recent(key, now);
      if (times.length >= this.attempts) until = Math.max(until, times[times.length - this.attempts] + this.windowMs);
    }
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  failed(keys: string[], now = Date.now()): void {
    for (const key of keys) {
      const times = this.recent(key, now);
      times.push(now);
      this.failures.delete(key); // re-inserted last: the Map's order is least recently failed first
      this.failures.set(key, times.slice(-this.attempts));
    }
    while (this.failures.size > MAX_KEYS) this.failures.shift();
  }
}

/** The keys a login attempt counts against. */
export const loginKeys = (address: string, user: string) => [`ip:${address}`, `user:${user.toLowerCase()}`];
