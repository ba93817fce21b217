/** IANA time zones for timestamps written without an offset (RFC 3164 syslog, `timestamp.location`). */

/** Why `zone` is not usable, or undefined when Intl knows it. */
export function timeZoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `unknown time zone "${zone}"; expected an IANA name such as UTC or Europe/Berlin`;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC of an IANA zone at a UTC instant. */
function zoneOffsetMinutes(zone: string, utcMs: number): number {
  if (zone === 'UTC') return 0;
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return Math.round((asUtc - utcMs) / 60_000);
}

/**
 * The UTC instant of a wall-clock time in `zone`, given as milliseconds as if it were UTC. The
 * offset is taken at the guess and corrected once, which lands right on both sides of a DST change.
 */
export function wallClockToUtc(wallMs: number, zone: string): number {
  const guess = wallMs - zoneOffsetMinutes(zone, wallMs) * 60_000;
  return wallMs - zoneOffsetMinutes(zone, guess) * 60_000;
}
