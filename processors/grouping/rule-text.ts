/** Pieces of syntax Sentry's stack trace rules and fingerprint rules share. */

/** `1/yes/true` and `0/no/false`, as Sentry reads rule booleans; anything else is undefined. */
export function ruleBool(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (v === '1' || v === 'yes' || v === 'true') return true;
  if (v === '0' || v === 'no' || v === 'false') return false;
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * The content of a `"quoted"` rule argument, unescaped as Sentry does (Python's
 * `unicode-escape`): `\\`, `\"`, `\n`, `\x41`, `\u00e9` ...; an unknown escape such as `\*` keeps
 * its backslash, so it reaches the glob as an escaped `*`.
 */
export function unquote(s: string): string {
  if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) return s;
  return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)/gs, (whole, e: string) => {
    if (e in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[e];
    if (/^[xuU]/.test(e) && e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    return whole;
  });
}
