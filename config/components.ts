import type { ComponentFactory, ComponentKind } from '../pipeline/component.js';
import type { ComponentRegistry } from '../pipeline/registry.js';
import { describeValue } from './describe.js';
import type { LoadedSources } from './load.js';
import { COMPONENT_SECTIONS, type ComponentSection, type ProblemList } from './problems.js';
import { checkAgainstSchema } from './schema-check.js';
import { didYouMean } from './suggest.js';
import { migrateRenamed, removedType, renamedType, upstreamDistribution } from './upstream-types.js';
import type { ResolvedComponent } from './types.js';
import { isMap } from './values.js';

/** A component id found in a section, whether or not it turned out valid. */
export interface DefinedComponent {
  id: string;
  section: ComponentSection;
  kind: ComponentKind;
  /** Absent when the type is unknown (already reported; later checks skip it). */
  factory?: ComponentFactory;
  /** Absent when anything about the component is wrong. */
  resolved?: ResolvedComponent;
}

export type Definitions = Record<ComponentSection, Map<string, DefinedComponent>>;

// Type as the registry accepts it; the name is anything without whitespace or control characters.
const COMPONENT_ID = /^([a-zA-Z][\w-]*)(?:\/([^\s\p{C}]+))?$/u;

/**
 * The component types the config's sections name, with the replacement of a type renamed
 * upstream: the ones whose deferred factories {@link ComponentRegistry.load} must import
 * before {@link resolveComponents}.
 */
export function namedTypes(src: LoadedSources): { kind: ComponentKind; type: string }[] {
  const out: { kind: ComponentKind; type: string }[] = [];
  for (const [section, kind] of Object.entries(COMPONENT_SECTIONS) as [ComponentSection, ComponentKind][]) {
    const body = src.value[section];
    if (!isMap(body)) continue;
    for (const id of Object.keys(body)) {
      const type = COMPONENT_ID.exec(id)?.[1];
      if (type === undefined) continue;
      out.push({ kind, type });
      const renamed = renamedType(kind, type);
      if (renamed) out.push({ kind, type: renamed.to });
    }
  }
  return out;
}

/** Looks every component up in the registry and validates its config against the factory's schema. */
export function resolveComponents(src: LoadedSources, registry: ComponentRegistry, problems: ProblemList): Definitions {
  const defs = {} as Definitions;
  for (const [section, kind] of Object.entries(COMPONENT_SECTIONS) as [ComponentSection, ComponentKind][]) {
    defs[section] = new Map();
    const body = src.value[section];
    if (body === undefined || body === null) continue;
    if (!isMap(body)) {
      problems.error([section], `expected a map of ${kind} ids to their config, got ${describeValue(body)}`);
      continue;
    }
    for (const [id, config] of Object.entries(body)) {
      defs[section].set(id, resolveOne(src, registry, problems, section, kind, id, config));
    }
  }
  checkAmbiguousIds(defs, problems);
  return defs;
}

function resolveOne(
  src: LoadedSources,
  registry: ComponentRegistry,
  problems: ProblemList,
  section: ComponentSection,
  kind: ComponentKind,
  id: string,
  raw: unknown,
): DefinedComponent {
  const path = [section, id];
  const defined: DefinedComponent = { id, section, kind };
  const m = COMPONENT_ID.exec(id);
  if (!m) {
    problems.error(path, `invalid ${kind} id "${id}": expected "type" or "type/name", e.g. otlp or otlp/internal`);
    return defined;
  }
  const renamed = renamedType(kind, m[1]);
  const entry = registry.get(kind, m[1]) ?? (renamed && registry.get(kind, renamed.to));
  if (!entry) {
    problems.error(path, unknownTypeMessage(registry, kind, m[1]));
    return defined;
  }
  if (entry.loadError !== undefined) {
    problems.error(path, `${kind} type "${entry.info.type}" (plugin "${entry.plugin}") cannot be loaded: ${entry.loadError}`);
    return defined;
  }
  const factory = entry.factory;
  if (!factory) throw new Error(`${kind} type "${entry.info.type}" is not loaded: ComponentRegistry.load(namedTypes(…)) comes before resolution`);
  if (renamed && factory.type === renamed.to && !registry.get(kind, m[1])) {
    const migrated = migrateRenamed(renamed, raw);
    raw = migrated.config;
    const notes = migrated.notes.length ? ` (${migrated.notes.join(', ')})` : '';
    problems.warn(path, `${kind} type "${m[1]}" is deprecated (removed upstream in ${renamed.removedIn}); loaded as its replacement "${renamed.to}"${notes}; rename it to ${renamed.to}`);
  }
  defined.factory = factory;
  // Components treat "debug:" (null) as "debug: {}"; the copy keeps the loaded document pristine.
  const config = raw === null || raw === undefined ? {} : structuredClone(raw);
  let ok = true;
  const fail = (rel: string[], message: string): void => {
    problems.error([...path, ...rel], message);
    ok = false;
  };
  try {
    for (const issue of checkAgainstSchema(factory.configSchema, config, { expandedText: (rel) => src.expandedText([...path, ...rel]) })) {
      fail(issue.path, issue.message);
    }
  } catch (err) {
    fail([], `the config schema of ${kind} type "${factory.type}" is broken (a bug in the component): ${(err as Error).message}`);
  }
  if (ok && factory.validate) {
    try {
      for (const v of factory.validate(config)) fail(v.path ? v.path.split('.') : [], v.message);
    } catch (err) {
      fail([], `validation failed: ${(err as Error).message}`);
    }
  }
  if (ok) {
    defined.resolved = { id, kind, type: factory.type, factory, config, location: src.locate(path), configDir: src.dirOf(path) };
  }
  return defined;
}

/** Why a type is not registered: removed upstream, an upstream component Summit lacks, or a typo. */
function unknownTypeMessage(registry: ComponentRegistry, kind: ComponentKind, type: string): string {
  const head = `unknown ${kind} type "${type}"`;
  const removed = removedType(kind, type);
  if (removed) return `${head}: ${removed.instead}`;
  const known = registry.list().filter((r) => r.info.kind === kind).map(({ info }) => (info.aliases?.length ? `${info.type} (alias ${info.aliases.join(', ')})` : info.type));
  const list = known.length ? `known ${kind} types: ${known.join(', ')}` : `no ${kind} types are registered`;
  const upstream = upstreamDistribution(kind, type);
  if (upstream) return `${head}: ${upstream} Summit does not have (yet); ${list}`;
  const names = registry.list().filter((r) => r.info.kind === kind).flatMap(({ info }) => [info.type, ...(info.aliases ?? [])]);
  return `${head}; ${list}${didYouMean(type, names)}`;
}

/** Like upstream: a pipeline's list could not tell a connector from a receiver or exporter of the same id. */
function checkAmbiguousIds(defs: Definitions, problems: ProblemList): void {
  for (const id of defs.connectors.keys()) {
    for (const section of ['receivers', 'exporters'] as const) {
      if (!defs[section].has(id)) continue;
      const other = COMPONENT_SECTIONS[section];
      problems.error(
        ['connectors', id],
        `ambiguous id "${id}": it names both a ${other} and a connector; rename one of them${id.includes('/') ? '' : ` (e.g. "${id}/connector")`}`,
      );
    }
  }
}
