import { describe, expect, it } from 'vitest';
import { expandString, expandTree } from './expand.js';

const env = { HOST: 'h', PORT: '4317', ON: 'false', EMPTY: '', FLOAT: '1.5', WORD: 'hello', HEX: '0x10', LIST: '[a, b]' };
const value = (text: string) => expandString(text, env).value;
const issues = (text: string) => expandString(text, env).issues;

describe('expandString', () => {
  it('expands ${env:VAR}, ${VAR} and ${env:VAR:-default}', () => {
    expect(value('${env:HOST}:${PORT}')).toBe('h:4317');
    expect(value('${env:NOPE:-fallback}/x')).toBe('fallback/x');
    expect(value('${NOPE:-fallback}')).toBe('fallback');
    expect(value('${env:NOPE:-}')).toBe('');
    expect(value('a ${env:NOPE:-with:colons and spaces} b')).toBe('a with:colons and spaces b');
  });

  it('uses the default only when the variable is unset, not when it is empty (upstream)', () => {
    expect(value('x${env:EMPTY:-d}x')).toBe('xx');
  });

  it('expands a default that is itself a reference', () => {
    expect(value('${env:NOPE:-${env:HOST}}')).toBe('h');
  });

  it('types a scalar that is exactly one reference, and only then', () => {
    expect(value('${env:PORT}')).toBe(4317);
    expect(value('${env:ON}')).toBe(false);
    expect(value('${FLOAT}')).toBe(1.5);
    expect(value('${HEX}')).toBe(16);
    expect(value(' ${env:PORT}')).toBe(' 4317');
    expect(value('${env:PORT}${env:PORT}')).toBe('43174317');
    expect(value('${env:WORD}')).toBe('hello');
    // Structures and nulls stay text: an env var is far more likely meant as a string.
    expect(value('${env:LIST}')).toBe('[a, b]');
    expect(value('${env:EMPTY}')).toBe('');
    expect(expandString('${env:PORT}', env).text).toBe('4317');
  });

  it('turns $$ into a literal $', () => {
    expect(value('$${env:HOST}')).toBe('${env:HOST}');
    expect(value('cost: $$5')).toBe('cost: $5');
    expect(value('$$$${env:HOST}')).toBe('$${env:HOST}');
    expect(value('$$${env:HOST}')).toBe('$h');
    // An escaped reference is never typed.
    expect(value('$${env:PORT}')).toBe('${env:PORT}');
  });

  it('leaves a $ that starts no reference alone', () => {
    expect(value('$HOST and $ and a$')).toBe('$HOST and $ and a$');
  });

  it('warns about an unset variable without default and expands it to ""', () => {
    const r = expandString('a${env:NOPE}b', env);
    expect(r.value).toBe('ab');
    expect(r.issues).toEqual([{ severity: 'warning', message: 'environment variable "NOPE" is not set; it expands to ""' }]);
  });

  it('rejects unknown schemes, bad names and unterminated references', () => {
    expect(issues('${file:/etc/passwd}')).toEqual([{ severity: 'error', message: expect.stringContaining('unsupported reference scheme "file"') }]);
    expect(issues('${http://example.com}')[0].message).toContain('unsupported reference scheme "http"');
    expect(issues('${env:1ABC}')[0].message).toContain('invalid environment variable name "1ABC"');
    expect(issues('${env:}')[0].message).toContain('invalid environment variable name ""');
    expect(issues('${}')[0].message).toContain('invalid reference');
    expect(issues('x ${env:HOST')[0].message).toContain('unterminated reference "${env:HOST"');
  });
});

describe('expandTree', () => {
  it('expands values in maps and lists, never keys, reporting paths', () => {
    const tree = { a: { '${env:HOST}': '${env:PORT}', list: ['${env:HOST}', 1, null, '${env:NOPE}'] } };
    const reported: string[][] = [];
    const typed: string[][] = [];
    expandTree(tree, env, (p) => reported.push(p), (p) => typed.push(p));
    expect(tree).toEqual({ a: { '${env:HOST}': 4317, list: ['h', 1, null, ''] } });
    expect(reported).toEqual([['a', 'list', '3']]);
    expect(typed).toEqual([['a', '${env:HOST}']]);
  });
});
