/**
 * The Collector redaction processor's decisions about one key or one value: allowed, ignored,
 * blocked keys, blocked and allowed values, and what a blocked match becomes (`****` or a hash).
 */
import { createHash, createHmac } from 'node:crypto';
import { compileGoRegex } from '../internal/goregex.js';
import type { HashFunction, RedactionConfig } from './config.js';

/** What upstream writes for a blocked match when no hash function is set. */
const MASK = '****';

/** The attributes the summary writes; always allowed, so a second redaction processor keeps them. */
const SUMMARY_KEYS = [
  'redaction.redacted.keys',
  'redaction.redacted.count',
  'redaction.masked.keys',
  'redaction.masked.count',
  'redaction.allowed.keys',
  'redaction.allowed.count',
  'redaction.ignored.count',
  'redaction.body.redacted.keys',
  'redaction.body.redacted.count',
  'redaction.body.masked.keys',
  'redaction.body.masked.count',
  'redaction.body.allowed.keys',
  'redaction.body.allowed.count',
  'redaction.body.ignored.count',
];

/** Go's regexp ReplaceAllStringFunc: an empty match right after a match is not a match. */
function replaceAllGo(text: string, regex: RegExp, replace: (match: string) => string): string {
  regex.lastIndex = 0;
  let out = '';
  let pos = 0;
  let lastEnd = -1;
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    const end = m.index + m[0].length;
    if (m[0].length === 0) {
      regex.lastIndex++;
      if (m.index === lastEnd) continue;
    }
    out += text.slice(pos, m.index) + replace(m[0]);
    pos = end;
    lastEnd = end;
    if (regex.lastIndex > text.length) break;
  }
  return out + text.slice(pos);
}

function hasher(fn: HashFunction | '' | undefined, hmacKey: string): (match: string) => string {
  switch (fn) {
    case 'md5':
    case 'sha1':
      return (m) => createHash(fn).update(m, 'utf8').digest('hex');
    case 'sha3':
      return (m) => createHash('sha3-256').update(m, 'utf8').digest('hex');
    case 'hmac-sha256':
    case 'hmac-sha512': {
      const algorithm = fn.slice(5);
      return (m) => createHmac(algorithm, hmacKey).update(m, 'utf8').digest('hex');
    }
    default:
      return () => MASK;
  }
}

const globalOf = (re: RegExp) => new RegExp(re.source, `${re.flags}g`);
// Go's `.*` stops at a newline only (JavaScript's `.` also stops at \r, U+2028, U+2029).
const WHOLE_LINE = /[^\n]*/g;

export class UpstreamPolicy {
  private readonly allowAll: boolean;
  private readonly allowed: Set<string>;
  private readonly ignored: Set<string>;
  private readonly ignoredPatterns: RegExp[];
  private readonly blockedKeyPatterns: RegExp[];
  private readonly blockedValues: RegExp[];
  private readonly allowedValues: RegExp[];
  private readonly redactMatch: (match: string) => string;
  readonly redactAllTypes: boolean;
  /** Whether any value pattern is configured: without one, reading a value's text is wasted work. */
  readonly checksValues: boolean;

  constructor(c: RedactionConfig) {
    this.allowAll = c.allow_all_keys;
    this.allowed = new Set([...c.allowed_keys, ...SUMMARY_KEYS]);
    this.ignored = new Set(c.ignored_keys);
    this.ignoredPatterns = c.ignored_key_patterns.map(compileGoRegex);
    this.blockedKeyPatterns = c.blocked_key_patterns.map(compileGoRegex);
    this.blockedValues = c.blocked_values.map((p) => globalOf(compileGoRegex(p)));
    this.allowedValues = c.allowed_values.map(compileGoRegex);
    this.redactMatch = hasher(c.hash_function, c.hmac_key ?? '');
    this.redactAllTypes = c.redact_all_types;
    this.checksValues = this.blockedValues.length > 0 || this.allowedValues.length > 0;
  }

  isIgnored(key: string): boolean {
    return this.ignored.has(key) || this.ignoredPatterns.some((re) => re.test(key));
  }

  /** Not on `allowed_keys` (and not everything allowed): the attribute is deleted. */
  isNotAllowed(key: string): boolean {
    return !this.allowAll && !this.allowed.has(key);
  }

  isBlockedKey(key: string): boolean {
    return this.blockedKeyPatterns.some((re) => re.test(key));
  }

  isAllowedValue(text: string): boolean {
    return this.allowedValues.length > 0 && this.allowedValues.some((re) => re.test(text));
  }

  /** The value of a blocked key: each line becomes `****` or its hash. */
  maskWhole(text: string): string {
    return replaceAllGo(text, WHOLE_LINE, this.redactMatch);
  }

  /** `text` with every `blocked_values` match masked or hashed, pattern after pattern. */
  maskBlockedValues(text: string): string {
    let out = text;
    for (const re of this.blockedValues) {
      re.lastIndex = 0;
      if (re.test(out)) out = replaceAllGo(out, re, this.redactMatch);
    }
    return out;
  }
}
