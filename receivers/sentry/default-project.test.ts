import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ComponentInstance } from '../../pipeline/component.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { freePort } from '../../test/helpers.js';
import { authHeader, post } from '../../test/sentry-helpers.js';
import { loadOrCreateDefaultProject } from './default-project.js';
import { sentryReceiverFactory } from './index.js';

const running: ComponentInstance[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.shutdown?.();
});

describe('sentry receiver without projects', () => {
  it('makes one project with a random key at the first start, keeps it in project_file, logs its DSN, and accepts that DSN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'summit-sentry-project-'));
    const port = await freePort();
    const lines: { msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const start = async () => {
      const r = await sentryReceiverFactory.create(testContext({ id: 'sentry', kind: 'receiver', logger, configDir: dir }), { endpoint: `127.0.0.1:${port}`, project_file: 'keys/project.json' } as never, {
        logs: { consume: async () => undefined },
      });
      await r.start!(testHost());
      running.push(r);
      return r;
    };
    const first = await start();
    const file = join(dir, 'keys', 'project.json');
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { id: string; name: string; keys: string[] };
    expect(kept).toEqual({ id: '1', name: 'default', keys: [expect.stringMatching(/^[0-9a-f]{32}$/)] });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const dsn = `http://${kept.keys[0]}@127.0.0.1:${port}/1`;
    expect(lines.map((l) => l.msg)).toContain(`Sentry DSN (no projects configured; this one is kept in ${file}): ${dsn}`);
    const send = (key: string) => post(`127.0.0.1:${port}`, '/api/1/store/', JSON.stringify({ message: 'hi' }), { ...authHeader(key), 'content-type': 'application/json' });
    expect((await send(kept.keys[0])).status).toBe(200);
    expect((await send('0'.repeat(32))).status).toBe(403);
    await first.shutdown!();
    running.splice(0);
    await start(); // a restart keeps the key
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(kept);
    expect((await send(kept.keys[0])).status).toBe(200);
  });

  it('refuses a damaged project file, saying how to recover', () => {
    const dir = mkdtempSync(join(tmpdir(), 'summit-sentry-project-'));
    const file = join(dir, 'p.json');
    writeFileSync(file, '{"id": "1", "name": "default", "keys": ["not-a-key"]}');
    expect(() => loadOrCreateDefaultProject(file)).toThrow(`the sentry project file ${file} should hold {"id": "<digits>", "name": "<name>", "keys": ["<32 hex digits>"]}; fix it, or delete it to have a new key made`);
    writeFileSync(file, '{');
    expect(() => loadOrCreateDefaultProject(file)).toThrow(/is not JSON .*; delete it to have a new key made/);
  });
});
