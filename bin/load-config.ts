import { fileURLToPath } from 'node:url';
import { parseFeatureGates } from '../config/feature-gates.js';
import { namedTypes } from '../config/components.js';
import { loadSources, type LoadedSources } from '../config/load.js';
import { resolveConfig } from '../config/resolve.js';
import { ConfigUriError, readConfigUri } from '../config/uris.js';
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

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** `--feature-gates` values as given. */
  featureGates?: string[];
  /** `--config-allow-http`: let `http:`/`https:` config URIs be fetched. */
  allowHttp?: boolean;
}

/**
 * `--config` values (paths or URIs) → merged, expanded document → plugins registered → the
 * components the config names loaded → validated config, every problem collected. Throws a
 * ConfigError when a source cannot be read.
 */
export async function loadConfig(configs: string[], sets: string[], opts: LoadOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const gates = parseFeatureGates(opts.featureGates ?? []);
  const files = await Promise.all(
    (configs.length ? configs : [DEFAULT_CONFIG]).map((c) =>
      readConfigUri(c, { env, allowHttp: opts.allowHttp }).catch((err: unknown) => {
        if (!(err instanceof ConfigUriError)) throw err;
        throw new ConfigError([...gates.problems, { severity: 'error', message: err.message }]);
      }),
    ),
  );
  const sources = loadSources({ files, sets, env });
  const registry = new ComponentRegistry();
  registry.register(builtinPlugin, 'built-in');
  const pluginProblems = await registerPlugins(sources, registry);
  await registry.load(namedTypes(sources));
  const { config, problems } = resolveConfig(sources, registry, { featureGates: gates.enabled });
  const all = [...gates.problems, ...sources.problems, ...pluginProblems, ...problems];
  const blocked = pluginProblems.length > 0 || errorsOf(gates.problems).length > 0;
  return { sources, registry, config: blocked ? undefined : config, problems: all };
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
