import { anyValueAsString, anyValueTypeName } from '../../pipeline/anyvalue.js';
import { cloneAnyValue, cloneAttributes } from '../../pipeline/model-ops.js';
import { cutText } from '../../pipeline/text-limit.js';
import {
  AggregationTemporality,
  type AnyValue,
  type Attributes,
  type Exemplar,
  type InstrumentationScope,
  type Metric,
  type Metrics,
  type NumberDataPoint,
  type ResourceMetrics,
  type Span,
  type Traces,
} from '../../pipeline/model.js';
import { SERVICE_NAME, SPAN_KIND, SPAN_NAME, STATUS_CODE, type Dimension, type ResolvedSpanMetricsConfig } from './config.js';
import { ExponentialHistogram } from './expohisto.js';

export const SCOPE_NAME = 'spanmetricsconnector';
export const OVERFLOW_ATTRIBUTE = 'otel.metric.overflow';
export const SCOPE_NAME_ATTRIBUTE = 'span.instrumentation.scope.name';
export const SCOPE_VERSION_ATTRIBUTE = 'span.instrumentation.scope.version';

const SPAN_KIND_STR = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODE_STR = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** Where the next level of a series trie keeps bytes / array / kvlist values (keyed by their text). */
const NON_SCALAR = Symbol('non-scalar');
/** Where the last level of a series trie keeps the series. */
const LEAF = Symbol('series');

// A trie level is keyed by the dimension's value itself (string, bigint, number, boolean, null for
// an empty value, undefined for an omitted dimension): no key string is built per span.
type TrieNode = Map<unknown, unknown>;

function nonScalarKey(v: AnyValue): string {
  return `${anyValueTypeName(v)}:${anyValueAsString(v)}`;
}

class ExplicitHistogram {
  readonly counts: Float64Array;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  constructor(private readonly bounds: number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    // first bound >= v: buckets are upper-inclusive, (bounds[i-1], bounds[i]]
    const b = this.bounds;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (b[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    this.counts[lo]++;
  }
}

type Histogram = ExplicitHistogram | ExponentialHistogram;

interface RawExemplar {
  traceId: string;
  spanId: string;
  value: number;
  timeUnixNano: bigint;
}

/** One data point series: a combination of dimension values within a resource and a metric family. */
interface Series {
  attributes: Attributes;
  /** The dimension values it is keyed by, to rebuild the trie after series are removed. */
  key: unknown[];
  startTimeUnixNano: bigint;
  /** Date.now() of the last span, for metrics_expiration. */
  lastSeenMs: number;
  /** Whether a span arrived since the last flush (delta emits only these). */
  touched: boolean;
  count: number;
  histogram: Histogram | undefined;
  exemplars: RawExemplar[] | undefined;
}

type LevelKind = 'service' | 'name' | 'kind' | 'status' | 'dimension' | 'scopeName' | 'scopeVersion';

/**
 * The series of one metric family: calls and duration share one family unless calls_dimensions or
 * histogram.dimensions set them apart; events have their own.
 */
interface FamilyDef {
  role: 'calls+duration' | 'calls' | 'duration' | 'events';
  count: boolean;
  histogram: boolean;
  dimensions: Dimension[];
  levels: { kind: LevelKind; attribute: string }[];
}

interface SeriesSet {
  root: TrieNode;
  list: Series[];
  overflow: Series | undefined;
}

interface ResourceState {
  key: string;
  attributes: Attributes;
  sets: SeriesSet[];
  warnedOverflow: boolean;
}

const emptySet = (): SeriesSet => ({ root: new Map(), list: [], overflow: undefined });

/**
 * The state of the spanmetrics connector: aggregates spans into series per resource, and turns
 * them into OTLP metrics on flush. Not thread-safe by design: Node runs it on one thread, and both
 * aggregate() and flush() are synchronous.
 */
export class SpanMetricsAggregator {
  private readonly families: FamilyDef[];
  private readonly resources = new Map<string, ResourceState>();
  /** Resources pushed out by resource_metrics_cache_size: flushed once more, then forgotten. */
  private evicted: ResourceState[] = [];
  private readonly scratch: unknown[] = [];
  /** Per family, per dimension: the resource's value or the default, for the ResourceSpans at hand. */
  private readonly fallbacks: unknown[][];
  private readonly temporality: AggregationTemporality;
  private readonly divider: number;
  private readonly withService: boolean;
  private readonly withName: boolean;
  private readonly withKind: boolean;
  private readonly withStatus: boolean;

  /** Called once per resource the first time its cardinality limit sends spans to the overflow series. */
  onOverflow: (resource: Attributes) => void = () => undefined;

  constructor(private readonly config: ResolvedSpanMetricsConfig) {
    const c = config;
    this.withService = !c.exclude.has(SERVICE_NAME);
    this.withName = !c.exclude.has(SPAN_NAME);
    this.withKind = !c.exclude.has(SPAN_KIND);
    this.withStatus = !c.exclude.has(STATUS_CODE);
    const histogram = !c.histogram.disable;
    const families: Omit<FamilyDef, 'levels'>[] = [];
    if (c.callsDimensions.length === 0 && c.histogramDimensions.length === 0) {
      families.push({ role: 'calls+duration', count: true, histogram, dimensions: c.dimensions });
    } else {
      families.push({ role: 'calls', count: true, histogram: false, dimensions: [...c.dimensions, ...unseen(c.dimensions, c.callsDimensions)] });
      if (histogram) families.push({ role: 'duration', count: false, histogram: true, dimensions: [...c.dimensions, ...unseen(c.dimensions, c.histogramDimensions)] });
    }
    if (c.eventsEnabled) {
      families.push({ role: 'events', count: true, histogram: false, dimensions: [...c.dimensions, ...unseen(c.dimensions, c.eventDimensions)] });
    }
    this.families = families.map((f) => ({ ...f, levels: this.levelsOf(f.dimensions) }));
    this.fallbacks = this.families.map((f) => new Array(f.dimensions.length));
    this.temporality = c.delta ? AggregationTemporality.Delta : AggregationTemporality.Cumulative;
    this.divider = c.histogram.unit === 's' ? 1e9 : 1e6;
  }

  private levelsOf(dimensions: Dimension[]): FamilyDef['levels'] {
    const ex = this.config.exclude;
    const levels: FamilyDef['levels'] = [];
    if (!ex.has(SERVICE_NAME)) levels.push({ kind: 'service', attribute: SERVICE_NAME });
    if (!ex.has(SPAN_NAME)) levels.push({ kind: 'name', attribute: SPAN_NAME });
    if (!ex.has(SPAN_KIND)) levels.push({ kind: 'kind', attribute: SPAN_KIND });
    if (!ex.has(STATUS_CODE)) levels.push({ kind: 'status', attribute: STATUS_CODE });
    for (const d of dimensions) levels.push({ kind: 'dimension', attribute: d.name });
    if (this.config.includeScope.size) {
      levels.push({ kind: 'scopeName', attribute: SCOPE_NAME_ATTRIBUTE }, { kind: 'scopeVersion', attribute: SCOPE_VERSION_ATTRIBUTE });
    }
    return levels;
  }

  /** Number of live series (every resource, every family, overflow included): for tests and telemetry. */
  seriesCount(): number {
    let n = 0;
    for (const r of [...this.evicted, ...this.resources.values()]) for (const s of r.sets) n += s.list.length + (s.overflow ? 1 : 0);
    return n;
  }

  resourceCount(): number {
    return this.resources.size;
  }

  /** Adds a batch of spans. `nowNs` stamps new series (their start time); `nowMs` their last-seen time. */
  aggregate(traces: Traces, nowNs: bigint, nowMs: number): void {
    const c = this.config;
    const families = this.families;
    const exemplarsOn = c.exemplars.enabled;
    const maxExemplars = c.exemplars.maxPerDataPoint;
    const divider = this.divider;
    const vals = this.scratch;
    for (const rs of traces.resourceSpans) {
      const resAttrs = rs.resource.attributes;
      const service = resAttrs.get(SERVICE_NAME);
      if (service === undefined) continue; // as upstream: spans of a resource without service.name are not counted
      const serviceName = typeof service === 'string' ? service : anyValueAsString(service);
      const state = this.resourceFor(resAttrs);
      for (let f = 0; f < families.length; f++) {
        const dims = families[f].dimensions;
        const fb = this.fallbacks[f];
        for (let i = 0; i < dims.length; i++) {
          const v = resAttrs.get(dims[i].name);
          fb[i] = v === undefined ? dims[i].default : this.limited(v);
        }
      }
      const includeScopes = c.includeScope.size > 0;
      for (const ss of rs.scopeSpans) {
        const scope = ss.scope;
        const scopeIncluded = includeScopes && c.includeScope.has(scope.name);
        for (const span of ss.spans) {
          const ns = span.endTimeUnixNano - span.startTimeUnixNano;
          const duration = ns > 0n ? Number(ns) / divider : 0;
          const exemplar = exemplarsOn && span.traceId !== '';
          const spanAttrs = span.attributes;
          // the default dimensions lead every family's key: written once per span
          const prefix = this.fillDefaults(serviceName, span);
          for (let f = 0; f < families.length; f++) {
            const fam = families[f];
            if (fam.role === 'events') {
              if (span.events.length) this.aggregateEvents(state, f, prefix, span, scope, scopeIncluded, duration, nowNs, nowMs);
              continue;
            }
            let n = prefix;
            const dims = fam.dimensions;
            const fb = this.fallbacks[f];
            for (let i = 0; i < dims.length; i++) {
              const v = spanAttrs.get(dims[i].name);
              vals[n++] = v === undefined ? fb[i] : this.limited(v);
            }
            if (includeScopes) n = pushScope(vals, n, scopeIncluded, scope);
            const set = state.sets[f];
            const series = find(set.root, vals, n) ?? this.create(state, set, fam, n, nowNs);
            series.lastSeenMs = nowMs;
            series.touched = true;
            series.count++;
            if (series.histogram) series.histogram.observe(duration);
            if (exemplar) {
              const ex = (series.exemplars ??= []);
              if (ex.length < maxExemplars) ex.push({ traceId: span.traceId, spanId: span.spanId, value: duration, timeUnixNano: span.endTimeUnixNano });
            }
          }
        }
      }
    }
  }

  /** Writes the default dimensions (service.name, span.name, span.kind, status.code; unless excluded) into the scratch keys. */
  private fillDefaults(service: string, span: Span): number {
    const vals = this.scratch;
    let n = 0;
    if (this.withService) vals[n++] = this.limited(service) as string;
    if (this.withName) vals[n++] = this.limited(span.name) as string;
    if (this.withKind) vals[n++] = span.kind;
    if (this.withStatus) vals[n++] = span.status.code;
    return n;
  }

  private aggregateEvents(
    state: ResourceState,
    f: number,
    prefix: number,
    span: Span,
    scope: InstrumentationScope,
    scopeIncluded: boolean,
    duration: number,
    nowNs: bigint,
    nowMs: number,
  ): void {
    const fam = this.families[f];
    const vals = this.scratch;
    const dims = fam.dimensions;
    const fb = this.fallbacks[f];
    const set = state.sets[f];
    const exemplar = this.config.exemplars.enabled && span.traceId !== '';
    const includeScopes = this.config.includeScope.size > 0;
    for (const event of span.events) {
      let n = prefix;
      for (let i = 0; i < dims.length; i++) {
        const name = dims[i].name;
        let v = span.attributes.get(name);
        if (v === undefined) v = event.attributes.get(name);
        vals[n++] = v === undefined ? fb[i] : this.limited(v);
      }
      if (includeScopes) n = pushScope(vals, n, scopeIncluded, scope);
      const series = find(set.root, vals, n) ?? this.create(state, set, fam, n, nowNs);
      series.lastSeenMs = nowMs;
      series.touched = true;
      series.count++;
      if (exemplar) {
        const ex = (series.exemplars ??= []);
        if (ex.length < this.config.exemplars.maxPerDataPoint) {
          ex.push({ traceId: span.traceId, spanId: span.spanId, value: duration, timeUnixNano: span.endTimeUnixNano });
        }
      }
    }
  }

  /**
   * A dimension value as series keep it: strings over max_value_bytes cut (a series, and the
   * key that finds it, would otherwise hold a multi-megabyte span name for as long as it lives).
   */
  private limited(v: AnyValue): AnyValue {
    return typeof v === 'string' ? cutText(v, this.config.maxValueBytes) : v;
  }

  /** The state of a resource (grouped by all its attributes, or resource_metrics_key_attributes). */
  private resourceFor(resource: Attributes): ResourceState {
    const attrs = this.limitedAttributes(resource);
    const key = resourceKey(attrs, this.config.resourceKeyAttributes);
    let state = this.resources.get(key);
    if (state) {
      // most recently seen last: the first entry is the one to evict
      this.resources.delete(key);
      this.resources.set(key, state);
      return state;
    }
    if (this.resources.size >= this.config.resourceCacheSize) {
      const [oldestKey, oldest] = this.resources.entries().next().value as [string, ResourceState];
      this.resources.delete(oldestKey);
      this.evicted.push(oldest);
    }
    state = { key, attributes: cloneAttributes(attrs), sets: this.families.map(emptySet), warnedOverflow: false };
    this.resources.set(key, state);
    return state;
  }

  /** Resource attributes with long strings cut, or the same map when none is long. */
  private limitedAttributes(attrs: Attributes): Attributes {
    let out: Attributes | undefined;
    for (const [k, v] of attrs) {
      const cut = this.limited(v);
      if (cut !== v) (out ??= new Map(attrs)).set(k, cut);
    }
    return out ?? attrs;
  }

  private create(state: ResourceState, set: SeriesSet, fam: FamilyDef, n: number, nowNs: bigint): Series {
    const limit = this.config.cardinalityLimit;
    if (limit > 0 && set.list.length >= limit) {
      if (!set.overflow) {
        set.overflow = newSeries(new Map([[OVERFLOW_ATTRIBUTE, true]]), [], nowNs, fam, this.config);
        if (!state.warnedOverflow) {
          state.warnedOverflow = true;
          this.onOverflow(state.attributes);
        }
      }
      return set.overflow;
    }
    const key = this.scratch.slice(0, n);
    const series = newSeries(attributesOf(fam, key), key, nowNs, fam, this.config);
    insert(set.root, key, series);
    set.list.push(series);
    return series;
  }

  /**
   * Builds the metrics of every resource, as of `nowNs`, and resets what the temporality says to:
   * delta forgets counts (and series that saw no span since the last flush), cumulative keeps them
   * and drops only series idle for metrics_expiration. Exemplars last one flush. Returns undefined
   * when there is nothing to send.
   */
  flush(nowNs: bigint, nowMs: number): Metrics | undefined {
    const out: ResourceMetrics[] = [];
    const states = [...this.evicted, ...this.resources.values()];
    const evicted = new Set(this.evicted);
    this.evicted = [];
    for (const state of states) {
      if (!this.config.delta && this.config.expirationMs > 0) this.expire(state, nowMs);
      const metrics = this.buildMetrics(state, nowNs);
      if (metrics.length) {
        out.push({
          resource: { attributes: cloneAttributes(state.attributes), droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeMetrics: [{ scope: { name: SCOPE_NAME, version: '', attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', metrics }],
        });
      }
      this.afterFlush(state, nowNs);
      if (!evicted.has(state) && state.sets.every((s) => s.list.length === 0 && !s.overflow)) this.resources.delete(state.key);
    }
    return out.length ? { resourceMetrics: out } : undefined;
  }

  private expire(state: ResourceState, nowMs: number): void {
    const expMs = this.config.expirationMs;
    for (const set of state.sets) {
      const before = set.list.length;
      set.list = set.list.filter((s) => nowMs - s.lastSeenMs < expMs);
      if (set.list.length !== before) rebuild(set);
      if (set.overflow && nowMs - set.overflow.lastSeenMs >= expMs) set.overflow = undefined;
    }
  }

  private afterFlush(state: ResourceState, nowNs: bigint): void {
    for (let f = 0; f < state.sets.length; f++) {
      const set = state.sets[f];
      const fam = this.families[f];
      if (this.config.delta) {
        // A delta series that saw no span in the window was not sent and is forgotten; the others
        // start their next window now.
        const before = set.list.length;
        set.list = set.list.filter((s) => s.touched);
        if (set.list.length !== before) rebuild(set);
        if (set.overflow && !set.overflow.touched) set.overflow = undefined;
        for (const s of eachSeries(set)) {
          s.touched = false;
          s.count = 0;
          s.exemplars = undefined;
          s.startTimeUnixNano = nowNs;
          if (s.histogram) s.histogram = newHistogram(fam, this.config);
        }
      } else {
        for (const s of eachSeries(set)) {
          s.touched = false;
          s.exemplars = undefined;
        }
      }
    }
  }

  private buildMetrics(state: ResourceState, nowNs: bigint): Metric[] {
    const calls: NumberDataPoint[] = [];
    const events: NumberDataPoint[] = [];
    const durations: Series[] = [];
    const delta = this.config.delta;
    for (let f = 0; f < state.sets.length; f++) {
      const fam = this.families[f];
      for (const s of eachSeries(state.sets[f])) {
        if (delta && !s.touched) continue;
        if (fam.count) (fam.role === 'events' ? events : calls).push(numberPoint(s, nowNs));
        if (fam.histogram) durations.push(s);
      }
    }
    const ns = this.config.namespace;
    const name = (n: string): string => (ns ? `${ns}.${n}` : n);
    const temporality = this.temporality;
    const metrics: Metric[] = [];
    if (calls.length) {
      metrics.push({ name: name('calls'), description: '', unit: '', metadata: new Map(), data: { type: 'sum', dataPoints: calls, aggregationTemporality: temporality, isMonotonic: true } });
    }
    if (durations.length) {
      const unit = this.config.histogram.unit;
      const data: Metric['data'] = this.config.histogram.exponential
        ? { type: 'exponentialHistogram', aggregationTemporality: temporality, dataPoints: durations.map((s) => exponentialPoint(s, nowNs)) }
        : { type: 'histogram', aggregationTemporality: temporality, dataPoints: durations.map((s) => explicitPoint(s, nowNs, this.config.histogram.bounds)) };
      metrics.push({ name: name('duration'), description: '', unit, metadata: new Map(), data });
    }
    if (events.length) {
      metrics.push({ name: name('events'), description: '', unit: '', metadata: new Map(), data: { type: 'sum', dataPoints: events, aggregationTemporality: temporality, isMonotonic: true } });
    }
    return metrics;
  }
}

function unseen(base: Dimension[], extra: Dimension[]): Dimension[] {
  const names = new Set(base.map((d) => d.name));
  return extra.filter((d) => !names.has(d.name) && (names.add(d.name), true));
}

function pushScope(vals: unknown[], n: number, included: boolean, scope: InstrumentationScope): number {
  vals[n++] = included ? scope.name : undefined;
  vals[n++] = included ? scope.version : undefined;
  return n;
}

function find(root: TrieNode, vals: unknown[], n: number): Series | undefined {
  let node: TrieNode | undefined = root;
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    node =
      typeof v === 'object' && v !== null
        ? ((node.get(NON_SCALAR) as TrieNode | undefined)?.get(nonScalarKey(v as AnyValue)) as TrieNode | undefined)
        : (node.get(v) as TrieNode | undefined);
    if (node === undefined) return undefined;
  }
  return node.get(LEAF) as Series | undefined;
}

function insert(root: TrieNode, key: unknown[], series: Series): void {
  let node = root;
  for (const v of key) {
    let holder = node;
    let k: unknown = v;
    if (typeof v === 'object' && v !== null) {
      let other = node.get(NON_SCALAR) as TrieNode | undefined;
      if (!other) node.set(NON_SCALAR, (other = new Map()));
      holder = other;
      k = nonScalarKey(v as AnyValue);
    }
    let next = holder.get(k) as TrieNode | undefined;
    if (!next) holder.set(k, (next = new Map()));
    node = next;
  }
  node.set(LEAF, series);
}

function rebuild(set: SeriesSet): void {
  set.root = new Map();
  for (const s of set.list) insert(set.root, s.key, s);
}

function* eachSeries(set: SeriesSet): Generator<Series> {
  yield* set.list;
  if (set.overflow) yield set.overflow;
}

function attributesOf(fam: FamilyDef, key: unknown[]): Attributes {
  const attrs: Attributes = new Map();
  fam.levels.forEach((level, i) => {
    const v = key[i];
    switch (level.kind) {
      case 'kind':
        attrs.set(level.attribute, SPAN_KIND_STR[v as number] ?? '');
        break;
      case 'status':
        attrs.set(level.attribute, STATUS_CODE_STR[v as number] ?? '');
        break;
      default:
        if (v !== undefined) attrs.set(level.attribute, cloneAnyValue(v as AnyValue));
    }
  });
  return attrs;
}

function newHistogram(fam: FamilyDef, c: ResolvedSpanMetricsConfig): Histogram | undefined {
  if (!fam.histogram) return undefined;
  return c.histogram.exponential ? new ExponentialHistogram(c.histogram.maxSize) : new ExplicitHistogram(c.histogram.bounds);
}

function newSeries(attributes: Attributes, key: unknown[], nowNs: bigint, fam: FamilyDef, c: ResolvedSpanMetricsConfig): Series {
  return { attributes, key, startTimeUnixNano: nowNs, lastSeenMs: 0, touched: false, count: 0, histogram: newHistogram(fam, c), exemplars: undefined };
}

function exemplarsOf(s: Series): Exemplar[] {
  return (s.exemplars ?? []).map((e) => ({ filteredAttributes: new Map(), timeUnixNano: e.timeUnixNano, value: e.value, spanId: e.spanId, traceId: e.traceId }));
}

function numberPoint(s: Series, nowNs: bigint): NumberDataPoint {
  return { attributes: cloneAttributes(s.attributes), startTimeUnixNano: s.startTimeUnixNano, timeUnixNano: nowNs, value: BigInt(s.count), exemplars: exemplarsOf(s), flags: 0 };
}

function explicitPoint(s: Series, nowNs: bigint, bounds: number[]) {
  const h = s.histogram as ExplicitHistogram;
  return {
    attributes: cloneAttributes(s.attributes),
    startTimeUnixNano: s.startTimeUnixNano,
    timeUnixNano: nowNs,
    count: h.count,
    sum: h.sum,
    bucketCounts: Array.from(h.counts),
    explicitBounds: bounds.slice(),
    exemplars: exemplarsOf(s),
    flags: 0,
    ...(h.count ? { min: h.min, max: h.max } : {}),
  };
}

function exponentialPoint(s: Series, nowNs: bigint) {
  const h = s.histogram as ExponentialHistogram;
  return {
    attributes: cloneAttributes(s.attributes),
    startTimeUnixNano: s.startTimeUnixNano,
    timeUnixNano: nowNs,
    count: h.count,
    sum: h.sum,
    scale: h.scale,
    zeroCount: h.zeroCount,
    positive: { offset: h.positive.offset, bucketCounts: h.positive.counts.slice() },
    negative: { offset: h.negative.offset, bucketCounts: h.negative.counts.slice() },
    flags: 0,
    exemplars: exemplarsOf(s),
    zeroThreshold: 0,
    ...(h.count ? { min: h.min, max: h.max } : {}),
  };
}

/**
 * A resource's identity: its attributes (all, or only the key attributes), sorted, each value
 * tagged with its type and length-prefixed so that no two different sets give the same text.
 */
export function resourceKey(attrs: Attributes, only: readonly string[]): string {
  const keys = only.length ? only.filter((k) => attrs.has(k)) : [...attrs.keys()];
  keys.sort();
  let out = '';
  for (const k of keys) out += `${k.length}:${k}${encodeValue(attrs.get(k) as AnyValue)}`;
  return out;
}

function encodeValue(v: AnyValue): string {
  switch (typeof v) {
    case 'string':
      return `s${v.length}:${v}`;
    case 'bigint':
      return `i${v};`;
    case 'number':
      return `d${v};`;
    case 'boolean':
      return v ? 'T' : 'F';
  }
  if (v === null) return 'n';
  const text = nonScalarKey(v);
  return `x${text.length}:${text}`;
}
