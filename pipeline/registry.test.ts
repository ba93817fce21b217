import { describe, expect, it } from 'vitest';
import type { ComponentFactory, DeferredFactory } from './component.js';
import { ComponentRegistry, PluginError } from './registry.js';

const factory = (type: string, over: Partial<ComponentFactory> = {}): ComponentFactory => ({
  type,
  kind: 'processor',
  signals: ['traces'],
  stability: 'alpha',
  configSchema: {},
  create: () => ({}),
  ...over,
});

/** A deferred factory that counts its loads and loads `loaded` (by default: the factory it describes). */
function deferred(type: string, loaded: () => Promise<ComponentFactory> = async () => factory(type)): DeferredFactory & { loads: number } {
  const d = { type, kind: 'processor' as const, signals: ['traces' as const], stability: 'alpha' as const, loads: 0, load: () => (d.loads++, loaded()) };
  return d;
}

describe('deferred factories', () => {
  it('are listed and looked up from their info, and loaded only when named', async () => {
    const [used, unused] = [deferred('used'), deferred('unused')];
    const registry = new ComponentRegistry();
    registry.register({ name: 'p', apiVersion: 1, factories: [used, unused] });
    expect(registry.types('processor')).toEqual(['unused', 'used']);
    expect(registry.get('processor', 'used')).toMatchObject({ info: { type: 'used' }, plugin: 'p' });
    expect(registry.get('processor', 'used')?.factory).toBeUndefined();
    await registry.load([{ kind: 'processor', type: 'used' }, { kind: 'processor', type: 'used' }, { kind: 'processor', type: 'unknown' }, { kind: 'exporter', type: 'used' }]);
    expect([used.loads, unused.loads]).toEqual([1, 0]);
    expect(registry.get('processor', 'used')?.factory?.type).toBe('used');
    // loading again imports nothing again
    await registry.load([{ kind: 'processor', type: 'used' }]);
    expect(used.loads).toBe(1);
  });

  it('keep a module that fails to load as the entry’s loadError instead of rejecting', async () => {
    const registry = new ComponentRegistry();
    registry.register({ name: 'p', apiVersion: 1, factories: [deferred('broken', () => Promise.reject(new Error('libduckdb.so: cannot open shared object file')))] });
    await registry.load([{ kind: 'processor', type: 'broken' }]);
    expect(registry.get('processor', 'broken')?.loadError).toBe('libduckdb.so: cannot open shared object file');
    expect(registry.get('processor', 'broken')?.factory).toBeUndefined();
  });

  it('must load the factory they describe', async () => {
    const registry = new ComponentRegistry();
    registry.register({
      name: 'p',
      apiVersion: 1,
      factories: [
        deferred('drifted', async () => factory('drifted', { signals: ['traces', 'logs'], stability: 'beta' })),
        deferred('shapeless', async () => ({ type: 'shapeless', kind: 'processor', signals: ['traces'], stability: 'alpha' }) as unknown as ComponentFactory),
      ],
    });
    await registry.load([{ kind: 'processor', type: 'drifted' }, { kind: 'processor', type: 'shapeless' }]);
    expect(registry.get('processor', 'drifted')?.loadError).toBe('plugin "p" registered it with other signals, stability than its factory declares');
    expect(registry.get('processor', 'shapeless')?.loadError).toBe('plugin "p": factory "shapeless": "create" must be a function');
  });

  it('clash with plain factories of the same kind and type', () => {
    const registry = new ComponentRegistry();
    registry.register({ name: 'a', apiVersion: 1, factories: [factory('dup')] });
    expect(() => registry.register({ name: 'b', apiVersion: 1, factories: [deferred('dup')] })).toThrow(
      new PluginError('processor type "dup" from plugin "b" clashes with the one already registered by plugin "a"'),
    );
  });
});
