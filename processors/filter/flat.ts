/**
 * Upstream's newer flat condition lists — `trace_conditions`, `log_conditions`,
 * `metric_conditions`, `profile_conditions` — whose conditions name their context by path
 * prefix (`span.name == "x"`, `resource.attributes["k"] == "v"`), as strings or as groups
 * `{context, conditions}`. Each is folded into the per-context lists the processor runs.
 */
import { inferContext, OttlParseError, type OttlContext } from '../../pipeline/ottl/index.js';
import type { FilterConfig } from './config.js';

type Entry = string | { context?: string; conditions?: string[]; error_mode?: string };
export type FlatKey = 'trace_conditions' | 'log_conditions' | 'metric_conditions' | 'profile_conditions';

/** Per flat key: the section its conditions join, and the list each context's conditions go to. */
const PLACES: Record<FlatKey, { section: 'traces' | 'logs' | 'metrics' | 'profiles'; lists: Partial<Record<OttlContext, string>> }> = {
  trace_conditions: { section: 'traces', lists: { resource: 'resource', span: 'span', spanevent: 'spanevent' } },
  log_conditions: { section: 'logs', lists: { resource: 'resource', log: 'log_record' } },
  metric_conditions: { section: 'metrics', lists: { resource: 'resource', metric: 'metric', datapoint: 'datapoint' } },
  profile_conditions: { section: 'profiles', lists: { resource: 'resource', profile: 'profile' } },
};

const entrySchema = {
  anyOf: [
    { type: 'string' },
    {
      type: 'object',
      additionalProperties: false,
      required: ['conditions'],
      properties: { context: { type: 'string' }, conditions: { type: 'array', items: { type: 'string' } }, error_mode: { type: 'string' } },
    },
  ],
};
export const flatConditionsSchema = Object.fromEntries(
  (['trace_conditions', 'log_conditions', 'metric_conditions', 'profile_conditions'] as const).map((k) => [k, { type: 'array', items: entrySchema, description: 'conditions whose context is named by their path prefixes; a match drops the item' }]),
);

/** The config with its flat lists folded into the per-context lists, and what could not be placed. */
export function withFlatConditions(config: FilterConfig): { config: FilterConfig; problems: { path: string; message: string }[] } {
  const problems: { path: string; message: string }[] = [];
  const out = structuredClone(config) as FilterConfig & Record<string, unknown>;
  for (const [key, place] of Object.entries(PLACES) as [keyof typeof PLACES, (typeof PLACES)[keyof typeof PLACES]][]) {
    const entries = (config as Record<string, Entry[] | undefined>)[key] ?? [];
    const candidates = Object.keys(place.lists) as OttlContext[];
    entries.forEach((entry, i) => {
      const at = `${key}[${i}]`;
      const group = typeof entry === 'string' ? { conditions: [entry] } : entry;
      if (typeof entry !== 'string' && entry.error_mode !== undefined) {
        problems.push({ path: `${at}.error_mode`, message: 'a per-group error_mode is not supported by Summit; set error_mode on the processor' });
      }
      let context: OttlContext;
      try {
        context = group.context !== undefined ? checkedContext(group.context, candidates) : inferContext([], group.conditions ?? [], candidates);
      } catch (err) {
        problems.push({ path: at, message: err instanceof OttlParseError || err instanceof Error ? err.message : String(err) });
        return;
      }
      const section = ((out[place.section] as Record<string, string[]> | undefined) ?? {}) as Record<string, string[]>;
      const list = place.lists[context]!;
      section[list] = [...(section[list] ?? []), ...(group.conditions ?? [])];
      (out as Record<string, unknown>)[place.section] = section;
    });
    delete out[key];
  }
  return { config: out, problems };
}

function checkedContext(context: string, candidates: OttlContext[]): OttlContext {
  if (!(candidates as string[]).includes(context)) throw new Error(`context "${context}" cannot be used here; expected one of ${candidates.join(', ')}`);
  return context as OttlContext;
}
