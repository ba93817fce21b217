/**
 * Event conditions: log records, spans or span events matching OTTL conditions, counted per
 * group of `group_by` labels over a sliding window (new issue: `attributes["issue.new"] == true`;
 * issue frequency: more than N in 1h; failed build on the default branch: a span condition).
 */
import { parseDuration } from '../../pipeline/duration.js';
import type { Attributes, Logs, Traces } from '../../pipeline/model.js';
import { compileConditions, type Predicate } from '../../pipeline/ottl/index.js';
import { COMPARISONS, type Comparison, type Evaluation, type GroupResult } from './condition.js';
import { labelText } from './series.js';

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

interface Group {
  labels: Record<string, string>;
  times: number[];
}

/** Counts matching events per group; one per event rule. */
export class EventCounter {
  readonly context: EventContext;
  readonly windowMs: number;
  private readonly match: Predicate<unknown>;
  private readonly groups = new Map<string, Group>();
  private readonly holdsFor: (n: number) => boolean;
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
      while (drop < g.times.length && g.times[drop] <= from) drop++;
      if (drop) g.times.splice(0, drop);
      if (g.times.length === 0) {
        this.groups.delete(key);
        continue;
      }
      known.set(key, g.labels);
      if (this.holdsFor(g.times.length)) holds.set(key, { labels: g.labels, value: g.times.length });
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
    if (!g) this.groups.set(key, (g = { labels, times: [] }));
    g.times.push(now);
  }
}
