/**
 * The upload API on a real receiver with a real issue store (sentry-cli itself is driven in
 * test/sourcemaps.test.ts): legacy release files, the total size limit, and answers to what is
 * not part of the API.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentInstance } from '../../../pipeline/component.js';
import { testContext, testHost } from '../../../pipeline/testing.js';
import { issueStoreExtensionFactory, type IssueStoreExtension } from '../../../extensions/issue_store/index.js';
import { freePort, tempDir } from '../../../test/helpers.js';
import { sentryReceiverFactory } from '../index.js';
import type { SentryReceiverConfig } from '../config.js';

const TOKEN = 'a-token-of-some-length';
let dir: string;
let base: string;
let store: IssueStoreExtension;
let receiver: ComponentInstance;

beforeAll(async () => {
  dir = tempDir('summit-uploads-');
  store = (await issueStoreExtensionFactory.create(testContext({ id: 'issue_store', kind: 'extension' }), { path: join(dir, 'issues.sqlite') }, {})) as IssueStoreExtension;
  await store.start();
  const port = await freePort();
  const config = { endpoint: `127.0.0.1:${port}`, projects: [{ id: '1', name: 'a', keys: ['0'.repeat(32)] }], uploads: { artifact_store: 'issue_store', token: TOKEN, max_upload_size: 1000, max_total_size: 1500 } };
  receiver = await sentryReceiverFactory.create(testContext({ id: 'sentry', kind: 'receiver' }), config as unknown as SentryReceiverConfig, { logs: { consume: async () => undefined } });
  await receiver.start!(testHost({ issue_store: store }));
  base = `http://127.0.0.1:${port}/api/0`;
});

afterAll(async () => {
  await receiver.shutdown?.();
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}` };

function releaseFile(name: string, content: string, headers: string[] = []): FormData {
  const form = new FormData();
  form.append('file', new Blob([content]), name.split('/').pop());
  form.append('name', name);
  for (const h of headers) form.append('header', h);
  return form;
}

describe('legacy release files', () => {
  it('stores, types and lists them', async () => {
    const map = JSON.stringify({ version: 3, sources: ['a.ts'], names: [], mappings: 'AAAA' });
    const post = (form: FormData) => fetch(`${base}/organizations/o/releases/r%401/files/`, { method: 'POST', headers: auth, body: form });
    expect((await post(releaseFile('~/a.js', 'x()\n', ['Sourcemap: a.js.map']))).status).toBe(201);
    expect((await post(releaseFile('~/a.js.map', map))).status).toBe(201);
    const listed = (await (await fetch(`${base}/projects/o/p/releases/r%401/files/`, { headers: auth })).json()) as { name: string; headers: object }[];
    expect(listed.map((f) => f.name).sort()).toEqual(['~/a.js', '~/a.js.map']);
    const types = store.artifacts!.list({ release: 'r@1' }).map((a) => [a.url, a.type, a.sourcemap]);
    expect(types.sort()).toEqual([
      ['~/a.js', 'minified_source', 'a.js.map'],
      ['~/a.js.map', 'source_map', null],
    ]);
  });

  it('refuses a map that is not one, and a missing file', async () => {
    const bad = await fetch(`${base}/organizations/o/releases/r1/files/`, { method: 'POST', headers: auth, body: releaseFile('~/b.js.map', '{"version": 2}') });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toBe('release file ~/b.js.map (~/b.js.map): not a version 3 source map');
    const form = new FormData();
    form.append('name', '~/c.js');
    const none = await fetch(`${base}/organizations/o/releases/r1/files/`, { method: 'POST', headers: auth, body: form });
    expect(await none.json()).toEqual({ detail: 'Missing uploaded file (multipart part "file")' });
  });
});

describe('limits and other paths', () => {
  it('refuses what would pass max_total_size', async () => {
    const res = await fetch(`${base}/organizations/o/releases/r2/files/`, { method: 'POST', headers: auth, body: releaseFile('~/big.js', 'y'.repeat(900)) });
    expect(res.status).toBe(201);
    const over = await fetch(`${base}/organizations/o/releases/r2/files/`, { method: 'POST', headers: auth, body: releaseFile('~/big2.js', 'z'.repeat(900)) });
    expect(over.status).toBe(413);
    expect(((await over.json()) as { detail: string }).detail).toMatch(/^the artifact store is full: \d+ bytes stored, 900 more would pass max_total_size 1500$/);
  });

  it('answers the chunk options, a wrong token and unknown paths as Sentry does', async () => {
    const options = (await (await fetch(`${base}/organizations/o/chunk-upload/`, { headers: auth })).json()) as Record<string, unknown>;
    expect(options).toMatchObject({ url: 'organizations/o/chunk-upload/', hashAlgorithm: 'sha1', compression: ['gzip'], maxFileSize: 1000 });
    const wrong = await fetch(`${base}/organizations/o/chunk-upload/`, { headers: { authorization: 'Bearer nope' } });
    expect([wrong.status, await wrong.json()]).toEqual([401, { detail: 'Invalid token' }]);
    const unknown = await fetch(`${base}/organizations/o/projects/`, { headers: auth });
    expect(unknown.status).toBe(404);
    const badChunk = new FormData();
    badChunk.append('file', new Blob(['abc']), '0'.repeat(40));
    const mismatch = await fetch(`${base}/organizations/o/chunk-upload/`, { method: 'POST', headers: auth, body: badChunk });
    expect([mismatch.status, await mismatch.json()]).toEqual([400, { detail: `chunk ${'0'.repeat(40)}: its content does not have that SHA-1` }]);
  });
});
