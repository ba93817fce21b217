/**
 * Alertmanager's label matchers (`severity="critical"`, `team=~"pay.*"`, `env!=dev`), used by
 * routes, inhibit rules, silences and escalation policies.
 */
export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
  /** The anchored regex of `=~` / `!~`, as Alertmanager anchors it. */
  regex?: RegExp;
}

export type Labels = Record<string, string>;

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_.]*|"[^"]*")\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** Parses one matcher; throws naming the text and what was expected. */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) throw new Error(`matcher ${JSON.stringify(text)}: expected NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX`);
  const name = m[1].startsWith('"') ? m[1].slice(1, -1) : m[1];
  let value = m[3];
  if (value.startsWith('"')) {
    if (!value.endsWith('"') || value.length < 2) throw new Error(`matcher ${JSON.stringify(text)}: unterminated quoted value`);
    value = JSON.parse(value) as string;
  }
  const op = m[2] as MatchOp;
  if (op === '=~' || op === '!~') {
    try {
      return { name, op, value, regex: new RegExp(`^(?:${value})$`) };
    } catch (err) {
      throw new Error(`matcher ${JSON.stringify(text)}: invalid regular expression: ${(err as Error).message}`);
    }
  }
  return { name, op, value };
}

export function parseMatchers(texts: readonly string[] = []): Matcher[] {
  return texts.map(parseMatcher);
}

/** A missing label matches as the empty string, as in Alertmanager. */
export function matches(matcher: Matcher, labels: Labels): boolean {
  const v = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return v === matcher.value;
    case '!=':
      return v !== matcher.value;
    case '=~':
      return matcher.regex!.test(v);
    case '!~':
      return !matcher.regex!.test(v);
  }
}

export function matchesAll(matchers: readonly Matcher[], labels: Labels): boolean {
  return matchers.every((m) => matches(m, labels));
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}
