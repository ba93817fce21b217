import { describe, expect, it } from 'vitest';
import type { ComponentFactory, DeferredFactory } from '../pipeline/component.js';
import { ComponentRegistry } from '../pipeline/registry.js';
import { namedTypes } from './components.js';
import { loadSources } from './load.js';
import { resolveConfig } from './resolve.js';
import { fakeFactory, writeYaml } from './testing.js';

const info = (type: string, kind: 'receiver' | 'exporter') => ({ type, kind, signals: ['traces' as const], stability: 'beta' as const });
const defer = (type: string, kind: 'receiver' | 'exporter', load: () => Promise<ComponentFactory>): DeferredFactory => ({ ...info(type, kind), load });

async function resolveWith(yaml: string, factories: DeferredFactory[]) {
  const src = loadSources({ files: [writeYaml(yaml)], env: {} });
  const registry = new ComponentRegistry();
  registry.register({ name: 'deferring', apiVersion: 1, factories });
  await registry.load(namedTypes(src));
  return resolveConfig(src, registry);
}

describe('a config over deferred factories', () => {
  const PIPELINE = 'service: { pipelines: { traces: { receivers: [in], exporters: [out/a] } } }\n';
  const working = [defer('in', 'receiver', async () => fakeFactory(info('in', 'receiver'))), defer('out', 'exporter', async () => fakeFactory(info('out', 'exporter')))];

  it('resolves with the factories its types loaded', async () => {
    const { config, problems } = await resolveWith(`receivers: { in: }\nexporters: { out/a: }\n${PIPELINE}`, working);
    expect(problems).toEqual([]);
    expect(config!.exporters.get('out/a')?.factory.type).toBe('out');
  });

  it('names the component whose module failed to load, at its line', async () => {
    const broken = defer('out', 'exporter', () => Promise.reject(new Error('Cannot find package "@acme/native"')));
    const { config, problems } = await resolveWith(`receivers:\n  in:\nexporters:\n  out/a:\n${PIPELINE}`, [working[0], broken]);
    expect(config).toBeUndefined();
    expect(problems.filter((p) => p.severity === 'error')).toEqual([
      expect.objectContaining({ componentId: 'exporters::out/a', location: expect.objectContaining({ line: 4 }), message: 'exporter type "out" (plugin "deferring") cannot be loaded: Cannot find package "@acme/native"' }),
    ]);
  });

  it('reports an unknown type as with plain factories, listing the deferred ones', async () => {
    const { problems } = await resolveWith(`receivers: { in: }\nexporters: { otu/a: }\n${PIPELINE}`, working);
    expect(problems.map((p) => p.message)).toContain('unknown exporter type "otu"; known exporter types: out (did you mean "out"?)');
  });
});
