import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { apr1, parseHtpasswd } from './htpasswd.js';
import { basicAuthFactory } from './index.js';

describe('htpasswd', () => {
  it("computes Apache's MD5 crypt as openssl does", () => {
    for (const [password, salt] of [['', 'abcdefgh'], ['a much longer password than sixteen bytes', 'x'], ['pässwörd', 'Zq3xW9ab']]) {
      expect(apr1(password, salt)).toBe(execFileSync('openssl', ['passwd', '-apr1', '-salt', salt, password], { encoding: 'utf8' }).trim());
    }
  });

  it('names the line of an entry it cannot read', () => {
    expect(() => parseHtpasswd('# users\nann:$apr1$x$y\nbob:plain\n', '.htpasswd')).toThrow('.htpasswd:3: unsupported hash for user "bob"');
    expect(() => parseHtpasswd('nocolon', 'inline')).toThrow('inline:1: expected user:hash');
  });

  it('is a server or a client, not both', () => {
    expect(basicAuthFactory.validate!({ htpasswd: { inline: '' }, client_auth: { username: 'a', password: 'b' } })[0].message).toMatch(/not both/);
    expect(basicAuthFactory.validate!({})[0].message).toMatch(/set htpasswd/);
  });
});
