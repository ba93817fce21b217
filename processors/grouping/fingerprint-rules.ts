/**
 * Sentry's server-side fingerprint rules, in Sentry's syntax:
 *
 *     # comment
 *     error.type:DatabaseUnavailable                        -> system-down
 *     stack.function:"*connect*" error.value:"*timeout*"   -> db-timeout, {{ transaction }}
 *     logger:"sentry.*" level:error                         -> log-{{ logger }} title="Log: {{ message }}"
 *
 * Matchers left of `->` (all must match; `!` negates), the fingerprint right of it: literal
 * values and `{{ variables }}`, separated by spaces or commas, and an optional `title="..."`.
 */
import { unquote } from './rule-text.js';

export type FingerprintKey =
  | 'type'
  | 'value'
  | 'message'
  | 'logger'
  | 'level'
  | 'module'
  | 'path'
  | 'package'
  | 'function'
  | 'family'
  | 'app'
  | 'sdk'
  | 'release'
  | `tags.${string}`;

const MATCHER_KEYS: Record<string, FingerprintKey> = {
  'error.type': 'type',
  'error.value': 'value',
  'stack.module': 'module',
  'stack.abs_path': 'path',
  'stack.package': 'package',
  'stack.function': 'function',
  message: 'message',
  logger: 'logger',
  level: 'level',
  type: 'type',
  value: 'value',
  module: 'module',
  path: 'path',
  package: 'package',
  function: 'function',
  family: 'family',
  app: 'app',
  sdk: 'sdk',
  release: 'release',
};

export interface FingerprintMatcher {
  key: FingerprintKey;
  pattern: string;
  negated: boolean;
}

export interface FingerprintRule {
  matchers: FingerprintMatcher[];
  fingerprint: string[];
  title?: string;
  /** One of Summit's built-in rules (Sentry reports those as a built-in fingerprint). */
  builtin?: boolean;
  /** As Sentry prints a rule: `type:"DatabaseUnavailable" -> "database-unavailable"`. */
  text: string;
}

export class FingerprintSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} (line ${line}, column ${column})`);
  }
}

const DEFAULT_VAR = /^\{\{\s*default\s*\}\}$/;

export function parseFingerprintRules(source: string, builtin = false): FingerprintRule[] {
  const rules: FingerprintRule[] = [];
  source.split(/\r?\n/).forEach((line, i) => {
    const rule = parseLine(line, i + 1);
    if (rule) rules.push(builtin ? { ...rule, builtin } : rule);
  });
  return rules;
}

function parseLine(line: string, lineNo: number): FingerprintRule | undefined {
  const content = stripComment(line);
  if (!content.trim()) return undefined;
  const arrow = findArrow(content);
  if (arrow < 0) throw new FingerprintSyntaxError('expected "->" between matchers and fingerprint', lineNo, content.length + 1);
  const matchers = tokens(content.slice(0, arrow)).map(({ text, column }) => parseMatcher(text, lineNo, column));
  if (!matchers.length) throw new FingerprintSyntaxError('a rule needs at least one matcher', lineNo, 1);
  const { fingerprint, title } = parseFingerprint(content.slice(arrow + 2), lineNo, arrow + 3);
  // Any spelling of `{{ default }}` is the default.
  const normalized = fingerprint.map((v) => (DEFAULT_VAR.test(v) ? '{{ default }}' : v));
  const rule: FingerprintRule = { matchers, fingerprint: normalized, text: '' };
  if (title !== undefined) rule.title = title;
  rule.text = `${matchers.map((m) => `${m.negated ? '!' : ''}${m.key}:"${m.pattern}"`).join(' ')} -> "${normalized.join('')}"${title !== undefined ? ` title="${title}"` : ''}`;
  return rule;
}

/** Drops a `#` comment that is not inside quotes. */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (quoted && line[i] === '\\') i++;
    else if (line[i] === '"') quoted = !quoted;
    else if (!quoted && line[i] === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

function findArrow(s: string): number {
  let quoted = false;
  for (let i = 0; i < s.length - 1; i++) {
    if (quoted && s[i] === '\\') i++;
    else if (s[i] === '"') quoted = !quoted;
    else if (!quoted && s[i] === '-' && s[i + 1] === '>') return i;
  }
  return -1;
}

function tokens(s: string): { text: string; column: number }[] {
  const out: { text: string; column: number }[] = [];
  const re = /(?:"(?:[^"\\]|\\.)*"|\S)+/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push({ text: m[0], column: m.index + 1 });
  return out;
}

function parseMatcher(text: string, line: number, column: number): FingerprintMatcher {
  const negated = text.startsWith('!');
  const m = /^(?:"([\w.:-]+)"|([\w.-]+)):(.+)$/s.exec(negated ? text.slice(1) : text);
  if (!m) throw new FingerprintSyntaxError(`expected a matcher like "key:pattern" near "${text}"`, line, column);
  const name = m[1] ?? m[2];
  const key = name.startsWith('tags.') ? (name as FingerprintKey) : MATCHER_KEYS[name];
  if (!key) throw new FingerprintSyntaxError(`unknown matcher "${name}" (valid: ${Object.keys(MATCHER_KEYS).join(', ')}, tags.<name>)`, line, column);
  return { key, pattern: unquote(m[3]), negated };
}

function parseFingerprint(s: string, line: number, offset: number): { fingerprint: string[]; title?: string } {
  const fingerprint: string[] = [];
  let title: string | undefined;
  const re = /\s*(?:([\w.-]+)=("(?:[^"\\]|\\.)*")|("(?:[^"\\]|\\.)*")|(\{\{\s*\S+\s*\}\}|[^\s{,]+))\s*,?/gy;
  let at = 0;
  while (at < s.length && s.slice(at).trim()) {
    re.lastIndex = at;
    const m = re.exec(s);
    if (!m) throw new FingerprintSyntaxError(`invalid fingerprint value near "${s.slice(at).trim()}"`, line, offset + at);
    if (m[1] !== undefined) {
      if (m[1] !== 'title') throw new FingerprintSyntaxError(`unknown attribute "${m[1]}" (valid: title)`, line, offset + at);
      title = unquote(m[2]);
    } else {
      fingerprint.push(m[3] !== undefined ? unquote(m[3]) : m[4]);
    }
    at = re.lastIndex;
  }
  if (!fingerprint.length) throw new FingerprintSyntaxError('the fingerprint after "->" is empty', line, offset);
  return title === undefined ? { fingerprint } : { fingerprint, title };
}
