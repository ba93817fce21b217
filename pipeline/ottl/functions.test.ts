import { describe, expect, it } from 'vitest';
import { attrs, gaugeOf, newResource, newScope, newSpan } from '../builders.js';
import type { Metric } from '../model.js';
import { compileCondition } from './compile.js';
import type { MetricItem, SpanItem } from './contexts.js';
import { OttlRuntimeError } from './errors.js';
import { Re2 } from './regex.js';

const attributes = attrs({
  str: 'health-check',
  int: 404,
  dbl: 2.5,
  bool: true,
  map: { b: 1, a: 'x' },
  list: ['a', 'b', 'c'],
  unicode: 'héllo',
  nil: null,
});
attributes.set('bytes', Uint8Array.from([0xde, 0xad]));

const item: SpanItem = { span: newSpan({ name: 'healthz', attributes }), scope: newScope(), resource: newResource() };
const ev = (src: string, it: SpanItem = item): boolean => compileCondition(src, 'span')(it);

describe('IsMatch', () => {
  it('matches anywhere in the string unless anchored', () => {
    expect(ev('IsMatch(name, "health")')).toBe(true);
    expect(ev('IsMatch(name, "^health.*")')).toBe(true);
    expect(ev('IsMatch(name, "^check")')).toBe(false);
    expect(ev('IsMatch(attributes["str"], "check$")')).toBe(true);
  });

  it('converts numbers and bools to strings as OTTL does', () => {
    expect(ev('IsMatch(attributes["int"], "^40[0-9]$")')).toBe(true);
    expect(ev('IsMatch(attributes["dbl"], "^2\\\\.5$")')).toBe(true);
    expect(ev('IsMatch(attributes["bool"], "^true$")')).toBe(true);
    expect(ev('IsMatch(kind, "^0$")')).toBe(true);
  });

  it('sees bytes as hex and maps and lists as JSON with sorted keys', () => {
    expect(ev('IsMatch(attributes["bytes"], "^dead$")')).toBe(true);
    expect(ev('IsMatch(attributes["map"], "^\\\\{\\"a\\":\\"x\\",\\"b\\":1\\\\}$")')).toBe(true);
    expect(ev('IsMatch(attributes["list"], "^\\\\[\\"a\\",\\"b\\",\\"c\\"\\\\]$")')).toBe(true);
  });

  it('is false for nil', () => {
    expect(ev('IsMatch(attributes["missing"], ".*")')).toBe(false);
    expect(ev('IsMatch(attributes["nil"], ".*")')).toBe(false);
    expect(ev('not IsMatch(attributes["missing"], ".*")')).toBe(true);
  });

  it('can be compared like any boolean', () => {
    expect(ev('IsMatch(name, "^h") == true')).toBe(true);
    expect(ev('IsMatch(name, "^x") != true')).toBe(true);
  });

  it('has RE2 syntax: inline flags anywhere, \\z, POSIX classes, (?P<name>)', () => {
    expect(ev('IsMatch(name, "(?i)^HEALTH")')).toBe(true);
    expect(new Re2('a(?i)B').test('ab')).toBe(true);
    expect(new Re2('(?s)a.b').test('a\nb')).toBe(true);
    expect(new Re2('^[[:alpha:]]+\\z').test('abc')).toBe(true);
    expect(new Re2('(?P<x>a)').namedGroups).toEqual({ x: 1 });
    expect(new Re2('a\\-b').test('a-b')).toBe(true);
  });

  it('rejects what RE2 rejects: backreferences and lookaround', () => {
    expect(() => new Re2('(a)\\1')).toThrow(/invalid escape/);
    expect(() => new Re2('a(?=b)')).toThrow();
  });

  it('matches unicode by code point', () => {
    expect(ev('IsMatch(attributes["unicode"], "^h.llo$")')).toBe(true);
  });
});

describe('type checks', () => {
  const cases: [string, string][] = [
    ['IsString', 'str'],
    ['IsInt', 'int'],
    ['IsDouble', 'dbl'],
    ['IsBool', 'bool'],
    ['IsMap', 'map'],
    ['IsList', 'list'],
  ];
  const keys = ['str', 'int', 'dbl', 'bool', 'map', 'list', 'bytes', 'nil', 'missing'];

  it.each(cases)('%s is true only for %s', (fn, matching) => {
    for (const key of keys) expect(ev(`${fn}(attributes["${key}"])`), `${fn}(${key})`).toBe(key === matching);
  });

  it('checks paths of the model, not only attributes', () => {
    expect(ev('IsString(name)')).toBe(true);
    expect(ev('IsInt(kind)')).toBe(true);
    expect(ev('IsInt(start_time_unix_nano)')).toBe(true);
    expect(ev('IsMap(attributes)')).toBe(true);
    expect(ev('IsDouble(1.0)')).toBe(true);
    expect(ev('IsInt(1)')).toBe(true);
  });
});

describe('Len', () => {
  it('counts strings in UTF-8 bytes, lists, maps and bytes', () => {
    expect(ev('Len(attributes["str"]) == 12')).toBe(true);
    expect(ev('Len(attributes["unicode"]) == 6')).toBe(true);
    expect(ev('Len(attributes["list"]) == 3')).toBe(true);
    expect(ev('Len(attributes["map"]) == 2')).toBe(true);
    expect(ev('Len(attributes["bytes"]) == 2')).toBe(true);
    expect(ev('Len(attributes) == 9')).toBe(true);
    expect(ev('Len(name) > 3 and Len(name) < 10')).toBe(true);
  });

  it('is a runtime error for other types', () => {
    expect(() => ev('Len(attributes["int"]) > 0')).toThrow(OttlRuntimeError);
  });
});

describe('IsRootSpan', () => {
  it('is true when there is no parent', () => {
    expect(ev('IsRootSpan()')).toBe(true);
    expect(ev('IsRootSpan()', { ...item, span: newSpan({ parentSpanId: '0000000000000000' }) })).toBe(true);
    expect(ev('IsRootSpan()', { ...item, span: newSpan({ parentSpanId: '00f067aa0ba902b7' }) })).toBe(false);
    expect(ev('not IsRootSpan()', { ...item, span: newSpan({ parentSpanId: '00f067aa0ba902b7' }) })).toBe(true);
  });
});

describe('HasAttrKeyOnDatapoint / HasAttrOnDatapoint', () => {
  const metric: Metric = gaugeOf('m', [1, 2], { route: '/a' });
  metric.data.dataPoints[1].attributes = attrs({ route: '/b', code: 200 });
  const m: MetricItem = { metric, scope: newScope(), resource: newResource() };
  const evm = (src: string): boolean => compileCondition(src, 'metric')(m);

  it('looks at every data point of the metric', () => {
    expect(evm('HasAttrKeyOnDatapoint("route")')).toBe(true);
    expect(evm('HasAttrKeyOnDatapoint("code")')).toBe(true);
    expect(evm('HasAttrKeyOnDatapoint("nope")')).toBe(false);
    expect(evm('HasAttrOnDatapoint("route", "/b")')).toBe(true);
    expect(evm('HasAttrOnDatapoint("route", "/c")')).toBe(false);
    expect(evm('HasAttrOnDatapoint("code", "200")')).toBe(false); // an int attribute is not the string "200"
  });

  it('requires string literal arguments', () => {
    expect(() => compileCondition('HasAttrKeyOnDatapoint(name)', 'metric')).toThrow('the key argument of HasAttrKeyOnDatapoint must be a string literal');
  });
});

describe('converter results with keys', () => {
  it('checks the type when evaluated', () => {
    expect(() => ev('IsMatch(name, "x")["k"]')).toThrow('a value of type bool cannot be indexed with ["k"]');
  });
});
