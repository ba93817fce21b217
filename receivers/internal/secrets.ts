import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Whether `given` equals `expected`, in time that depends on neither value: both are hashed
 * first, so their lengths leak nothing either.
 */
export function secretMatches(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** GitHub's `X-Hub-Signature-256` (`sha256=<hex HMAC-SHA256 of the body>`), checked in constant time. */
export function hubSignatureMatches(header: string | undefined, body: Buffer, secret: string): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice(7), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  // a malformed hex string decodes short; equal lengths are what timingSafeEqual needs
  return given.length === expected.length && timingSafeEqual(given, expected);
}
