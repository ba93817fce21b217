import { fileURLToPath } from 'node:url';
import { loadSources, type LoadedSources } from '../config/load.js';
import { resolveConfig } from '../config/resolve.js';
import { ConfigError, type ConfigProblem, type ResolvedConfig } from '../config/types.js';
import { loadPlugin } from '../pipeline/plugin-loader.js';
import { ComponentRegistry, PluginError } from '../pipeline/registry.js';
import { builtinPlugin } from './builtin-plugin.js';

export const DEFAULT_CONFIG = fileURLToPath(new URL('../config/default.yaml', import.meta.url));

export interface LoadedConfig {
  sources: LoadedSources;
  registry: ComponentRegistry;
  /** Present when there is no error. */
  config?: ResolvedConfig;
  problems: ConfigProblem[];
}

/** Files → merged, expanded document → plugins registered → validated config, every problem collected. */
export async function loadConfig(files: string[], sets: string[], env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const sources = loadSources({ files: files.length ? files : [DEFAULT_CONFIG], sets, env });
  const registry = new ComponentRegistry();
  registry.register(builtinPlugin, 'built-in');
  const pluginProblems = await registerPlugins(sources, registry);
  const { config, problems } = resolveConfig(sources, registry);
  const all = [...sources.problems, ...pluginProblems, ...problems];
  return { sources, registry, config: pluginProblems.length ? undefined : config, problems: all };
}

async function registerPlugins(sources: LoadedSources, registry: ComponentRegistry): Promise<ConfigProblem[]> {
  const list = sources.value.plugins;
  if (!Array.isArray(list)) return [];
  const problems: ConfigProblem[] = [];
  for (const [i, spec] of list.entries()) {
    if (typeof spec !== 'string') continue; // resolveConfig reports the type error
    const path = ['plugins', String(i)];
    try {
      const { plugin, source } = await loadPlugin(spec, sources.dirOf(path));
      registry.register(plugin, source);
    } catch (err) {
      if (!(err instanceof PluginError)) throw err;
      problems.push({ severity: 'error', location: sources.locate(path), componentId: `plugins[${i}]`, message: err.message });
    }
  }
  return problems;
}

export function errorsOf(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.filter((p) => p.severity === 'error');
}

export { ConfigError };
