/**
 * Relay's answers: a JSON body `{"detail": ..., "causes": [...]}` (its ApiErrorResponse) with
 * the status a Sentry SDK acts on. Details and causes name what and where, never the request's
 * content (and never a key).
 */

/** A request Summit does not accept (whole or in part): the status, Relay's detail and why. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly causes: string[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super([detail, ...causes].join(': '));
    this.name = 'Refusal';
  }
}

const MAX_CAUSE = 512;

export function errorBody(detail: string, causes: string[] = []): string {
  const bounded = causes.map((c) => (c.length <= MAX_CAUSE ? c : `${c.slice(0, MAX_CAUSE - 3)}...`));
  return JSON.stringify(bounded.length ? { detail, causes: bounded } : { detail });
}

/** What Relay answers when data was dropped for a rate limit (its BadStoreRequest::RateLimited). */
export const RATE_LIMITED_DETAIL =
  'Sentry dropped data due to a quota or internal rate limit being reached. This will not affect your application. See https://docs.sentry.io/product/accounts/quotas/ for more information.';

/**
 * CORS as Relay sets it for its store endpoints: any origin (a DSN is public and browser SDKs
 * send from every page), POST, the headers SDKs send, and the answers' back-off headers exposed
 * so a browser SDK can read them.
 */
export const CORS_ALLOW_HEADERS = [
  'x-sentry-auth',
  'x-requested-with',
  'x-forwarded-for',
  'origin',
  'referer',
  'accept',
  'content-type',
  'authentication',
  'authorization',
  'content-encoding',
  'transfer-encoding',
].join(',');
export const CORS_EXPOSE_HEADERS = 'x-sentry-error,x-sentry-rate-limits,retry-after';
export const CORS_MAX_AGE = '3600';
