import { createHmac } from 'node:crypto';
import type { Method } from './rules.js';

const NO_KEY = Buffer.alloc(0);

/**
 * Relay's `hash`: HMAC-SHA1 with an empty key, upper-case hex (relay-pii `utils::hash_value`),
 * so the same value gives the same pseudonym here and in Sentry.
 */
export function relayHash(text: string): string {
  return createHmac('sha1', NO_KEY).update(text, 'utf8').digest('hex').toUpperCase();
}

/** What `method` writes in place of `text`: `*` per character, Relay's hash, the replacement, or nothing. */
export function redactText(text: string, method: Method, replacement: string): string {
  switch (method) {
    case 'mask': {
      let chars = 0;
      // Relay masks per Unicode scalar value, so a surrogate pair is one `*`.
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c < 0xdc00 || c > 0xdfff || i === 0 || text.charCodeAt(i - 1) < 0xd800 || text.charCodeAt(i - 1) > 0xdbff) chars++;
      }
      return '*'.repeat(chars);
    }
    case 'hash':
      return relayHash(text);
    case 'replace':
      return replacement;
    case 'remove':
      return '';
  }
}
