import { describe, expect, it } from 'vitest';
import type { BoolNode } from './ast.js';
import { OttlParseError } from './errors.js';
import { parseCondition } from './parser.js';

/** A compact rendering of the tree, to assert precedence. */
function show(n: BoolNode): string {
  switch (n.kind) {
    case 'or':
    case 'and':
      return `(${show(n.left)} ${n.kind} ${show(n.right)})`;
    case 'not':
      return `(not ${show(n.operand)})`;
    case 'const':
      return String(n.value);
    case 'call':
      return `${n.call.name}()`;
    case 'compare':
      return `${n.left.kind === 'path' ? n.left.fields.map((f) => f.name).join('.') : n.left.kind}${n.op}`;
  }
}

function parseError(src: string): OttlParseError {
  try {
    parseCondition(src);
  } catch (err) {
    expect(err).toBeInstanceOf(OttlParseError);
    return err as OttlParseError;
  }
  throw new Error(`expected ${src} to fail`);
}

describe('parseCondition: precedence', () => {
  it('binds and tighter than or', () => {
    expect(show(parseCondition('a == 1 or b == 1 and c == 1'))).toBe('(a== or (b== and c==))');
    expect(show(parseCondition('a == 1 and b == 1 or c == 1'))).toBe('((a== and b==) or c==)');
  });

  it('binds not tighter than and', () => {
    expect(show(parseCondition('not a == 1 and b == 1'))).toBe('((not a==) and b==)');
  });

  it('is left-associative', () => {
    expect(show(parseCondition('a == 1 or b == 1 or c == 1'))).toBe('((a== or b==) or c==)');
  });

  it('lets parentheses override', () => {
    expect(show(parseCondition('(a == 1 or b == 1) and c == 1'))).toBe('((a== or b==) and c==)');
    expect(show(parseCondition('not (a == 1 or b == 1)'))).toBe('(not (a== or b==))');
    expect(show(parseCondition('((true))'))).toBe('true');
  });

  it('accepts booleans and converter calls as conditions', () => {
    expect(show(parseCondition('true and not false'))).toBe('(true and (not false))');
    expect(show(parseCondition('IsMatch(name, "x") or IsRootSpan()'))).toBe('(IsMatch() or IsRootSpan())');
  });

  it('parses paths with segments and keys', () => {
    const n = parseCondition('resource.attributes["a"]["b"][0] != nil');
    expect(n).toMatchObject({
      kind: 'compare',
      op: '!=',
      left: {
        kind: 'path',
        fields: [
          { name: 'resource', keys: [] },
          { name: 'attributes', keys: [{ value: 'a' }, { value: 'b' }, { value: 0n }] },
        ],
      },
      right: { kind: 'literal', value: null },
    });
  });

  it('tells enums from paths and calls', () => {
    expect(parseCondition('kind == SPAN_KIND_SERVER')).toMatchObject({ right: { kind: 'enum', name: 'SPAN_KIND_SERVER' } });
    expect(parseCondition('Len(name) > 3')).toMatchObject({ left: { kind: 'call', name: 'Len', args: [{ kind: 'path' }] } });
  });
});

describe('parseCondition: errors name the column and what was expected', () => {
  it.each([
    ['name = "x"', 6, 'expected ==, !=, <, <=, >, >=, got "="'],
    ['name', 5, 'expected ==, !=, <, <=, >, >=, got end of condition'],
    ['name == ', 9, 'expected a value (a path, string, number, true, false, nil, enum or function call), got end of condition'],
    ['', 1, 'the condition is empty'],
    ['   ', 4, 'the condition is empty'],
    ['name == "a" "b"', 13, 'expected and, or, or the end of the condition, got "\\"b\\""'],
    ['a == 1 == 2', 8, 'expected and, or, or the end of the condition, got "=="'],
    ['(a == 1', 8, 'expected and, or, or ")", got end of condition'],
    ['a == 1)', 7, 'unbalanced ")": no matching "("'],
    ['a == 1 and', 11, 'expected a condition (a comparison, true, false, a function call, "not" or "("), got end of condition'],
    ['or a == 1', 1, 'expected a condition (a comparison, true, false, a function call, "not" or "("), got "or"'],
    ['name != and', 9, 'expected a value, got "and"'],
    ['attributes[a] == 1', 12, 'expected a string or integer key, got "a"'],
    ['attributes["a" == 1', 16, 'expected "]", got "=="'],
    ['resource. == 1', 11, 'expected a path segment name after ".", got "=="'],
    ['IsMatch(name "x")', 14, 'expected "," or ")", got "\\"x\\""'],
    ['IsMatch(target=name, "x")', 22, 'a positional argument cannot follow a named one'],
    ['set(name, "x")', 1, 'set(...) is an editor; only a statement starts with an editor, values can only call converters, whose names start with an uppercase letter'],
    ['IsMatch == true', 9, 'expected "(" after function name IsMatch'],
    ['a + == 2', 5, 'expected a value (a path, string, number, true, false, nil, enum or function call), got "=="'],
    ['(a + 1 == 2', 12, 'expected and, or, or ")", got end of condition'],
    ['(a + 1) * == 2', 11, 'expected a value (a path, string, number, true, false, nil, enum or function call), got "=="'],
    ['!(a == 1)', 1, 'negate with "not", e.g. not (a == 1); "!" only appears in "!="'],
    ['== 1', 1, 'expected a condition (a comparison, true, false, a function call, "not" or "("), got "=="'],
    [')', 1, 'expected a condition (a comparison, true, false, a function call, "not" or "("), got ")"'],
  ])('%j → column %i', (src, column, detail) => {
    const err = parseError(src);
    expect(err.detail).toBe(detail);
    expect(err.column).toBe(column);
    expect(err.message).toBe(`condition '${src}' at column ${column}: ${detail}`);
  });
});
