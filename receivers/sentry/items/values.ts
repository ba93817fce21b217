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

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9})\d*)?(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * A Sentry timestamp in nanoseconds since the epoch: seconds as a number (fractions kept to the
 * microsecond a double holds), or an RFC 3339 date-time (nanoseconds kept; without an offset it
 * is UTC, as Relay reads it). Undefined for anything else.
 */
export function timestampNanos(v: unknown): bigint | undefined {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0 || v > 253402300799) return undefined;
    return BigInt(Math.round(v * 1e6)) * 1000n;
  }
  if (typeof v !== 'string') return undefined;
  const m = RFC3339.exec(v.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const offset = zone === 'Z' || zone === 'z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0'));
}
