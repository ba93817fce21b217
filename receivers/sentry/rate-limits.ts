/**
 * Per-project rate limits, counted as Relay counts quotas: fixed windows (a second, a minute)
 * aligned to the clock, an item refused whole when it does not fit what is left, and the time to
 * the window's end told to the sender in `Retry-After` and `X-Sentry-Rate-Limits`.
 */
import type { RateLimitCategory, RateLimitConfig } from './config.js';

/**
 * The data category of each item type, as Sentry's SDKs name them when they honour
 * `X-Sentry-Rate-Limits` (sentry-javascript's envelopeItemTypeToDataCategory): a limit on a
 * category refuses exactly the items an SDK then stops sending.
 */
const ITEM_CATEGORY: Record<string, string> = {
  event: 'error',
  transaction: 'transaction',
  session: 'session',
  sessions: 'session',
  log: 'log_item',
  attachment: 'attachment',
  user_report: 'default',
  feedback: 'feedback',
  profile: 'profile',
  profile_chunk: 'profile',
  replay_event: 'replay',
  replay_recording: 'replay',
  check_in: 'monitor',
  span: 'span',
  raw_security: 'security',
  statsd: 'metric_bucket',
  metric_buckets: 'metric_bucket',
};

/** Client reports are Sentry's own bookkeeping (its `internal` category): never limited. */
const UNLIMITED = new Set(['client_report']);

/** The config's category names as the rate-limit header spells them (`all`: no category = every one). */
const HEADER_CATEGORY: Record<RateLimitCategory, string> = {
  error: 'error',
  transaction: 'transaction',
  session: 'session',
  log: 'log_item',
  attachment: 'attachment',
  default: 'default',
  all: '',
};

export function itemCategory(itemType: string): string | undefined {
  return UNLIMITED.has(itemType) ? undefined : (ITEM_CATEGORY[itemType] ?? 'default');
}

/** A limit that refused something: what to tell the sender. */
export interface RateLimitHit {
  /** The header's category list (`error`, `log_item`; `` for all). */
  categories: string;
  retryAfterSeconds: number;
  /** Relay's quota scope: `project` for a project's limits, `organization` for all of Summit. */
  scope: 'project' | 'organization';
}

interface Window {
  limit: number;
  ms: number;
  start: number;
  used: number;
}

interface Rule {
  category: RateLimitCategory;
  windows: Window[];
}

export class ProjectRateLimiter {
  private readonly rules: Rule[];

  constructor(limits: RateLimitConfig[]) {
    this.rules = limits.map((l) => ({
      category: l.category,
      windows: [
        ...(l.per_second === undefined ? [] : [{ limit: l.per_second, ms: 1000, start: 0, used: 0 }]),
        ...(l.per_minute === undefined ? [] : [{ limit: l.per_minute, ms: 60_000, start: 0, used: 0 }]),
      ],
    }));
  }

  /**
   * Counts `quantity` items of an item type against every rule on its category (and `all`); if
   * any rule has no room left, counts nothing and returns the limits that refused.
   */
  admit(itemType: string, quantity: number, now: number): RateLimitHit[] {
    const category = itemCategory(itemType);
    if (category === undefined) return [];
    const rules = this.rules.filter((r) => r.category === 'all' || HEADER_CATEGORY[r.category] === category);
    const hits: RateLimitHit[] = [];
    for (const rule of rules) {
      for (const w of rule.windows) {
        const start = now - (now % w.ms);
        if (w.start !== start) Object.assign(w, { start, used: 0 });
        if (w.used + quantity > w.limit) {
          hits.push({ categories: HEADER_CATEGORY[rule.category], retryAfterSeconds: Math.max(1, Math.ceil((start + w.ms - now) / 1000)), scope: 'project' });
        }
      }
    }
    if (hits.length === 0) for (const rule of rules) for (const w of rule.windows) w.used += quantity;
    return hits;
  }
}

/** `X-Sentry-Rate-Limits` as Relay writes it: `retry_after:categories:scope`, joined by `, `. */
export function rateLimitsHeader(hits: RateLimitHit[]): string {
  return hits.map((h) => `${h.retryAfterSeconds}:${h.categories}:${h.scope}`).join(', ');
}

/** Each category's longest wait once: the limits an answer reports. */
export function longestPerCategory(hits: RateLimitHit[]): RateLimitHit[] {
  const byCategory = new Map<string, RateLimitHit>();
  for (const h of hits) {
    const seen = byCategory.get(h.categories);
    if (!seen || seen.retryAfterSeconds < h.retryAfterSeconds) byCategory.set(h.categories, h);
  }
  return [...byCategory.values()];
}
