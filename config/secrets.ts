/** Which config keys hold secrets, and masking of their values for display. */

export const REDACTED = '[REDACTED]';

const SECRET_WORDS = /password|passwd|secret|token|api[_-]?key|authorization|credential|private[_-]?key|hmac[_-]?key|bearer/i;
// "auth" alone or as a suffix (basic_auth, client-auth), but not "author" or "authority".
const AUTH_SUFFIX = /(^|[_\-.])auth$/i;
// Keys that name another component (`auth: {authenticator: basicauth/client}`) rather than hold a
// secret; masking them would hide which extension is in use and protect nothing.
const NOT_SECRET = new Set(['authenticator']);

/** `parent` lets a nested spelling count: `api: {key: ...}` is an API key as much as `api_key` is. */
export function isSecretKey(key: string, parent?: string): boolean {
  if (NOT_SECRET.has(key.toLowerCase())) return false;
  const test = (k: string) => SECRET_WORDS.test(k) || AUTH_SUFFIX.test(k);
  return test(key) || (parent !== undefined && /^(key|value)$/i.test(key) && test(`${parent}_${key}`));
}

/**
 * A copy of `value` with every scalar under a secret key replaced by {@link REDACTED}; a map or
 * list under such a key has all of its scalars masked. null and "" stay as they are: they show
 * that nothing is set, which is what an operator debugging a config needs to see.
 */
export function maskSecrets(value: unknown, underSecret = false, parent?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, underSecret, parent));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const secret = !NOT_SECRET.has(k.toLowerCase()) && (underSecret || isSecretKey(k, parent));
      Object.defineProperty(out, k, { value: maskSecrets(v, secret, k), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (underSecret && value !== null && value !== undefined && value !== '') return REDACTED;
  return value;
}
