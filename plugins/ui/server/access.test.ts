import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcryptjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex } from './admin-login.js';
import { Access, cookieValue, sameSiteRequest, SESSION_COOKIE, sessionCookie } from './access.js';
import { SessionStore } from './sessions.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('access', () => {
  const dir = mkdtempSync(join(tmpdir(), 'summit-ui-access-'));
  const sessions = new SessionStore(join(dir, 'sessions.sqlite'));
  const access = new Access([{ name: 'alice', password_hash: bcrypt.hashSync('pw', 4) }], sha256Hex('the-api-token-123'), 60_000, sessions);
  afterAll(() => {
    sessions.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs a user in with the right password only, and knows the session by its cookie', async () => {
    expect(await access.login('alice', 'wrong')).toBeUndefined();
    expect(await access.login('bob', 'pw')).toBeUndefined();
    const session = (await access.login('alice', 'pw'))!;
    const caller = access.caller(request({ cookie: `other=1; ${SESSION_COOKIE}=${session.id}` }));
    expect(caller).toEqual({ kind: 'session', session });
    access.logout(session);
    expect(access.caller(request({ cookie: `${SESSION_COOKIE}=${session.id}` }))).toBeUndefined();
  });

  it('takes the API token as a bearer, and a wrong bearer is no caller even with a session cookie', async () => {
    const session = (await access.login('alice', 'pw'))!;
    expect(access.caller(request({ authorization: 'Bearer the-api-token-123' }))).toEqual({ kind: 'token' });
    expect(access.caller(request({ authorization: 'Bearer nope', cookie: `${SESSION_COOKIE}=${session.id}` }))).toBeUndefined();
  });

  it('the cookie is HttpOnly and SameSite=Strict, Secure over TLS; logging out clears it', async () => {
    const session = (await access.login('alice', 'pw'))!;
    expect(sessionCookie(session, true, 60_000)).toBe(`${SESSION_COOKIE}=${session.id}; Max-Age=60; Path=/; HttpOnly; SameSite=Strict; Secure`);
    expect(sessionCookie(undefined, false, 60_000)).toBe(`${SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict`);
    expect(cookieValue('a=1;  b = 2', 'b')).toBe('2');
  });

  it('a change needs the same origin and, with a session, its CSRF token', async () => {
    const session = (await access.login('alice', 'pw'))!;
    const ok = { host: 'ui:8800', origin: 'http://ui:8800', 'sec-fetch-site': 'same-origin', 'x-csrf-token': session.csrf };
    expect(sameSiteRequest(request(ok), session)).toBe(true);
    expect(sameSiteRequest(request({ ...ok, origin: 'http://evil:8800' }), session)).toBe(false);
    expect(sameSiteRequest(request({ ...ok, 'sec-fetch-site': 'same-site' }), session)).toBe(false);
    expect(sameSiteRequest(request({ ...ok, 'x-csrf-token': 'guess' }), session)).toBe(false);
    expect(sameSiteRequest(request({ host: 'ui:8800' }), session)).toBe(false);
    expect(sameSiteRequest(request({ host: 'ui:8800', origin: 'null' }), undefined)).toBe(false);
    expect(sameSiteRequest(request({ host: 'ui:8800' }), undefined)).toBe(true);
  });
});
