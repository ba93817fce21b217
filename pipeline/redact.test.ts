import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact.js';

describe('redactUrl', () => {
  it.each([
    ['https://user:pass@host', 'https://***@host'],
    ['https://user:pass@host:4318/v1/traces?a=b#c', 'https://***@host:4318/v1/traces?a=b#c'],
    ['http://TOKEN@host/', 'http://***@host/'],
    ['https://user:p@ss@host/x', 'https://***@host/x'],
    ['error at http://a:b@one.example/x, then HTTPS://c:d@two.example', 'error at http://***@one.example/x, then HTTPS://***@two.example'],
  ])('%s → %s', (text, shown) => expect(redactUrl(text)).toBe(shown));

  it.each(['https://host/path?mail=a@b.example', 'http://host:4318', 'alice@example.com', 'localhost:4317'])('leaves %s alone', (text) =>
    expect(redactUrl(text)).toBe(text),
  );

  it('takes a URL, whose string form carries the credentials', () => {
    expect(redactUrl(new URL('https://user:pass@host/v1/logs'))).toBe('https://***@host/v1/logs');
  });
});
