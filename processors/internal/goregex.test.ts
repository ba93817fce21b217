import { describe, expect, it } from 'vitest';
import { compileGoRegex, regexError } from './goregex.js';

describe('compileGoRegex', () => {
  it('reads RE2 named groups (?P<name>...)', () => {
    const m = compileGoRegex('^/api/v1/document/(?P<documentId>.*)/update$').exec('/api/v1/document/12345678/update');
    expect(m?.groups).toEqual({ documentId: '12345678' });
  });

  it('turns leading inline flags into JS flags', () => {
    expect(compileGoRegex('(?i)^error$').test('ERROR')).toBe(true);
    expect(compileGoRegex('(?s)a.b').test('a\nb')).toBe(true);
    expect(compileGoRegex('a.b').test('a\nb')).toBe(false);
  });

  it('rejects flags it cannot express rather than misreading them', () => {
    expect(() => compileGoRegex('(?U)a+')).toThrow(/ungreedy/);
    expect(() => compileGoRegex('a(?i:b)')).toThrow(/start of the pattern/);
  });

  it('gives \\A and \\z their RE2 meaning (input boundaries), not literal letters', () => {
    const re = compileGoRegex('\\Afoo\\z');
    expect(re.test('foo')).toBe(true);
    expect(re.test('xfoo')).toBe(false);
    expect(re.test('foo\n')).toBe(false);
    expect(re.test('z')).toBe(false);
  });

  it('accepts escaped punctuation and stray braces that RE2 reads as literals', () => {
    expect(compileGoRegex('^a\\-b\\#c\\_d$').test('a-b#c_d')).toBe(true);
    expect(compileGoRegex('^{"k":1}$').test('{"k":1}')).toBe(true);
    expect(compileGoRegex('^x{2}$').test('xx')).toBe(true);
    expect(compileGoRegex('^[]a]+$').test(']a]')).toBe(true);
    expect(compileGoRegex('^[^]a]+$').test('bc')).toBe(true);
    expect(compileGoRegex('^[a\\-z]+$').test('a-z')).toBe(true);
    expect(compileGoRegex('^[a\\-z]+$').test('b')).toBe(false);
  });

  it('expands POSIX classes and RE2 unicode / hex spellings', () => {
    expect(compileGoRegex('^[[:digit:]]+$').test('123')).toBe(true);
    expect(compileGoRegex('^[[:digit:]]+$').test(':')).toBe(false);
    expect(compileGoRegex('^[[:alpha:]_]+$').test('ab_C')).toBe(true);
    expect(compileGoRegex('^\\pL+$').test('héllo')).toBe(true);
    expect(compileGoRegex('^\\p{Greek}+$').test('αβγ')).toBe(true);
    expect(compileGoRegex('^\\x{263a}$').test('☺')).toBe(true);
    expect(compileGoRegex('^\\Qa.b*\\E$').test('a.b*')).toBe(true);
    expect(compileGoRegex('^\\Qa.b*\\E$').test('axbb')).toBe(false);
  });

  it('matches unanchored, as RE2 MatchString', () => {
    expect(compileGoRegex('ab').test('xxabyy')).toBe(true);
  });

  it('reports invalid patterns without the JS prefix', () => {
    expect(regexError('a(b')).toMatch(/Unterminated group/);
    expect(regexError('a(b')).not.toMatch(/^Invalid regular expression/);
    expect(regexError('[[:nope:]]')).toMatch(/nope/);
    expect(regexError('ok')).toBeUndefined();
  });
});
