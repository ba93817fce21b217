import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, type ClientAuthenticator, type ServerAuthenticator } from '../../pipeline/auth.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { tempDir } from '../../test/helpers.js';
import { bearerTokenAuthFactory, type BearerTokenAuthConfig } from './index.js';

async function create(config: Partial<BearerTokenAuthConfig>, configDir = '.') {
  const ext = (await bearerTokenAuthFactory.create(testContext({ id: 'bearertokenauth', kind: 'extension', configDir }), {
    scheme: 'Bearer',
    header: 'Authorization',
    ...config,
  }, {})) as ServerAuthenticator & ClientAuthenticator & { start(h: unknown): Promise<void>; shutdown(): Promise<void> };
  await ext.start(testHost());
  return ext;
}

const accepts = (ext: ServerAuthenticator, headers: Record<string, string[]>) => ext.authenticate(headers).then(() => true, (e) => (e instanceof AuthenticationError ? false : Promise.reject(e)));

describe('bearertokenauth', () => {
  it('takes any of several tokens, in a header and with a scheme of its own', async () => {
    const ext = await create({ tokens: ['one', 'two'], header: 'X-Api-Key', scheme: '' });
    expect(await accepts(ext, { 'x-api-key': ['two'] })).toBe(true);
    expect(await accepts(ext, { 'x-api-key': ['Bearer two'] })).toBe(false);
    expect(await accepts(ext, { authorization: ['two'] })).toBe(false);
    const headers: Record<string, string> = { 'x-api-key': 'old' };
    await ext.applyHeaders(headers, undefined);
    expect(headers).toEqual({ 'X-Api-Key': 'one' });
  });

  it('reads the tokens of `filename` again when the file changes', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), 'first\n');
    const ext = await create({ filename: 'token' }, dir);
    try {
      expect(await accepts(ext, { authorization: ['Bearer first'] })).toBe(true);
      writeFileSync(join(dir, 'token'), 'second-token-which-is-longer\n');
      let switched = false;
      // the file is polled every second
      for (let i = 0; i < 150 && !switched; i++) {
        await new Promise((r) => setTimeout(r, 100));
        switched = await accepts(ext, { authorization: ['Bearer second-token-which-is-longer'] });
      }
      expect(switched).toBe(true);
      expect(await accepts(ext, { authorization: ['Bearer first'] })).toBe(false);
    } finally {
      await ext.shutdown();
    }
  });

  it('needs exactly one source of tokens', () => {
    expect(bearerTokenAuthFactory.validate!({ scheme: 'Bearer', header: 'Authorization' })).toEqual([{ path: '', message: 'set one of token, tokens or filename' }]);
    expect(bearerTokenAuthFactory.validate!({ scheme: 'Bearer', header: 'Authorization', token: 'a', filename: 'f' })[0].path).toBe('filename');
  });
});
