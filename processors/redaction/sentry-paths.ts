/**
 * Where in a Sentry event (a `sentry.event` log body, keyed like the event's JSON) Sentry's data
 * scrubbing treats a field by its place rather than its content (relay-pii `convert.rs`). A path
 * is the keys from the event's root; an array item is a segment starting with `[`.
 */

const isItem = (segment: string | undefined) => segment !== undefined && segment.charCodeAt(0) === 91; // [

/** The path without a trailing array item: `request.headers.[3]` (a list of pairs) reads as `request.headers`. */
function parentIndex(path: readonly string[]): number {
  const last = path.length - 1;
  return isItem(path[last]) ? last - 1 : last;
}

function under(path: readonly string[], ...keys: string[]): boolean {
  const end = parentIndex(path);
  if (end !== keys.length - 1) return false;
  for (let i = 0; i < keys.length; i++) if (path[i] !== keys[i]) return false;
  return true;
}

/**
 * Fields the default scrubber leaves alone (DATASCRUBBER_IGNORE): debug images, a frame's file
 * paths (symbolication and grouping need them), the User-Agent header.
 */
export function isScrubbingExempt(path: readonly string[], key: string): boolean {
  if (path.length === 0) return key === 'debug_meta';
  if (key === 'filename' || key === 'abs_path') return isItem(path[path.length - 1]) && path[path.length - 2] === 'frames';
  return under(path, 'request', 'headers') && key.toLowerCase() === 'user-agent';
}

/** Fields that hold the client's IP address, removed when `scrub_ip_addresses` is on (KNOWN_IP_FIELDS). */
export function isIpField(path: readonly string[], key: string): boolean {
  switch (key) {
    case 'REMOTE_ADDR':
      return under(path, 'request', 'env');
    case 'ip_address':
      return under(path, 'user');
    case 'client_ip':
      return under(path, 'sdk');
  }
  return false;
}

/** A cookie of a `cookies` object or pair list, anywhere in the event (`*.cookies.<name>`). */
export function isCookieJar(path: readonly string[]): boolean {
  return path[parentIndex(path)] === 'cookies';
}

/** Text holding `name=value; ...` cookies: the Cookie request header, or `request.cookies` given as a string. */
export function isCookieText(path: readonly string[], key: string): boolean {
  return (under(path, 'request', 'headers') && key.toLowerCase() === 'cookie') || (key === 'cookies' && under(path, 'request'));
}

/** `logentry.formatted`: a message, which gets the message rules too. */
export function isMessage(path: readonly string[], key: string): boolean {
  return key === 'formatted' && under(path, 'logentry');
}

/**
 * Relay's SENSITIVE_COOKIES: session and CSRF cookie names of common web frameworks, filtered
 * whatever they hold.
 */
export const SENSITIVE_COOKIES = new Set([
  'sentrysid',
  'sudo',
  'su',
  'session',
  '__session',
  'sessionid',
  'user_session',
  'symfony',
  'phpsessid',
  'fasthttpsessionid',
  'mysession',
  'irissessionid',
  '_vercel_jwt',
  'csrf',
  'xsrf',
  '_xsrf',
  '_csrf',
  'csrf-token',
  'csrf_token',
  'xsrf-token',
  'xsrf_token',
  'fastcsrf',
  '_iris_csrf',
]);
