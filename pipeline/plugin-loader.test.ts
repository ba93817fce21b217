import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeFile } from '../test/helpers.js';
import { loadPlugin } from './plugin-loader.js';
import { ComponentRegistry, PluginError } from './registry.js';

const factorySource = (type: string, kind = 'processor') =>
  `{ type: '${type}', kind: '${kind}', signals: ['traces'], stability: 'alpha', configSchema: {}, create: () => ({}) }`;

function pluginModule(name: string, apiVersion: number, types: string[]): string {
  return `export const name = '${name}';\nexport const apiVersion = ${apiVersion};\nexport const factories = [${types.map((t) => factorySource(t)).join(', ')}];\n`;
}

describe('plugin loading', () => {
  it('loads a plugin by path relative to the config directory, named or default exports', async () => {
    const dir = tempDir();
    writeFile(dir, 'named.mjs', pluginModule('named', 1, ['p1']));
    writeFile(dir, 'default.mjs', `export default { name: 'dflt', apiVersion: 1, factories: [${factorySource('p2')}] };`);
    const registry = new ComponentRegistry();
    for (const spec of ['./named.mjs', './default.mjs']) {
      const { plugin, source } = await loadPlugin(spec, dir);
      registry.register(plugin, source);
    }
    expect(registry.get('processor', 'p1')?.plugin).toBe('named');
    expect(registry.get('processor', 'p2')?.plugin).toBe('dflt');
  });

  it('loads an npm package from node_modules through its package.json exports', async () => {
    const dir = tempDir();
    const pkg = join(dir, 'node_modules', '@acme', 'summit-plugin');
    mkdirSync(join(pkg, 'lib'), { recursive: true });
    writeFile(pkg, 'package.json', JSON.stringify({ name: '@acme/summit-plugin', type: 'module', exports: { '.': { import: './lib/main.js' } } }));
    writeFile(join(pkg, 'lib'), 'main.js', pluginModule('@acme/summit-plugin', 1, ['acme']));
    const sub = join(dir, 'conf', 'deep');
    mkdirSync(sub, { recursive: true });
    const { plugin } = await loadPlugin('@acme/summit-plugin', sub);
    expect(plugin.name).toBe('@acme/summit-plugin');
    expect(plugin.factories.map((f) => f.type)).toEqual(['acme']);
  });

  it('names the package and how to install it when it is missing', async () => {
    await expect(loadPlugin('summit-plugin-nowhere', tempDir())).rejects.toThrow(/no package of that name.*npm install summit-plugin-nowhere/);
  });

  it('rejects a wrong apiVersion naming the plugin and both versions', async () => {
    const dir = tempDir();
    writeFile(dir, 'old.mjs', pluginModule('old-plugin', 0, ['x']));
    const { plugin, source } = await loadPlugin('./old.mjs', dir);
    expect(() => new ComponentRegistry().register(plugin, source)).toThrow(/plugin "old-plugin" .* declares apiVersion 0, but this Summit supports apiVersion 1/);
  });

  it('rejects a type clash naming both plugins', async () => {
    const dir = tempDir();
    writeFile(dir, 'a.mjs', pluginModule('plugin-a', 1, ['dup']));
    writeFile(dir, 'b.mjs', pluginModule('plugin-b', 1, ['other', 'dup']));
    const registry = new ComponentRegistry();
    const a = await loadPlugin('./a.mjs', dir);
    registry.register(a.plugin, a.source);
    const b = await loadPlugin('./b.mjs', dir);
    expect(() => registry.register(b.plugin, b.source)).toThrow(
      new PluginError('processor type "dup" from plugin "plugin-b" clashes with the one already registered by plugin "plugin-a"'),
    );
    // nothing of the rejected plugin is half-registered
    expect(registry.get('processor', 'other')).toBeUndefined();
  });

  it('allows the same type name for different kinds', () => {
    const registry = new ComponentRegistry();
    const mk = (kind: 'receiver' | 'exporter') => ({ type: 'otlp', kind, signals: ['traces' as const], stability: 'stable' as const, configSchema: {}, create: () => ({}) });
    registry.register({ name: 'p', apiVersion: 1, factories: [mk('receiver'), mk('exporter')] });
    expect(registry.types('receiver')).toEqual(['otlp']);
    expect(registry.types('exporter')).toEqual(['otlp']);
  });

  it('explains a module that is not a plugin', async () => {
    const dir = tempDir();
    writeFile(dir, 'nothing.mjs', 'export const x = 1;');
    const { plugin, source } = await loadPlugin('./nothing.mjs', dir);
    expect(() => new ComponentRegistry().register(plugin, source)).toThrow(/missing name, apiVersion, factories/);
  });
});
