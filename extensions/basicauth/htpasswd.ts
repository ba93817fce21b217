/** htpasswd files as Apache writes them, the formats upstream's go-htpasswd accepts by default. */
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { encrypt as shaCrypt } from 'unixcrypt';
import { secretsEqual } from '../../pipeline/auth.js';

type Check = (password: string) => boolean;

/** user → how to check a password; throws naming the line of an entry it cannot read. */
export function parseHtpasswd(text: string, source: string): Map<string, Check> {
  const users = new Map<string, Check>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`${source}:${i + 1}: expected user:hash`);
    const hash = line.slice(colon + 1);
    const check = checker(hash);
    if (!check) throw new Error(`${source}:${i + 1}: unsupported hash for user "${line.slice(0, colon)}"; use bcrypt (htpasswd -B), MD5 (-m, or $1$ md5-crypt), SHA1 (-s), {SSHA}, or SHA-256/512 crypt ($5$, $6$)`);
    users.set(line.slice(0, colon), check);
  }
  return users;
}

function checker(hash: string): Check | undefined {
  if (/^\$2[abxy]?\$\d\d\$/.test(hash)) return (p) => bcrypt.compareSync(p, hash);
  for (const magic of ['$apr1$', '$1$'] as const) {
    if (!hash.startsWith(magic)) continue;
    const salt = hash.slice(magic.length).split('$')[0];
    return (p) => secretsEqual(md5Crypt(p, salt, magic), hash);
  }
  // glibc's SHA crypt (mkpasswd, openssl passwd -5/-6): the hash up to its last $ is the setting to hash with
  if (/^\$[56]\$(rounds=\d+\$)?[^$]{1,16}\$[./0-9A-Za-z]+$/.test(hash)) {
    const setting = hash.slice(0, hash.lastIndexOf('$'));
    return (p) => secretsEqual(shaCrypt(p, setting), hash);
  }
  if (hash.startsWith('{SHA}')) return (p) => secretsEqual(`{SHA}${createHash('sha1').update(p).digest('base64')}`, hash);
  if (hash.startsWith('{SSHA}')) {
    const raw = Buffer.from(hash.slice(6), 'base64');
    const salt = raw.subarray(20);
    return (p) => secretsEqual(`{SSHA}${Buffer.concat([createHash('sha1').update(p).update(salt).digest(), salt]).toString('base64')}`, hash);
  }
  return undefined;
}

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The MD5-based crypt: Apache's `$apr1$` (the default of `htpasswd -m`) and FreeBSD's `$1$`, which differ only in the magic. */
export function md5Crypt(password: string, salt: string, magic: '$apr1$' | '$1$'): string {
  const pw = Buffer.from(password);
  const md5 = () => createHash('md5');
  const ctx = md5().update(pw).update(magic).update(salt);
  let final = md5().update(pw).update(salt).update(pw).digest();
  for (let left = pw.length; left > 0; left -= 16) ctx.update(final.subarray(0, Math.min(16, left)));
  for (let i = pw.length; i; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  final = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const round = md5().update(i & 1 ? pw : final);
    if (i % 3) round.update(salt);
    if (i % 7) round.update(pw);
    round.update(i & 1 ? final : pw);
    final = round.digest();
  }
  const to64 = (v: number, n: number) => {
    let out = '';
    for (; n > 0; n--, v >>= 6) out += ITOA64[v & 0x3f];
    return out;
  };
  const f = final;
  const encoded =
    to64((f[0] << 16) | (f[6] << 8) | f[12], 4) +
    to64((f[1] << 16) | (f[7] << 8) | f[13], 4) +
    to64((f[2] << 16) | (f[8] << 8) | f[14], 4) +
    to64((f[3] << 16) | (f[9] << 8) | f[15], 4) +
    to64((f[4] << 16) | (f[10] << 8) | f[5], 4) +
    to64(f[11], 2);
  return `${magic}${salt}$${encoded}`;
}
