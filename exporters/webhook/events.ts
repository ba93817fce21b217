/**
 * Event conditions: log records, spans or span events matching OTTL conditions, counted per
 * group of `group_by` labels over a sliding window (new issue: `attributes["issue.new"] == true`;
 * issue frequency: more than N in 1h; failed build on the default branch: a span condition).
 */
import { parseDuration } from '../../pipeline/duration.js';
import type { Attributes, Logs, Traces } from '../../pipeline/model.js';
import { compileConditions, type Predicate } from '../../pipeline/ottl/index.js';
import { COMPARISONS, type Comparison, type Evaluation, type GroupResult } from './condition.js';
import { trimmed, type LoadedWindow, type RuleStateFile, type TrackedWindow } from './rule-state.js';
import { labelText, type NumberSample } from './series.js';

export const EVENT_CONTEXTS = ['log', 'span', 'spanevent'] as const;
export type EventContext = (typeof EVENT_CONTEXTS)[number];

export interface EventConditionConfig {
  context: EventContext;
  condition: string | string[];
  window: string;
  /** Holds when the count in the window compares true with `threshold` (default `> 0`). */
  op?: Comparison;
  threshold?: number;
}

export const eventConditionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['context', 'condition', 'window'],
  properties: {
    context: { type: 'string', enum: [...EVENT_CONTEXTS] },
    condition: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
    window: { type: 'string' },
    op: { type: 'string', enum: [...COMPARISONS] },
    threshold: { type: 'number' },
  },
};

/** A group's matching events: a count per arrival time (one batch's events arrive at once). */
interface Group extends TrackedWindow {
  samples: NumberSample[];
  /** The sum of the counts in `samples`. */
  total: number;
}

/** Counts matching events per group; one per event rule. */
export class EventCounter {
  readonly context: EventContext;
  readonly windowMs: number;
  private readonly match: Predicate<unknown>;
  private readonly groups = new Map<string, Group>();
  private readonly holdsFor: (n: number) => boolean;
  /** State-file ids of groups whose window emptied since the last save. */
  private readonly emptied: number[] = [];
  /** OTTL runtime errors (indexing a non-map...) count as no match; how many there were. */
  runtimeErrors = 0;

  constructor(
    c: EventConditionConfig,
    private readonly groupBy: readonly string[],
    path: string,
  ) {
    this.context = c.context;
    try {
      this.windowMs = parseDuration(c.window);
    } catch (err) {
      throw new Error(`${path}.window: ${(err as Error).message}`);
    }
    try {
      this.match = compileConditions(Array.isArray(c.condition) ? c.condition : [c.condition], c.context, { onError: () => this.runtimeErrors++ }) as Predicate<unknown>;
    } catch (err) {
      throw new Error(`${path}.condition: ${(err as Error).message}`);
    }
    const t = c.threshold ?? 0;
    const ops: Record<Comparison, (n: number) => boolean> = { '>': (n) => n > t, '>=': (n) => n >= t, '<': (n) => n < t, '<=': (n) => n <= t, '==': (n) => n === t, '!=': (n) => n !== t };
    this.holdsFor = ops[c.op ?? '>'];
  }

  ingestLogs(logs: Logs, now: number): void {
    if (this.context !== 'log') return;
    for (const rl of logs.resourceLogs) {
      for (const sl of rl.scopeLogs) {
        for (const log of sl.logRecords) {
          if (this.match({ log, scope: sl.scope, resource: rl.resource })) this.count([log.attributes, rl.resource.attributes], now);
        }
      }
    }
  }

  ingestTraces(traces: Traces, now: number): void {
    if (this.context === 'log') return;
    const match = this.match;
    for (const rs of traces.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          if (this.context === 'span') {
            if (match({ span, scope: ss.scope, resource: rs.resource })) this.count([span.attributes, rs.resource.attributes], now);
          } else {
            for (const event of span.events) {
              if (match({ event, span, scope: ss.scope, resource: rs.resource })) this.count([event.attributes, span.attributes, rs.resource.attributes], now);
            }
          }
        }
      }
    }
  }

  evaluate(now: number): Evaluation {
    const from = now - this.windowMs;
    const holds = new Map<string, GroupResult>();
    const known = new Map<string, Record<string, string>>();
    for (const [key, g] of this.groups) {
      let drop = 0;
      while (drop < g.samples.length && g.samples[drop].t <= from) g.total -= g.samples[drop++].v;
      if (drop) {
        g.samples.splice(0, drop);
        trimmed(g, drop);
      }
      if (g.samples.length === 0) {
        if (g.id) this.emptied.push(g.id);
        this.groups.delete(key);
        continue;
      }
      known.set(key, g.labels);
      if (this.holdsFor(g.total)) holds.set(key, { labels: g.labels, value: g.total });
    }
    return { holds, known };
  }

  private count(scopes: Attributes[], now: number): void {
    const labels: Record<string, string> = {};
    let key = '';
    for (const name of this.groupBy) {
      const found = scopes.find((a) => a.has(name));
      const v = found ? labelText(found.get(name)!) : '';
      if (found) labels[name] = v;
      key += `${v}\u0000`;
    }
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { labels, samples: [], total: 0, id: 0, firstSeq: 0, unsaved: 0, headSavedAt: 0 }));
    g.total++;
    const last = g.samples[g.samples.length - 1];
    if (last?.t === now) {
      last.v++;
      g.unsaved ||= 1;
    } else {
      g.samples.push({ t: now, v: 1 });
      g.unsaved++;
    }
  }

  /** Writes the counts that changed since the last save, as the rule `alert`'s. */
  saveTo(file: RuleStateFile, alert: string): void {
    for (const g of this.groups.values()) file.window('rule', alert, g);
    for (const id of this.emptied.splice(0)) file.removeWindow(id);
  }

  /** Puts back the groups saved before a restart. */
  restore(windows: readonly LoadedWindow[]): void {
    for (const { id, firstSeq, labels, samples, headSavedAt } of windows) {
      const counts = samples as NumberSample[];
      const key = this.groupBy.map((name) => `${labels[name] ?? ''}\u0000`).join('');
      this.groups.set(key, { labels, samples: counts, total: counts.reduce((n, x) => n + x.v, 0), id, firstSeq, unsaved: 0, headSavedAt });
    }
  }
}
