/**
 * Sentry's message parameterisation: the variable parts of an error message (ids, numbers,
 * addresses, timestamps ...) become placeholders (`<int>`, `<uuid>`, ...), so `user 42 not
 * found` and `user 43 not found` group together. One alternation, tried left to right at each
 * position, first alternative wins, as Sentry's combined regex does (so a UUID is never read as
 * ints, a URL never as a hostname). The patterns are Sentry's of 2024 (the corpus' grouping
 * config), plus the `hostname` pattern Sentry added later, placed where Sentry places it.
 */

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const DAY = '(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)';
const ZONE = '(?:UT|GMT|(?:E|C|M|P)(?:ST|DT)|[A-IK-Z])';
const OCTET = '(?:25[0-5]|(?:2[0-4]|1?[0-9])?[0-9])';
const IPV4 = `(?:${OCTET}\\.){3}${OCTET}`;
const H = '[0-9a-fA-F]{1,4}';
const TLDS =
  'com|net|org|jp|de|uk|fr|br|it|ru|es|me|gov|pl|ca|au|cn|co|in|nl|edu|info|eu|ch|id|at|kr|cz|mx|be|tv|se|tr|tw|al|ua|ir|vn|cl|sk|ly|cc|to|no|fi|us|pt|dk|ar|hu|tk|gr|il|news|ro|my|biz|ie|za|nz|sg|ee|th|io|xyz|pe|bg|hk|rs|lt|link|ph|club|si|site|mobi|by|cat|wiki|la|ga|xxx|cf|hr|ng|jobs|online|kz|ug|gq|ae|is|lv|pro|fm|tips|ms|sa|app';

const PATTERNS: [name: string, source: string][] = [
  ['email', "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*"],
  ['url', '\\b(?:wss?|https?|ftp)://[^\\s/$.?#].[^\\s]*'],
  // The top TLDs only, in lower or upper case (not mixed), as Sentry does.
  ['hostname', `\\b(?:[a-zA-Z0-9-]{1,63}\\.)+?(?:${TLDS}|${TLDS.toUpperCase()})\\b`],
  [
    'ip',
    [
      `(?:${H}:){7}${H}`,
      `(?:${H}:){1,7}:`,
      `(?:${H}:){1,6}:${H}`,
      `(?:${H}:){1,5}(?::${H}){1,2}`,
      `(?:${H}:){1,4}(?::${H}){1,3}`,
      `(?:${H}:){1,3}(?::${H}){1,4}`,
      `(?:${H}:){1,2}(?::${H}){1,5}`,
      `${H}:(?:(?::${H}){1,6})`,
      `:(?:(?::${H}){1,7}|:)`,
      'fe80:(?::[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]+',
      `::(?:ffff(?::0{1,4})?:)?${IPV4}`,
      `(?:${H}:){1,4}:${IPV4}\\b`,
      `\\b${IPV4}\\b`,
    ].join('|'),
  ],
  ['uuid', '\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b'],
  ['sha1', '\\b[0-9a-fA-F]{40}\\b'],
  ['md5', '\\b[0-9a-fA-F]{32}\\b'],
  [
    'date',
    [
      // RFC 822 / 1123: `Tue, 3 Jun 2008 11:05:30 GMT`
      `${DAY},\\s\\d{1,2}\\s${MONTH}\\s\\d{2,4}\\s\\d{1,2}:\\d{1,2}(?::\\d{1,2})?\\s(?:[-+]\\d{2}[0-5]\\d|${ZONE})`,
      // `Mon Jan 02, 1999`, `Jan 02, 1999`
      `(?:${DAY}\\s)?${MONTH}\\s[0-3]\\d,\\s\\d{2,4}`,
      // RFC 850: `Monday, 02-Jan-06 15:04:05 MST`
      `(?:Sunday|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday),\\s\\d{2}-${MONTH}-\\d{2}\\s\\d{2}:\\d{2}:\\d{2}\\s${ZONE}`,
      // RFC 3339
      '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z?(?:[+-]?\\d{2}:\\d{2})?',
      // `2024-05-01 12:30:00.123`
      '\\d{4}-?[01]\\d-?[0-3]\\d\\s[0-2]\\d:[0-5]\\d:[0-5]\\d(?:\\.\\d+)?',
      // Kitchen clock `3:04`, `3:04:05PM` (Sentry's pattern allows no space before AM/PM)
      '\\d{1,2}:\\d{2}(?::\\d{2})?(?:[aApP][Mm])?',
      '\\d{4}-[01]\\d-[0-3]\\d',
      '[0-2]\\d:[0-5]\\d:[0-5]\\d',
      '\\d{4}-[01]\\d-[0-3]\\dT[0-2]\\d:[0-5]\\d(?::[0-5]\\d(?:\\.\\d+)?)?(?:[+-][0-2]\\d:[0-5]\\d|Z)',
      // `Mon Jan  2 15:04:05 2006`
      `\\b(?:${DAY}\\s+)?${MONTH}\\s+\\d{1,2}\\s+\\d{2}:\\d{2}:\\d{2}\\s+\\d{4}`,
      // `Mon, 02 Jan 2006 15:04 -0700`
      `\\b(?:${DAY},\\s+)?(?:0[1-9]|[1-2]?\\d|3[01])\\s+${MONTH}\\s+(?:19\\d{2}|[2-9]\\d{3})\\s+(?:2[0-3]|[0-1]\\d):[0-5]\\d(?::(?:60|[0-5]\\d))?\\s+(?:[-+]\\d{2}[0-5]\\d|${ZONE})`,
      // Python reprs: `datetime.datetime(2024, 5, 1, 12, 0)`
      'datetime.datetime\\(.*?\\)',
    ].join('|'),
  ],
  // `12ms`, or one digit (with decimals) of seconds: Sentry's pattern, quirks included.
  ['duration', '\\b\\d+ms|\\d(?:\\.\\d+)?s\\b'],
  ['hex', '\\b0[xX][0-9a-fA-F]+\\b'],
  ['float', '-\\d+\\.\\d+\\b|\\b\\d+\\.\\d+\\b'],
  ['int', '-\\d+\\b|\\b\\d+\\b'],
  // Only values of key=value pairs: the `=` stays, the quoted value goes.
  ['quoted_str', `='[^']+'|="[^"]+"`],
  ['bool', '=(?:True|true|False|false)'],
];

interface Combined {
  re: RegExp;
  /** Where each pattern's group is, counting the groups patterns may hold themselves. */
  groupIndex: number[];
  placeholders: string[];
}

/** One capturing group per pattern (a callback per match with named groups costs ten times more). */
function combine(patterns: [string, string][]): Combined {
  const groupIndex: number[] = [];
  patterns.reduce((index, [, source]) => {
    groupIndex.push(index);
    return index + 1 + (new RegExp(`${source}|`).exec('')!.length - 1);
  }, 1);
  return {
    re: new RegExp(patterns.map(([, source]) => `(${source})`).join('|'), 'g'),
    groupIndex,
    placeholders: patterns.map(([name]) => (name === 'quoted_str' || name === 'bool' ? `=<${name}>` : `<${name}>`)),
  };
}

const ALL = combine(PATTERNS);
// Without an `@` no email can match; leaving its pattern out spares a scan of every run of
// address characters from every position (quadratic on a long word).
const NO_EMAIL = combine(PATTERNS.filter(([name]) => name !== 'email'));

/** Python's str.splitlines() boundaries. */
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

export function parameterize(text: string): string {
  const { re, groupIndex, placeholders } = text.includes('@') ? ALL : NO_EMAIL;
  let out = '';
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let p = 0;
    while (m[groupIndex[p]] === undefined) p++;
    out += text.slice(last, m.index) + placeholders[p];
    last = m.index + m[0].length;
  }
  return last ? out + text.slice(last) : text;
}

/**
 * A message as Sentry groups it: its first two non-blank lines (with `...` when anything was
 * cut), parameterised.
 */
export function normalizeMessage(message: string): string {
  const lines = message.split(LINE_BREAK).filter((l) => l.trim() !== '');
  let trimmed = lines.slice(0, 2).join('\n');
  if (trimmed !== message) trimmed += '...';
  return parameterize(trimmed);
}
