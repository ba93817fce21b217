/** Go's time.ParseDuration syntax, as Collector configs use it: "200ms", "1m30s", "1.5h". */
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

export const DURATION_PATTERN = '^[-+]?((\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h))+$|^0$';

/** Milliseconds in a duration string; throws on malformed input. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  let i = 0;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    sign = s[0] === '-' ? -1 : 1;
    i = 1;
  }
  let total = 0;
  let parts = 0;
  while (i < s.length) {
    PART.lastIndex = i;
    const m = PART.exec(s);
    if (!m) throw new Error(`invalid duration "${text}": expected e.g. 200ms, 5s, 1m30s`);
    total += parseFloat(m[1]) * UNIT_MS[m[2]];
    i = PART.lastIndex;
    parts++;
  }
  if (parts === 0) throw new Error(`invalid duration "${text}": expected e.g. 200ms, 5s, 1m30s`);
  return sign * total;
}

/**
 * Marks a duration in a schema (as its `$comment`, the one keyword every JSON-schema validator
 * passes over): config validation turns a bare integer written there into the duration string
 * it stands for (nanoseconds, as Go's time.Duration decodes it: `0` and
 * `max_elapsed_time: 300000000000` load as upstream loads them).
 */
export const DURATION_MARK = 'Go duration; a bare integer is nanoseconds';

/** The duration string for a bare integer of nanoseconds. */
export function nanosecondsToDuration(n: number): string {
  return n === 0 ? '0s' : `${n}ns`;
}

/** JSON schema for a duration-valued config key. */
export function durationSchema(defaultValue?: string): Record<string, unknown> {
  return {
    type: 'string',
    $comment: DURATION_MARK,
    pattern: DURATION_PATTERN,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    description: 'duration, e.g. 200ms, 5s, 1m30s',
  };
}
