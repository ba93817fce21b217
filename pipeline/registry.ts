import { PLUGIN_API_VERSION, type ComponentFactory, type ComponentKind, type Plugin } from './component.js';

export interface RegisteredFactory {
  factory: ComponentFactory;
  plugin: string;
}

export class PluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginError';
  }
}

/**
 * Every component type Summit knows, built-in or vendor, registered the same way: through
 * {@link ComponentRegistry.register} with a {@link Plugin}.
 */
export class ComponentRegistry {
  private readonly byKey = new Map<string, RegisteredFactory>();
  private readonly plugins = new Map<string, Plugin>();

  register(plugin: Plugin, source = plugin?.name): void {
    checkPluginShape(plugin, source);
    if (plugin.apiVersion !== PLUGIN_API_VERSION) {
      throw new PluginError(
        `plugin "${plugin.name}" (${source}) declares apiVersion ${plugin.apiVersion}, but this Summit supports apiVersion ${PLUGIN_API_VERSION}`,
      );
    }
    if (this.plugins.has(plugin.name)) return; // the same plugin listed twice loads once
    const pending = new Map<string, RegisteredFactory>();
    for (const factory of plugin.factories) {
      checkFactoryShape(factory, plugin.name);
      for (const type of [factory.type, ...(factory.aliases ?? [])]) {
        const key = `${factory.kind}:${type}`;
        const clash = this.byKey.get(key) ?? pending.get(key);
        if (clash) {
          throw new PluginError(
            `${factory.kind} type "${type}" from plugin "${plugin.name}" clashes with the one already registered by plugin "${clash.plugin}"`,
          );
        }
        pending.set(key, { factory, plugin: plugin.name });
      }
    }
    for (const [k, v] of pending) this.byKey.set(k, v);
    this.plugins.set(plugin.name, plugin);
  }

  get(kind: ComponentKind, type: string): RegisteredFactory | undefined {
    return this.byKey.get(`${kind}:${type}`);
  }

  /** Primary type names of a kind, sorted (aliases excluded). */
  types(kind: ComponentKind): string[] {
    const out = new Set<string>();
    for (const { factory } of this.byKey.values()) if (factory.kind === kind) out.add(factory.type);
    return [...out].sort();
  }

  /** Every registered factory once, with the plugin that brought it. */
  list(): RegisteredFactory[] {
    const seen = new Set<ComponentFactory>();
    const out: RegisteredFactory[] = [];
    for (const entry of this.byKey.values()) {
      if (seen.has(entry.factory)) continue;
      seen.add(entry.factory);
      out.push(entry);
    }
    return out.sort((a, b) => a.factory.kind.localeCompare(b.factory.kind) || a.factory.type.localeCompare(b.factory.type));
  }
}

function checkPluginShape(plugin: Plugin, source: string): void {
  if (!plugin || typeof plugin !== 'object') throw new PluginError(`${source}: a plugin module must export { name, apiVersion, factories }`);
  const missing = (['name', 'apiVersion', 'factories'] as const).filter((k) => plugin[k] === undefined);
  if (missing.length) throw new PluginError(`${source}: plugin is missing ${missing.join(', ')}; a plugin module exports { name, apiVersion, factories }`);
  if (typeof plugin.name !== 'string' || !plugin.name) throw new PluginError(`${source}: plugin "name" must be a non-empty string`);
  if (!Array.isArray(plugin.factories)) throw new PluginError(`plugin "${plugin.name}" (${source}): "factories" must be an array`);
}

const KINDS = new Set(['receiver', 'processor', 'exporter', 'connector', 'extension']);

function checkFactoryShape(f: ComponentFactory, plugin: string): void {
  const where = `plugin "${plugin}": factory ${f?.type ? `"${f.type}"` : '(unnamed)'}`;
  if (!f || typeof f.type !== 'string' || !/^[a-zA-Z][\w-]*$/.test(f.type)) throw new PluginError(`${where}: "type" must be a name like my_processor`);
  if (!KINDS.has(f.kind)) throw new PluginError(`${where}: "kind" must be one of receiver, processor, exporter, connector, extension`);
  if (typeof f.create !== 'function') throw new PluginError(`${where}: "create" must be a function`);
  if (!f.configSchema || typeof f.configSchema !== 'object') throw new PluginError(`${where}: "configSchema" must be a JSON schema object`);
  if (f.kind === 'connector' ? !Array.isArray(f.connects) : f.kind !== 'extension' && !Array.isArray(f.signals)) {
    throw new PluginError(`${where}: a ${f.kind} must declare ${f.kind === 'connector' ? '"connects"' : '"signals"'}`);
  }
}
