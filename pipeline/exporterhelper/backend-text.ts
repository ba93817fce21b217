/**
 * What a backend answered (an error body, a gRPC status message), fit to quote in an error that
 * is logged and may be handed back to senders: backends echo requests, and a 401 page that
 * echoes the headers would put the exporter's own credentials in the log.
 */

/** The longest quote: enough to diagnose, too short to carry much of an echoed request. */
export const BACKEND_TEXT_MAX_CHARS = 256;

const REDACTED = '[REDACTED]';

/** Configured values shorter than this are not hunted for: they are not credentials, and replacing them would garble the text. */
const MIN_SECRET_CHARS = 8;

const AUTH_SCHEMES = 'Bearer|Basic|Digest|Token|ApiKey|Api-Key|Negotiate|AWS4-HMAC-SHA256';

/** `authorization: ...`, `"x-api-key":"..."`, `token=...`: a secret-sounding name, then its value. */
const SECRET_FIELD = new RegExp(
  String.raw`((?:[\w-]*(?:auth|token|secret|passw(?:or)?d|api[-_]?key|access[-_]?key|cookie|session|credential|signature|private[-_]?key)[\w-]*|x-[\w-]+-(?:key|team|token))["']?\s*[:=]\s*)` +
    String.raw`("(?:[^"\\]|\\.)*"|'[^']*'|(?:(?:${AUTH_SCHEMES})\s+)?[^\s,;&"']+)`,
  'gi',
);

/**
 * `Bearer abc...` anywhere, labelled or not; the token has a digit or symbol in it, or is long,
 * so that "Token expired" stays readable.
 */
const AUTH_VALUE = new RegExp(String.raw`\b(${AUTH_SCHEMES})\s+(?:(?=[^\s,;"']*[\d._~+/=-])[^\s,;"']{6,}|[^\s,;"']{16,})`, 'gi');

/** A JSON web token. */
const JWT = /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g;

/** A long run of key-like characters mixing letters and digits: an API key nobody labelled. */
const OPAQUE = /[A-Za-z0-9_+/=-]{32,}/g;

/**
 * Returns what makes backend text safe to quote: `secrets` (the exporter's header values,
 * and the token after a scheme such as `Bearer`) and anything that looks like a credential are
 * replaced by [REDACTED], whitespace is folded, and the result is cut to
 * {@link BACKEND_TEXT_MAX_CHARS}. Scrubbing comes first, so a cut never leaves half a secret.
 */
export function backendTextScrubber(secrets: Iterable<string>): (text: string) => string {
  const literals = new Set<string>();
  for (const value of secrets) {
    for (const s of [value.trim(), ...value.split(/\s+/)]) if (s.length >= MIN_SECRET_CHARS) literals.add(s);
  }
  // longest first, so a value is replaced whole before a part of it is
  const ordered = [...literals].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(/\s+/g, ' ').trim();
    for (const s of ordered) out = out.split(s).join(REDACTED);
    out = out
      .replace(SECRET_FIELD, `$1${REDACTED}`)
      .replace(AUTH_VALUE, `$1 ${REDACTED}`)
      .replace(JWT, REDACTED)
      .replace(OPAQUE, (m) => (/\d/.test(m) && /[A-Za-z]/.test(m) ? REDACTED : m));
    if (out.length <= BACKEND_TEXT_MAX_CHARS) return out;
    return `${out.slice(0, BACKEND_TEXT_MAX_CHARS)}… (${out.length - BACKEND_TEXT_MAX_CHARS} more characters not shown)`;
  };
}
