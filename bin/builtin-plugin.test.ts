import { describe, expect, it } from 'vitest';
import { ComponentRegistry } from '../pipeline/registry.js';
import { builtinPlugin } from './builtin-plugin.js';

describe('the built-in plugin', () => {
  it('registers every component deferred, and each loads the factory its entry describes', async () => {
    const registry = new ComponentRegistry();
    registry.register(builtinPlugin);
    expect(registry.list().filter((e) => e.factory)).toEqual([]);
    await registry.load(builtinPlugin.factories);
    // a failed load (a bad import, or an entry whose type, aliases, signals or stability differ from its factory's) is a loadError
    expect(registry.list().filter((e) => !e.factory).map((e) => `${e.info.kind} ${e.info.type}: ${e.loadError}`)).toEqual([]);
    expect(registry.list()).toHaveLength(builtinPlugin.factories.length);
  });
});
