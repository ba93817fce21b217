import { COMPARE_OPS, type BoolNode, type CallNode, type CompareOp, type KeyNode, type MathOp, type PathField, type StatementNode, type ValueNode } from './ast.js';
import { OttlParseError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

const KEYWORDS = new Set(['and', 'or', 'not', 'true', 'false', 'nil', 'where']);
const ENUM_NAME = /^[A-Z][A-Z0-9_]*$/;
const COMPARISON_LIST = COMPARE_OPS.join(', ');

/**
 * Parses one OTTL boolean condition. Grammar (precedence not > and > or, as OTTL):
 *   condition  := or EOF
 *   or         := and ('or' and)*
 *   and        := unary ('and' unary)*
 *   unary      := 'not' unary | '(' or ')' | value (compareOp value)?
 *   value      := a math expression over primaries (paths, literals, calls, lists, maps)
 * where a value without a comparison must be `true`, `false` or a converter call.
 */
export function parseCondition(source: string): BoolNode {
  return new Parser(source, tokenize(source), 'condition').parse();
}

/** Parses one OTTL statement: `editor(args...)` optionally followed by `where condition`. */
export function parseStatement(source: string): StatementNode {
  return new Parser(source, tokenize(source, 'statement'), 'statement').parseStatement();
}

const isUpper = (c: string): boolean => c >= 'A' && c <= 'Z';

class Parser {
  private pos = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
    private readonly what: 'condition' | 'statement',
  ) {}

  parseStatement(): StatementNode {
    const tok = this.next();
    if (tok.kind !== 'ident' || !isPunct(this.peek(), '(')) this.expected(tok, 'an editor call such as set(target, value)');
    if (isUpper(tok.text[0])) this.fail(tok, `a statement starts with an editor (lowercase, e.g. set); ${tok.text} is a converter`);
    const editor = this.parseCallArgs(tok);
    let where: BoolNode | undefined;
    if (isIdent(this.peek(), 'where')) {
      this.next();
      where = this.parseOr();
    }
    const end = this.peek();
    if (end.kind !== 'eof') this.expected(end, where ? 'and, or, or the end of the statement' : 'where or the end of the statement');
    return { editor, where };
  }

  parse(): BoolNode {
    if (this.peek().kind === 'eof') this.fail(this.peek(), 'the condition is empty');
    const node = this.parseOr();
    const tok = this.peek();
    if (tok.kind !== 'eof') {
      if (isPunct(tok, ')')) this.fail(tok, 'unbalanced ")": no matching "("');
      this.expected(tok, 'and, or, or the end of the condition');
    }
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const tok = this.tokens[this.pos];
    if (tok.kind !== 'eof') this.pos++;
    return tok;
  }

  private fail(tok: Token | number, message: string): never {
    throw new OttlParseError(this.source, typeof tok === 'number' ? tok : tok.col, message, this.what);
  }

  private expected(tok: Token, what: string): never {
    this.fail(tok, `expected ${what}, got ${tok.kind === 'eof' ? `end of ${this.what}` : JSON.stringify(tok.text)}`);
  }

  private parseOr(): BoolNode {
    let left = this.parseAnd();
    while (isIdent(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): BoolNode {
    let left = this.parseUnary();
    while (isIdent(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): BoolNode {
    const tok = this.peek();
    if (isIdent(tok, 'not')) {
      this.next();
      return { kind: 'not', operand: this.parseUnary() };
    }
    if (isPunct(tok, '(')) {
      // "(" groups either conditions or a math expression (`(a + 1) * 2 > 3`): try the first, and
      // read it as a value when that fails or a math or comparison operator follows the ")".
      const start = this.pos;
      let groupError: unknown;
      try {
        this.next();
        const inner = this.parseOr();
        if (!isPunct(this.peek(), ')')) this.expected(this.peek(), 'and, or, or ")"');
        this.next();
        if (!this.continuesValue()) return inner;
      } catch (err) {
        if (!(err instanceof OttlParseError)) throw err;
        groupError = err;
      }
      this.pos = start;
      try {
        return this.parseComparison();
      } catch (err) {
        // Report whichever reading got further: that is the one the author meant.
        if (groupError instanceof OttlParseError && err instanceof OttlParseError && groupError.column > err.column) throw groupError;
        throw err;
      }
    }
    if (tok.kind === 'op' && tok.text === '!') this.fail(tok, 'negate with "not", e.g. not (a == 1); "!" only appears in "!="');
    const startsValue = tok.kind !== 'eof' && tok.kind !== 'op' && (tok.kind !== 'punct' || '[{+-'.includes(tok.text));
    if (!startsValue || isIdent(tok, 'and') || isIdent(tok, 'or')) {
      this.expected(tok, 'a condition (a comparison, true, false, a function call, "not" or "(")');
    }
    return this.parseComparison();
  }

  private continuesValue(): boolean {
    const tok = this.peek();
    return (tok.kind === 'punct' && '+-*/'.includes(tok.text)) || (tok.kind === 'op' && (COMPARE_OPS as readonly string[]).includes(tok.text));
  }

  private parseComparison(): BoolNode {
    const left = this.parseValue();
    const opTok = this.peek();
    if (opTok.kind === 'op' && (COMPARE_OPS as readonly string[]).includes(opTok.text)) {
      this.next();
      const right = this.parseValue();
      return { kind: 'compare', op: opTok.text as CompareOp, left, right, col: opTok.col };
    }
    if (left.kind === 'literal' && typeof left.value === 'boolean') return { kind: 'const', value: left.value };
    if (left.kind === 'call') return { kind: 'call', call: left };
    return this.expected(opTok, COMPARISON_LIST);
  }

  /** A value, possibly a math expression: sum := product (("+" | "-") product)*, product := factor (("*" | "/") factor)*. */
  private parseValue(): ValueNode {
    return this.parseLeftAssociative('+-', () => this.parseLeftAssociative('*/', () => this.parseFactor()));
  }

  private parseLeftAssociative(ops: string, operand: () => ValueNode): ValueNode {
    let left = operand();
    for (let tok = this.peek(); isMathPunct(tok, ops); tok = this.peek()) {
      this.next();
      left = { kind: 'math', op: tok.text as MathOp, left, right: operand(), col: tok.col };
    }
    return left;
  }

  /** factor := ("-" | "+") factor | "(" sum ")" | primary */
  private parseFactor(): ValueNode {
    const tok = this.peek();
    if (isMathPunct(tok, '+-')) {
      this.next();
      const operand = this.parseFactor();
      return tok.text === '+' ? operand : { kind: 'negate', operand, col: tok.col };
    }
    if (isPunct(tok, '(')) {
      this.next();
      const inner = this.parseValue();
      if (!isPunct(this.peek(), ')')) this.expected(this.peek(), 'a math operator (+ - * /) or ")"');
      this.next();
      return inner;
    }
    return this.parsePrimary();
  }

  private parsePrimary(): ValueNode {
    const tok = this.next();
    switch (tok.kind) {
      case 'string':
      case 'int':
      case 'float':
      case 'bytes':
        return { kind: 'literal', value: tok.value as string | bigint | number | Uint8Array, col: tok.col };
      case 'ident':
        return this.parseIdentValue(tok);
      case 'punct':
        if (tok.text === '[') return this.parseList(tok);
        if (tok.text === '{') return this.parseMap(tok);
        return this.expected(tok, 'a value');
      default:
        return this.expected(tok, 'a value (a path, string, number, true, false, nil, enum or function call)');
    }
  }

  private parseList(open: Token): ValueNode {
    const items: ValueNode[] = [];
    while (!isPunct(this.peek(), ']')) {
      items.push(this.parseValue());
      if (isPunct(this.peek(), ',')) this.next();
      else if (!isPunct(this.peek(), ']')) this.expected(this.peek(), '"," or "]"');
    }
    this.next();
    return { kind: 'list', items, col: open.col };
  }

  private parseMap(open: Token): ValueNode {
    const entries: { key: string; value: ValueNode }[] = [];
    while (!isPunct(this.peek(), '}')) {
      const key = this.next();
      if (key.kind !== 'string') this.expected(key, 'a string key in a map literal');
      if (!isPunct(this.peek(), ':')) this.expected(this.peek(), '":"');
      this.next();
      entries.push({ key: key.value as string, value: this.parseValue() });
      if (isPunct(this.peek(), ',')) this.next();
      else if (!isPunct(this.peek(), '}')) this.expected(this.peek(), '"," or "}"');
    }
    this.next();
    return { kind: 'map', entries, col: open.col };
  }

  private parseIdentValue(tok: Token): ValueNode {
    const name = tok.text;
    if (name === 'true' || name === 'false') return { kind: 'literal', value: name === 'true', col: tok.col };
    if (name === 'nil') return { kind: 'literal', value: null, col: tok.col };
    if (KEYWORDS.has(name)) this.expected(tok, 'a value');
    if (isPunct(this.peek(), '(')) return this.parseCall(tok);
    const first = name[0];
    if (first >= 'A' && first <= 'Z') {
      if (ENUM_NAME.test(name)) return { kind: 'enum', name, col: tok.col };
      this.fail(this.peek(), `expected "(" after function name ${name}`);
    }
    return this.parsePath(tok);
  }

  private parseCall(nameTok: Token): ValueNode {
    const name = nameTok.text;
    if (!isUpper(name[0])) {
      this.fail(nameTok, `${name}(...) is an editor; only a statement starts with an editor, values can only call converters, whose names start with an uppercase letter`);
    }
    return this.parseCallArgs(nameTok);
  }

  private parseCallArgs(nameTok: Token): CallNode {
    const name = nameTok.text;
    this.next(); // (
    const args: ValueNode[] = [];
    const argNames: (string | undefined)[] = [];
    if (!isPunct(this.peek(), ')')) {
      for (;;) {
        const argTok = this.peek();
        if (argTok.kind === 'ident' && this.tokens[this.pos + 1]?.kind === 'op' && this.tokens[this.pos + 1].text === '=') {
          this.next();
          this.next();
          argNames.push(argTok.text);
        } else {
          if (argNames.some((n) => n !== undefined)) this.fail(argTok, 'a positional argument cannot follow a named one');
          argNames.push(undefined);
        }
        args.push(this.parseValue());
        if (isPunct(this.peek(), ',')) {
          this.next();
          continue;
        }
        if (isPunct(this.peek(), ')')) break;
        this.expected(this.peek(), '"," or ")"');
      }
    }
    this.next(); // )
    return { kind: 'call', name, args, argNames, keys: this.parseKeys(), col: nameTok.col };
  }

  private parsePath(first: Token): ValueNode {
    const fields: PathField[] = [{ name: first.text, col: first.col, keys: this.parseKeys() }];
    while (isPunct(this.peek(), '.')) {
      this.next();
      const tok = this.next();
      if (tok.kind !== 'ident' || KEYWORDS.has(tok.text)) this.expected(tok, 'a path segment name after "."');
      fields.push({ name: tok.text, col: tok.col, keys: this.parseKeys() });
    }
    return { kind: 'path', fields, col: first.col };
  }

  private parseKeys(): KeyNode[] {
    const keys: KeyNode[] = [];
    while (isPunct(this.peek(), '[')) {
      this.next();
      const tok = this.next();
      if (tok.kind !== 'string' && tok.kind !== 'int') this.expected(tok, 'a string or integer key');
      if (!isPunct(this.peek(), ']')) this.expected(this.peek(), '"]"');
      this.next();
      keys.push({ value: tok.value as string | bigint, col: tok.col });
    }
    return keys;
  }
}

function isIdent(tok: Token, text: string): boolean {
  return tok.kind === 'ident' && tok.text === text;
}

function isMathPunct(tok: Token, ops: string): boolean {
  return tok.kind === 'punct' && tok.text.length === 1 && ops.includes(tok.text);
}

function isPunct(tok: Token, text: string): boolean {
  return tok.kind === 'punct' && tok.text === text;
}

/**
 * A statement's source split at its `where` keyword, for components that use the where clause
 * as a condition of their own (the routing connector's `route() where ...`). Validates the syntax.
 */
export function splitStatement(source: string): { editor: string; call: string; condition?: string } {
  const node = parseStatement(source);
  const where = tokenize(source, 'statement').find((t) => t.kind === 'ident' && t.text === 'where');
  if (!where) return { editor: node.editor.name, call: source.trim() };
  return { editor: node.editor.name, call: source.slice(0, where.col - 1).trim(), condition: source.slice(where.col - 1 + 'where'.length).trim() };
}
