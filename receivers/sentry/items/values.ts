/** Field values of Sentry's protocol as Relay reads them, for the item mappers. */

/** `9ec79c33ec9942ab8353589fcb2e04dc` or its hyphenated form → 32 lowercase hex digits; undefined otherwise. */
export function eventIdOf(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const hex = v.length === 36 && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v) ? v.replace(/-/g, '') : v;
  return /^[0-9a-f]{32}$/i.test(hex) ? hex.toLowerCase() : undefined;
}

/** A random event id, as Relay makes one for an envelope whose event has none. */
export function newEventId(): string {
  return crypto.randomUUID().replace(/-/g, '');
}
