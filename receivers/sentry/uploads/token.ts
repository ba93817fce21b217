/**
 * The bearer token that `sentry-cli` and the bundler plugins upload with (`SENTRY_AUTH_TOKEN`):
 * from the config, or made at the first start and kept in a file (mode 0600), so a fresh
 * `npm start` accepts uploads and the token survives restarts. Compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const DEFAULT_TOKEN_FILE = './data/sentry-upload-token';
const TOKEN = /^[\x21-\x7e]{16,512}$/;

/** The token kept in `path`, or a new one written there. */
export function loadOrCreateToken(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the upload token file ${path}: ${(err as Error).message}`);
    const token = `summit_${randomBytes(32).toString('hex')}`;
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
    renameSync(tmp, path);
    return token;
  }
  if (!TOKEN.test(text)) throw new Error(`the upload token file ${path} should hold one token of 16 to 512 printable characters; fix it, or delete it to have a new one made`);
  return text;
}

/** Whether `Authorization: Bearer <token>` carries `expected`; digests compared, so neither length nor content leaks. */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const m = /^bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(expected)) && m !== null;
}
