import { PIPELINE_SIGNALS, SIGNALS, type PipelineSignal } from '../pipeline/model.js';
import type { DefinedComponent, Definitions } from './components.js';
import { describeValue } from './describe.js';
import type { ComponentSection, ProblemList } from './problems.js';
import { didYouMean, unknownKeyMessage } from './suggest.js';
import type { ResolvedPipeline } from './types.js';
import { isMap } from './values.js';

export type PipelineList = 'receivers' | 'processors' | 'exporters';
const LISTS: readonly PipelineList[] = ['receivers', 'processors', 'exporters'];

/** Which sections an entry of each pipeline list may name, in lookup order. */
const SOURCES: Record<PipelineList, ComponentSection[]> = {
  receivers: ['receivers', 'connectors'],
  processors: ['processors'],
  exporters: ['exporters', 'connectors'],
};

export interface PipelineRefs {
  pipeline: ResolvedPipeline;
  /** Document path of the entry naming `id` in one of the pipeline's lists. */
  entry(list: PipelineList, id: string): string[];
}

export interface PipelinesResult {
  pipelines: PipelineRefs[];
  /** Components named by some pipeline, as `section/id`. */
  used: Set<string>;
}

export const usageKey = (section: ComponentSection, id: string): string => `${section}\u0000${id}`;

const BASE = ['service', 'pipelines'];

/** Checks `service.pipelines`: ids, shape, and that every entry names a defined component that supports the signal. */
export function resolvePipelines(value: unknown, defs: Definitions, problems: ProblemList, gates: ReadonlySet<string> = new Set()): PipelinesResult {
  const used = new Set<string>();
  const pipelines: PipelineRefs[] = [];
  if (value === undefined || value === null || (isMap(value) && Object.keys(value).length === 0)) {
    problems.error(BASE, 'service must have at least one pipeline');
    return { pipelines, used };
  }
  if (!isMap(value)) {
    problems.error(BASE, `expected a map of pipeline ids to pipelines, got ${describeValue(value)}`);
    return { pipelines, used };
  }
  for (const [id, body] of Object.entries(value)) {
    const refs = resolvePipeline(id, body, defs, problems, used, gates);
    if (refs) pipelines.push(refs);
  }
  return { pipelines, used };
}

function resolvePipeline(id: string, body: unknown, defs: Definitions, problems: ProblemList, used: Set<string>, gates: ReadonlySet<string>): PipelineRefs | undefined {
  const path = [...BASE, id];
  const slash = id.indexOf('/');
  const signal = slash < 0 ? id : id.slice(0, slash);
  if (slash >= 0 && slash === id.length - 1) {
    problems.error(path, `invalid pipeline id "${id}": expected "<signal>" or "<signal>/<name>", e.g. traces or traces/2`);
    return undefined;
  }
  const known = gates.has(PROFILES_GATE) ? PIPELINE_SIGNALS : SIGNALS;
  if (!(known as readonly string[]).includes(signal)) {
    const gate = signal === PROFILES ? ` without --feature-gates=${PROFILES_GATE}` : '';
    problems.error(path, `signal "${signal}" is not supported${gate}; supported: ${known.join(', ')}${didYouMean(signal, known)}`);
    // Its components are still "used": warning that they are not would only add noise.
    if (isMap(body)) for (const list of LISTS) for (const ref of asArray(body[list])) markUsed(ref, list, defs, used);
    return undefined;
  }
  if (body !== null && !isMap(body)) {
    problems.error(path, `expected a map with receivers, processors and exporters; got ${describeValue(body)}`);
    return undefined;
  }
  const map = body ?? {};
  for (const key of Object.keys(map)) if (!(LISTS as readonly string[]).includes(key)) problems.error([...path, key], unknownKeyMessage(key, LISTS));

  const index = new Map<string, number>();
  const lists = {} as Record<PipelineList, string[]>;
  for (const list of LISTS) {
    lists[list] = readList(list, map[list], path, signal as PipelineSignal, defs, problems, used, index);
  }
  return {
    pipeline: { id, signal: signal as PipelineSignal, ...lists, location: problems.locate(path) },
    entry: (list, ref) => [...path, list, String(index.get(`${list}\u0000${ref}`) ?? 0)],
  };
}

function readList(
  list: PipelineList,
  raw: unknown,
  path: string[],
  signal: PipelineSignal,
  defs: Definitions,
  problems: ProblemList,
  used: Set<string>,
  index: Map<string, number>,
): string[] {
  const singular = list.slice(0, -1);
  const required = list !== 'processors';
  if (raw === undefined || raw === null) {
    if (required) problems.error(path, `missing required key "${list}": a pipeline needs at least one ${singular}`);
    return [];
  }
  if (!Array.isArray(raw)) {
    problems.error([...path, list], `expected a list of component ids, got ${describeValue(raw)}`);
    return [];
  }
  if (raw.length === 0 && required) problems.error([...path, list], `must list at least one ${singular}`);
  const ids: string[] = [];
  raw.forEach((ref: unknown, i) => {
    const at = [...path, list, String(i)];
    if (typeof ref !== 'string') {
      problems.error(at, `expected a component id, got ${describeValue(ref)}`);
      return;
    }
    if (index.has(`${list}\u0000${ref}`)) {
      problems.error(at, `"${ref}" is listed twice in ${list}`);
      return;
    }
    index.set(`${list}\u0000${ref}`, i);
    const def = markUsed(ref, list, defs, used);
    if (!def) {
      problems.error(at, undefinedMessage(list, ref, defs));
      return;
    }
    ids.push(ref);
    const signals = def.factory?.signals;
    if (def.section !== 'connectors' && signals && !signals.includes(signal)) {
      problems.error(at, `${def.kind} "${ref}" does not support ${signal}; it supports: ${signals.join(', ') || 'no signal'}`);
    }
  });
  return ids;
}

const PROFILES = 'profiles';
const PROFILES_GATE = 'service.profilesSupport';

function markUsed(ref: unknown, list: PipelineList, defs: Definitions, used: Set<string>): DefinedComponent | undefined {
  if (typeof ref !== 'string') return undefined;
  for (const section of SOURCES[list]) {
    const def = defs[section].get(ref);
    if (def) {
      used.add(usageKey(section, ref));
      return def;
    }
  }
  return undefined;
}

function undefinedMessage(list: PipelineList, ref: string, defs: Definitions): string {
  const sections = SOURCES[list];
  const candidates = sections.flatMap((s) => [...defs[s].keys()]);
  const defined = sections.map((s) => (defs[s].size ? `defined ${s}: ${[...defs[s].keys()].join(', ')}` : `no ${s} defined`)).join('; ');
  const elsewhere = (Object.keys(defs) as ComponentSection[]).find((s) => !sections.includes(s) && defs[s].has(ref));
  const misplaced = elsewhere ? `; "${ref}" is defined under ${elsewhere}, which cannot be listed in a pipeline's ${list}` : '';
  return `${list.slice(0, -1)} "${ref}" is not defined; ${defined}${misplaced}${didYouMean(ref, candidates)}`;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
