/**
 * Sentry Relay's builtin PII rules (relay-pii `builtin.rs` and `regexes.rs`): what each rule
 * finds, which part of a match it replaces, and the redaction a bare `@rule` id stands for.
 * The patterns are Relay's, written as JavaScript regexps (see README "Detectors" for where they
 * differ and why).
 */

export const METHODS = ['mask', 'remove', 'hash', 'replace'] as const;
/** Relay's redaction methods. */
export type Method = (typeof METHODS)[number];

export const RULE_TYPES = [
  'creditcard',
  'password',
  'bearer',
  'pemkey',
  'urlauth',
  'email',
  'ip',
  'iban',
  'usssn',
  'userpath',
  'mac',
  'imei',
  'uuid',
] as const;
export type RuleType = (typeof RULE_TYPES)[number];

/**
 * One regexp of a rule over text: the group it replaces (0 = the whole match) and the characters
 * it cannot match without. Relay's regex engine runs in linear time; JavaScript's backtracks, so
 * patterns that would go quadratic on hostile text start at a rare character (`@`, `//`, `=`)
 * and look back for the rest.
 */
export interface TextPattern {
  regex: RegExp;
  group: number;
  /** The replaced text starts where this group starts (for a pattern that looks back for its beginning). */
  from?: number;
  /** Every bit must be present in the text for the pattern to have a chance (see {@link textTraits}). */
  needs: number;
  /** Digits the text must hold at least (a card number has 15 or 16). */
  minDigits?: number;
  /** A further check of a match (Luhn for card numbers); a match it rejects stays. */
  accept?: (match: string) => boolean;
}

// Character traits of a text, gathered in one pass so most values skip most regexps.
export const HAS_DIGIT = 1;
export const HAS_AT = 2;
export const HAS_COLON = 4;
export const HAS_DOT = 8;
export const HAS_DASH = 16;
export const HAS_SLASH = 32;
export const HAS_UPPER = 64;
export const HAS_EQUALS = 128;
export const HAS_LETTER = 256;
export const HAS_QUOTE = 512;
/** ASCII whitespace, or any character beyond ASCII (JavaScript's `\s` takes some of those too). */
export const HAS_SPACE = 1024;
/** `b` or `B`: what a bearer token's `Bearer` cannot do without (most strings have letters, fewer a `b` and a space). */
export const HAS_B = 2048;

const TRAITS = new Uint16Array(128);
for (let c = 48; c <= 57; c++) TRAITS[c] = HAS_DIGIT;
for (let c = 65; c <= 90; c++) TRAITS[c] = HAS_UPPER | HAS_LETTER;
for (let c = 97; c <= 122; c++) TRAITS[c] = HAS_LETTER;
TRAITS[64] = HAS_AT;
TRAITS[58] = HAS_COLON;
TRAITS[46] = HAS_DOT;
TRAITS[45] = HAS_DASH;
TRAITS[47] = TRAITS[92] = HAS_SLASH;
TRAITS[61] = HAS_EQUALS;
TRAITS[34] = HAS_QUOTE;
for (const c of [9, 10, 11, 12, 13, 32]) TRAITS[c] = HAS_SPACE;
TRAITS[66] |= HAS_B;
TRAITS[98] |= HAS_B;

/** Above the trait bits: how many digits the text holds, counted up to 63. */
const DIGIT_SHIFT = 12;

/** The traits of `text` (characters beyond ASCII count as HAS_SPACE only), and its digit count above them. */
export function textTraits(text: string): number {
  let t = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    t |= c < 128 ? TRAITS[c] : HAS_SPACE;
    if (c >= 48 && c <= 57) digits++;
  }
  return t | (Math.min(digits, 63) << DIGIT_SHIFT);
}

/** Whether text with these traits can hold a match of the pattern. */
export function mayMatch(traits: number, pattern: TextPattern): boolean {
  return (traits & pattern.needs) === pattern.needs && traits >>> DIGIT_SHIFT >= (pattern.minDigits ?? 0);
}

/** The Luhn checksum: real card numbers pass it, most 13–19 digit order numbers do not. */
export function luhnValid(text: string): boolean {
  let sum = 0;
  let digits = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    const d = digits++ % 2 === 1 ? c * 2 : c;
    sum += d > 9 ? d - 9 : d;
  }
  return digits > 0 && sum % 10 === 0;
}

const V4_SEGMENT = '(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)';
const V4 = `${V4_SEGMENT}\\.${V4_SEGMENT}\\.${V4_SEGMENT}\\.${V4_SEGMENT}`;
const V6_SEGMENT = '[0-9a-fA-F]{1,4}';
const PUNCT = '!-\\/:-@\\[-`{-~';
const V6 = [
  `(?:${V6_SEGMENT}:){7}${V6_SEGMENT}`,
  `(?:${V6_SEGMENT}:){1,7}:`,
  `(?:${V6_SEGMENT}:){1,6}:${V6_SEGMENT}`,
  `(?:${V6_SEGMENT}:){1,5}(?::${V6_SEGMENT}){1,2}`,
  `(?:${V6_SEGMENT}:){1,4}(?::${V6_SEGMENT}){1,3}`,
  `(?:${V6_SEGMENT}:){1,3}(?::${V6_SEGMENT}){1,4}`,
  `(?:${V6_SEGMENT}:){1,2}(?::${V6_SEGMENT}){1,5}`,
  `${V6_SEGMENT}:(?:(?::${V6_SEGMENT}){1,6})`,
  `:(?:(?::${V6_SEGMENT}){1,7}|:)`,
  `fe80:(?::${V6_SEGMENT}){0,4}%[0-9a-zA-Z]+`,
  `::(?:ffff(?::0{1,4})?:)?${V4}`,
  `(?:${V6_SEGMENT}:){1,4}:${V4}`,
].join('|');

/**
 * The key words of Relay's `@password` rule: a key containing one names a secret, whatever its
 * value (PASSWORD_KEY_REGEX and TOKEN_KEY_REGEX of `regexes.rs`).
 */
export const PASSWORD_KEY_WORDS = 'password|secret|passwd|api[-_]key|apikey|auth|credentials|mysql_pwd|privatekey|private[-_]key|token';
/** Keys matched whole (`^otp$`, `^two[-_]factor$` in Relay). */
export const PASSWORD_EXACT_KEYS = '^otp$|^two[-_]factor$';

const BEARER = /\b(Bearer\s+)([^\s]+)/gid;

/** The text patterns of each rule type; `@password` adds key-name matching (see detectors.ts). */
export const TEXT_PATTERNS: Record<RuleType, TextPattern[]> = {
  creditcard: [
    {
      // Vendor prefixes, then 12 more digits with optional separators (Relay's CREDITCARD_REGEX);
      // Summit also requires the Luhn checksum, so order numbers of the same shape stay.
      regex: /\b((?:3[47]\d|4\d{3}|5[1-5]\d\d|65\d\d|6011)(?:[-\s]?\d){12})\b/gd,
      group: 0,
      needs: HAS_DIGIT,
      minDigits: 15,
      accept: luhnValid,
    },
  ],
  // Relay keeps bearer tokens under @password too (before @bearer existed), replacing the whole match.
  password: [{ regex: BEARER, group: 0, needs: HAS_B | HAS_SPACE }],
  bearer: [{ regex: BEARER, group: 2, needs: HAS_B | HAS_SPACE }],
  pemkey: [
    {
      // The body stops at the next `-----`, so a header without an end costs only up to the next marker.
      regex: /-----BEGIN[A-Z ]+(?:PRIVATE|PUBLIC) KEY-----[\t ]*\r?\n?((?:(?!-----)[\s\S])+?)\r?\n?-----END[A-Z ]+(?:PRIVATE|PUBLIC) KEY-----/gd,
      group: 1,
      needs: HAS_DASH | HAS_UPPER,
    },
  ],
  urlauth: [
    {
      regex: /\/\/(?<=\b(?:[a-z0-9+-]+:)?\/\/)([a-zA-Z0-9%_.-]+(?::[a-zA-Z0-9%_.-]+)?)@/gd,
      group: 1,
      needs: HAS_AT | HAS_SLASH,
    },
  ],
  email: [
    {
      regex: /@(?<=\b([a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+)@)[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*\.[a-zA-Z]{2,}\b/gd,
      group: 0,
      from: 1,
      needs: HAS_AT | HAS_DOT,
    },
  ],
  ip: [
    { regex: new RegExp(`\\b${V4}\\b`, 'gd'), group: 0, needs: HAS_DIGIT | HAS_DOT, minDigits: 4 },
    // Relay consumes the delimiter after an address; a look-ahead lets "a::1 b::2" find both.
    { regex: new RegExp(`(?:^|[\\s${PUNCT}])(${V6})(?=[\\s${PUNCT}]|$)`, 'gid'), group: 1, needs: HAS_COLON },
  ],
  iban: [
    {
      regex:
        /\b(?:AT|AD|AE|AL|AZ|BA|BE|BG|BH|BR|BY|CH|CR|CY|CZ|DE|DK|DO|EE|EG|ES|FI|FO|FR|GB|GE|GI|GL|GR|GT|HR|HU|IE|IL|IQ|IS|IT|JO|KW|KZ|LB|LC|LI|LT|LU|LV|LY|MC|MD|ME|MK|MR|MT|MU|NL|NO|PK|PL|PS|PT|QA|RO|RU|RS|SA|SC|SE|SI|SK|SM|ST|SV|TL|TN|TR|UA|VA|VG|XK|DZ|AO|BJ|BF|BI|CV|CM|CF|TD|KM|CG|CI|DJ|GQ|GA|GW|HN|IR|MG|ML|MA|MZ|NI|NE|SN|TG)\d{2}[a-zA-Z0-9]{11,29}\b/gd,
      group: 0,
      needs: HAS_DIGIT | HAS_UPPER,
    },
  ],
  usssn: [{ regex: /\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b/gd, group: 0, needs: HAS_DIGIT | HAS_DASH, minDigits: 9 }],
  userpath: [
    {
      // Relay's `[^/\\]+[/\\]profiles` is quadratic on long texts; a look-behind says the same in linear time.
      regex: /(?:\b(?:[a-zA-Z]:[\\/])?(?:users|home|documents and settings|(?<=[^/\\])[/\\]profiles)[\\/]|\/(?:home|users)\/)([^/\\\r\n\x00]+)/gid,
      group: 1,
      needs: HAS_SLASH,
    },
  ],
  mac: [{ regex: /\b(?:[0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}\b/gd, group: 0, needs: 0 }],
  imei: [{ regex: /\b\d{2}-?\d{6}-?\d{6}-?\d{1,2}\b/gd, group: 0, needs: HAS_DIGIT, minDigits: 15 }],
  uuid: [{ regex: /\b[a-z0-9]{8}-?[a-z0-9]{4}-?[a-z0-9]{4}-?[a-z0-9]{4}-?[a-z0-9]{12}\b/gid, group: 0, needs: 0 }],
};

/** Sentry's legacy URL password pattern (`@urlauth:legacy`, part of `@common:filter`): only the password. */
export const URLAUTH_LEGACY: TextPattern = {
  regex: /\/\/(?<=\b(?:[a-z0-9]+:)?\/\/)[a-zA-Z0-9%_.-]+:([a-zA-Z0-9%_.-]+)@/gd,
  group: 1,
  needs: HAS_AT | HAS_SLASH | HAS_COLON,
};

/** What a bare `@type` id means in Relay, and the text its `replace` writes. */
export const RULE_DEFAULTS: Record<RuleType, { method: Method; text: string }> = {
  creditcard: { method: 'replace', text: '[creditcard]' },
  password: { method: 'remove', text: '[password]' },
  bearer: { method: 'replace', text: '[token]' },
  pemkey: { method: 'replace', text: '[pemkey]' },
  urlauth: { method: 'replace', text: '[auth]' },
  email: { method: 'replace', text: '[email]' },
  ip: { method: 'replace', text: '[ip]' },
  iban: { method: 'replace', text: '[iban]' },
  usssn: { method: 'mask', text: '[us-ssn]' },
  userpath: { method: 'replace', text: '[user]' },
  mac: { method: 'mask', text: '[mac]' },
  imei: { method: 'replace', text: '[imei]' },
  uuid: { method: 'mask', text: '[uuid]' },
};

/** Relay's replacement text of `:filter` rules and of a `replace` without text. */
export const FILTERED = '[Filtered]';

/** One rule as configured: its type, the patterns it looks for in text, its method and replacement text. */
export interface RuleSpec {
  type: RuleType;
  patterns: TextPattern[];
  method: Method;
  text: string;
}

/**
 * Relay's `@common:filter`, the rules Sentry's default data scrubber applies, each replacing
 * with `[Filtered]` (urlauth in its legacy form: the password only). Relay lists
 * `@userpath:filter` too, but defines no such rule, so user paths are not among them.
 */
export const COMMON_FILTER: readonly RuleSpec[] = (['creditcard', 'iban', 'pemkey', 'urlauth', 'password', 'usssn'] as const).map((type) => ({
  type,
  patterns: type === 'urlauth' ? [URLAUTH_LEGACY] : TEXT_PATTERNS[type],
  method: 'replace',
  text: FILTERED,
}));

const COMMON: readonly RuleType[] = ['iban', 'ip', 'email', 'creditcard', 'pemkey', 'urlauth', 'userpath', 'password', 'usssn'];

/**
 * A Relay rule id (`@creditcard`, `@email:hash`, `@password:filter`, `@urlauth:legacy`,
 * `@common`, `@common:filter`) as the rules it stands for; a string naming the problem when it
 * is not one.
 */
export function parseRuleId(id: string): RuleSpec[] | string {
  const m = /^@([a-z]+)(?::([a-z]+))?$/.exec(id);
  if (!m) return `"${id}" is not a rule id: expected @type or @type:method, e.g. @creditcard or @email:hash`;
  const [, name, suffix] = m;
  if (name === 'common') {
    if (suffix === undefined) return COMMON.map(bare);
    if (suffix === 'filter') return [...COMMON_FILTER];
    return `@common takes no method but :filter (got :${suffix})`;
  }
  if (!(RULE_TYPES as readonly string[]).includes(name)) return `unknown rule @${name}; known: ${RULE_TYPES.map((t) => `@${t}`).join(', ')}, @common`;
  const type = name as RuleType;
  if (suffix === undefined) return [bare(type)];
  if (suffix === 'filter') return [{ type, patterns: TEXT_PATTERNS[type], method: 'replace', text: FILTERED }];
  if (suffix === 'legacy' && type === 'urlauth') return [COMMON_FILTER.find((r) => r.type === 'urlauth')!];
  if (!(METHODS as readonly string[]).includes(suffix)) return `unknown method :${suffix} of @${name}; known: ${[...METHODS, 'filter'].map((x) => `:${x}`).join(', ')}`;
  return [{ type, patterns: TEXT_PATTERNS[type], method: suffix as Method, text: RULE_DEFAULTS[type].text }];
}

function bare(type: RuleType): RuleSpec {
  return { type, patterns: TEXT_PATTERNS[type], ...RULE_DEFAULTS[type] };
}
