/** Which config values hold secrets, and masking of them for display. */
import { redactUrl } from '../pipeline/redact.js';

export const REDACTED = '[REDACTED]';

const SECRET_WORDS = /password|passwd|secret|token|api[_-]?key|authorization|credential|private[_-]?key|hmac[_-]?key|bearer|cookie/i;
// "auth" alone or as a suffix (basic_auth, client-auth), but not "author" or "authority".
const AUTH_SUFFIX = /(^|[_\-.])auth$/i;
// Keys that name another component (`auth: {authenticator: basicauth/client}`) or a place
// (oauth2client's `token_url`, whose userinfo is masked as every URL's is) rather than hold a
// secret; masking them would hide what is configured and protect nothing.
const NOT_SECRET = new Set(['authenticator', 'token_url']);
// Maps of HTTP headers or gRPC metadata (`headers`, `response_headers`). Upstream types their
// values `configopaque.String`, masked whatever the header's name: `x-honeycomb-team`,
// `x-scope-orgid` or a vendor's next invention carries a credential no name list foresees.
const HEADER_MAP = /^(.+[_-])?headers$/i;
// In a list of header entries (`headers: [{key: X-Scope-OrgID, value: ...}]`, as headers_setter
// writes them) these name the header and where its value comes from; the rest is the value.
const HEADER_ENTRY_NAMING = new Set(['key', 'action', 'from_context', 'from_attribute']);

const isListIndex = (segment: string): boolean => /^\d+$/.test(segment);

/** `parent` lets a nested spelling count: `api: {key: ...}` is an API key as much as `api_key` is. */
export function isSecretKey(key: string, parent?: string): boolean {
  if (NOT_SECRET.has(key.toLowerCase())) return false;
  const test = (k: string) => SECRET_WORDS.test(k) || AUTH_SUFFIX.test(k);
  return test(key) || (parent !== undefined && /^(key|value)$/i.test(key) && test(`${parent}_${key}`));
}

/**
 * Whether the value at `path` (keys from the config root or a component's root; list indices as
 * digits) is secret: it or a key above it is secret-looking, or it is a header's value.
 */
export function isSecretPath(path: readonly string[]): boolean {
  const last = path[path.length - 1];
  if (last === undefined || NOT_SECRET.has(last.toLowerCase())) return false;
  let parent: string | undefined; // the nearest key above, skipping list indices
  return path.some((k, i) => {
    const secret = isSecretKey(k, parent) || (HEADER_MAP.test(k) && isHeaderValue(path.slice(i + 1)));
    if (!isListIndex(k)) parent = k;
    return secret;
  });
}

/**
 * `below` is the path beneath a header map: a header's value unless it names a list entry's
 * header. The map itself counts too: a scalar written in its place is a header line gone astray.
 */
function isHeaderValue(below: readonly string[]): boolean {
  if (below.length === 0 || !isListIndex(below[0])) return true;
  return !(below.length === 2 && HEADER_ENTRY_NAMING.has(below[1].toLowerCase()));
}

/**
 * A copy of `value` with every secret scalar (see {@link isSecretPath}) replaced by
 * {@link REDACTED}, and the userinfo of every URL in the other strings replaced by `***`.
 * null and "" stay as they are: they show that nothing is set, which is what an operator
 * debugging a config needs to see.
 */
export function maskSecrets(value: unknown, path: readonly string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v, i) => maskSecrets(v, [...path, String(i)]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: maskSecrets(v, [...path, k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (value === null || value === undefined || value === '') return value;
  if (isSecretPath(path)) return REDACTED;
  return typeof value === 'string' ? redactUrl(value) : value;
}
