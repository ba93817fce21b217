/**
 * Rules compiled for the hot path: text rules run over string values, key rules decide by a
 * key's name alone. Built from the `detectors` list (Relay's advanced rules) and from
 * `data_scrubbing` (what Sentry's default server-side scrubber applies).
 */
import { redactText } from './methods.js';
import {
  COMMON_FILTER,
  FILTERED,
  HAS_COLON,
  HAS_EQUALS,
  HAS_QUOTE,
  HAS_LETTER,
  PASSWORD_EXACT_KEYS,
  PASSWORD_KEY_WORDS,
  TEXT_PATTERNS,
  mayMatch,
  textTraits,
  type Method,
  type RuleSpec,
  type TextPattern,
} from './rules.js';

export interface TextRule {
  pattern: TextPattern;
  method: Method;
  text: string;
}

/** A value whose key matches is redacted whole, whatever it holds. */
export interface KeyRule {
  keys: RegExp;
  method: Method;
  text: string;
}

export interface RuleGroup {
  /** Over every string value. */
  text: TextRule[];
  /** By key name. */
  keys: KeyRule[];
  /** Also over free-text messages: string log bodies and a Sentry event's `logentry.formatted`. */
  message: TextRule[];
}

/** Sentry's `data_scrubbing` on top of its rules: fields it handles by where they are. */
export interface ScrubbingGroup extends RuleGroup {
  /** `scrub_ip_addresses`: fields that hold an IP address are removed, whatever they hold. */
  removeIpFields: boolean;
  /** `scrub_defaults`: session and CSRF cookies, and whole cookie headers of spans, are filtered. */
  filterCookies: boolean;
  /** `exclude_fields`, lower-cased: values under these keys are left to the explicit detectors. */
  exclude: ReadonlySet<string>;
}

export interface DataScrubbingConfig {
  scrub_data: boolean;
  scrub_defaults: boolean;
  scrub_ip_addresses: boolean;
  sensitive_fields: string[];
  exclude_fields: string[];
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * `name=value` (query strings, form bodies, `key=value` log lines) and `"name": "value"` (JSON
 * kept as text) where the name holds one of `words`: the value part is the secret.
 */
function pairPatterns(words: string): TextPattern[] {
  // Each starts at the `=` or `:` and looks back for the name, so only those characters cost a look.
  return [
    {
      regex: new RegExp(`=(?<=(?:^|[?&;\\s"'])[^=&#?;\\s"']*(?:${words})[^=&#;\\s"']*=)([^&#;\\s"']+)`, 'gid'),
      group: 1,
      needs: HAS_EQUALS | HAS_LETTER,
    },
    {
      regex: new RegExp(`:(?<="[^"]*(?:${words})[^"]*"\\s*:)\\s*"((?:[^"\\\\]|\\\\.)+)"`, 'gid'),
      group: 1,
      needs: HAS_COLON | HAS_QUOTE | HAS_LETTER,
    },
  ];
}

const PASSWORD_PAIRS = pairPatterns(PASSWORD_KEY_WORDS);
const PASSWORD_KEYS = new RegExp(`${PASSWORD_KEY_WORDS}|${PASSWORD_EXACT_KEYS}`, 'i');

/** Adds one configured rule to a group: its text patterns, and for `@password` its key rule and pair patterns. */
function addRule(group: RuleGroup, spec: RuleSpec): void {
  for (const pattern of spec.patterns) group.text.push({ pattern, method: spec.method, text: spec.text });
  if (spec.type !== 'password') return;
  group.keys.push({ keys: PASSWORD_KEYS, method: spec.method, text: spec.text });
  for (const pattern of PASSWORD_PAIRS) group.text.push({ pattern, method: spec.method, text: spec.text });
}

/** The explicit detectors, in the order configured. */
export function compileDetectors(specs: RuleSpec[]): RuleGroup {
  const group: RuleGroup = { text: [], keys: [], message: [] };
  for (const spec of specs) addRule(group, spec);
  return group;
}

/** Relay's `to_pii_config` (convert.rs): the PII config a project's data scrubbing settings stand for. */
export function compileDataScrubbing(c: DataScrubbingConfig): ScrubbingGroup {
  const group: ScrubbingGroup = {
    text: [],
    keys: [],
    message: [],
    removeIpFields: c.scrub_ip_addresses,
    filterCookies: c.scrub_data && c.scrub_defaults,
    exclude: new Set(c.exclude_fields.map((f) => f.trim().toLowerCase()).filter(Boolean)),
  };
  if (c.scrub_data && c.scrub_defaults) {
    for (const spec of COMMON_FILTER) addRule(group, spec);
    // Relay's replace-only rules for messages; the rest of them @common:filter already covers.
    group.message.push(...TEXT_PATTERNS.email.map((pattern) => ({ pattern, method: 'replace' as const, text: '[email]' })));
  }
  if (c.scrub_ip_addresses) group.text.push(...TEXT_PATTERNS.ip.map((pattern) => ({ pattern, method: 'replace' as const, text: '[ip]' })));
  const sensitive = c.scrub_data ? c.sensitive_fields.map((f) => f.trim()).filter(Boolean) : [];
  if (sensitive.length) {
    const words = sensitive.map(escapeRegex).join('|');
    group.keys.push({ keys: new RegExp(words, 'i'), method: 'replace', text: FILTERED });
    for (const pattern of pairPatterns(words)) group.text.push({ pattern, method: 'replace', text: FILTERED });
  }
  return group;
}

/** Relay leaves these strings alone (`process_string`): they carry no data. */
export function isInertText(text: string): boolean {
  return text === '' || text === 'true' || text === 'false' || text === 'null' || text === 'undefined';
}

/**
 * `text` with every match of `rules` redacted, each rule seeing the previous one's output; or
 * undefined when nothing matched (nothing is allocated then).
 */
export function scrubText(text: string, rules: readonly TextRule[]): string | undefined {
  if (rules.length === 0 || isInertText(text)) return undefined;
  return scrubTextWithTraits(text, textTraits(text), rules);
}

/** Whether any of `rules` can match a text of these traits (most strings: none). */
export function anyMayMatch(traits: number, rules: readonly TextRule[]): boolean {
  for (const rule of rules) if (mayMatch(traits, rule.pattern)) return true;
  return false;
}

/** scrubText of a text whose traits are known (and which is not inert). */
export function scrubTextWithTraits(text: string, traits: number, rules: readonly TextRule[]): string | undefined {
  let out: string | undefined;
  for (const rule of rules) {
    if (!mayMatch(traits, rule.pattern)) continue;
    const next = applyPattern(out ?? text, rule);
    if (next !== undefined) out = next;
  }
  return out;
}

function applyPattern(text: string, rule: TextRule): string | undefined {
  const { regex, group, from = group, accept } = rule.pattern;
  regex.lastIndex = 0;
  let m = regex.exec(text);
  if (m === null) return undefined;
  let out = '';
  let pos = 0;
  let changed = false;
  while (m !== null) {
    if (m[0].length === 0) regex.lastIndex++;
    else if (accept === undefined || accept(m[0])) {
      const start = m.indices![from]?.[0];
      const end = m.indices![group]?.[1];
      if (start !== undefined && end !== undefined && start >= pos) {
        out += text.slice(pos, start) + redactText(text.slice(start, end), rule.method, rule.text);
        pos = end;
        changed = true;
      }
    }
    m = regex.exec(text);
  }
  return changed ? out + text.slice(pos) : undefined;
}

/** The first key rule naming `key` a secret. */
export function keyRuleFor(key: string, rules: readonly KeyRule[]): KeyRule | undefined {
  for (const rule of rules) if (rule.keys.test(key)) return rule;
  return undefined;
}
