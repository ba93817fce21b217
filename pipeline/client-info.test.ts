import { describe, expect, it } from 'vitest';
import { clientInfo, readsClientInfo, withClientInfo } from './client-info.js';

describe('client info', () => {
  it('is carried through a call only once a component that reads it was created', async () => {
    const info = { address: '10.0.0.1:4000', metadata: {} };
    expect(await withClientInfo(info, async () => (await Promise.resolve(), clientInfo()))).toBeUndefined();
    readsClientInfo();
    expect(await withClientInfo(info, async () => (await Promise.resolve(), clientInfo()))).toBe(info);
    expect(withClientInfo(undefined, () => clientInfo())).toBeUndefined();
  });
});
