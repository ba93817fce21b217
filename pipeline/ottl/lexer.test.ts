import { describe, expect, it } from 'vitest';
import { OttlParseError } from './errors.js';
import { tokenize } from './lexer.js';

const kinds = (src: string) => tokenize(src).map((t) => [t.kind, t.text, t.col]);

function lexError(src: string): OttlParseError {
  try {
    tokenize(src);
  } catch (err) {
    expect(err).toBeInstanceOf(OttlParseError);
    return err as OttlParseError;
  }
  throw new Error(`expected ${src} to fail`);
}

describe('tokenize', () => {
  it('splits a condition into tokens with 1-based columns', () => {
    expect(kinds('attributes["a"] == 1')).toEqual([
      ['ident', 'attributes', 1],
      ['punct', '[', 11],
      ['string', '"a"', 12],
      ['punct', ']', 15],
      ['op', '==', 17],
      ['int', '1', 20],
      ['eof', '', 21],
    ]);
  });

  it('reads every comparison operator, longest first', () => {
    expect(tokenize('== != < <= > >=').filter((t) => t.kind === 'op').map((t) => t.text)).toEqual(['==', '!=', '<', '<=', '>', '>=']);
    expect(tokenize('a<=b')[1].text).toBe('<=');
  });

  it('keeps a lone = as a token so the parser can explain it', () => {
    expect(kinds('name = "x"')[1]).toEqual(['op', '=', 6]);
  });

  it('decodes ints as bigint, with sign and full int64 range', () => {
    expect(tokenize('42')[0].value).toBe(42n);
    expect(tokenize('-7')[0].value).toBe(-7n);
    expect(tokenize('+7')[0].value).toBe(7n);
    expect(tokenize('9223372036854775807')[0].value).toBe(9223372036854775807n);
    expect(tokenize('-9223372036854775808')[0].value).toBe(-9223372036854775808n);
  });

  it('rejects ints beyond int64', () => {
    expect(lexError('x == 9223372036854775808').message).toBe(
      "condition 'x == 9223372036854775808' at column 6: integer 9223372036854775808 does not fit in int64",
    );
  });

  it('decodes floats, including leading dot, sign and exponent', () => {
    expect(tokenize('1.5')[0]).toMatchObject({ kind: 'float', value: 1.5 });
    expect(tokenize('.5')[0]).toMatchObject({ kind: 'float', value: 0.5 });
    expect(tokenize('-2.5e3')[0]).toMatchObject({ kind: 'float', value: -2500 });
    expect(tokenize('1.0E-2')[0]).toMatchObject({ kind: 'float', value: 0.01 });
  });

  it('rejects number forms OTTL does not have', () => {
    expect(lexError('x == 1.').detail).toMatch(/^invalid number "1\."/);
    expect(lexError('x == 1e5').detail).toMatch(/^invalid number "1e"/);
    expect(lexError('x == 12abc').column).toBe(6);
  });

  it('decodes bytes literals', () => {
    const t = tokenize('0x0aFF')[0];
    expect(t.kind).toBe('bytes');
    expect([...(t.value as Uint8Array)]).toEqual([0x0a, 0xff]);
    expect(lexError('x == 0xabc').detail).toBe('bytes literal 0xabc has an odd number of hex digits');
    expect(lexError('x == 0x').detail).toMatch(/needs hex digits/);
  });

  it('decodes string escapes as Go does', () => {
    expect(tokenize(String.raw`"a\"b\\c\n\t\r\x41\u00e9\U0001F600\101"`)[0].value).toBe('a"b\\c\n\t\rAé😀A');
    expect(tokenize('"héllo wörld"')[0].value).toBe('héllo wörld');
    expect(tokenize('""')[0].value).toBe('');
  });

  it('rejects unknown escapes with a hint about regexes', () => {
    const err = lexError(String.raw`IsMatch(name, "a\.b")`);
    expect(err.column).toBe(17);
    expect(err.detail).toContain(String.raw`invalid escape \.`);
    expect(err.detail).toContain(String.raw`"\\."`);
  });

  it('reports an unterminated string at its opening quote', () => {
    expect(lexError('name == "abc').message).toBe(`condition 'name == "abc' at column 9: unterminated string: missing closing "`);
  });

  it('explains single quotes and rejects unknown characters', () => {
    expect(lexError("name == 'x'").detail).toMatch(/double quotes/);
    expect(lexError('name == @').message).toBe(`condition 'name == @' at column 9: unexpected character "@"`);
  });

  it('skips all whitespace, including newlines from YAML block scalars', () => {
    expect(kinds('a\n  and\tb').map((k) => k[1])).toEqual(['a', 'and', 'b', '']);
  });
});
