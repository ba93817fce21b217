/**
 * The UI's login in a real Summit process: failed logins are limited per client address and
 * per user name (429 with Retry-After, before the password is checked), and a session outlives
 * a restart of the process (kept, hashed, in the session file beside the admin login).
 */
import bcrypt from 'bcryptjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureStopped, startSummit } from './delivery-helpers.js';
import { freePort, ROOT, tempDir, type SummitProcess } from './helpers.js';

let summit: SummitProcess | undefined;
afterAll(() => ensureStopped(summit));

const config = (ui: number, otlp: number) => `plugins: [${ROOT}/plugins/ui]
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${otlp} } } }
exporters:
  ui:
    endpoint: 127.0.0.1:${ui}
    lake: ""
    api_token: access-test-token-0123456789
    admin_file: ./ui-admin.json
    users: [{ name: alice, password_hash: "${bcrypt.hashSync('right password', 4)}" }, { name: bob, password_hash: "${bcrypt.hashSync('bobs password', 4)}" }]
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [ui] }
`;

describe('ui login', () => {
  it('limits failed logins with 429 and Retry-After, and keeps sessions across a restart', async () => {
    const dir = tempDir('summit-ui-access-');
    const [ui, otlp] = [await freePort(), await freePort()];
    const yaml = config(ui, otlp);
    summit = await startSummit(dir, yaml);
    const base = `http://127.0.0.1:${ui}`;
    const login = (name: string, password: string) =>
      fetch(`${base}/ui/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ name, password }) });

    const ok = await login('alice', 'right password');
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!.split(';')[0];
    const { csrf } = (await ok.json()) as { csrf: string };

    // 10 wrong passwords for bob from this address: the 11th try is refused unchecked, even with the right password
    for (let i = 0; i < 10; i++) expect((await login('bob', `guess ${i}`)).status).toBe(401);
    const refused = await login('bob', 'bobs password');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/too many failed logins/);
    // the address is held too: another user from it is refused
    expect((await login('alice', 'right password')).status).toBe(429);

    // the session made before the flood outlives a restart; the file keeps no session id in clear
    const sessionId = cookie.split('=')[1];
    expect(await summit.stop()).toBe(0);
    expect(existsSync(join(dir, 'ui-sessions.sqlite'))).toBe(true);
    expect(readFileSync(join(dir, 'ui-sessions.sqlite')).includes(sessionId)).toBe(false);
    summit = await startSummit(dir, yaml);
    const session = await fetch(`${base}/ui/api/session`, { headers: { cookie } });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ user: 'alice', csrf });
    const logout = await fetch(`${base}/ui/api/logout`, { method: 'POST', headers: { cookie, origin: base, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: '{}' });
    expect(logout.status).toBe(200);
    expect((await fetch(`${base}/ui/api/session`, { headers: { cookie } })).status).toBe(401);
    // the limiter is in memory: a restart lets bob try again
    expect((await login('bob', 'bobs password')).status).toBe(200);
  }, 60_000);
});
