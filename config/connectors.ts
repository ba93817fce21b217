import type { PipelineSignal } from '../pipeline/model.js';
import type { Definitions } from './components.js';
import type { PipelineRefs } from './pipelines.js';
import type { ProblemList } from './problems.js';

interface Edge {
  from: PipelineRefs;
  to: PipelineRefs;
  connector: string;
}

/**
 * Checks how connectors join pipelines: each is used on both sides, each side has a signal pair
 * the connector supports, and no chain of connectors leads a pipeline's data back into itself.
 */
export function checkConnectors(pipelines: PipelineRefs[], defs: Definitions, problems: ProblemList): void {
  const edges: Edge[] = [];
  for (const { id, factory } of defs.connectors.values()) {
    if (!factory) continue;
    const pairs = factory.connects ?? [];
    const supports = (a: PipelineSignal, b: PipelineSignal): boolean => pairs.some(([x, y]) => x === a && y === b);
    const pairText = pairs.length ? pairs.map(([a, b]) => `${a} -> ${b}`).join(', ') : 'none';
    const asExporter = pipelines.filter((p) => p.pipeline.exporters.includes(id));
    const asReceiver = pipelines.filter((p) => p.pipeline.receivers.includes(id));
    const names = (ps: PipelineRefs[]): string => ps.map((p) => p.pipeline.id).join(', ');
    if (asExporter.length === 0 && asReceiver.length === 0) continue; // unused: a warning, elsewhere
    if (asExporter.length === 0 || asReceiver.length === 0) {
      const [is, isNot] = asExporter.length ? ['an exporter', 'a receiver'] : ['a receiver', 'an exporter'];
      problems.error(
        ['connectors', id],
        `connector "${id}" is used as ${is} (in ${names([...asExporter, ...asReceiver])}) but not as ${isNot} in any pipeline; a connector must be both`,
      );
      continue;
    }
    for (const p of asExporter) {
      if (asReceiver.some((q) => supports(p.pipeline.signal, q.pipeline.signal))) continue;
      problems.error(
        p.entry('exporters', id),
        `connector "${id}" takes ${p.pipeline.signal} from pipeline "${p.pipeline.id}", but none of the pipelines it feeds (${names(asReceiver)}) has a signal it makes from ${p.pipeline.signal}; supported pairs: ${pairText}`,
      );
    }
    for (const q of asReceiver) {
      if (asExporter.some((p) => supports(p.pipeline.signal, q.pipeline.signal))) continue;
      problems.error(
        q.entry('receivers', id),
        `connector "${id}" feeds pipeline "${q.pipeline.id}" with ${q.pipeline.signal}, but none of the pipelines it takes data from (${names(asExporter)}) has a signal it turns into ${q.pipeline.signal}; supported pairs: ${pairText}`,
      );
    }
    for (const from of asExporter) {
      for (const to of asReceiver) if (supports(from.pipeline.signal, to.pipeline.signal)) edges.push({ from, to, connector: id });
    }
  }
  for (const cycle of findCycles(pipelines, edges)) {
    const text = [cycle[0].from.pipeline.id, ...cycle.flatMap((e) => [`connector ${e.connector}`, e.to.pipeline.id])].join(' -> ');
    problems.error(cycle[0].from.entry('exporters', cycle[0].connector), `cycle: ${text}; data would loop through these pipelines forever`);
  }
}

/** One cycle per strongly connected group of pipelines (Tarjan), starting at its first pipeline. */
function findCycles(pipelines: PipelineRefs[], edges: Edge[]): Edge[][] {
  const out = new Map<PipelineRefs, Edge[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const index = new Map<PipelineRefs, number>();
  const low = new Map<PipelineRefs, number>();
  const stack: PipelineRefs[] = [];
  const onStack = new Set<PipelineRefs>();
  const groups: PipelineRefs[][] = [];
  const visit = (v: PipelineRefs): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const { to } of out.get(v) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: PipelineRefs[] = [];
      let w: PipelineRefs;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      groups.push(group);
    }
  };
  for (const p of pipelines) if (!index.has(p)) visit(p);

  const cycles: Edge[][] = [];
  for (const group of groups) {
    const members = new Set(group);
    const start = pipelines.find((p) => members.has(p))!;
    const selfLoop = (out.get(start) ?? []).find((e) => e.to === start);
    if (group.length === 1 && !selfLoop) continue;
    cycles.push(selfLoop ? [selfLoop] : shortestLoop(start, members, out));
  }
  return cycles;
}

/** Breadth-first from `start` back to itself, inside one strongly connected group. */
function shortestLoop(start: PipelineRefs, members: Set<PipelineRefs>, out: Map<PipelineRefs, Edge[]>): Edge[] {
  const via = new Map<PipelineRefs, Edge>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const e of out.get(v) ?? []) {
      if (!members.has(e.to)) continue;
      if (e.to === start) {
        const loop = [e];
        for (let cur = v; cur !== start; cur = via.get(cur)!.from) loop.unshift(via.get(cur)!);
        return loop;
      }
      if (!via.has(e.to)) {
        via.set(e.to, e);
        queue.push(e.to);
      }
    }
  }
  return []; // unreachable: every member of a group reaches every other
}
