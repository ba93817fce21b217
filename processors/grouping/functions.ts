/**
 * Function names as Sentry compares them. Native symbols carry return types, argument lists,
 * template arguments, compiler-generated lambda names and hashes that differ between builds and
 * compilers; C# names carry signatures. Both are cut down to the bare function name; other
 * platforms keep theirs.
 */
import type { Frame } from '../../pipeline/exceptions/model.js';

const NATIVE_PLATFORMS = new Set(['objc', 'cocoa', 'swift', 'native', 'c']);
const JAVASCRIPT_PLATFORMS = new Set(['javascript', 'node']);

/** Sentry's behaviour families: rules and normalisation apply per family. */
export function familyOf(platform: string | undefined): 'native' | 'javascript' | 'other' {
  if (platform && NATIVE_PLATFORMS.has(platform)) return 'native';
  if (platform && JAVASCRIPT_PLATFORMS.has(platform)) return 'javascript';
  return 'other';
}

export function trimFunctionName(fn: string, platform: string | undefined, normalizeLambdas = true): string {
  if (platform === 'csharp') return fn.split(' (')[0];
  if (familyOf(platform) === 'native') return trimNative(fn, platform, normalizeLambdas);
  return fn;
}

/** The name rules match against: the SDK's trimmed `function` if it kept a raw one, else trimmed here. */
export function functionNameForFrame(frame: Frame, platform: string | undefined): string | undefined {
  if (frame.raw_function) return frame.function;
  return frame.function ? trimFunctionName(frame.function, frame.platform ?? platform) : undefined;
}

// Stand-ins for characters that would unbalance bracket matching (`operator<<`, Swift's `->`).
const SUBSTITUTIONS: [string, string][] = [
  ['operator<<', 'operator⟨⟨'],
  ['operator<', 'operator⟨'],
  ['operator()', 'operator◯'],
  ['operator->', 'operator⟿'],
  [' -> ', ' ⟿ '],
  ["`anonymous namespace'", '〔anonymousnamespace〕'],
];
const RESTORE: [string, string][] = [
  ['⟨', '<'],
  ['◯', '()'],
  ['⟿', '->'],
  ['〔anonymousnamespace〕', "`anonymous namespace'"],
];

// gcc `{lambda(int)#1}`, msvc `lambda_<32 hex>`, clang `$_0`: one word for all compilers.
const LAMBDA = /\{lambda\(.*?\)#\d+\}|\blambda_[a-f0-9]{32}\b|\$_\d+\b/;
const LAMBDA_ALL = new RegExp(LAMBDA.source, 'g');
const LAMBDA_PREFIX = new RegExp(`^(?:${LAMBDA.source})`);
const MSVC_ANON_NAMESPACE = /\?A0x[a-f0-9]{8}::/g;
const CPP_TRAILER = /(\bconst\b|&)$/;
const RUST_HASH = /::h[a-z0-9]{16}$/;
const GLIBC_VERSION = /@@?GLIBC_([0-9.]+)$/;
const WINDECL = /^@?(.*?)@[0-9]+$/;

function trimNative(original: string, platform: string | undefined, normalizeLambdas: boolean): string {
  if (original === '<redacted>' || original === '<unknown>') return original;
  let fn = original.trim();
  // Objective-C selectors are already just names.
  if (fn.startsWith('[') || fn.startsWith('+[') || fn.startsWith('-[')) return fn;
  // `foo [clone .cold.1]`: compiler-split copies are the same function.
  fn = replaceEnclosed(fn, '[', ']', (inner) => (inner.startsWith('clone .') ? '' : `[${inner}]`)).trimEnd();
  for (let m = CPP_TRAILER.exec(fn); m; m = CPP_TRAILER.exec(fn)) fn = fn.slice(0, m.index).trimEnd();
  for (const [from, to] of SUBSTITUTIONS) fn = fn.split(from).join(to);
  if (normalizeLambdas && (fn.includes('lambda') || fn.includes('$_'))) fn = fn.replace(LAMBDA_ALL, 'lambda');
  if (normalizeLambdas && fn.includes('?A0x')) fn = fn.replace(MSVC_ANON_NAMESPACE, '〔anonymousnamespace〕::');
  fn = replaceEnclosed(fn, '(', ')', (inner) => {
    const v = inner.trim();
    return v === 'anonymous namespace' || v === 'operator' ? `(${v})` : '';
  });
  fn = replaceEnclosed(fn, '<', '>', genericArgs);
  const isThunk = fn.includes('thunk for ');
  const tokens = splitTokens(fn);
  // MSVC prints generic operators with a space before their arguments.
  if (tokens.length > 1 && tokens[tokens.length - 1] === '<T>') {
    tokens.pop();
    tokens[tokens.length - 1] += ' <T>';
  }
  let token = functionToken(fn, tokens);
  if (token) {
    if (token.startsWith('@') && (platform === 'cocoa' || platform === 'swift')) token = `${isThunk ? 'thunk for ' : ''}closure`;
    else if (tokens.includes('closure') && token !== 'closure') token = `closure in ${token}`;
    for (const [from, to] of RESTORE) token = token.split(from).join(to);
    fn = token;
  } else {
    fn = original;
  }
  if (fn.includes('::h')) fn = fn.replace(RUST_HASH, '');
  if (fn.includes('@GLIBC_')) fn = fn.replace(GLIBC_VERSION, '');
  return fn.includes('@') ? fn.replace(WINDECL, '$1') : fn;
}

/** Template arguments become `<T>`; a leading `<Type as Trait>` (Rust) keeps the type. */
function genericArgs(inner: string, start: number): string {
  if (inner === 'lambda' || LAMBDA_PREFIX.test(inner)) return `<${inner}>`;
  if (start > 0) return '<T>';
  const value = replaceEnclosed(inner.replace(/^([A-Z] as )/, ''), '<', '>', genericArgs);
  return value.split(' as ')[0];
}

/** The token naming the function: the last one, or the one before Swift's `->` return arrow. */
function functionToken(fn: string, tokens: string[]): string | undefined {
  if (fn.includes('initialization expression of')) {
    const of = tokens.lastIndexOf('of');
    let token = tokens[of + 1];
    if (token === 'static') token = tokens[of + 2];
    if (token?.startsWith(':')) token = token.slice(1);
    return `initializer expression of ${token}`;
  }
  if (!tokens.length) return undefined;
  const arrow = tokens.lastIndexOf('⟿');
  if (arrow >= 1) {
    const before = tokens[arrow - 1];
    if (before !== 'throws') return before;
    if (arrow >= 2) return tokens[arrow - 2];
  }
  return tokens[tokens.length - 1];
}

/** Drops each outermost `start...end` group, or replaces it with what `replacement` returns. */
function replaceEnclosed(s: string, start: string, end: string, replacement: (inner: string, at: number) => string): string {
  if (!s.includes(start)) return s;
  let depth = 0;
  let out = '';
  let pairStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === start) {
      if (depth === 0) pairStart = i;
      depth++;
    } else if (c === end) {
      depth--;
      if (depth === 0) out += replacement(s.slice(pairStart + 1, i), pairStart);
    } else if (depth === 0) {
      out += c;
    }
  }
  return out;
}

const PAIRS: Record<string, string> = { '(': ')', '{': '}', '[': ']', '<': '>' };

/** Splits on whitespace outside brackets: `unsigned int foo<T>(x)` → `unsigned`, `int`, `foo<T>(x)`. */
function splitTokens(s: string): string[] {
  if (s && !/\s|[({<[]/.test(s)) return [s];
  const tokens: string[] = [];
  let buf = '';
  const stack: string[] = [];
  let end = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c in PAIRS) {
      stack.push(PAIRS[c]);
    } else if (stack.length && c === stack[stack.length - 1]) {
      stack.pop();
      if (!stack.length) {
        buf += s.slice(end, i + 1);
        end = i + 1;
      }
    } else if (!stack.length) {
      if (/\s/.test(c)) {
        if (buf) tokens.push(buf);
        buf = '';
      } else {
        buf += s.slice(end, i + 1);
      }
      end = i + 1;
    }
  }
  if (buf) tokens.push(buf);
  return tokens;
}
