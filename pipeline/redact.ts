/** Credentials carried in URLs, kept out of logs, error messages and printed config. */

/**
 * `scheme://userinfo@`: the userinfo runs to the last `@` before the path, query or fragment,
 * as URL parsers read it (an unescaped `@` in a password does not end it early).
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi;

/** What replaces a URL's userinfo. */
export const REDACTED_USERINFO = '***';

/**
 * `text` with the userinfo (user and password) of every URL in it replaced by `***`; the rest of
 * each URL stays readable. The user name goes too: a token is often the whole userinfo
 * (`https://TOKEN@host`), so it cannot be assumed public. Accepts a `URL`, whose string form
 * carries its credentials.
 */
export function redactUrl(text: string | URL): string {
  return String(text).replace(URL_USERINFO, `$1${REDACTED_USERINFO}@`);
}
