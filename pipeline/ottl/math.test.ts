import { describe, expect, it } from 'vitest';
import { attrs, newLogRecord, newResource, newScope } from '../builders.js';
import type { AnyValue } from '../model.js';
import { compileCondition, compileStatement, OttlParseError, OttlRuntimeError, type LogItem } from './index.js';

const item = (): LogItem => ({ log: newLogRecord({ attributes: attrs({ one: 1n, two: 2n, 'three.one': 3.1 }) }), scope: newScope(), resource: newResource() });

function evaluate(expr: string): AnyValue | undefined {
  const it = item();
  compileStatement(`set(attributes["v"], ${expr})`, 'log')(it);
  return it.log.attributes.get('v');
}

const holds = (condition: string): boolean => compileCondition(condition, 'log')(item());

describe('math expressions (upstream math_test.go cases)', () => {
  const MAX = '9223372036854775807';
  const BIG = '1.79769313486231570814527423731704356798070e+308';
  const cases: [string, AnyValue][] = [
    ['1000 - 600', 400n],
    ['1 / 1', 1n],
    ['1000 - 600 + 1', 401n],
    ['10 - 6 * 2 + 2', 0n],
    ['30 - 6 * (2 + 2)', 6n],
    ['(4 * 2) + 1 + 1 - 3 / 3 + ( 2 + 1 - (6 / 3))', 10n],
    ['.5 + 2.6', 3.1],
    ['(.5 * 4.0) / .1 + 3.9', 23.9],
    ['attributes["one"] + attributes["two"]', 3n],
    ['attributes["three.one"] + attributes["three.one"]', 6.2],
    ['Int("1") + Int("2")', 3n],
    ['Len([1, 2, 3, 4]) / (1 * 10)', 0n],
    ['10 / 3', 3n],
    [`${MAX} * ${MAX}`, 1n],
    [`${MAX} / ${MAX}`, 1n],
    [`${MAX} + ${MAX}`, -2n],
    [`${MAX} - ${MAX}`, 0n],
    [`${BIG} * ${BIG}`, Infinity],
    [`${BIG} / ${BIG}`, 1],
    [`${BIG} + ${BIG}`, Infinity],
    [`${BIG} - ${BIG}`, 0],
    ['4.0 / 2', 2],
    ['4 / 2.0', 2],
  ];
  for (const [expr, expected] of cases) {
    it(expr, () => expect(evaluate(expr)).toStrictEqual(expected));
  }

  it('dividing by zero is a runtime error, for constants too', () => {
    expect(() => evaluate('1 / 0')).toThrow(OttlRuntimeError);
    expect(() => evaluate('attributes["one"] / 0.0')).toThrow(/attempted to divide by 0/);
  });
});

describe('math syntax', () => {
  it('a sign right after a value is an operator; elsewhere it makes a negative literal', () => {
    expect(evaluate('1000-600')).toBe(400n);
    expect(evaluate('attributes["two"]-1')).toBe(1n);
    expect(evaluate('-2 * -3')).toBe(6n);
    expect(evaluate('-attributes["two"] * 3')).toBe(-6n);
    expect(evaluate('-(1 + 2) - -1')).toBe(-2n);
    expect(evaluate('+attributes["one"]')).toBe(1n);
  });

  it('works in conditions, on either side, and inside function arguments and lists', () => {
    expect(holds('attributes["one"] + 1 == 2')).toBe(true);
    expect(holds('2 * 3 > attributes["two"] * 3')).toBe(false);
    expect(holds('(attributes["one"] + 1) * 2 == 4')).toBe(true);
    expect(holds('(attributes["one"] == 1 or false) and 2 * (1 + 1) == 4')).toBe(true);
    expect(holds('not (attributes["two"] - 2 != 0)')).toBe(true);
    expect(holds('Len(Split("a,b,c", ",")) - 1 == 2')).toBe(true);
    expect(evaluate('Concat([String(1 + 1), "x"], "-")')).toBe('2-x');
  });

  it('non-numbers are rejected: literals when the config loads, values when evaluated', () => {
    expect(() => holds('"a" + 1 == 2')).toThrow(OttlParseError);
    expect(() => holds('attributes["one"] * true == 2')).toThrow(/not a bool literal/);
    expect(() => holds('IsMatch(body, "x") + 1 == 2')).toThrow(/this is a bool/);
    expect(() => holds('attributes["missing"] + 1 == 2')).toThrow(/math works on int, double, time and duration values, got nil/);
    expect(() => holds('body.string + 1 == 2')).toThrow(OttlRuntimeError);
  });
});
