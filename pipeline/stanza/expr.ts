/**
 * The part of the expr language (github.com/expr-lang/expr) that stanza configs use in `if`,
 * `filter.expr` and `router.routes[].expr`: fields (`body`, `attributes.x`, `attributes["a.b"]`,
 * `resource.x`), string / number / bool / nil literals, `== != < <= > >=`, `matches`,
 * `contains`, `startsWith`, `endsWith`, `in [..]`, `and or not` (`&& || !`) and parentheses.
 */
import type { Entry } from './entry.js';
import { getField, parseField } from './field.js';

export type Predicate = (e: Entry) => boolean;
type Value = (e: Entry) => unknown;

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(\d+(?:\.\d+)?)|(==|!=|<=|>=|&&|\|\||[<>!()[\],])|([A-Za-z_$][\w$]*(?:(?:\.[A-Za-z_$][\w$]*)|\[\s*(?:"[^"]*"|'[^']*')\s*\])*))/y;

export function compileExpr(source: string): Predicate {
  const tokens: string[] = [];
  let pos = 0;
  while (pos < source.length) {
    if (/^\s*$/.test(source.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(source);
    if (!m) throw new Error(`invalid expression "${source}": cannot read it from "${source.slice(pos).trim()}"`);
    tokens.push(m[0].trim());
    pos = TOKEN.lastIndex;
  }
  let i = 0;
  const peek = () => tokens[i];
  const take = (t?: string) => {
    const tok = tokens[i++];
    if (t !== undefined && tok !== t) throw new Error(`invalid expression "${source}": expected "${t}", found ${tok === undefined ? 'the end' : `"${tok}"`}`);
    return tok;
  };

  const orExpr = (): Value => {
    let left = andExpr();
    while (peek() === 'or' || peek() === '||') {
      take();
      const l = left;
      const r = andExpr();
      left = (e) => Boolean(l(e)) || Boolean(r(e));
    }
    return left;
  };
  const andExpr = (): Value => {
    let left = notExpr();
    while (peek() === 'and' || peek() === '&&') {
      take();
      const l = left;
      const r = notExpr();
      left = (e) => Boolean(l(e)) && Boolean(r(e));
    }
    return left;
  };
  const notExpr = (): Value => {
    if (peek() === 'not' || peek() === '!') {
      take();
      const inner = notExpr();
      return (e) => !inner(e);
    }
    return comparison();
  };
  const comparison = (): Value => {
    const left = primary();
    const op = peek();
    const ops: Record<string, (a: unknown, b: unknown) => boolean> = {
      '==': (a, b) => a === b || (a == null && b == null),
      '!=': (a, b) => !(a === b || (a == null && b == null)),
      '<': (a, b) => (a as number) < (b as number),
      '<=': (a, b) => (a as number) <= (b as number),
      '>': (a, b) => (a as number) > (b as number),
      '>=': (a, b) => (a as number) >= (b as number),
      contains: (a, b) => typeof a === 'string' && a.includes(String(b)),
      startsWith: (a, b) => typeof a === 'string' && a.startsWith(String(b)),
      endsWith: (a, b) => typeof a === 'string' && a.endsWith(String(b)),
      in: (a, b) => Array.isArray(b) && b.includes(a),
    };
    if (op === 'matches') {
      take();
      const pattern = take();
      if (!/^["']/.test(pattern ?? '')) throw new Error(`invalid expression "${source}": matches needs a string pattern`);
      const re = new RegExp(unquote(pattern));
      return (e) => {
        const v = left(e);
        return typeof v === 'string' && re.test(v);
      };
    }
    if (op !== undefined && op in ops) {
      take();
      const right = primary();
      const f = ops[op];
      return (e) => f(left(e), right(e));
    }
    return left;
  };
  const primary = (): Value => {
    const tok = take();
    if (tok === undefined) throw new Error(`invalid expression "${source}": it ends too early`);
    if (tok === '(') {
      const inner = orExpr();
      take(')');
      return inner;
    }
    if (tok === '[') {
      const items: Value[] = [];
      while (peek() !== ']') {
        items.push(primary());
        if (peek() === ',') take();
      }
      take(']');
      return (e) => items.map((v) => v(e));
    }
    if (/^["']/.test(tok)) {
      const s = unquote(tok);
      return () => s;
    }
    if (/^\d/.test(tok)) {
      const n = Number(tok);
      return () => n;
    }
    if (tok === 'true' || tok === 'false') return () => tok === 'true';
    if (tok === 'nil' || tok === 'null') return () => null;
    const field = parseField(tok);
    return (e) => {
      const v = getField(e, field);
      return typeof v === 'bigint' ? Number(v) : v;
    };
  };

  const root = orExpr();
  if (i < tokens.length) throw new Error(`invalid expression "${source}": unexpected "${tokens[i]}"`);
  return (e) => Boolean(root(e));
}

function unquote(tok: string): string {
  return tok.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}
