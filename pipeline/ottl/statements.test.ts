import { describe, expect, it } from 'vitest';
import { attrs, newLogRecord, newResource, newScope, newSpan } from '../builders.js';
import type { AnyValue } from '../model.js';
import { compileStatement, OttlParseError, OttlRuntimeError, type LogItem, type SpanItem } from './index.js';
import { Re2, requiredLiteral } from './regex.js';

function runOnLog(statement: string, attributes: Record<string, unknown> = {}, body: AnyValue = ''): LogItem {
  const item: LogItem = { log: newLogRecord({ attributes: attrs(attributes), body }), scope: newScope(), resource: newResource() };
  compileStatement(statement, 'log')(item);
  return item;
}

const attrsOf = (item: LogItem): Record<string, unknown> => Object.fromEntries(item.log.attributes);

describe('editors', () => {
  it('merge_maps: insert, update, upsert', () => {
    const base = { a: 'old' };
    expect(attrsOf(runOnLog('merge_maps(log.attributes, {"a": "new", "b": "x"}, "insert")', base))).toEqual({ a: 'old', b: 'x' });
    expect(attrsOf(runOnLog('merge_maps(log.attributes, {"a": "new", "b": "x"}, "update")', base))).toEqual({ a: 'new' });
    expect(attrsOf(runOnLog('merge_maps(log.attributes, {"a": "new", "b": "x"}, "upsert")', base))).toEqual({ a: 'new', b: 'x' });
  });

  it('truncate_all cuts at a UTF-8 byte limit without splitting a character', () => {
    const values = { ascii: 'abcdef', two: 'ééé', three: '€€', four: 'a😀b', lone: 'a\ud800bc', short: 'ab', n: 5n };
    expect(attrsOf(runOnLog('truncate_all(log.attributes, 3)', values))).toEqual({ ascii: 'abc', two: 'é', three: '€', four: 'a', lone: 'a', short: 'ab', n: 5n });
    expect(attrsOf(runOnLog('truncate_all(log.attributes, 5)', values))).toMatchObject({ two: 'éé', three: '€', four: 'a😀', lone: 'a\ud800b' });
    expect(attrsOf(runOnLog('truncate_all(log.attributes, 0)', { s: 'x' }))).toEqual({ s: '' });
  });

  it('limit keeps priority keys first, then the earliest others', () => {
    expect(Object.keys(attrsOf(runOnLog('limit(log.attributes, 2, ["c"])', { a: 1, b: 2, c: 3, d: 4 })))).toEqual(['a', 'c']);
  });

  it('flatten with prefix, depth and named arguments', () => {
    const nested = { m: new Map<string, AnyValue>([['a', new Map([['b', 1n]])], ['l', ['x', 'y']]]) };
    expect(attrsOf(runOnLog('flatten(log.attributes)', nested))).toEqual({ 'm.a.b': 1n, 'm.l.0': 'x', 'm.l.1': 'y' });
    expect(attrsOf(runOnLog('flatten(log.attributes, "p", depth=1)', nested))).toMatchObject({ 'p.m.a': new Map([['b', 1n]]) });
  });

  it('append turns a scalar into a list; creates a list from nil', () => {
    expect(attrsOf(runOnLog('append(log.attributes["t"], "b")', { t: 'a' }))).toEqual({ t: ['a', 'b'] });
    expect(attrsOf(runOnLog('append(log.attributes["t"], values=["x", "y"])'))).toEqual({ t: ['x', 'y'] });
  });

  it('replace_match on a glob, replace_pattern with Go $ expansion', () => {
    expect(attrsOf(runOnLog('replace_match(log.attributes["p"], "/user/*/list", "x")', { p: '/user/1/list' }))).toEqual({ p: 'x' });
    expect(attrsOf(runOnLog('replace_match(log.attributes["p"], "/user/*/list", "x")', { p: '/user/1/lists' }))).toEqual({ p: '/user/1/lists' });
    expect(attrsOf(runOnLog('replace_pattern(log.attributes["p"], "(?P<k>\\\\w+)=(\\\\d+)", "${k}:$2$$")', { p: 'a=1 b=2' }))).toEqual({ p: 'a:1$ b:2$' });
  });

  it('sets nested keys, creating maps; setting nil or a wrong type does nothing', () => {
    expect(attrsOf(runOnLog('set(log.attributes["a"]["b"], 1)'))).toEqual({ a: new Map([['b', 1n]]) });
    const item = runOnLog('set(log.severity_text, 5)');
    expect(item.log.severityText).toBe('');
    expect(attrsOf(runOnLog('set(log.attributes["x"], log.attributes["missing"])'))).toEqual({});
  });

  it('sets ids from their hex string form', () => {
    const item: SpanItem = { span: newSpan(), scope: newScope(), resource: newResource() };
    compileStatement('set(span.trace_id.string, "0102030405060708090A0B0C0D0E0F10")', 'span')(item);
    compileStatement('set(span.span_id, SpanID(0x0102030405060708))', 'span')(item);
    expect(item.span.traceId).toBe('0102030405060708090a0b0c0d0e0f10');
    expect(item.span.spanId).toBe('0102030405060708');
  });
});

describe('converters', () => {
  const value = (expr: string, attributes: Record<string, unknown> = {}): AnyValue => runOnLog(`set(log.attributes["out"], ${expr})`, attributes).log.attributes.get('out') ?? null;

  it('convert types as upstream', () => {
    expect(value('Int("42")')).toBe(42n);
    expect(value('Int(3.9)')).toBe(3n);
    expect(value('Int("x")')).toBeNull();
    expect(value('Double(2)')).toBe(2);
    expect(value('String(1.5)')).toBe('1.5');
  });

  it('strings', () => {
    expect(value('ConvertCase("HelloWorld thing", "snake")')).toBe('hello_world_thing');
    expect(value('ToUpperCase("ab")')).toBe('AB');
    expect(value('Split("a,b", ",")')).toEqual(['a', 'b']);
    expect(value('Substring("abcdef", 1, 3)')).toBe('bcd');
    expect(value('Trim("  a  ")')).toBe('a');
    expect(value(`Format("%s-%d-%.1f", ["a", 3, 1.26])`)).toBe("a-3-1.3");
    expect(value('SHA256("a")')).toBe('ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb');
    expect(value('Len(Split("a,b,c", ","))')).toBe(3n);
  });

  it('ParseJSON and ExtractPatterns', () => {
    expect(value('ParseJSON("{\\"a\\": 1, \\"l\\": [true]}")')).toEqual(new Map<string, AnyValue>([['a', 1], ['l', [true]]]));
    expect(value('ExtractPatterns("user=bob id=7", "user=(?P<user>\\\\w+) id=(?P<id>\\\\d+)")')).toEqual(new Map([['user', 'bob'], ['id', '7']]));
  });

  it('runtime errors name the statement, not the data', () => {
    const run = () => runOnLog('set(log.attributes["x"], Substring("secret-value", 5, 100))');
    expect(run).toThrow(OttlRuntimeError);
    expect(run).toThrow(/failed to execute statement 'set\(log.attributes\["x"\], Substring\("secret-value", 5, 100\)\)': Substring: invalid range/);
  });
});

describe('statement compile errors', () => {
  const error = (s: string): OttlParseError => {
    try {
      compileStatement(s, 'log');
    } catch (err) {
      return err as OttlParseError;
    }
    throw new Error('compiled');
  };

  it('name the column and what is wrong', () => {
    expect(error('Concat(["a"], "")').detail).toMatch(/a statement starts with an editor/);
    expect(error('frobnicate(log.body)').detail).toMatch(/^unknown editor frobnicate; the log context supports set, /);
    expect(error('set("x", 1)').detail).toBe('the target argument of set must be a path that can be set, e.g. attributes["key"]');
    expect(error('keep_keys(log.attributes, [log.body])').detail).toMatch(/list of string literals/);
    expect(error('replace_pattern(log.body, "(a", "b")')).toMatchObject({ column: 27 });
    expect(error('convert_sum_to_gauge()').detail).toBe('convert_sum_to_gauge is only available in the metric context');
    expect(error('flatten(log.attributes, depth=1, depth=2)').detail).toMatch(/depth is given twice/);
    expect(error('set(log.body, 1) where').message).toMatch(/^statement 'set\(log.body, 1\) where' at column 23: expected a condition/);
  });
});

describe('Re2', () => {
  it('reads a literal every match starts with, only where that is certain', () => {
    expect(requiredLiteral('^network\\.')).toEqual({ text: 'network.', anchored: true });
    expect(requiredLiteral('/items/[0-9]+')).toEqual({ text: '/items/', anchored: false });
    expect(requiredLiteral('abc*')).toEqual({ text: 'ab', anchored: false });
    expect(requiredLiteral('a|b')).toBeUndefined();
    expect(requiredLiteral('(?i)abc')).toBeUndefined();
    expect(requiredLiteral('\\d+')).toBeUndefined();
  });

  it('matches what RE2 matches with and without the prefilter', () => {
    expect(new Re2('^network\\.').test('network.peer')).toBe(true);
    expect(new Re2('^network\\.').test('x.network.peer')).toBe(false);
    expect(new Re2('abc*').test('xab')).toBe(true);
    expect(new Re2('/items/[0-9]+').replaceAll('/items/12/items/x', '/items/{id}')).toBe('/items/{id}/items/x');
  });
});
