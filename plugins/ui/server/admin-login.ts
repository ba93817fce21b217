/**
 * The login of a fresh install: with no users and no token in the config, an `admin` password
 * and an API token are made at the first start, kept only as hashes (file mode 0600), and
 * printed once on the console — so `npm start` shows a working, guarded UI.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import bcrypt from 'bcryptjs';
import type { UiUser } from './config.js';

export interface AdminLogin {
  users: UiUser[];
  /** SHA-256 (hex) of the API token. */
  tokenSha256: string;
}

export const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

/** The login kept in `path`, or a new one written there and shown through `announce`. */
export function loadOrCreateAdminLogin(path: string, announce: (text: string) => void): AdminLogin {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the UI login file ${path}: ${(err as Error).message}`);
    const password = randomBytes(12).toString('base64url');
    const token = `summit_ui_${randomBytes(24).toString('hex')}`;
    const login: AdminLogin = { users: [{ name: 'admin', password_hash: bcrypt.hashSync(password, 10) }], tokenSha256: sha256Hex(token) };
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    writeFileSync(`${path}.tmp`, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
    announce(
      `Summit UI: first start, a login was made (shown only this once; ${path} keeps only hashes — delete it to get a new one):\n` +
        `  user admin, password ${password}\n  API token (sentry-cli --auth-token, Authorization: Bearer) ${token}\n`,
    );
    return login;
  }
  try {
    const parsed = JSON.parse(text) as AdminLogin;
    if (!Array.isArray(parsed.users) || typeof parsed.tokenSha256 !== 'string' || parsed.users.some((u) => typeof u?.name !== 'string' || typeof u.password_hash !== 'string')) {
      throw new Error('expected {"users": [{"name", "password_hash"}], "tokenSha256"}');
    }
    return parsed;
  } catch (err) {
    throw new Error(`the UI login file ${path} is not valid (${(err as Error).message}); fix it, or delete it to have a new login made`);
  }
}
