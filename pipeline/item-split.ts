/**
 * Batches (the batch processor's) and slices of large requests (receivers') are built from whole
 * ResourceSpans / ResourceLogs / ResourceMetrics entries of the inputs, by reference. Only where a batch boundary cuts through an entry are new container
 * objects made, each level copied with a slice of its children; items (spans, log records,
 * data points), resources and scopes are shared, never copied, and inputs are never modified.
 *
 * The three signals differ only in the levels between a resource entry and the items, so each
 * is described by a list of levels and one algorithm serves all.
 */
import type { Metric, ResourceLogs, ResourceMetrics, ResourceSpans, ScopeLogs, ScopeMetrics, ScopeSpans, Signal, SignalData } from './model.js';

type Node = object;

interface Level {
  children(node: Node): readonly unknown[];
  /** A copy of node with other children; all other fields shared. */
  withChildren(node: Node, children: unknown[]): Node;
}

export interface Shape<S extends Signal> {
  /** The resource entries of a payload. */
  top(data: SignalData[S]): readonly Node[];
  wrap(entries: Node[]): SignalData[S];
  /** From a resource entry down to the level whose children are the items. */
  levels: readonly Level[];
}

/** Typed where each level is defined; the algorithm below works on the erased form. */
function level<T extends object, C>(children: (n: T) => readonly C[], withChildren: (n: T, c: C[]) => T): Level {
  return { children: children as Level['children'], withChildren: withChildren as Level['withChildren'] };
}

export const SHAPES: { [S in Signal]: Shape<S> } = {
  traces: {
    top: (d) => d.resourceSpans,
    wrap: (entries) => ({ resourceSpans: entries as ResourceSpans[] }),
    levels: [
      level((rs: ResourceSpans) => rs.scopeSpans, (rs, scopeSpans: ScopeSpans[]) => ({ ...rs, scopeSpans })),
      level((ss: ScopeSpans) => ss.spans, (ss, spans) => ({ ...ss, spans })),
    ],
  },
  logs: {
    top: (d) => d.resourceLogs,
    wrap: (entries) => ({ resourceLogs: entries as ResourceLogs[] }),
    levels: [
      level((rl: ResourceLogs) => rl.scopeLogs, (rl, scopeLogs: ScopeLogs[]) => ({ ...rl, scopeLogs })),
      level((sl: ScopeLogs) => sl.logRecords, (sl, logRecords) => ({ ...sl, logRecords })),
    ],
  },
  metrics: {
    top: (d) => d.resourceMetrics,
    wrap: (entries) => ({ resourceMetrics: entries as ResourceMetrics[] }),
    levels: [
      level((rm: ResourceMetrics) => rm.scopeMetrics, (rm, scopeMetrics: ScopeMetrics[]) => ({ ...rm, scopeMetrics })),
      level((sm: ScopeMetrics) => sm.metrics, (sm, metrics: Metric[]) => ({ ...sm, metrics })),
      // Metrics split by data point: each part keeps the metric's name, type and temporality.
      level(
        (m: Metric) => m.data.dataPoints as readonly unknown[],
        (m, dataPoints) => ({ ...m, data: { ...m.data, dataPoints } as Metric['data'] }),
      ),
    ],
  },
};

/** Items under a node at the given depth. */
function countAt(levels: readonly Level[], node: Node, depth: number): number {
  const kids = levels[depth].children(node);
  if (depth === levels.length - 1) return kids.length;
  let n = 0;
  for (const k of kids) n += countAt(levels, k as Node, depth + 1);
  return n;
}

/**
 * Splits entries after the first `n` items, in order: [entries holding those n, the rest].
 * Entries wholly on one side are passed through; the one cut in two is copied as two parts.
 */
export function takeItems(levels: readonly Level[], entries: readonly Node[], n: number, depth = 0): [Node[], Node[]] {
  const head: Node[] = [];
  for (let i = 0; i < entries.length; i++) {
    if (n === 0) return [head, entries.slice(i)];
    const node = entries[i];
    const c = countAt(levels, node, depth);
    if (c <= n) {
      head.push(node);
      n -= c;
      continue;
    }
    const { children, withChildren } = levels[depth];
    const kids = children(node);
    const [h, t] = depth === levels.length - 1 ? [kids.slice(0, n), kids.slice(n)] : takeItems(levels, kids as Node[], n, depth + 1);
    head.push(withChildren(node, h));
    return [head, [withChildren(node, t), ...entries.slice(i + 1)]];
  }
  return [head, []];
}

/**
 * `data` in consecutive parts of at most `max` items each (one part, `data` itself, when it holds
 * no more). Entries are shared as takeItems shares them; `data` is not modified.
 */
export function* slicesOf<S extends Signal>(signal: S, data: SignalData[S], max: number): Generator<SignalData[S]> {
  const shape = SHAPES[signal] as Shape<S>;
  let rest = shape.top(data);
  if (max <= 0 || rest.reduce((n, e) => n + countAt(shape.levels, e, 0), 0) <= max) {
    yield data;
    return;
  }
  while (rest.length > 0) {
    const [head, tail] = takeItems(shape.levels, rest, max);
    yield shape.wrap(head);
    rest = tail;
  }
}
