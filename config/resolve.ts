import type { ComponentRegistry } from '../pipeline/registry.js';
import { parseDuration } from '../pipeline/duration.js';
import { resolveComponents, type Definitions } from './components.js';
import { checkConnectors } from './connectors.js';
import { describeValue } from './describe.js';
import type { LoadedSources } from './load.js';
import { resolvePipelines, usageKey } from './pipelines.js';
import { COMPONENT_SECTIONS, ProblemList, sortProblems, type ComponentSection } from './problems.js';
import { didYouMean, unknownKeyMessage } from './suggest.js';
import { resolveTelemetry } from './telemetry.js';
import type { ConfigProblem, ResolvedComponent, ResolvedConfig } from './types.js';
import { isMap } from './values.js';

const TOP_LEVEL_KEYS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions', 'service', 'plugins'];
const SERVICE_KEYS = ['extensions', 'pipelines', 'telemetry', 'shutdown_timeout'];
const DEFAULT_SHUTDOWN_TIMEOUT = '30s';

/**
 * Validates a loaded config against the registered components. Reports every problem in one
 * pass; `config` is present only when none of them is an error.
 */
export function resolveConfig(
  src: LoadedSources,
  registry: ComponentRegistry,
  opts: { featureGates?: ReadonlySet<string> } = {},
): { config?: ResolvedConfig; problems: ConfigProblem[] } {
  const problems = new ProblemList(src);
  const root = src.value;
  for (const key of Object.keys(root)) if (!TOP_LEVEL_KEYS.includes(key)) problems.error([key], unknownKeyMessage(key, TOP_LEVEL_KEYS));
  checkPlugins(root.plugins, problems);

  const defs = resolveComponents(src, registry, problems);
  const service = root.service ?? {};
  const svc = isMap(service) ? service : {};
  if (!isMap(service)) problems.error(['service'], `expected a map, got ${describeValue(service)}`);
  for (const key of Object.keys(svc)) if (!SERVICE_KEYS.includes(key)) problems.error(['service', key], unknownKeyMessage(key, SERVICE_KEYS));

  const { pipelines, used } = resolvePipelines(svc.pipelines, defs, problems, opts.featureGates);
  checkConnectors(pipelines, defs, problems);
  const serviceExtensions = resolveServiceExtensions(svc.extensions, defs, problems);
  warnUnused(defs, used, serviceExtensions, problems);
  const telemetry = resolveTelemetry(svc.telemetry, problems);
  const shutdownTimeoutMs = resolveShutdownTimeout(svc.shutdown_timeout, problems);

  const sorted = sortProblems(problems.items, [...src.files, '--set']);
  if (problems.hasErrors) return { problems: sorted };
  const resolved = (section: ComponentSection): Map<string, ResolvedComponent> =>
    new Map([...defs[section]].map(([id, d]) => [id, d.resolved!]));
  return {
    config: {
      receivers: resolved('receivers'),
      processors: resolved('processors'),
      exporters: resolved('exporters'),
      connectors: resolved('connectors'),
      extensions: resolved('extensions'),
      pipelines: pipelines.map((p) => p.pipeline),
      serviceExtensions,
      telemetry,
      shutdownTimeoutMs,
    },
    problems: sorted,
  };
}

/** The packages themselves are loaded before resolution; here only their listing is checked. */
function checkPlugins(value: unknown, problems: ProblemList): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    problems.error(['plugins'], `expected a list of npm package names or paths, got ${describeValue(value)}`);
    return;
  }
  value.forEach((p: unknown, i) => {
    if (typeof p !== 'string' || p === '') problems.error(['plugins', String(i)], `expected an npm package name or a path, got ${describeValue(p)}`);
  });
}

function resolveServiceExtensions(value: unknown, defs: Definitions, problems: ProblemList): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.error(['service', 'extensions'], `expected a list of extension ids, got ${describeValue(value)}`);
    return [];
  }
  const out: string[] = [];
  const defined = [...defs.extensions.keys()];
  value.forEach((id: unknown, i) => {
    const at = ['service', 'extensions', String(i)];
    if (typeof id !== 'string') problems.error(at, `expected an extension id, got ${describeValue(id)}`);
    else if (out.includes(id)) problems.error(at, `"${id}" is listed twice in service.extensions`);
    else if (!defs.extensions.has(id)) {
      const list = defined.length ? `defined extensions: ${defined.join(', ')}` : 'no extensions are defined';
      problems.error(at, `extension "${id}" is not defined; ${list}${didYouMean(id, defined)}`);
    } else out.push(id);
  });
  return out;
}

function warnUnused(defs: Definitions, used: Set<string>, serviceExtensions: string[], problems: ProblemList): void {
  for (const section of Object.keys(COMPONENT_SECTIONS) as ComponentSection[]) {
    const kind = COMPONENT_SECTIONS[section];
    for (const [id, def] of defs[section]) {
      if (!def.factory) continue; // already an error; "unused" would only add noise
      if (section === 'extensions') {
        if (!serviceExtensions.includes(id)) problems.warn([section, id], `extension "${id}" is defined but not enabled under service.extensions, so it will not run`);
      } else if (!used.has(usageKey(section, id))) {
        problems.warn([section, id], `${kind} "${id}" is defined but not used in any pipeline, so it will not run`);
      }
    }
  }
}

function resolveShutdownTimeout(value: unknown, problems: ProblemList): number {
  const path = ['service', 'shutdown_timeout'];
  const text = value === undefined || value === null ? DEFAULT_SHUTDOWN_TIMEOUT : value;
  const fallback = parseDuration(DEFAULT_SHUTDOWN_TIMEOUT);
  if (typeof text !== 'string') {
    problems.error(path, `expected a duration, e.g. 200ms, 5s, 1m30s; got ${describeValue(text)}`);
    return fallback;
  }
  try {
    const ms = parseDuration(text);
    if (ms >= 0) return ms;
    problems.error(path, `must not be negative, got "${text}"`);
  } catch {
    problems.error(path, `expected a duration, e.g. 200ms, 5s, 1m30s; got ${describeValue(text)}`);
  }
  return fallback;
}
