import { anyValueAsString } from '../../pipeline/anyvalue.js';
import type { ComponentFactory, ComponentInstance, Consumer, CreateContext, NextConsumers } from '../../pipeline/component.js';
import { permanentError } from '../../pipeline/errors.js';
import { cloneAttributes } from '../../pipeline/model-ops.js';
import {
  AggregationTemporality,
  type AnyValue,
  type Attributes,
  type Logs,
  type Metric,
  type Metrics,
  type NumberDataPoint,
  type Resource,
  type ResourceMetrics,
  type Signal,
  type Traces,
} from '../../pipeline/model.js';
import {
  compileConditions,
  OttlRuntimeError,
  type ContextItems,
  type DataPointItem,
  type LogItem,
  type MetricItem,
  type OttlContext,
  type Predicate,
  type SpanEventItem,
} from '../../pipeline/ottl/index.js';
import { downstreamFor } from '../internal/downstream.js';
import { problemsError } from '../internal/values.js';
import { countConfigSchema, metricInfosOf, validateCountConfig, type CountConfig, type Section } from './config.js';

export { countConfigSchema, metricInfosOf, SECTIONS, validateCountConfig, type AttributeConfig, type CountConfig, type MetricInfo } from './config.js';

export const SCOPE_NAME = 'otelcol/countconnector';

/** A compiled metric definition. */
interface MetricDef<I> {
  name: string;
  description: string;
  /** undefined: count every item. */
  matches: Predicate<I> | undefined;
  attributes: { key: string; default: AnyValue | undefined }[];
}

interface Point {
  attributes: Attributes;
  count: number;
}

/** Runtime errors of one batch: the first, and how many. */
interface Errors {
  first?: OttlRuntimeError;
  count: number;
}

/** Upstream's default_value: a string, an int or a float; "" and 0 count as no default. */
function defaultOf(v: string | number | null | undefined): AnyValue | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && v !== 0) return Number.isInteger(v) ? BigInt(v) : v;
  return undefined;
}

/** Ints and doubles keep their type; strings stay; anything else becomes its string form. */
function attributeValue(v: AnyValue): string | bigint | number {
  if (typeof v === 'string' || typeof v === 'bigint' || typeof v === 'number') return v;
  return anyValueAsString(v);
}

function keyPart(v: string | bigint | number): string {
  return typeof v === 'string' ? `s${v.length}:${v}` : typeof v === 'bigint' ? `i${v};` : `d${v};`;
}

function compileSection<C extends OttlContext>(config: CountConfig, section: Section, context: C): MetricDef<ContextItems[C]>[] {
  return metricInfosOf(config, section).map(([name, info]) => ({
    name,
    description: info.description ?? '',
    matches: info.conditions?.length ? compileConditions(info.conditions, context) : undefined,
    attributes: (info.attributes ?? []).map((a) => ({ key: a.key, default: defaultOf(a.default_value) })),
  }));
}

/** Counts of one kind of item within one resource. */
class Counter<I> {
  private readonly points: Map<string, Point>[];
  private start = 0n;
  private end = 0n;

  constructor(
    private readonly defs: MetricDef<I>[],
    private readonly errors: Errors,
  ) {
    this.points = defs.map(() => new Map());
  }

  /** Widens the interval the counts cover; 0 (unset) is ignored. */
  time(ts: bigint): void {
    if (ts === 0n) return;
    if (this.start === 0n || ts < this.start) this.start = ts;
    if (ts > this.end) this.end = ts;
  }

  /**
   * Counts one item for every definition whose attributes it has (or has defaults for) and whose
   * conditions match. Attributes are looked up on the item, then its scope, then its resource.
   */
  count(item: I, attrs: Attributes | undefined, scopeAttrs: Attributes, resourceAttrs: Attributes): void {
    const defs = this.defs;
    next: for (let d = 0; d < defs.length; d++) {
      const def = defs[d];
      let key = '';
      let values: (string | bigint | number)[] | undefined;
      if (def.attributes.length) {
        values = [];
        for (const a of def.attributes) {
          let v = attrs?.get(a.key);
          if (v === undefined) v = scopeAttrs.get(a.key);
          if (v === undefined) v = resourceAttrs.get(a.key);
          if (v === undefined) v = a.default;
          if (v === undefined) continue next; // as upstream: an item missing an attribute is not counted
          const value = attributeValue(v);
          values.push(value);
          key += keyPart(value);
        }
      }
      if (def.matches) {
        try {
          if (!def.matches(item)) continue;
        } catch (err) {
          if (!(err instanceof OttlRuntimeError)) throw err;
          if (this.errors.count++ === 0) this.errors.first = err;
          continue;
        }
      }
      const points = this.points[d];
      let p = points.get(key);
      if (!p) {
        const attributes: Attributes = new Map();
        def.attributes.forEach((a, i) => attributes.set(a.key, values![i]));
        points.set(key, (p = { attributes, count: 0 }));
      }
      p.count++;
    }
  }

  /** Appends one delta, monotonic Sum per definition that counted anything. */
  appendTo(metrics: Metric[], nowNs: bigint): void {
    const start = this.start === 0n ? nowNs : this.start;
    const end = this.start === 0n ? nowNs : this.end;
    this.defs.forEach((def, d) => {
      const points = this.points[d];
      if (points.size === 0) return;
      const dataPoints: NumberDataPoint[] = [...points.values()].map((p) => ({
        attributes: p.attributes,
        startTimeUnixNano: start,
        timeUnixNano: end,
        value: BigInt(p.count),
        exemplars: [],
        flags: 0,
      }));
      metrics.push({
        name: def.name,
        description: def.description,
        unit: '',
        metadata: new Map(),
        // The delta value is always positive, so a value accumulated downstream is monotonic (as upstream).
        data: { type: 'sum', aggregationTemporality: AggregationTemporality.Delta, isMonotonic: true, dataPoints },
      });
    });
  }
}

function resourceMetrics(resource: Resource, metrics: Metric[]): ResourceMetrics {
  return {
    resource: { attributes: cloneAttributes(resource.attributes), droppedAttributesCount: resource.droppedAttributesCount },
    schemaUrl: '',
    scopeMetrics: [{ scope: { name: SCOPE_NAME, version: '', attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', metrics }],
  };
}

export interface CountOptions {
  /** The clock (Unix ns) for counts whose items carry no timestamps; default the system clock. */
  now?: () => bigint;
}

/** Creates the connector; the factory's create() with a replaceable clock. */
export function createCountConnector(ctx: CreateContext, raw: CountConfig, next: NextConsumers, options: CountOptions = {}): ComponentInstance {
  const config = raw ?? {};
  const problems = validateCountConfig(config);
  if (problems.length) throw problemsError(ctx.id, problems);
  const downstream = downstreamFor(ctx.id, 'metrics', next);
  const now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);

  const spans = compileSection(config, 'spans', 'span');
  const spanEvents = compileSection(config, 'spanevents', 'spanevent');
  const metricDefs = compileSection(config, 'metrics', 'metric');
  const dataPoints = compileSection(config, 'datapoints', 'datapoint');
  const logs = compileSection(config, 'logs', 'log');

  /** Sends the counts, or fails the batch as upstream does when a condition could not be evaluated. */
  const deliver = async (out: ResourceMetrics[], errors: Errors): Promise<void> => {
    if (errors.first) {
      const more = errors.count > 1 ? ` (and ${errors.count - 1} more)` : '';
      throw permanentError(`count connector ${ctx.id}: ${errors.first.message}${more}`, errors.first);
    }
    if (out.length) await downstream.consume({ resourceMetrics: out } satisfies Metrics);
  };

  const consumers: { [S in Signal]: Consumer<S> } = {
    traces: {
      async consume(data: Traces) {
        const errors: Errors = { count: 0 };
        const out: ResourceMetrics[] = [];
        const t = now();
        // one mutable item per batch: conditions only read it
        const item = { span: undefined, event: undefined, scope: undefined, resource: undefined } as unknown as SpanEventItem;
        for (const rs of data.resourceSpans) {
          const spanCounter = new Counter(spans, errors);
          const eventCounter = new Counter(spanEvents, errors);
          const resAttrs = rs.resource.attributes;
          item.resource = rs.resource;
          for (const ss of rs.scopeSpans) {
            item.scope = ss.scope;
            const scopeAttrs = ss.scope.attributes;
            for (const span of ss.spans) {
              item.span = span;
              spanCounter.time(span.startTimeUnixNano);
              spanCounter.time(span.endTimeUnixNano);
              spanCounter.count(item, span.attributes, scopeAttrs, resAttrs);
              for (const event of span.events) {
                item.event = event;
                eventCounter.time(event.timeUnixNano);
                eventCounter.count(item, event.attributes, scopeAttrs, resAttrs);
              }
            }
          }
          const metrics: Metric[] = [];
          spanCounter.appendTo(metrics, t);
          eventCounter.appendTo(metrics, t);
          if (metrics.length) out.push(resourceMetrics(rs.resource, metrics));
        }
        await deliver(out, errors);
      },
    },
    metrics: {
      async consume(data: Metrics) {
        const errors: Errors = { count: 0 };
        const out: ResourceMetrics[] = [];
        const t = now();
        const item = { metric: undefined, dataPoint: undefined, scope: undefined, resource: undefined } as unknown as DataPointItem & MetricItem;
        for (const rm of data.resourceMetrics) {
          const metricCounter = new Counter(metricDefs, errors);
          const pointCounter = new Counter(dataPoints, errors);
          const resAttrs = rm.resource.attributes;
          item.resource = rm.resource;
          for (const sm of rm.scopeMetrics) {
            item.scope = sm.scope;
            const scopeAttrs = sm.scope.attributes;
            for (const metric of sm.metrics) {
              item.metric = metric;
              for (const dp of metric.data.dataPoints) metricCounter.time(dp.timeUnixNano);
              metricCounter.count(item, undefined, scopeAttrs, resAttrs);
              for (const dp of metric.data.dataPoints as DataPointItem['dataPoint'][]) {
                item.dataPoint = dp;
                pointCounter.time(dp.timeUnixNano);
                pointCounter.count(item, dp.attributes, scopeAttrs, resAttrs);
              }
            }
          }
          const metrics: Metric[] = [];
          metricCounter.appendTo(metrics, t);
          pointCounter.appendTo(metrics, t);
          if (metrics.length) out.push(resourceMetrics(rm.resource, metrics));
        }
        await deliver(out, errors);
      },
    },
    logs: {
      async consume(data: Logs) {
        const errors: Errors = { count: 0 };
        const out: ResourceMetrics[] = [];
        const t = now();
        const item = { log: undefined, scope: undefined, resource: undefined } as unknown as LogItem;
        for (const rl of data.resourceLogs) {
          const counter = new Counter(logs, errors);
          const resAttrs = rl.resource.attributes;
          item.resource = rl.resource;
          for (const sl of rl.scopeLogs) {
            item.scope = sl.scope;
            const scopeAttrs = sl.scope.attributes;
            for (const log of sl.logRecords) {
              item.log = log;
              counter.time(log.timeUnixNano === 0n ? log.observedTimeUnixNano : log.timeUnixNano);
              counter.count(item, log.attributes, scopeAttrs, resAttrs);
            }
          }
          const metrics: Metric[] = [];
          counter.appendTo(metrics, t);
          if (metrics.length) out.push(resourceMetrics(rl.resource, metrics));
        }
        await deliver(out, errors);
      },
    },
  };

  const wired: NextConsumers = {};
  for (const signal of ctx.signals) (wired as Record<Signal, Consumer>)[signal] = consumers[signal] as Consumer;
  return { consumers: wired, mutatesData: false };
}

/**
 * Upstream's `count` connector: counts spans, span events, metrics, data points and log records —
 * all of them, or those matching OTTL conditions, optionally per attribute values — as delta sums.
 */
export const countConnectorFactory: ComponentFactory<CountConfig> = {
  type: 'count',
  kind: 'connector',
  connects: [
    ['traces', 'metrics'],
    ['metrics', 'metrics'],
    ['logs', 'metrics'],
  ],
  stability: 'alpha',
  configSchema: countConfigSchema,
  validate: validateCountConfig,
  create: (ctx, config, next) => createCountConnector(ctx, config, next),
};
