/**
 * Who may use the UI: users log in with a password (bcrypt) and get a session cookie
 * (HttpOnly, SameSite=Strict, Secure over TLS) and a CSRF token every state change must carry;
 * API clients (sentry-cli) send the API token as `Authorization: Bearer`. Secrets are compared
 * in constant time and never logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcryptjs';
import type { UiUser } from './config.js';
import type { SessionStore } from './sessions.js';

export const SESSION_COOKIE = 'summit_ui_session';
/** Compared against when the user is unknown, so a wrong name takes as long as a wrong password (made at the first login). */
let dummyHash: string | undefined;

export interface Session {
  id: string;
  user: string;
  csrf: string;
  expires: number;
}

/** Who made a request: a logged-in user (cookie) or an API client (bearer token). */
export type Caller = { kind: 'session'; session: Session } | { kind: 'token' };

const digest = (s: string) => createHash('sha256').update(s).digest();

export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export class Access {
  private readonly tokenDigest: Buffer;

  constructor(
    private readonly users: UiUser[],
    /** SHA-256 of the API token, hex. */
    tokenSha256: string,
    private readonly ttlMs: number,
    private readonly sessions: SessionStore,
  ) {
    this.tokenDigest = Buffer.from(tokenSha256, 'hex');
  }

  async login(name: string, password: string): Promise<Session | undefined> {
    const user = this.users.find((u) => sameSecret(u.name, name));
    dummyHash ??= bcrypt.hashSync('not a password', 10);
    const ok = await bcrypt.compare(password, user?.password_hash ?? dummyHash);
    if (!ok || !user) return undefined;
    const session: Session = { id: randomBytes(32).toString('base64url'), user: user.name, csrf: randomBytes(32).toString('base64url'), expires: Date.now() + this.ttlMs };
    this.sessions.put(session.id, session);
    return session;
  }

  logout(session: Session): void {
    this.sessions.delete(session.id);
  }

  /** The caller of a request, if it carries a live session cookie or the API token. */
  caller(req: IncomingMessage): Caller | undefined {
    const bearer = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return timingSafeEqual(digest(bearer), this.tokenDigest) ? { kind: 'token' } : undefined;
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const stored = id === undefined ? undefined : this.sessions.get(id);
    return stored && { kind: 'session', session: { id: id!, user: stored.user, csrf: stored.csrf, expires: stored.expires } };
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(session: Session | undefined, secure: boolean, ttlMs: number): string {
  const attrs = `Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  return session ? `${SESSION_COOKIE}=${session.id}; Max-Age=${Math.floor(ttlMs / 1000)}; ${attrs}` : `${SESSION_COOKIE}=; Max-Age=0; ${attrs}`;
}

/**
 * Whether a state-changing request may come from this page: not from another site (Origin and
 * Sec-Fetch-Site, which browsers set and pages cannot forge), and, for a session, carrying the
 * session's CSRF token in `X-CSRF-Token` (a header a cross-site form cannot add).
 */
export function sameSiteRequest(req: IncomingMessage, session: Session | undefined): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return false;
    }
    if (host !== req.headers.host) return false;
  }
  if (!session) return true;
  const token = req.headers['x-csrf-token'];
  return typeof token === 'string' && sameSecret(token, session.csrf);
}
