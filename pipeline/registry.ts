import { isDeepStrictEqual } from 'node:util';
import { PLUGIN_API_VERSION, type ComponentFactory, type ComponentInfo, type ComponentKind, type DeferredFactory, type Plugin } from './component.js';

export interface RegisteredFactory {
  /** Type, kind, signals and stability: known without loading the component's module. */
  info: ComponentInfo;
  plugin: string;
  /** The factory itself: a plain factory from the start, a deferred one once {@link ComponentRegistry.load} imported it. */
  factory?: ComponentFactory;
  /** Why a deferred factory could not be loaded (its module threw, or it is not what was registered). */
  loadError?: string;
}

interface Entry extends RegisteredFactory {
  deferred?: DeferredFactory;
  loading?: Promise<void>;
}

export class PluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginError';
  }
}

/**
 * Every component type Summit knows, built-in or vendor, registered the same way: through
 * {@link ComponentRegistry.register} with a {@link Plugin}. Deferred factories are imported by
 * {@link ComponentRegistry.load} for the types a config names.
 */
export class ComponentRegistry {
  private readonly byKey = new Map<string, Entry>();
  private readonly plugins = new Map<string, Plugin>();

  register(plugin: Plugin, source = plugin?.name): void {
    checkPluginShape(plugin, source);
    if (plugin.apiVersion !== PLUGIN_API_VERSION) {
      throw new PluginError(
        `plugin "${plugin.name}" (${source}) declares apiVersion ${plugin.apiVersion}, but this Summit supports apiVersion ${PLUGIN_API_VERSION}`,
      );
    }
    if (this.plugins.has(plugin.name)) return; // the same plugin listed twice loads once
    const pending = new Map<string, Entry>();
    for (const factory of plugin.factories) {
      let entry: Entry;
      if (isDeferred(factory)) {
        checkInfoShape(factory, plugin.name);
        entry = { info: factory, plugin: plugin.name, deferred: factory };
      } else {
        checkFactoryShape(factory, plugin.name);
        entry = { info: factory, plugin: plugin.name, factory };
      }
      for (const type of [factory.type, ...(factory.aliases ?? [])]) {
        const key = `${factory.kind}:${type}`;
        const clash = this.byKey.get(key) ?? pending.get(key);
        if (clash) {
          throw new PluginError(
            `${factory.kind} type "${type}" from plugin "${plugin.name}" clashes with the one already registered by plugin "${clash.plugin}"`,
          );
        }
        pending.set(key, entry);
      }
    }
    for (const [k, v] of pending) this.byKey.set(k, v);
    this.plugins.set(plugin.name, plugin);
  }

  get(kind: ComponentKind, type: string): RegisteredFactory | undefined {
    return this.byKey.get(`${kind}:${type}`);
  }

  /**
   * Imports the deferred factories of these types (types not registered are left to config
   * resolution to report). Never rejects: a factory that fails to load keeps the reason in its
   * entry's `loadError`, so only a config that uses it fails.
   */
  async load(wanted: Iterable<{ kind: ComponentKind; type: string }>): Promise<void> {
    const entries = new Set<Entry>();
    for (const { kind, type } of wanted) {
      const entry = this.byKey.get(`${kind}:${type}`);
      if (entry?.deferred) entries.add(entry);
    }
    await Promise.all([...entries].map((e) => (e.loading ??= importFactory(e))));
  }

  /** Primary type names of a kind, sorted (aliases excluded). */
  types(kind: ComponentKind): string[] {
    const out = new Set<string>();
    for (const { info } of this.byKey.values()) if (info.kind === kind) out.add(info.type);
    return [...out].sort();
  }

  /** Every registered factory once, with the plugin that brought it. */
  list(): RegisteredFactory[] {
    return [...new Set(this.byKey.values())].sort((a, b) => a.info.kind.localeCompare(b.info.kind) || a.info.type.localeCompare(b.info.type));
  }
}

const INFO_KEYS = ['type', 'aliases', 'kind', 'signals', 'connects', 'stability'] as const;

async function importFactory(entry: Entry): Promise<void> {
  const { info, plugin } = entry;
  try {
    const factory = await entry.deferred!.load();
    checkFactoryShape(factory, plugin);
    const differing = INFO_KEYS.filter((k) => !isDeepStrictEqual(factory[k], info[k]));
    if (differing.length) throw new PluginError(`plugin "${plugin}" registered it with other ${differing.join(', ')} than its factory declares`);
    entry.factory = factory;
  } catch (err) {
    entry.loadError = err instanceof Error ? err.message : String(err);
  }
}

function isDeferred(f: ComponentFactory | DeferredFactory): f is DeferredFactory {
  return typeof (f as DeferredFactory)?.load === 'function';
}

function checkPluginShape(plugin: Plugin, source: string): void {
  if (!plugin || typeof plugin !== 'object') throw new PluginError(`${source}: a plugin module must export { name, apiVersion, factories }`);
  const missing = (['name', 'apiVersion', 'factories'] as const).filter((k) => plugin[k] === undefined);
  if (missing.length) throw new PluginError(`${source}: plugin is missing ${missing.join(', ')}; a plugin module exports { name, apiVersion, factories }`);
  if (typeof plugin.name !== 'string' || !plugin.name) throw new PluginError(`${source}: plugin "name" must be a non-empty string`);
  if (!Array.isArray(plugin.factories)) throw new PluginError(`plugin "${plugin.name}" (${source}): "factories" must be an array`);
}

const KINDS = new Set(['receiver', 'processor', 'exporter', 'connector', 'extension']);

/** What both plain and deferred factories declare when registered. */
function checkInfoShape(f: ComponentInfo, plugin: string): void {
  const where = `plugin "${plugin}": factory ${f?.type ? `"${f.type}"` : '(unnamed)'}`;
  if (!f || typeof f.type !== 'string' || !/^[a-zA-Z][\w-]*$/.test(f.type)) throw new PluginError(`${where}: "type" must be a name like my_processor`);
  if (!KINDS.has(f.kind)) throw new PluginError(`${where}: "kind" must be one of receiver, processor, exporter, connector, extension`);
  if (f.kind === 'connector' ? !Array.isArray(f.connects) : f.kind !== 'extension' && !Array.isArray(f.signals)) {
    throw new PluginError(`${where}: a ${f.kind} must declare ${f.kind === 'connector' ? '"connects"' : '"signals"'}`);
  }
}

function checkFactoryShape(f: ComponentFactory, plugin: string): void {
  checkInfoShape(f, plugin);
  const where = `plugin "${plugin}": factory "${f.type}"`;
  if (typeof f.create !== 'function') throw new PluginError(`${where}: "create" must be a function`);
  if (!f.configSchema || typeof f.configSchema !== 'object') throw new PluginError(`${where}: "configSchema" must be a JSON schema object`);
}
