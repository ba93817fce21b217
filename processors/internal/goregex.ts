/**
 * Collector configs carry Go (RE2) regular expressions. Most of RE2 reads the same in
 * JavaScript, but a few spellings either fail or — worse — silently mean something else
 * (`\z` is a literal "z" without the `u` flag, `[[:alpha:]]` a character set). We compile
 * with the `u` flag, so unknown escapes fail loudly, and rewrite the RE2-only spellings:
 *
 * - `(?P<name>...)` → `(?<name>...)`
 * - leading `(?i)`, `(?m)`, `(?s)` → JS flags (other inline flag groups are rejected)
 * - `\A`, `\z` → input start / end assertions; `\Q...\E` → escaped literal
 * - `\pL` → `\p{L}`, `\x{263a}` → `\u{263a}`, `\a` → `\x07`
 * - escaped punctuation (`\-`, `\#`, `\_`, ...) and stray `{`, `}`, `]`, which RE2 takes
 *   as literals but `u`-mode JavaScript rejects
 * - POSIX classes inside brackets (`[[:digit:]]`)
 */
export function compileGoRegex(pattern: string): RegExp {
  let src = pattern;
  let flags = 'u';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1].includes('U')) throw new Error('the (?U) flag (ungreedy by default) is not supported');
    for (const f of lead[1]) if (!flags.includes(f)) flags += f;
    src = src.slice(lead[0].length);
  }
  return new RegExp(translate(src), flags);
}

/** Error text for a pattern that does not compile, without JavaScript's "/.../u:" prefix noise. */
export function regexError(pattern: string): string | undefined {
  try {
    compileGoRegex(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  }
}

const SYNTAX = '^$\\.*+?()[]{}|/';

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

function escapeLiteral(text: string): string {
  return [...text].map((c) => (SYNTAX.includes(c) || c === '-' ? `\\${c}` : c)).join('');
}

/** The JS spelling of the escape whose letter is at src[i], and the index just after it. */
function translateEscape(src: string, i: number, inClass: boolean): [string, number] {
  const d = src[i];
  if (d === undefined) throw new Error('trailing backslash at end of expression');
  const braced = src[i + 1] === '{' ? src.indexOf('}', i + 2) : -1;
  switch (d) {
    case 'Q': {
      const end = src.indexOf('\\E', i + 1);
      return end < 0 ? [escapeLiteral(src.slice(i + 1)), src.length] : [escapeLiteral(src.slice(i + 1, end)), end + 2];
    }
    case 'A':
      return inClass ? ['\\A', i + 1] : ['(?<![\\s\\S])', i + 1];
    case 'z':
      return inClass ? ['\\z', i + 1] : ['(?![\\s\\S])', i + 1];
    case 'a':
      return ['\\x07', i + 1];
    case 'x':
      return braced > 0 ? [`\\u${src.slice(i + 1, braced + 1)}`, braced + 1] : ['\\x', i + 1];
    case 'p':
    case 'P': {
      if (braced > 0) return [`\\${d}{${unicodeProperty(src.slice(i + 2, braced))}}`, braced + 1];
      if (src[i + 1] === undefined) throw new Error(`missing Unicode class after \\${d}`);
      return [`\\${d}{${src[i + 1]}}`, i + 2];
    }
  }
  if (/[0-9A-Za-z]/.test(d)) return [`\\${d}`, i + 1];
  return [SYNTAX.includes(d) || (inClass && d === '-') ? `\\${d}` : d, i + 1];
}

/** RE2 names scripts bare (`\p{Greek}`); JavaScript wants `Script=Greek` for those. */
function unicodeProperty(name: string): string {
  try {
    new RegExp(`\\p{${name}}`, 'u');
    return name;
  } catch {
    return `Script=${name}`;
  }
}

function translate(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const [text, next] = translateEscape(src, i + 1, inClass);
      out += text;
      i = next - 1;
      continue;
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const end = src.indexOf(':]', i + 2);
        const name = end < 0 ? '' : src.slice(i + 2, end);
        if (name.startsWith('^')) throw new Error(`negated POSIX class [:${name}:] is not supported`);
        if (!(name in POSIX)) throw new Error(`invalid character class range [:${name}:]`);
        out += POSIX[name];
        i = end + 1;
        continue;
      }
      if (c === '[') out += '\\[';
      else {
        if (c === ']') inClass = false;
        out += c;
      }
      continue;
    }
    switch (c) {
      case '[': {
        inClass = true;
        out += '[';
        if (src[i + 1] === '^') out += src[++i];
        if (src[i + 1] === ']') {
          out += '\\]'; // RE2 reads a leading ']' as a literal; JS as the end of an empty class
          i++;
        }
        break;
      }
      case '{': {
        const q = /^\{\d+(,\d*)?\}/.exec(src.slice(i));
        if (q) {
          out += q[0];
          i += q[0].length - 1;
        } else out += '\\{';
        break;
      }
      case '}':
      case ']':
        out += `\\${c}`;
        break;
      case '(':
        if (src.startsWith('(?P<', i)) {
          out += '(?<';
          i += 3;
        } else if (/^\(\?[imsU-]+[:)]/.test(src.slice(i))) {
          throw new Error('inline flags such as (?i) are only supported at the very start of the pattern');
        } else out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}
