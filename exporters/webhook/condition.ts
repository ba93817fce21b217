/**
 * Metric conditions: a window function of a metric (selected by name and attributes), compared
 * with a threshold, per group of `group_by` labels; combined with `all` (AND), `any` (OR) and
 * `not`. A group holds when its value compares true; `not` holds for the groups the inner
 * condition does not, among the groups whose series exist.
 */
import { parseDuration } from '../../pipeline/duration.js';
import type { Series, SeriesStore } from './series.js';
import { hasSamples, windowValue, WINDOW_FUNCTIONS, type WindowFunction } from './window.js';

export const COMPARISONS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type Comparison = (typeof COMPARISONS)[number];

export interface SelectorConfig {
  metric: string;
  where?: Record<string, string>;
  function: WindowFunction;
  window: string;
}

export interface LeafConfig extends SelectorConfig {
  op?: Comparison;
  threshold?: number;
  divided_by?: SelectorConfig;
}

export type ConditionConfig = LeafConfig | { all: ConditionConfig[] } | { any: ConditionConfig[] } | { not: ConditionConfig };

export interface GroupResult {
  labels: Record<string, string>;
  value?: number;
}

export interface Evaluation {
  /** Groups for which the condition holds, by group key. */
  holds: Map<string, GroupResult>;
  /** Every group some selected series belongs to. */
  known: Map<string, Record<string, string>>;
}

export interface CompiledCondition {
  evaluate(store: SeriesStore, now: number): Evaluation;
  metrics: string[];
  longestWindowMs: number;
}

const LEAF_KEYS = new Set(['metric', 'where', 'function', 'window', 'op', 'threshold', 'divided_by']);

function checkLeafShape(c: Record<string, unknown>, path: string): void {
  for (const k of Object.keys(c)) if (!LEAF_KEYS.has(k)) throw new Error(`${path}: unknown key "${k}" (a condition is all, any, not, or metric/function/window/op/threshold)`);
  if (typeof c.metric !== 'string' || !c.metric) throw new Error(`${path}.metric: expected a metric name`);
  if (!WINDOW_FUNCTIONS.includes(c.function as WindowFunction)) throw new Error(`${path}.function: expected one of ${WINDOW_FUNCTIONS.join(', ')}`);
  if (typeof c.window !== 'string') throw new Error(`${path}.window: expected a duration such as 5m`);
  if (c.op !== undefined && !COMPARISONS.includes(c.op as Comparison)) throw new Error(`${path}.op: expected one of ${COMPARISONS.join(' ')}`);
  if (c.threshold !== undefined && typeof c.threshold !== 'number') throw new Error(`${path}.threshold: expected a number`);
  if (c.where !== undefined && (typeof c.where !== 'object' || c.where === null || Object.values(c.where).some((v) => typeof v !== 'string'))) {
    throw new Error(`${path}.where: expected a map of attribute names to string values`);
  }
}

/** Compiles a condition; throws naming the key path (`expr.all[1].window`) of what is wrong. */
export function compileCondition(c: ConditionConfig, groupBy: readonly string[], path = 'expr'): CompiledCondition {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new Error(`${path}: expected a condition (a map)`);
  const keys = Object.keys(c);
  if (('all' in c || 'any' in c || 'not' in c) && keys.length !== 1) throw new Error(`${path}: all, any and not stand alone in their map`);
  if ('all' in c || 'any' in c) {
    const list = 'all' in c ? c.all : c.any;
    if (!Array.isArray(list) || list.length === 0) throw new Error(`${path}.${keys[0]}: expected a non-empty list of conditions`);
  }
  if ('all' in c || 'any' in c) {
    const isAll = 'all' in c;
    const parts = (isAll ? c.all : (c as { any: ConditionConfig[] }).any).map((p, i) => compileCondition(p, groupBy, `${path}.${isAll ? 'all' : 'any'}[${i}]`));
    return {
      metrics: parts.flatMap((p) => p.metrics),
      longestWindowMs: Math.max(...parts.map((p) => p.longestWindowMs)),
      evaluate(store, now) {
        const evals = parts.map((p) => p.evaluate(store, now));
        const known = new Map<string, Record<string, string>>();
        for (const e of evals) for (const [k, v] of e.known) known.set(k, v);
        const holds = new Map<string, GroupResult>();
        if (isAll) {
          for (const [k, g] of evals[0].holds) if (evals.every((e) => e.holds.has(k))) holds.set(k, g);
        } else {
          for (const e of evals) for (const [k, g] of e.holds) if (!holds.has(k)) holds.set(k, g);
        }
        return { holds, known };
      },
    };
  }
  if ('not' in c) {
    const inner = compileCondition(c.not, groupBy, `${path}.not`);
    return {
      metrics: inner.metrics,
      longestWindowMs: inner.longestWindowMs,
      evaluate(store, now) {
        const e = inner.evaluate(store, now);
        const holds = new Map<string, GroupResult>();
        for (const [k, labels] of e.known) if (!e.holds.has(k)) holds.set(k, { labels });
        return { holds, known: e.known };
      },
    };
  }
  checkLeafShape(c as unknown as Record<string, unknown>, path);
  if (c.divided_by) checkLeafShape(c.divided_by as unknown as Record<string, unknown>, `${path}.divided_by`);
  return compileLeaf(c, groupBy, path);
}

interface Selector {
  metric: string;
  where: [string, string][];
  fn: WindowFunction;
  windowMs: number;
}

function selector(c: SelectorConfig, path: string): Selector {
  let windowMs: number;
  try {
    windowMs = parseDuration(c.window);
  } catch (err) {
    throw new Error(`${path}.window: ${(err as Error).message}`);
  }
  if (windowMs <= 0) throw new Error(`${path}.window: must be longer than 0`);
  return { metric: c.metric, where: Object.entries(c.where ?? {}), fn: c.function, windowMs };
}

function compileLeaf(c: LeafConfig, groupBy: readonly string[], path: string): CompiledCondition {
  const num = selector(c, path);
  const den = c.divided_by && selector(c.divided_by, `${path}.divided_by`);
  if (num.fn === 'absent') {
    if (c.op !== undefined || c.threshold !== undefined || den) throw new Error(`${path}: function absent takes no op, threshold or divided_by`);
  } else if (c.op === undefined || c.threshold === undefined) {
    throw new Error(`${path}: set op (one of ${COMPARISONS.join(' ')}) and threshold`);
  }
  if (den?.fn === 'absent') throw new Error(`${path}.divided_by.function: absent has no value to divide by`);
  const compare = comparator(c.op ?? '>', c.threshold ?? 0);
  return {
    metrics: den ? [num.metric, den.metric] : [num.metric],
    longestWindowMs: Math.max(num.windowMs, den?.windowMs ?? 0),
    evaluate(store, now) {
      const groups = groupSeries(store, num, groupBy);
      const known = new Map<string, Record<string, string>>();
      for (const [k, g] of groups) known.set(k, g.labels);
      const holds = new Map<string, GroupResult>();
      if (num.fn === 'absent') {
        if (groups.size === 0 && groupBy.length === 0) holds.set('', { labels: {} });
        for (const [k, g] of groups) if (!hasSamples(g.series, now, num.windowMs)) holds.set(k, { labels: g.labels });
        return { holds, known };
      }
      const denominators = den && groupSeries(store, den, groupBy);
      for (const [k, g] of groups) {
        let value = windowValue(num.fn, g.series, now, num.windowMs);
        if (value !== undefined && den) {
          const d = denominators!.get(k);
          const dv = d && windowValue(den.fn, d.series, now, den.windowMs);
          value = dv ? value / dv : undefined;
        }
        if (value !== undefined && compare(value)) holds.set(k, { labels: g.labels, value });
      }
      return { holds, known };
    },
  };
}

function comparator(op: Comparison, t: number): (v: number) => boolean {
  switch (op) {
    case '>':
      return (v) => v > t;
    case '>=':
      return (v) => v >= t;
    case '<':
      return (v) => v < t;
    case '<=':
      return (v) => v <= t;
    case '==':
      return (v) => v === t;
    case '!=':
      return (v) => v !== t;
  }
}

/** The selected series, by the key of their `group_by` labels. */
function groupSeries(store: SeriesStore, sel: Selector, groupBy: readonly string[]): Map<string, { labels: Record<string, string>; series: Series[] }> {
  const out = new Map<string, { labels: Record<string, string>; series: Series[] }>();
  outer: for (const s of store.seriesOf(sel.metric)) {
    for (const [k, v] of sel.where) if (s.labels[k] !== v) continue outer;
    let key = '';
    for (const name of groupBy) key += `${s.labels[name] ?? ''}\u0000`;
    let g = out.get(key);
    if (!g) {
      const labels: Record<string, string> = {};
      for (const name of groupBy) if (s.labels[name] !== undefined) labels[name] = s.labels[name];
      out.set(key, (g = { labels, series: [] }));
    }
    g.series.push(s);
  }
  return out;
}
