import { describe, expect, it } from 'vitest';
import { attrs, newResource, newScope, newSpan } from '../builders.js';
import { SpanKind, StatusCode } from '../model.js';
import { compileCondition, compileConditions } from './compile.js';
import type { SpanItem } from './contexts.js';
import { OttlParseError, OttlRuntimeError } from './errors.js';
import { compare } from './values.js';

const item: SpanItem = {
  span: newSpan({
    name: 'GET /users',
    kind: SpanKind.Server,
    status: { code: StatusCode.Error, message: 'boom' },
    startTimeUnixNano: 1_700_000_000_123_456_789n,
    attributes: attrs({
      str: 'abc',
      int: 42,
      dbl: 1.5,
      yes: true,
      no: false,
      map: { a: { b: 'deep' }, n: 1 },
      list: ['x', 'y'],
      empty: null,
    }),
  }),
  scope: newScope('lib', '1.0'),
  resource: newResource({ 'service.name': 'checkout' }),
};
item.span.attributes.set('whole', 2); // a double: attrs() would make an integral number an int
item.span.attributes.set('bytes', Uint8Array.from([1, 2, 255]));
item.span.attributes.set('big', 9007199254740993n);

const ev = (src: string, it: SpanItem = item): boolean => compileCondition(src, 'span')(it);

function compileError(src: string, context: Parameters<typeof compileCondition>[1] = 'span'): OttlParseError {
  try {
    compileCondition(src, context);
  } catch (err) {
    expect(err).toBeInstanceOf(OttlParseError);
    return err as OttlParseError;
  }
  throw new Error(`expected ${src} to fail`);
}

describe('operators', () => {
  it.each([
    ['name == "GET /users"', true],
    ['name != "GET /users"', false],
    ['name == "other"', false],
    ['name != "other"', true],
    ['attributes["int"] < 43', true],
    ['attributes["int"] < 42', false],
    ['attributes["int"] <= 42', true],
    ['attributes["int"] > 41', true],
    ['attributes["int"] > 42', false],
    ['attributes["int"] >= 42', true],
    ['attributes["int"] >= 43', false],
  ])('%s → %s', (src, expected) => expect(ev(src)).toBe(expected));

  it('combines with and, or, not and parentheses', () => {
    expect(ev('name == "GET /users" and kind == SPAN_KIND_SERVER')).toBe(true);
    expect(ev('name == "x" and kind == SPAN_KIND_SERVER')).toBe(false);
    expect(ev('name == "x" or kind == SPAN_KIND_SERVER')).toBe(true);
    expect(ev('name == "x" or kind == SPAN_KIND_CLIENT')).toBe(false);
    expect(ev('not name == "x"')).toBe(true);
    expect(ev('not (status.code == STATUS_CODE_ERROR)')).toBe(false);
    expect(ev('not not true')).toBe(true);
  });

  it('applies precedence: not > and > or', () => {
    // true or (false and false) = true; (true or false) and false would be false
    expect(ev('true or false and false')).toBe(true);
    expect(ev('(true or false) and false')).toBe(false);
    // (not false) and false = false; not (false and false) would be true
    expect(ev('not false and false')).toBe(false);
  });

  it('short-circuits: the right side is not evaluated when the left decides', () => {
    // Len(kind) would be a runtime error if evaluated
    expect(ev('true or Len(kind) > 0')).toBe(true);
    expect(ev('false and Len(kind) > 0')).toBe(false);
  });

  it('compares strings lexically', () => {
    expect(ev('name < "H"')).toBe(true);
    expect(ev('name > "GET /a"')).toBe(true);
    expect(ev('"a" < "b"')).toBe(true);
  });

  it('accepts a literal on either side', () => {
    expect(ev('42 == attributes["int"]')).toBe(true);
    expect(ev('43 > attributes["int"]')).toBe(true);
    expect(ev('41 > attributes["int"]')).toBe(false);
    expect(ev('SPAN_KIND_SERVER == kind')).toBe(true);
  });

  it('compares two paths', () => {
    const it: SpanItem = { ...item, span: newSpan({ name: 'x', attributes: attrs({ a: 'x', n: 3, d: 3.0 }) }) };
    expect(ev('name == attributes["a"]', it)).toBe(true);
    expect(ev('attributes["n"] >= attributes["n"]', it)).toBe(true);
    expect(ev('attributes == attributes', it)).toBe(true);
  });
});

describe('literals', () => {
  it('strings with escapes', () => {
    const it: SpanItem = { ...item, span: newSpan({ name: 'say "hi"\n\\' }) };
    expect(ev(String.raw`name == "say \"hi\"\n\\"`, it)).toBe(true);
  });

  it('integers are int64: exact beyond 2^53', () => {
    expect(ev('attributes["big"] == 9007199254740993')).toBe(true);
    expect(ev('attributes["big"] == 9007199254740992')).toBe(false);
    expect(ev('start_time_unix_nano == 1700000000123456789')).toBe(true);
    expect(ev('start_time_unix_nano == 1700000000123456788')).toBe(false);
    expect(ev('start_time_unix_nano > 1700000000123456788')).toBe(true);
  });

  it('negative numbers', () => {
    expect(ev('-1 < 0')).toBe(true);
    expect(ev('-1.5 < -1')).toBe(true);
  });

  it('floats', () => {
    expect(ev('attributes["dbl"] == 1.5')).toBe(true);
    expect(ev('attributes["dbl"] > 1.25')).toBe(true);
    expect(ev('attributes["dbl"] < .5')).toBe(false);
  });

  it('booleans', () => {
    expect(ev('attributes["yes"] == true')).toBe(true);
    expect(ev('attributes["no"] == false')).toBe(true);
    expect(ev('attributes["yes"] != false')).toBe(true);
    expect(ev('true')).toBe(true);
    expect(ev('false')).toBe(false);
  });

  it('bytes', () => {
    expect(ev('attributes["bytes"] == 0x0102ff')).toBe(true);
    expect(ev('attributes["bytes"] == 0x0102')).toBe(false);
    expect(ev('attributes["bytes"] > 0x0102')).toBe(true);
    expect(ev('trace_id == 0x00000000000000000000000000000000')).toBe(true);
  });

  it('enums of the context', () => {
    expect(ev('kind == SPAN_KIND_SERVER')).toBe(true);
    expect(ev('kind == 2')).toBe(true);
    expect(ev('status.code == STATUS_CODE_ERROR')).toBe(true);
    expect(ev('kind != SPAN_KIND_CLIENT')).toBe(true);
    expect(ev('kind > SPAN_KIND_INTERNAL')).toBe(true);
  });

  it('nil', () => {
    expect(ev('attributes["missing"] == nil')).toBe(true);
    expect(ev('nil == nil')).toBe(true);
  });
});

describe('nil semantics', () => {
  it.each([
    ['attributes["missing"] == nil', true],
    ['attributes["missing"] != nil', false],
    ['attributes["str"] != nil', true],
    ['attributes["str"] == nil', false],
    ['attributes["empty"] == nil', true], // an empty AnyValue is nil
    ['attributes["missing"] == "x"', false],
    ['attributes["missing"] != "x"', true],
    ['attributes["missing"] < 1', false],
    ['attributes["missing"] > 1', false],
    ['attributes["missing"] >= 1', false],
    ['nil <= nil', true],
    ['nil >= nil', true],
    ['nil < nil', false],
    ['attributes["missing"] == attributes["also_missing"]', true],
  ])('%s → %s', (src, expected) => expect(ev(src)).toBe(expected));
});

describe('comparisons across types', () => {
  it('int and double compare numerically', () => {
    expect(ev('attributes["int"] == 42.0')).toBe(true);
    expect(ev('attributes["int"] < 42.5')).toBe(true);
    expect(ev('attributes["whole"] == 2')).toBe(true);
    expect(ev('attributes["dbl"] > 1')).toBe(true);
    expect(ev('attributes["dbl"] < 2')).toBe(true);
    expect(ev('kind == 2.0')).toBe(true);
    expect(ev('kind < 2.5')).toBe(true);
  });

  it('different types are never equal, only !=', () => {
    expect(ev('attributes["int"] == "42"')).toBe(false);
    expect(ev('attributes["int"] != "42"')).toBe(true);
    expect(ev('attributes["int"] < "42"')).toBe(false);
    expect(ev('attributes["int"] > "42"')).toBe(false);
    expect(ev('attributes["yes"] == 1')).toBe(false);
    expect(ev('attributes["str"] == true')).toBe(false);
    expect(ev('attributes["bytes"] == "0102ff"')).toBe(false);
    expect(ev('attributes["map"] != "x"')).toBe(true);
  });

  it('bools order false < true', () => {
    expect(ev('attributes["no"] < attributes["yes"]')).toBe(true);
    expect(ev('attributes["yes"] <= true')).toBe(true);
    expect(ev('false > true')).toBe(false);
  });

  it('maps and lists support only == and !=, deeply', () => {
    expect(ev('attributes["map"] == attributes["map"]')).toBe(true);
    expect(ev('attributes["map"] != attributes["map"]')).toBe(false);
    expect(ev('attributes["map"] < attributes["map"]')).toBe(false);
    expect(ev('attributes["list"] == attributes["list"]')).toBe(true);
    expect(ev('attributes["list"] == attributes["map"]')).toBe(false);
  });

  it('compare() follows the same rules directly', () => {
    expect(compare(new Map([['a', 1n]]), new Map([['a', 1n]]), '==')).toBe(true);
    expect(compare(new Map([['a', 1n]]), new Map([['a', 1]]), '==')).toBe(false); // int vs double inside a map
    expect(compare(['a', 1n], ['a', 1n], '==')).toBe(true);
    expect(compare(['a'], ['a', 'b'], '!=')).toBe(true);
    expect(compare(NaN, NaN, '==')).toBe(false);
    expect(compare(NaN, NaN, '!=')).toBe(true);
    expect(compare(NaN, 1n, '<')).toBe(false);
    expect(compare(2n ** 62n, 2n ** 62n + 1n, '<')).toBe(true);
  });
});

describe('paths and keys', () => {
  it('reads nested map values and list elements', () => {
    expect(ev('attributes["map"]["a"]["b"] == "deep"')).toBe(true);
    expect(ev('attributes["map"]["n"] == 1')).toBe(true);
    expect(ev('attributes["map"]["missing"]["deeper"] == nil')).toBe(true);
    expect(ev('attributes["list"][1] == "y"')).toBe(true);
  });

  it('accepts context-qualified paths', () => {
    expect(ev('span.name == "GET /users"')).toBe(true);
    expect(ev('span.attributes["str"] == "abc"')).toBe(true);
    expect(ev('scope.name == "lib"')).toBe(true);
    expect(ev('resource.attributes["service.name"] == "checkout"')).toBe(true);
  });

  it('reports unknown paths with the valid ones', () => {
    const err = compileError('nme == "x"');
    expect(err.column).toBe(1);
    expect(err.detail).toMatch(/^unknown path "nme" in the span context; valid paths: trace_id, trace_id.string, span_id, /);
    expect(err.detail).toContain('attributes[...]');
    expect(err.detail).toContain('resource.attributes[...]');
    expect(compileError('name == "x" and status.cod == 1').column).toBe(17);
    expect(compileError('body == "x"').detail).toMatch(/unknown path "body" in the span context/);
    expect(compileError('name == "x"', 'log').detail).toMatch(/unknown path "name" in the log context; valid paths: body\[\.\.\.\], body.string,/);
  });

  it('rejects keys where they cannot apply', () => {
    expect(compileError('name["x"] == 1').detail).toBe('name cannot be indexed with [...]');
    expect(compileError('attributes[0] == 1').detail).toBe('attributes is a map: index it with a string key, e.g. attributes["key"]');
    expect(compileError('resource["a"].attributes == 1').detail).toBe('only the last segment of a path can be indexed with [...]');
  });
});

describe('semantic errors', () => {
  it('unknown enums list the enums of the context', () => {
    const err = compileError('kind == SPAN_KIND_SERVE');
    expect(err.column).toBe(9);
    expect(err.detail).toMatch(/^unknown enum SPAN_KIND_SERVE; the span context knows SPAN_KIND_UNSPECIFIED, /);
    expect(compileError('kind == SEVERITY_NUMBER_INFO').detail).toMatch(/^unknown enum SEVERITY_NUMBER_INFO; the span context knows /);
    expect(compileError('attributes["k"] == SPAN_KIND_SERVER', 'resource').detail).toBe('unknown enum SPAN_KIND_SERVER; the resource context has no enums');
  });

  it('unknown functions list the supported ones', () => {
    const err = compileError('Foo(name)');
    expect(err.detail).toMatch(/^unknown function Foo; the span context supports IsMatch, IsString, IsInt, IsDouble, IsBool, IsMap, IsList, Len, IsRootSpan, Concat, /);
    expect(compileError('HasAttrKeyOnDatapoint("k")').detail).toBe('HasAttrKeyOnDatapoint is only available in the metric context');
    expect(compileError('hasOwnProperty("k")').detail).toMatch(/editor/);
    expect(compileError('ToString(name) == "x"').detail).toMatch(/^unknown function ToString/);
  });

  it('checks argument counts and literal arguments', () => {
    expect(compileError('IsMatch(name)').detail).toBe('IsMatch takes 2 arguments (target, pattern), got 1');
    expect(compileError('IsRootSpan(name)').detail).toBe('IsRootSpan takes 0 arguments, got 1');
    const err = compileError('IsMatch(name, attributes["p"])');
    expect(err.column).toBe(15);
    expect(err.detail).toBe('the pattern argument of IsMatch must be a string literal ("...")');
  });

  it('reports bad regular expressions at compile time', () => {
    const err = compileError('IsMatch(name, "(unclosed")');
    expect(err.column).toBe(15);
    expect(err.detail).toMatch(/^invalid regular expression: /);
  });

  it('rejects non-boolean converters used as conditions', () => {
    expect(compileError('Len(name)').detail).toBe('Len returns int, not a boolean; compare its result, e.g. Len(...) > 0');
  });
});

describe('runtime errors', () => {
  it('throws OttlRuntimeError naming the condition, never the data', () => {
    const pred = compileCondition('attributes["str"]["x"] == 1', 'span');
    let caught: unknown;
    try {
      pred(item);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(OttlRuntimeError);
    expect((caught as OttlRuntimeError).condition).toBe('attributes["str"]["x"] == 1');
    expect((caught as Error).message).toBe(`failed to evaluate condition 'attributes["str"]["x"] == 1': a value of type string cannot be indexed with ["x"]`);
    expect((caught as Error).message).not.toContain('abc');
  });

  it.each([
    ['attributes["list"][5] == 1', 'index 5 out of bounds'],
    ['attributes["list"]["k"] == 1', 'a list must be indexed by an integer, got ["k"]'],
    ['attributes["map"][0] == 1', 'a map must be indexed by a string, got [0]'],
    ['attributes["empty"]["k"] == 1', 'a value of type nil cannot be indexed with ["k"]'],
    ['Len(kind) > 1', 'Len: target must be a string, list or map, got int'],
    ['Len(attributes["missing"]) > 1', 'Len: target must be a string, list or map, got nil'],
  ])('%s → %s', (src, message) => {
    expect(() => ev(src)).toThrow(OttlRuntimeError);
    expect(() => ev(src)).toThrow(message);
  });
});

describe('compileConditions', () => {
  it('ORs the conditions', () => {
    expect(compileConditions(['name == "x"', 'kind == SPAN_KIND_SERVER'], 'span')(item)).toBe(true);
    expect(compileConditions(['name == "x"', 'kind == SPAN_KIND_CLIENT'], 'span')(item)).toBe(false);
    expect(compileConditions([], 'span')(item)).toBe(false);
  });

  it('propagates runtime errors without onError', () => {
    const pred = compileConditions(['Len(kind) > 0', 'name == "GET /users"'], 'span');
    expect(() => pred(item)).toThrow(OttlRuntimeError);
  });

  it('with onError, treats an erroring condition as false and goes on to the next', () => {
    const errors: OttlRuntimeError[] = [];
    const pred = compileConditions(['Len(kind) > 0', 'name == "GET /users"'], 'span', { onError: (e) => errors.push(e) });
    expect(pred(item)).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0].condition).toBe('Len(kind) > 0');
    const none = compileConditions(['Len(kind) > 0'], 'span', { onError: (e) => errors.push(e) });
    expect(none(item)).toBe(false);
    expect(errors).toHaveLength(2);
  });

  it('throws the first parse error', () => {
    expect(() => compileConditions(['name == "x"', 'name = "y"'], 'span')).toThrow(`condition 'name = "y"' at column 6`);
  });
});
