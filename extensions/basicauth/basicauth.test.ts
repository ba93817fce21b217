import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { md5Crypt, parseHtpasswd } from './htpasswd.js';
import { basicAuthFactory } from './index.js';

describe('htpasswd', () => {
  it("computes Apache's and FreeBSD's MD5 crypt as openssl does", () => {
    for (const [password, salt] of [['', 'abcdefgh'], ['a much longer password than sixteen bytes', 'x'], ['pässwörd', 'Zq3xW9ab']]) {
      expect(md5Crypt(password, salt, '$apr1$')).toBe(execFileSync('openssl', ['passwd', '-apr1', '-salt', salt, password], { encoding: 'utf8' }).trim());
      expect(md5Crypt(password, salt, '$1$')).toBe(execFileSync('openssl', ['passwd', '-1', '-salt', salt, password], { encoding: 'utf8' }).trim());
    }
  });

  it('checks passwords against SHA-256 and SHA-512 crypt hashes made by openssl (with and without rounds=)', () => {
    const hash = (flag: string, salt: string, password: string) => execFileSync('openssl', ['passwd', flag, '-salt', salt, password], { encoding: 'utf8' }).trim();
    const file = [`ann:${hash('-5', 'saltA', 'ann-pw')}`, `bob:${hash('-6', 'saltB', 'bob pässword')}`, `cy:${hash('-6', 'rounds=9000$saltC', 'cy-pw')}`, `dee:${hash('-1', 'saltD', 'dee-pw')}`].join('\n');
    const users = parseHtpasswd(file, 'inline');
    expect(users.get('ann')!('ann-pw')).toBe(true);
    expect(users.get('ann')!('ann-pW')).toBe(false);
    expect(users.get('bob')!('bob pässword')).toBe(true);
    expect(users.get('bob')!('ann-pw')).toBe(false);
    expect(users.get('cy')!('cy-pw')).toBe(true);
    expect(users.get('dee')!('dee-pw')).toBe(true);
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
