import { OttlParseError } from './errors.js';

export type TokenKind = 'string' | 'int' | 'float' | 'bytes' | 'ident' | 'op' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text of the token (for strings, including the quotes). */
  text: string;
  /** 1-based column of the first character. */
  col: number;
  /** Decoded literal: string, bigint (int), number (float) or Uint8Array (bytes). */
  value?: string | bigint | number | Uint8Array;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Longest first, so `<=` wins over `<`. `=` and `!` alone are tokens too: the parser reports
// them as "expected ==, ..." rather than the lexer as an unknown character.
const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', '=', '!'];
const PUNCT = new Set(['(', ')', '[', ']', ',', '.', '{', '}', ':', '+', '-', '*', '/']);

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string): boolean => isIdentStart(c) || isDigit(c);
const isHex = (c: string): boolean => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

const OPERATOR_KEYWORDS = new Set(['and', 'or', 'not', 'where']);

/** After a value, `-1` is a subtraction (`a -1`, `1000-600`); elsewhere it is a negative literal. */
function endsValue(tok: Token | undefined): boolean {
  if (!tok) return false;
  switch (tok.kind) {
    case 'string':
    case 'int':
    case 'float':
    case 'bytes':
      return true;
    case 'ident':
      return !OPERATOR_KEYWORDS.has(tok.text);
    case 'punct':
      return tok.text === ')' || tok.text === ']' || tok.text === '}';
    default:
      return false;
  }
}

/** Splits a condition into tokens; the last one is always `eof`. */
export function tokenize(source: string, what: 'condition' | 'statement' = 'condition'): Token[] {
  const tokens: Token[] = [];
  const fail = (index: number, message: string): never => {
    throw new OttlParseError(source, index + 1, message, what);
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === '"') {
      const { value, end } = readString(source, i, fail);
      tokens.push({ kind: 'string', text: source.slice(start, end), col: start + 1, value });
      i = end;
      continue;
    }
    const signed =
      (c === '-' || c === '+') &&
      !endsValue(tokens[tokens.length - 1]) &&
      (isDigit(source[i + 1] ?? '') || (source[i + 1] === '.' && isDigit(source[i + 2] ?? '')));
    if (isDigit(c) || signed || (c === '.' && isDigit(source[i + 1] ?? ''))) {
      const token = readNumber(source, i, fail);
      tokens.push(token);
      i = token.col - 1 + token.text.length;
      continue;
    }
    if (isIdentStart(c)) {
      while (i < source.length && isIdentPart(source[i])) i++;
      tokens.push({ kind: 'ident', text: source.slice(start, i), col: start + 1 });
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, col: start + 1 });
      i += op.length;
      continue;
    }
    if (PUNCT.has(c)) {
      tokens.push({ kind: 'punct', text: c, col: start + 1 });
      i++;
      continue;
    }
    if (c === "'") fail(i, `strings are written in double quotes ("..."), not single quotes`);
    fail(i, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'eof', text: '', col: source.length + 1 });
  return tokens;
}

function readNumber(source: string, start: number, fail: (index: number, message: string) => never): Token {
  let i = start;
  if (source[i] === '-' || source[i] === '+') i++;
  if (source[i] === '0' && (source[i + 1] === 'x' || source[i + 1] === 'X') && i === start) {
    i += 2;
    const hexStart = i;
    while (i < source.length && isHex(source[i])) i++;
    const hex = source.slice(hexStart, i);
    if (hex.length === 0) fail(start, 'a bytes literal needs hex digits after 0x, e.g. 0x0a1b');
    if (hex.length % 2 === 1) fail(start, `bytes literal 0x${hex} has an odd number of hex digits`);
    if (i < source.length && isIdentPart(source[i])) fail(start, `invalid bytes literal ${JSON.stringify(source.slice(start, i + 1))}`);
    return { kind: 'bytes', text: source.slice(start, i), col: start + 1, value: Uint8Array.from(Buffer.from(hex, 'hex')) };
  }
  while (i < source.length && isDigit(source[i])) i++;
  let isFloat = false;
  if (source[i] === '.' && isDigit(source[i + 1] ?? '')) {
    isFloat = true;
    i++;
    while (i < source.length && isDigit(source[i])) i++;
    if (source[i] === 'e' || source[i] === 'E') {
      let j = i + 1;
      if (source[j] === '-' || source[j] === '+') j++;
      if (isDigit(source[j] ?? '')) {
        i = j;
        while (i < source.length && isDigit(source[i])) i++;
      }
    }
  }
  const text = source.slice(start, i);
  // OTTL has no `1.` or `1e5` forms; say so instead of failing on a confusing next token.
  if (i < source.length && (isIdentPart(source[i]) || (source[i] === '.' && !isFloat))) {
    fail(start, `invalid number ${JSON.stringify(source.slice(start, i + 1))}: write integers like 42 and floats like 4.2 or 4.2e3`);
  }
  if (isFloat) return { kind: 'float', text, col: start + 1, value: Number(text) };
  const value = BigInt(text);
  if (value < INT64_MIN || value > INT64_MAX) fail(start, `integer ${text} does not fit in int64`);
  return { kind: 'int', text, col: start + 1, value };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** Go's strconv.Unquote rules, which OTTL uses: unknown escapes such as `\.` are errors. */
function readString(source: string, start: number, fail: (index: number, message: string) => never): { value: string; end: number } {
  let i = start + 1;
  let out = '';
  while (i < source.length) {
    const c = source[i];
    if (c === '"') return { value: out, end: i + 1 };
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = source[i + 1];
    if (e === undefined) break;
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      i += 2;
      continue;
    }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen) {
      const hex = source.slice(i + 2, i + 2 + hexLen);
      if (hex.length !== hexLen || ![...hex].every(isHex)) fail(i, `escape \\${e} needs ${hexLen} hex digits`);
      const code = parseInt(hex, 16);
      if (e === 'x') {
        out += String.fromCharCode(code);
      } else {
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) fail(i, `escape \\${e}${hex} is not a valid Unicode code point`);
        out += String.fromCodePoint(code);
      }
      i += 2 + hexLen;
      continue;
    }
    if (e >= '0' && e <= '7') {
      const oct = source.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) fail(i, 'an octal escape needs three octal digits up to \\377');
      out += String.fromCharCode(parseInt(oct, 8));
      i += 4;
      continue;
    }
    fail(i, `invalid escape \\${e} in string; write \\\\ for a backslash (a regex \\${e} is written "\\\\${e}")`);
  }
  return fail(start, 'unterminated string: missing closing "');
}
