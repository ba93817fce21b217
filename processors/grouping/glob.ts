/**
 * Glob patterns as Sentry matches them (Relay and the stack trace rule engine use the Rust
 * `globset` crate): `*` any run of characters, `?` one, `[a-z]` / `[!a-z]` classes, `{a,b}`
 * alternatives, `\x` a literal x. With `separator` (path matchers) `*` and `?` stop at `/`, and
 * `**` spans directories when it is a whole path component (`**​/x`, `x/**`, `a/**​/b`); elsewhere
 * `**` is just two `*`.
 */
export interface GlobOptions {
  separator?: boolean;
  ignoreCase?: boolean;
  /** Whether `*` crosses newlines (Sentry's fingerprint matchers allow it; stack trace rules do not). */
  dotAll?: boolean;
}

const cache = new Map<string, RegExp>();

export function globMatch(value: string, pattern: string, options: GlobOptions = {}): boolean {
  return compileGlob(pattern, options).test(value);
}

/**
 * A matcher for values already lower-cased, for hot paths: the pattern is lower-cased and a
 * literal run every match must contain (`/node_modules/` of `**​/node_modules/**`) is looked for
 * with `includes` before the regex runs.
 */
export function lowerCaseGlobTest(pattern: string, separator: boolean): (lowerValue: string) => boolean {
  const lower = pattern.toLowerCase();
  const re = compileGlob(lower, { separator });
  // Alternatives and escapes make literal runs optional or different; only plain patterns get the shortcut.
  const literal = /[{\\]/.test(lower) ? '' : lower.split(/[*?[\]]+/).reduce((a, b) => (b.length > a.length ? b : a), '');
  return literal.length >= 3 ? (v) => v.includes(literal) && re.test(v) : (v) => re.test(v);
}

export function compileGlob(pattern: string, options: GlobOptions = {}): RegExp {
  const key = `${options.separator ? 's' : ''}${options.ignoreCase ? 'i' : ''}${options.dotAll ? 'd' : ''}:${pattern}`;
  let re = cache.get(key);
  if (!re) {
    const flags = `${options.ignoreCase ? 'i' : ''}${options.dotAll ? 's' : ''}`;
    const source = pattern === '**' ? '.*' : translate(pattern, !!options.separator, 0).source;
    re = new RegExp(`^(?:${source})$`, flags);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, re);
  }
  return re;
}

const isSep = (c: string | undefined) => c === '/';

/** Translates from `start` up to the end, or to the `,` / `}` that closes an alternative (depth > 0). */
function translate(p: string, sep: boolean, depth: number, start = 0): { source: string; end: number } {
  const any = sep ? '[^/]' : '.';
  let out = '';
  let i = start;
  while (i < p.length) {
    const c = p[i];
    if (depth > 0 && (c === ',' || c === '}')) break;
    if (c === '\\' && i + 1 < p.length) {
      out += escapeChar(p[i + 1]);
      i += 2;
    } else if (c === '?') {
      out += any;
      i++;
    } else if (c === '*') {
      if (p[i + 1] !== '*') {
        out += `${any}*`;
        i++;
        continue;
      }
      const prev = i === start ? undefined : p[i - 1];
      const next = p[i + 2];
      const atStart = i === start && (depth === 0 || prev === undefined);
      const beforeOk = atStart || isSep(prev) || (depth > 0 && (prev === ',' || prev === '{'));
      const afterEnd = next === undefined || (depth > 0 && (next === ',' || next === '}'));
      if (beforeOk && (isSep(next) || afterEnd)) {
        if (atStart) {
          // `**/x`: any leading directories, or none.
          out += '(?:/?|.*/)';
          i += isSep(next) ? 3 : 2;
        } else if (afterEnd) {
          // `x/**`: the separator before it plus anything.
          out = out.slice(0, -1) + '/.*';
          i += 2;
        } else {
          // `a/**/b`: one separator, or any directories between two.
          out = out.slice(0, -1) + '(?:/|/.*/)';
          i += 3;
        }
      } else {
        out += `${any}*${any}*`;
        i += 2;
      }
    } else if (c === '[') {
      const cls = translateClass(p, i, sep);
      if (cls) {
        out += cls.source;
        i = cls.end;
      } else {
        out += '\\[';
        i++;
      }
    } else if (c === '{') {
      const alternatives: string[] = [];
      let j = i + 1;
      for (;;) {
        const alt = translate(p, sep, depth + 1, j);
        alternatives.push(alt.source);
        j = alt.end;
        if (p[j] === ',') j++;
        else break;
      }
      if (p[j] === '}') {
        out += `(?:${alternatives.join('|')})`;
        i = j + 1;
      } else {
        out += '\\{';
        i++;
      }
    } else {
      out += escapeChar(c);
      i++;
    }
  }
  return { source: out, end: i };
}

function translateClass(p: string, start: number, sep: boolean): { source: string; end: number } | undefined {
  let i = start + 1;
  const negated = p[i] === '!' || p[i] === '^';
  if (negated) i++;
  let body = '';
  // A `]` right after the opening bracket is a literal member.
  if (p[i] === ']') {
    body += '\\]';
    i++;
  }
  while (i < p.length && p[i] !== ']') {
    if (p[i] === '-' && body && p[i + 1] !== ']') body += '-';
    else body += escapeChar(p[i]);
    i++;
  }
  if (i >= p.length) return undefined;
  return { source: negated ? `[^${body}${sep ? '/' : ''}]` : `[${body}]`, end: i + 1 };
}

function escapeChar(c: string): string {
  return /[\\^$.*+?()[\]{}|-]/.test(c) ? `\\${c}` : c;
}
