import { describe, expect, it } from 'vitest';
import { globMatch } from './glob.js';

const path = { separator: true };

describe('globs as Sentry (the globset crate) matches them', () => {
  it('* matches anything without a separator; with one it stops at /', () => {
    expect(globMatch('java.lang.Thread', 'java.*')).toBe(true);
    expect(globMatch('a/b/c', 'a*')).toBe(true);
    expect(globMatch('a/b/c', 'a*', path)).toBe(false);
    expect(globMatch('abc', 'a*', path)).toBe(true);
  });

  it('** spans directories only as a whole path component', () => {
    expect(globMatch('/app/node_modules/pg/lib/client.js', '**/node_modules/**', path)).toBe(true);
    expect(globMatch('node_modules/x.js', '**/node_modules/**', path)).toBe(true); // leading **/ may match nothing
    expect(globMatch('/app/node_modules', '**/node_modules/**', path)).toBe(false); // trailing /** needs the separator
    expect(globMatch('a/b', 'a/**/b', path)).toBe(true);
    expect(globMatch('a/x/y/b', 'a/**/b', path)).toBe(true);
    expect(globMatch('axyb', 'a/**/b', path)).toBe(false);
    // Not a whole component: just two stars, which stop at the separator.
    expect(globMatch('xhttps://unpkg.com/lib.js', '**https://unpkg.com/**', path)).toBe(true);
    expect(globMatch('/cdn/https://unpkg.com/lib.js', '**https://unpkg.com/**', path)).toBe(false);
  });

  it('?, classes, negated classes, alternatives and escapes', () => {
    expect(globMatch('+[SentryHub foo]', '?[[]Sentry*')).toBe(true);
    expect(globMatch('[SentryHub foo]', '?[[]Sentry*')).toBe(false);
    expect(globMatch('-[SentryClient capture]', '?[[]Sentry*')).toBe(true);
    expect(globMatch('a', '[!b]')).toBe(true);
    expect(globMatch('b', '[!b]')).toBe(false);
    expect(globMatch('foo.js', '*.{js,mjs}')).toBe(true);
    expect(globMatch('foo.ts', '*.{js,mjs}')).toBe(false);
    expect(globMatch('{[*?]}', '\\{\\[\\*\\?\\]\\}')).toBe(true);
    expect(globMatch('{[x?]}', '\\{\\[\\*\\?\\]\\}')).toBe(false);
  });

  it('case and newlines only when asked', () => {
    expect(globMatch('ERROR', 'error')).toBe(false);
    expect(globMatch('ERROR', 'error', { ignoreCase: true })).toBe(true);
    expect(globMatch('line one\nline two', '*two')).toBe(false);
    expect(globMatch('line one\nline two', '*two', { dotAll: true })).toBe(true);
  });

  it('regex metacharacters in patterns are literal', () => {
    expect(globMatch('a.b(c)+$', 'a.b(c)+$')).toBe(true);
    expect(globMatch('aXb(c)+$', 'a.b(c)+$')).toBe(false);
  });
});
