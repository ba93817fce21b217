/**
 * Sentry's stack trace rules ("grouping enhancements"), parsed from Sentry's own syntax:
 *
 *     # comment
 *     path:**​/node_modules/**          -app
 *     family:native function:std::*   -app
 *     [ category:gl ] | category:gl   category=internals
 *     module:io.sentry.*              -app -group
 *     error.type:ChunkLoadError       max-frames=1
 *
 * A rule is one or more matchers (`key:pattern`, `!` negates, `[ m ] |` tests the calling
 * frame, `| [ m ]` the called one) and one or more actions: `+app`/`-app` and `+group`/`-group`,
 * optionally `^` (frames towards the crash) or `v` (frames towards the thread start), and
 * variables `category=`, `min-frames=`, `max-frames=`, `invert-stacktrace=`.
 */

import { ruleBool, unquote } from './rule-text.js';

export type MatcherKey = 'path' | 'package' | 'module' | 'function' | 'category' | 'family' | 'app' | 'type' | 'value' | 'mechanism';

/** Sentry's matcher names, long (Discover field) and short, onto what they test. */
const MATCHER_KEYS: Record<string, MatcherKey> = {
  'stack.module': 'module',
  'stack.abs_path': 'path',
  'stack.package': 'package',
  'stack.function': 'function',
  'error.type': 'type',
  'error.value': 'value',
  'error.mechanism': 'mechanism',
  module: 'module',
  path: 'path',
  package: 'package',
  function: 'function',
  category: 'category',
  family: 'family',
  app: 'app',
};

export interface FrameMatcher {
  key: MatcherKey;
  pattern: string;
  negated: boolean;
  /** Test the calling (older) or the called (newer) frame instead of the frame itself. */
  relative?: 'caller' | 'callee';
}

export type Action =
  | { kind: 'flag'; key: 'app' | 'group'; flag: boolean; range?: 'up' | 'down' }
  | { kind: 'var'; name: 'category'; value: string }
  | { kind: 'var'; name: 'min-frames' | 'max-frames'; value: number }
  | { kind: 'var'; name: 'invert-stacktrace'; value: boolean };

export interface StacktraceRule {
  matchers: FrameMatcher[];
  actions: Action[];
  /** The rule as Sentry describes it in hints: `module:io.sentry.* -app -group`. */
  text: string;
}

export class RuleSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} (line ${line}, column ${column})`);
  }
}

export function parseStacktraceRules(source: string): StacktraceRule[] {
  const rules: StacktraceRule[] = [];
  source.split(/\r?\n/).forEach((line, i) => {
    const rule = parseLine(line, i + 1);
    if (rule) rules.push(rule);
  });
  return rules;
}

interface Token {
  text: string;
  column: number;
}

function parseLine(line: string, lineNo: number): StacktraceRule | undefined {
  const tokens = tokenize(line, lineNo);
  if (!tokens.length) return undefined;
  const matchers: FrameMatcher[] = [];
  const actions: Action[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const fail = (msg: string): never => {
      throw new RuleSyntaxError(`${msg} near "${t.text}"`, lineNo, t.column);
    };
    if (t.text === '[' || t.text === '|') {
      if (actions.length) fail('matchers must come before actions');
      // `[ m ] |` (caller) or `| [ m ]` (callee).
      const caller = t.text === '[';
      const shape = tokens.slice(i, i + 4).map((p) => p.text);
      const inner = caller ? shape[1] : shape[2];
      const ok = caller ? shape[0] === '[' && shape[2] === ']' && shape[3] === '|' : shape[0] === '|' && shape[1] === '[' && shape[3] === ']';
      if (!ok || inner === undefined) fail(`expected ${caller ? '"[ matcher ] |"' : '"| [ matcher ]"'}`);
      const m = parseMatcher(inner!, fail);
      m.relative = caller ? 'caller' : 'callee';
      matchers.push(m);
      i += 3;
    } else if (/^[v^]?[+-]/.test(t.text) || /^[\w.-]+=/.test(t.text)) {
      if (!matchers.length) fail('a rule needs at least one matcher before its actions');
      actions.push(parseAction(t.text, fail));
    } else {
      if (actions.length) fail('matchers must come before actions');
      matchers.push(parseMatcher(t.text, fail));
    }
  }
  if (!actions.length) throw new RuleSyntaxError('a rule needs at least one action (like -app or -group)', lineNo, tokens[tokens.length - 1].column);
  return { matchers, actions, text: [...matchers.map(describeMatcher), ...actions.map(describeAction)].join(' ') };
}

/**
 * Splits on spaces, keeping quoted strings whole; `#` outside quotes starts a comment. A `[`
 * may touch the matcher after it (`[category:gl ]`); everything else is space-separated.
 */
function tokenize(line: string, lineNo: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    if (/\s/.test(line[i])) {
      i++;
      continue;
    }
    if (line[i] === '#') break;
    if (line[i] === '[') {
      tokens.push({ text: '[', column: i + 1 });
      i++;
      continue;
    }
    const start = i;
    let quoted = false;
    while (i < line.length && (quoted || !/\s/.test(line[i]))) {
      if (quoted && line[i] === '\\') i++;
      else if (line[i] === '"') quoted = !quoted;
      i++;
    }
    if (quoted) throw new RuleSyntaxError('unterminated quoted string', lineNo, start + 1);
    tokens.push({ text: line.slice(start, i), column: start + 1 });
  }
  return tokens;
}

function parseMatcher(text: string, fail: (msg: string) => never): FrameMatcher {
  const negated = text.startsWith('!');
  const body = negated ? text.slice(1) : text;
  const m = /^(?:"([\w.:-]+)"|([\w.-]+)):(.*)$/.exec(body);
  if (!m) return fail('expected a matcher like "key:pattern"');
  const name = m[1] ?? m[2];
  const key = MATCHER_KEYS[name];
  if (!key) return fail(`unknown matcher "${name}" (valid: ${Object.keys(MATCHER_KEYS).join(', ')})`);
  const pattern = unquote(m[3]);
  if (pattern === '') return fail('empty pattern');
  return { key, pattern, negated };
}

function parseAction(text: string, fail: (msg: string) => never): Action {
  const flag = /^([v^]?)([+-])(\w+)$/.exec(text);
  if (flag) {
    if (flag[3] !== 'app' && flag[3] !== 'group') return fail(`unknown action "${flag[3]}" (valid: app, group)`);
    const action: Action = { kind: 'flag', key: flag[3], flag: flag[2] === '+' };
    if (flag[1]) action.range = flag[1] === '^' ? 'up' : 'down';
    return action;
  }
  const [name, value] = text.split('=', 2);
  switch (name) {
    case 'category':
      if (!/^[\w.-]+$/.test(value)) return fail('invalid category');
      return { kind: 'var', name, value };
    case 'min-frames':
    case 'max-frames':
      if (!/^\d+$/.test(value)) return fail(`${name} needs a whole number`);
      return { kind: 'var', name, value: Number(value) };
    case 'invert-stacktrace': {
      const b = ruleBool(value);
      if (b === undefined) return fail('invert-stacktrace needs true or false');
      return { kind: 'var', name, value: b };
    }
  }
  return fail(`unknown variable "${name}" (valid: category, min-frames, max-frames, invert-stacktrace)`);
}

function describeMatcher(m: FrameMatcher): string {
  const pattern = /\s/.test(m.pattern) ? `"${m.pattern}"` : m.pattern;
  const own = `${m.negated ? '!' : ''}${m.key}:${pattern}`;
  return m.relative === 'caller' ? `[ ${own} ] |` : m.relative === 'callee' ? `| [ ${own} ]` : own;
}

function describeAction(a: Action): string {
  if (a.kind === 'var') return `${a.name}=${a.value}`;
  return `${a.range === 'up' ? '^' : a.range === 'down' ? 'v' : ''}${a.flag ? '+' : '-'}${a.key}`;
}
