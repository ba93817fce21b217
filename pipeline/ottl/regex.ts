import { RE2JS } from 're2js';
import { Lru } from '../lru.js';
import type { CompiledValue } from './functions.js';

/**
 * A regular expression with Go RE2 semantics, as OTTL's Go implementation compiles them: RE2
 * syntax (inline flags such as `(?i)` anywhere, `\A`, `\z`, `[[:alpha:]]`, `(?P<name>...)`;
 * no backreferences or lookaround) and matching in time linear in the input, so a hostile
 * pattern or value cannot stall the pipeline (re2js is a port of RE2's automata, not a
 * backtracking engine).
 */
export class Re2 {
  private readonly re: RE2JS;
  /** Named capture groups and their indexes. */
  readonly namedGroups: Record<string, number>;

  // Telemetry repeats its strings (span names, attribute keys): results of short inputs are
  // remembered, as the automaton costs about a microsecond a run where a lookup costs nanoseconds.
  private readonly tested = new Lru<boolean>(CACHE_ENTRIES);
  private replaced = new Lru<string>(CACHE_ENTRIES);
  private replacedTemplate: string | undefined;

  /** A cheap test every match passes (see requiredLiteral), run before the automaton. */
  private readonly mayMatch: (s: string) => boolean;

  /** Throws an Error with RE2's message when the pattern is invalid. */
  constructor(readonly pattern: string) {
    try {
      this.re = RE2JS.compile(pattern);
    } catch (err) {
      throw new Error((err as Error).message);
    }
    const literal = requiredLiteral(pattern);
    this.mayMatch = !literal ? () => true : literal.anchored ? (s) => s.startsWith(literal.text) : (s) => s.includes(literal.text);
    this.namedGroups = { ...(this.re.namedGroups() as Record<string, number>) };
  }

  /** Whether the pattern matches anywhere in `s`. */
  test(s: string): boolean {
    if (!this.mayMatch(s)) return false;
    if (s.length > CACHE_MAX_LENGTH) return this.re.test(s);
    let hit = this.tested.get(s);
    if (hit === undefined) this.tested.set(s, (hit = this.re.test(s)));
    return hit;
  }

  /** Whether the pattern matches all of `s` (as ottl's replace_match on globs needs). */
  matchesWhole(s: string): boolean {
    return this.re.matches(s);
  }

  /** Go's Regexp.ReplaceAllString: every match replaced by `template` with `$1`, `${name}`, `$$` expanded. */
  replaceAll(s: string, template: string): string {
    // The automaton's test is cheaper than a matcher: most values do not match at all.
    if (!this.test(s)) return s;
    if (s.length > CACHE_MAX_LENGTH) return this.replaceUncached(s, template);
    if (template !== this.replacedTemplate) {
      this.replaced = new Lru<string>(CACHE_ENTRIES);
      this.replacedTemplate = template;
    }
    let out = this.replaced.get(s);
    if (out === undefined) this.replaced.set(s, (out = this.replaceUncached(s, template)));
    return out;
  }

  private replaceUncached(s: string, template: string): string {
    const m = this.re.matcher(s);
    let out = '';
    let last = 0;
    let n = 0;
    while (m.find()) {
      out += s.slice(last, m.start()) + this.expand(template, (g) => m.group(g));
      last = m.end();
      n++;
    }
    return n === 0 ? s : out + s.slice(last);
  }

  /** The first match's capture groups (index 0 is the whole match), or undefined when it does not match. */
  firstMatch(s: string): { group(i: number): string | null } | undefined {
    const m = this.re.matcher(s);
    if (!m.find()) return undefined;
    return { group: (i) => m.group(i) };
  }

  get groupCount(): number {
    return this.re.groupCount();
  }

  /** Go's Regexp.Expand: `$name`/`${name}` where name is a group number or name; `$$` is a dollar. */
  private expand(template: string, group: (i: number) => string | null): string {
    if (!template.includes('$')) return template;
    let out = '';
    for (let i = 0; i < template.length; i++) {
      const c = template[i];
      if (c !== '$' || i + 1 >= template.length) {
        out += c;
        continue;
      }
      if (template[i + 1] === '$') {
        out += '$';
        i++;
        continue;
      }
      const braced = template[i + 1] === '{';
      const start = i + (braced ? 2 : 1);
      let end = start;
      while (end < template.length && /[A-Za-z0-9_]/.test(template[end])) end++;
      if (end === start || (braced && template[end] !== '}')) {
        out += c; // malformed: the dollar is literal text, as in Go
        continue;
      }
      const name = template.slice(start, end);
      const index = /^[0-9]+$/.test(name) ? Number(name) : (this.namedGroups[name] ?? -1);
      if (index >= 0 && index <= this.re.groupCount()) out += group(index) ?? '';
      i = braced ? end : end - 1;
    }
    return out;
  }
}

const CACHE_ENTRIES = 512;
const CACHE_MAX_LENGTH = 256;

const SPECIAL = new Set('\\.+*?()[]{}^$|');
const QUANTIFIER = new Set('*+?{');

/**
 * The literal text every match of `pattern` starts with, when that can be read off the pattern
 * for certain: a pattern with no alternation and no flag groups that begins (after an optional
 * `^`, which anchors it at the start of the text) with plain or escaped-punctuation characters.
 * A character followed by a quantifier is left out (it may repeat or be absent). Then no string
 * lacking the literal (at its start, when anchored) can match, so it is a safe prefilter.
 */
export function requiredLiteral(pattern: string): { text: string; anchored: boolean } | undefined {
  if (pattern.includes('|') || pattern.includes('(?')) return undefined;
  let i = 0;
  const anchored = pattern[0] === '^';
  if (anchored) i++;
  const chars: string[] = [];
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === undefined || /[A-Za-z0-9]/.test(e)) break;
      chars.push(e);
      i += 2;
    } else if (!SPECIAL.has(c)) {
      chars.push(c);
      i++;
    } else break;
  }
  if (QUANTIFIER.has(pattern[i])) chars.pop();
  return chars.length ? { text: chars.join(''), anchored } : undefined;
}

/** Compiles a string-literal regex argument once, reporting RE2's message at that argument. */
export function literalRegex(arg: CompiledValue | undefined, index: number, fail: (argIndex: number, message: string) => never): Re2 {
  try {
    return new Re2(arg!.constant!.value as string);
  } catch (err) {
    return fail(index, `invalid regular expression: ${(err as Error).message}`);
  }
}
