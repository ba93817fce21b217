import { describe, expect, it } from 'vitest';
import type { ClientAuthenticator } from '../../pipeline/auth.js';
import { testContext } from '../../pipeline/testing.js';
import { headersSetterFactory, type HeaderEntry } from './index.js';

async function apply(entries: Partial<HeaderEntry>[], headers: Record<string, string>, client = { metadata: { tenant: ['a', 'b'] }, auth: { username: 'ann' } }) {
  const config = { headers: entries.map((e) => ({ action: 'upsert', ...e })) as HeaderEntry[] };
  const ext = (await headersSetterFactory.create(testContext({ id: 'headers_setter', kind: 'extension' }), config, {})) as unknown as ClientAuthenticator;
  const out = { ...headers };
  await ext.applyHeaders(out, client);
  return out;
}

describe('headers_setter', () => {
  it('takes values from the request metadata (joined with ;), the auth attributes, or default_value', async () => {
    expect(await apply([{ key: 'X-Tenant', from_context: 'Tenant' }, { key: 'X-User', from_attribute: 'username' }, { key: 'X-Org', from_context: 'org', default_value: 'none' }], {})).toEqual({
      'X-Tenant': 'a;b',
      'X-User': 'ann',
      'X-Org': 'none',
    });
  });

  it('insert, update, upsert and delete act on headers the exporter sets, whatever their case', async () => {
    const existing = { 'x-a': '1', 'x-b': '2', 'x-c': '3' };
    const out = await apply(
      [
        { key: 'X-A', value: 'new', action: 'insert' },
        { key: 'X-B', value: 'new', action: 'update' },
        { key: 'X-D', value: 'new', action: 'update' },
        { key: 'X-E', value: 'new', action: 'insert' },
        { key: 'X-C', action: 'delete' },
      ],
      existing,
    );
    expect(out).toEqual({ 'x-a': '1', 'X-B': 'new', 'X-E': 'new' });
  });

  it('needs one value source per entry', () => {
    expect(headersSetterFactory.validate!({ headers: [{ key: 'k', action: 'upsert' }, { key: 'k', action: 'delete' }] })).toEqual([
      { path: 'headers[0]', message: 'set exactly one of value, from_context or from_attribute' },
    ]);
  });
});
