/**
 * The exporter's state: every series it serves, accumulated as upstream's prometheusexporter
 * accumulator does (last value for gauges and cumulative data, delta sums and histograms added
 * up into cumulative ones), and kept in the shape a scrape renders fastest: one family per
 * Prometheus metric name, each series holding its final, escaped label text (which is also its
 * key). A scrape reuses each family's rendered bytes unless one of its series changed since, so
 * its cost follows what changed, not what is held; a changed family re-renders from per-series
 * prefixes (`name{labels} `) computed once.
 */
import type { Logger } from 'pino';
import { anyValueAsString } from '../../pipeline/anyvalue.js';
import {
  AggregationTemporality,
  type AnyValue,
  type Attributes,
  type Exemplar,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type Metric,
  type Metrics,
  type NumberDataPoint,
  type ResourceMetrics,
  type ScopeMetrics,
  type SummaryDataPoint,
} from '../../pipeline/model.js';
import type { PrometheusSettings } from './config.js';
import { deflatePiece, gzipOf, type DeflatedPiece } from './gzip.js';
import { boundLabel, escapeHelp, escapeLabelValue, formatTimestamp, formatValue, openMetricsFloat } from './format.js';
import { escapeName, LabelNameCache, metricName, overLimit, shown, type MetricNamer, type TranslatorType } from './naming.js';
import { utf8LongerThan } from '../../pipeline/text-limit.js';

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

/** Which exposition a cached rendering was made for. */
export enum Format {
  Text = 0,
  OpenMetrics = 1,
}

/** pmetric's FLAG_NO_RECORDED_VALUE: the series ended; upstream drops it. */
const NO_RECORDED_VALUE = 1;

interface StoredExemplar {
  value: number | bigint;
  timeNs: bigint;
  traceId: string;
  spanId: string;
}

interface SeriesBase {
  /** Escaped, sorted label text without braces (`a="1",b="2"`); also the series' key. */
  labels: string;
  /** Date.now() of the last update, for metric_expiration. */
  updatedMs: number;
  startNs: bigint;
  timeNs: bigint;
  /** Histograms and summaries: the rendered lines, for `cacheFormat`; undefined after a change. */
  text: string | undefined;
  cacheFormat: Format;
}

interface NumberSeries extends SeriesBase {
  kind: 'number';
  value: number | bigint;
  exemplars: StoredExemplar[];
  /** `name{labels} `, made on first render. */
  prefix: string | undefined;
}

interface HistogramSeries extends SeriesBase {
  kind: 'histogram';
  count: number;
  sum: number;
  bounds: number[];
  counts: number[];
  exemplars: StoredExemplar[];
}

interface Buckets {
  offset: number;
  counts: number[];
}

interface ExpHistogramSeries extends SeriesBase {
  kind: 'exponential';
  count: number;
  sum: number;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: Buckets;
  negative: Buckets;
  exemplars: StoredExemplar[];
}

interface SummarySeries extends SeriesBase {
  kind: 'summary';
  count: number;
  sum: number;
  quantiles: [number, number][];
}

type Series = NumberSeries | HistogramSeries | ExpHistogramSeries | SummarySeries;

interface Family {
  /** The exposition name (with suffixes, escaped). */
  name: string;
  type: FamilyType;
  help: string;
  series: Map<string, Series>;
  headers: [string | undefined, string | undefined];
  /** The family's rendered bytes per format; dropped when any of its series changes. */
  chunks: [Buffer | undefined, Buffer | undefined];
  /** The compressed piece holding the family's bytes (with neighbours'), per format. */
  pieces: [Piece | undefined, Piece | undefined];
  /** No series was updated before this (a lower bound), so expiry can skip the family. */
  oldestMs: number;
}

/** Consecutive families' bytes compressed together; invalid once any of them changes. */
interface Piece {
  members: Family[];
  deflated: Promise<DeflatedPiece>;
  valid: boolean;
}

/** Families are compressed in runs of about this many bytes: few calls, parallel on the thread pool. */
const PIECE_BYTES = 1 << 20;

/**
 * How to write the label text for data points whose attribute keys come in one order: literal
 * pieces (names, scope/resource/config labels, already escaped) around the attribute values.
 */
interface LabelPlan {
  keys: string[];
  /** The series-key prefix shared by every point written with this plan. */
  layout: Layout;
  /** lits[i] comes before values[i]; one more literal than values. */
  lits: string[];
  /** Attribute indexes per value; several when their names collide (joined with `;`). */
  values: (number | number[])[];
}

/**
 * A (scope/resource/config labels, attribute keys) combination, numbered: a series' key is its
 * layout's number and its attribute values — short, so finding a series is cheap — while its
 * full label text is written once, when the series is created.
 */
interface Layout {
  id: string;
  lastUsedMs: number;
}

/** What every data point of one ScopeMetrics shares: labels from scope, resource and config. */
interface ScopeContext {
  /** [label name, escaped value], deduplicated, applied over the data point's attributes. */
  extras: [string, string][];
  /** The extras as one string, for naming layouts. */
  sig: string;
  plans: Map<string, LabelPlan | Error>;
  last: LabelPlan | undefined;
  /** A scope, resource or config label over a length limit: no series of this scope is served. */
  overLimit?: Error;
}

/** What every ScopeMetrics of one ResourceMetrics shares. */
interface ResourceContext {
  job?: string;
  instance?: string;
  /** [label name, escaped value]: the resource's attributes when resource_to_telemetry_conversion is on. */
  pairs: [string, string][];
  key?: string;
  overLimit?: Error;
}

const TARGET_INFO = 'target_info';
const EOF = Buffer.from('# EOF\n');
let EOF_DEFLATED: Promise<DeflatedPiece> | undefined;

/** Makes V8 flatten a concatenated string now, once, instead of on every later use. */
function flat(s: string): string {
  // eslint-disable-next-line @typescript-eslint/no-unused-expressions
  Number(s);
  return s;
}

export interface StoreStats {
  families: number;
  series: number;
}

export class PrometheusStore {
  private readonly families = new Map<string, Family>();
  private sorted: Family[] | undefined;
  private readonly names: LabelNameCache;
  private readonly metricNames = new Map<string, string | Error>();
  private readonly warned = new Set<string>();
  private readonly namer: MetricNamer;
  private readonly targetInfoName: string;
  private readonly constPairs: [string, string][];

  constructor(private readonly settings: PrometheusSettings, private readonly logger: Logger) {
    this.names = new LabelNameCache(settings.utf8Allowed, settings.maxLabelNameBytes);
    this.namer = { namespace: settings.namespace, withSuffixes: settings.withSuffixes, utf8Allowed: settings.utf8Allowed };
    const ns = settings.namespace ? this.names.get(settings.namespace) : '';
    this.targetInfoName = typeof ns === 'string' && ns !== '' ? `${ns}_${TARGET_INFO}` : TARGET_INFO;
    this.constPairs = settings.constLabels.map(([k, v]) => [k, escapeLabelValue(v)]);
  }

  // ------------------------------------------------------------------ accumulate

  /** Takes a batch in; returns how many data points changed the state. */
  accumulate(data: Metrics, nowMs = Date.now()): number {
    this.nowMs = nowMs;
    let n = 0;
    for (const rm of data.resourceMetrics) {
      const resource = this.resourceContext(rm, nowMs);
      for (const sm of rm.scopeMetrics) {
        const scope = this.scopeContext(sm, resource);
        for (const m of sm.metrics) n += this.addMetric(m, scope, nowMs);
      }
    }
    return n;
  }

  /** The error for a label name or value over its length limit, if either is. */
  private labelOverLimit(name: string, value: string): Error | undefined {
    if (utf8LongerThan(name, this.settings.maxLabelNameBytes)) return overLimit('label name', name, 'max_label_name_length', this.settings.maxLabelNameBytes);
    if (utf8LongerThan(value, this.settings.maxLabelValueBytes)) return overLimit(`value of label "${shown(name)}"`, value, 'max_label_value_length', this.settings.maxLabelValueBytes);
    return undefined;
  }

  private resourceContext(rm: ResourceMetrics, nowMs: number): ResourceContext {
    const attrs = rm.resource.attributes;
    const name = attrs.get('service.name');
    const namespace = attrs.get('service.namespace');
    const inst = attrs.get('service.instance.id');
    const job = name === undefined ? undefined : namespace === undefined ? anyValueAsString(name) : `${anyValueAsString(namespace)}/${anyValueAsString(name)}`;
    const instance = inst === undefined ? undefined : anyValueAsString(inst);
    const pairs: [string, string][] = [];
    let tooLong: Error | undefined;
    if (this.settings.resourceToTelemetry) {
      for (const [k, v] of attrs) {
        if (this.settings.excludeServiceAttributes && (k === 'service.name' || k === 'service.namespace' || k === 'service.instance.id')) continue;
        const value = anyValueAsString(v);
        tooLong ??= this.labelOverLimit(k, value);
        const label = this.names.get(k);
        if (typeof label === 'string') pairs.push([label, escapeLabelValue(value)]);
      }
    }
    // As upstream: a resource named by service.name or service.instance.id has its target_info,
    // the instance often missing (OTel SDKs do not set it by default).
    let key: string | undefined;
    if (job || instance) {
      key = `${job ?? ''}\xff${instance ?? ''}`;
      this.updateTargetInfo(key, attrs, job || undefined, instance || undefined, nowMs);
    }
    return { job, instance, pairs, key, overLimit: tooLong };
  }

  private updateTargetInfo(key: string, attrs: Attributes, job: string | undefined, instance: string | undefined, nowMs: number): void {
    const values = new Map<string, string>();
    const keys = [...attrs.keys()].sort();
    for (const k of keys) {
      if (k === 'service.name' || k === 'service.namespace' || k === 'service.instance.id') continue;
      const label = this.names.get(k);
      if (typeof label !== 'string') continue;
      const v = anyValueAsString(attrs.get(k)!);
      const tooLong = this.labelOverLimit(k, v);
      if (tooLong) {
        this.warnOnce(`target_info:${tooLong.message}`, `prometheus exporter: not serving ${this.targetInfoName} of job "${shown(job ?? '')}": ${tooLong.message}`);
        return;
      }
      const prev = values.get(label);
      values.set(label, prev === undefined ? v : `${prev};${v}`);
    }
    if (job !== undefined) values.set('job', job);
    if (instance !== undefined) values.set('instance', instance);
    const labels = [...values].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
    const family = this.family(this.targetInfoName, 'gauge', 'Target metadata');
    if (!family) return;
    const existing = family.series.get(key);
    if (existing && existing.labels === labels) {
      existing.updatedMs = nowMs;
      return;
    }
    if (existing) family.series.delete(key);
    family.series.set(key, { kind: 'number', labels, value: 1, exemplars: [], prefix: undefined, updatedMs: nowMs, startNs: 0n, timeNs: 0n, text: undefined, cacheFormat: Format.Text });
    changed(family, nowMs);
  }

  private scopeContext(sm: ScopeMetrics, resource: ResourceContext): ScopeContext {
    let tooLong = resource.overLimit;
    const extras = new Map<string, string>();
    const add = (name: string, value: string) => {
      tooLong ??= this.labelOverLimit(name, value);
      extras.set(name, escapeLabelValue(value));
    };
    for (const [k, v] of resource.pairs) extras.set(k, v);
    if (!this.settings.withoutScopeInfo) {
      for (const [k, v] of sm.scope.attributes) {
        const name = `otel_scope_${k}`;
        const label = this.names.get(name);
        if (typeof label === 'string') add(label, anyValueAsString(v));
        else tooLong ??= this.labelOverLimit(name, '');
      }
      add('otel_scope_name', sm.scope.name);
      add('otel_scope_version', sm.scope.version);
      add('otel_scope_schema_url', sm.schemaUrl);
    }
    if (resource.job !== undefined) add('job', resource.job);
    if (resource.instance !== undefined) add('instance', resource.instance);
    for (const [k, v] of this.constPairs) extras.set(k, v);
    // an overlong scope keeps no layouts: their names would hold its labels
    if (tooLong) return { extras: [], sig: '', plans: new Map(), last: undefined, overLimit: tooLong };
    const list = [...extras];
    return { extras: list, sig: list.map(([k, v]) => `${k}="${v}"`).join(','), plans: new Map(), last: undefined };
  }

  /** The attribute values of the point being keyed, and its plan: what labelText() writes. */
  private readonly scratch: AnyValue[] = [];
  /** Bytes of exposition compressed so far (gzip scrapes compress only what changed). */
  compressedBytes = 0;
  private current: LabelPlan | undefined;
  private readonly layouts = new Map<string, Layout>();
  private layoutSeq = 0;
  private nowMs = 0;

  /**
   * The series' key: its layout and the point's attribute values. Points whose attribute keys
   * come in the order of the previous one reuse its plan.
   */
  private keyOf(attrs: Attributes, scope: ScopeContext): string | Error {
    const values = this.scratch;
    let plan: LabelPlan | Error | undefined = scope.last;
    let match = plan !== undefined && plan.keys.length === attrs.size;
    let n = 0;
    for (const [k, v] of attrs) {
      if (match && plan!.keys[n] !== k) match = false;
      values[n++] = v;
    }
    if (!match) {
      const keys = [...attrs.keys()];
      const sig = keys.join('\xff');
      plan = scope.plans.get(sig);
      if (plan === undefined) {
        plan = this.plan(keys, scope);
        if (scope.plans.size < 1000) scope.plans.set(sig, plan);
      }
      if (plan instanceof Error) return plan;
      scope.last = plan;
    }
    const p = plan as LabelPlan;
    this.current = p;
    p.layout.lastUsedMs = this.nowMs;
    let key = p.layout.id;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const text = typeof v === 'string' ? v : anyValueAsString(v);
      if (utf8LongerThan(text, this.settings.maxLabelValueBytes)) return overLimit(`value of label "${shown(p.keys[i])}"`, text, 'max_label_value_length', this.settings.maxLabelValueBytes);
      // length-prefixed, so no value can pass for two
      key += `\xff${text.length}:${text}`;
    }
    return key;
  }

  /**
   * The label text of the point keyOf() last looked at: its attributes (names translated, values
   * as pcommon's AsString; attributes whose names collide joined with `;`) overridden by the
   * scope's, resource's and config's labels, sorted by name, escaped.
   */
  private labelText(): string {
    const p = this.current!;
    const values = this.scratch;
    let out = p.lits[0];
    for (let i = 0; i < p.values.length; i++) {
      const ix = p.values[i];
      out +=
        typeof ix === 'number'
          ? escapeLabelValue(anyValueAsString(values[ix]))
          : ix.map((j) => escapeLabelValue(anyValueAsString(values[j]))).join(';');
      out += p.lits[i + 1];
    }
    return flat(out);
  }

  private plan(keys: string[], scope: ScopeContext): LabelPlan | Error {
    const extras = scope.extras;
    // [label name, attribute indexes | escaped literal value]
    const byName = new Map<string, number[] | string>();
    for (let i = 0; i < keys.length; i++) {
      const label = this.names.get(keys[i]);
      if (typeof label !== 'string') return label;
      const at = byName.get(label);
      if (Array.isArray(at)) at.push(i);
      else byName.set(label, [i]);
    }
    // a scope/resource/config label wins over an attribute of the same name
    for (const [name, value] of extras) byName.set(name, value);
    const names = [...byName.keys()].sort();
    const lits: string[] = [];
    const values: (number | number[])[] = [];
    let lit = '';
    for (const name of names) {
      const v = byName.get(name)!;
      lit += `${lit === '' && lits.length === 0 ? '' : ','}${name}="`;
      if (typeof v === 'string') lit += `${v}"`;
      else {
        lits.push(lit);
        // colliding attributes joined in the order of their original keys, as upstream's translator
        values.push(v.length === 1 ? v[0] : v.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0)));
        lit = '"';
      }
    }
    lits.push(lit);
    const layoutKey = `${scope.sig}\x00${keys.join('\xff')}`;
    let layout = this.layouts.get(layoutKey);
    if (layout === undefined) {
      layout = { id: (++this.layoutSeq).toString(36), lastUsedMs: this.nowMs };
      this.layouts.set(layoutKey, layout);
    }
    return { keys, lits, values, layout };
  }

  private nameOf(m: Metric, type: TranslatorType): string | Error {
    // before the memo, which would keep an overlong name in full
    const max = this.settings.maxLabelValueBytes;
    if (utf8LongerThan(m.name, max)) return overLimit('metric name', m.name, 'max_label_value_length', max);
    if (utf8LongerThan(m.unit, max)) return overLimit('unit', m.unit, 'max_label_value_length', max);
    const key = `${type}\xff${m.unit}\xff${m.name}`;
    let name = this.metricNames.get(key);
    if (name === undefined) {
      name = metricName(this.namer, m.name, m.unit, type);
      if (typeof name === 'string' && this.settings.utf8Allowed) name = escapeName(name);
      if (this.metricNames.size >= 10_000) this.metricNames.clear();
      this.metricNames.set(key, name);
    }
    return name;
  }

  private warnOnce(key: string, message: string, fields: Record<string, unknown> = {}): void {
    if (this.warned.has(key)) return;
    if (this.warned.size >= 1000) this.warned.clear();
    this.warned.add(key);
    this.logger.warn(fields, message);
  }

  private family(name: string, type: FamilyType, help: string): Family | undefined {
    let f = this.families.get(name);
    if (f === undefined) {
      f = { name, type, help, series: new Map(), headers: [undefined, undefined], chunks: [undefined, undefined], pieces: [undefined, undefined], oldestMs: Infinity };
      this.families.set(name, f);
      this.sorted = undefined;
      return f;
    }
    if (f.type !== type) {
      this.warnOnce(`type:${name}:${type}`, `prometheus exporter: instrument type conflict for "${name}": keeping ${f.type}, dropping ${type}`, { metric: name });
      return undefined;
    }
    return f;
  }

  private addMetric(m: Metric, scope: ScopeContext, nowMs: number): number {
    const d = m.data;
    let type: TranslatorType;
    let familyType: FamilyType;
    switch (d.type) {
      case 'gauge':
        type = 'gauge';
        familyType = m.metadata.get('prometheus.type') === 'unknown' ? 'untyped' : 'gauge';
        break;
      case 'sum':
        // as upstream: unspecified temporality, and delta non-monotonic sums, cannot be made cumulative
        if (d.aggregationTemporality === AggregationTemporality.Unspecified) return 0;
        if (d.aggregationTemporality === AggregationTemporality.Delta && !d.isMonotonic) {
          this.warnOnce(`delta-nonmonotonic:${shown(m.name)}`, `prometheus exporter: dropping delta non-monotonic sum "${shown(m.name)}"`, { metric: shown(m.name) });
          return 0;
        }
        type = d.isMonotonic ? 'monotonicCounter' : 'nonMonotonicCounter';
        familyType = d.isMonotonic ? 'counter' : 'gauge';
        break;
      case 'histogram':
        type = 'histogram';
        familyType = 'histogram';
        break;
      case 'exponentialHistogram':
        type = 'exponentialHistogram';
        familyType = 'histogram';
        break;
      case 'summary':
        type = 'summary';
        familyType = 'summary';
        break;
    }
    if (d.dataPoints.length === 0) return 0;
    const name = this.nameOf(m, type);
    if (name instanceof Error) {
      this.warnOnce(`name:${shown(m.name)}`, `prometheus exporter: dropping metric: ${name.message}`, { metric: shown(m.name) });
      return 0;
    }
    if (scope.overLimit) {
      this.warnOnce(`scope:${name}:${scope.overLimit.message}`, `prometheus exporter: dropping the data points of "${name}": ${scope.overLimit.message}`, { metric: name });
      return 0;
    }
    const family = this.family(name, familyType, m.description || m.name);
    if (!family) return 0;
    if (m.description && family.help === m.name) setHelp(family, m.description, nowMs);
    let n = 0;
    switch (d.type) {
      case 'gauge':
        for (const p of d.dataPoints) n += this.addNumber(family, p, scope, nowMs, false, false);
        break;
      case 'sum': {
        const delta = d.aggregationTemporality === AggregationTemporality.Delta;
        for (const p of d.dataPoints) n += this.addNumber(family, p, scope, nowMs, delta, d.isMonotonic);
        break;
      }
      case 'histogram': {
        const delta = d.aggregationTemporality === AggregationTemporality.Delta;
        for (const p of d.dataPoints) n += this.addHistogram(family, p, scope, nowMs, delta, m.name);
        break;
      }
      case 'exponentialHistogram': {
        const delta = d.aggregationTemporality === AggregationTemporality.Delta;
        for (const p of d.dataPoints) n += this.addExpHistogram(family, p, scope, nowMs, delta, m.name);
        break;
      }
      case 'summary':
        for (const p of d.dataPoints) n += this.addSummary(family, p, scope, nowMs);
        break;
    }
    if (family.series.size === 0) this.dropFamily(family);
    return n;
  }

  private dropFamily(f: Family): void {
    if (this.families.get(f.name) === f) {
      this.families.delete(f.name);
      this.sorted = undefined;
    }
  }

  /** The series' key, or undefined when the point is to be skipped (after deleting an ended series). */
  private seriesKey(family: Family, attrs: Attributes, flags: number, scope: ScopeContext, metric: string): string | undefined {
    const key = this.keyOf(attrs, scope);
    if (key instanceof Error) {
      this.warnOnce(`labels:${metric}:${key.message}`, `prometheus exporter: dropping a data point of "${metric}": ${key.message}`, { metric });
      return undefined;
    }
    if (flags & NO_RECORDED_VALUE) {
      if (family.series.delete(key)) changed(family, Infinity);
      return undefined;
    }
    return key;
  }

  private addNumber(family: Family, p: NumberDataPoint, scope: ScopeContext, nowMs: number, delta: boolean, counter: boolean): number {
    const key = this.seriesKey(family, p.attributes, p.flags, scope, family.name);
    if (key === undefined) return 0;
    const prev = family.series.get(key);
    const exemplars = counter ? storeExemplars(p.exemplars) : [];
    if (prev !== undefined && prev.kind === 'number') {
      if (p.timeUnixNano < prev.timeNs) return 0; // keep only the latest point
      if (delta && p.startTimeUnixNano === prev.timeNs) {
        // delta to cumulative: this point continues the stored one
        prev.value = typeof p.value === 'bigint' && typeof prev.value === 'bigint' ? prev.value + p.value : Number(prev.value) + Number(p.value);
      } else {
        prev.value = p.value;
        prev.startNs = p.startTimeUnixNano;
      }
      prev.timeNs = p.timeUnixNano;
      if (exemplars.length) prev.exemplars = exemplars;
      prev.updatedMs = nowMs;
      prev.text = undefined;
      changed(family, nowMs);
      return 1;
    }
    family.series.set(key, {
      kind: 'number',
      labels: this.labelText(),
      value: p.value,
      exemplars,
      prefix: undefined,
      startNs: p.startTimeUnixNano,
      timeNs: p.timeUnixNano,
      updatedMs: nowMs,
      text: undefined,
      cacheFormat: Format.Text,
    });
    changed(family, nowMs);
    return 1;
  }

  private addHistogram(family: Family, p: HistogramDataPoint, scope: ScopeContext, nowMs: number, delta: boolean, metric: string): number {
    const key = this.seriesKey(family, p.attributes, p.flags, scope, metric);
    if (key === undefined) return 0;
    const prev = family.series.get(key);
    const exemplars = storeExemplars(p.exemplars);
    if (prev !== undefined && prev.kind === 'histogram') {
      if (delta) {
        if (p.startTimeUnixNano !== prev.timeNs) {
          // misaligned: a restart if it starts after what is stored, else a second writer: dropped
          if (p.startTimeUnixNano <= prev.timeNs) {
            this.warnOnce(`misaligned:${metric}`, `prometheus exporter: dropping misaligned delta histogram point of "${metric}"`, { metric });
            return 0;
          }
          setHistogram(prev, p, exemplars);
        } else {
          const sameBounds = prev.bounds.length === p.explicitBounds.length && prev.bounds.every((b, i) => b === p.explicitBounds[i]);
          if (sameBounds) {
            const counts = p.bucketCounts.map((c, i) => c + (prev.counts[i] ?? 0));
            prev.count += p.count;
            prev.sum += p.sum ?? 0;
            prev.counts = counts;
          } else {
            prev.count = p.count;
            prev.sum = p.sum ?? 0;
            prev.counts = p.bucketCounts.slice();
            prev.bounds = p.explicitBounds.slice();
          }
          prev.timeNs = p.timeUnixNano > prev.timeNs ? p.timeUnixNano : prev.timeNs;
          if (exemplars.length) prev.exemplars = exemplars;
        }
      } else {
        if (p.timeUnixNano < prev.timeNs) return 0;
        setHistogram(prev, p, exemplars);
      }
      prev.updatedMs = nowMs;
      prev.text = undefined;
      changed(family, nowMs);
      return 1;
    }
    family.series.set(key, {
      kind: 'histogram',
      labels: this.labelText(),
      count: p.count,
      sum: p.sum ?? 0,
      bounds: p.explicitBounds.slice(),
      counts: p.bucketCounts.slice(),
      exemplars,
      startNs: p.startTimeUnixNano,
      timeNs: p.timeUnixNano,
      updatedMs: nowMs,
      text: undefined,
      cacheFormat: Format.Text,
    });
    changed(family, nowMs);
    return 1;
  }

  private addExpHistogram(family: Family, p: ExponentialHistogramDataPoint, scope: ScopeContext, nowMs: number, delta: boolean, metric: string): number {
    const key = this.seriesKey(family, p.attributes, p.flags, scope, metric);
    if (key === undefined) return 0;
    const prev = family.series.get(key);
    const exemplars = storeExemplars(p.exemplars);
    if (prev !== undefined && prev.kind === 'exponential') {
      if (delta) {
        if (p.startTimeUnixNano !== prev.timeNs) {
          if (p.startTimeUnixNano <= prev.timeNs) {
            this.warnOnce(`misaligned:${metric}`, `prometheus exporter: dropping misaligned delta histogram point of "${metric}"`, { metric });
            return 0;
          }
          setExpHistogram(prev, p, exemplars);
        } else {
          mergeExpHistogram(prev, p);
          prev.timeNs = p.timeUnixNano > prev.timeNs ? p.timeUnixNano : prev.timeNs;
          if (exemplars.length) prev.exemplars = exemplars;
        }
      } else {
        if (p.timeUnixNano < prev.timeNs) return 0;
        setExpHistogram(prev, p, exemplars);
      }
      prev.updatedMs = nowMs;
      prev.text = undefined;
      changed(family, nowMs);
      return 1;
    }
    const s: ExpHistogramSeries = {
      kind: 'exponential',
      labels: this.labelText(),
      count: 0,
      sum: 0,
      scale: 0,
      zeroCount: 0,
      zeroThreshold: 0,
      positive: { offset: 0, counts: [] },
      negative: { offset: 0, counts: [] },
      exemplars,
      startNs: 0n,
      timeNs: 0n,
      updatedMs: nowMs,
      text: undefined,
      cacheFormat: Format.Text,
    };
    setExpHistogram(s, p, exemplars);
    family.series.set(key, s);
    changed(family, nowMs);
    return 1;
  }

  private addSummary(family: Family, p: SummaryDataPoint, scope: ScopeContext, nowMs: number): number {
    const key = this.seriesKey(family, p.attributes, p.flags, scope, family.name);
    if (key === undefined) return 0;
    const prev = family.series.get(key);
    if (prev !== undefined && p.timeUnixNano < prev.timeNs) return 0;
    const byQuantile = new Map<number, number>();
    for (const q of p.quantileValues) byQuantile.set(q.quantile, q.value);
    const quantiles = [...byQuantile].sort((a, b) => a[0] - b[0]);
    family.series.set(key, {
      kind: 'summary',
      labels: this.labelText(),
      count: p.count,
      sum: p.sum,
      quantiles,
      startNs: p.startTimeUnixNano,
      timeNs: p.timeUnixNano,
      updatedMs: nowMs,
      text: undefined,
      cacheFormat: Format.Text,
    });
    changed(family, nowMs);
    return 1;
  }

  // ------------------------------------------------------------------ expire

  /** Drops the family's series not updated since `oldest`; returns how many. */
  private expireFamily(f: Family, oldest: number): number {
    if (f.oldestMs >= oldest) return 0;
    let n = 0;
    let min = Infinity;
    for (const [key, s] of f.series) {
      if (s.updatedMs < oldest) {
        f.series.delete(key);
        n++;
      } else if (s.updatedMs < min) min = s.updatedMs;
    }
    f.oldestMs = min;
    if (n > 0) changed(f, Infinity);
    return n;
  }

  /** Drops series not updated within metric_expiration; returns how many. */
  expire(nowMs = Date.now()): number {
    const ttl = this.settings.expirationMs;
    if (ttl <= 0) return 0;
    let n = 0;
    for (const f of this.families.values()) {
      n += this.expireFamily(f, nowMs - ttl);
      if (f.series.size === 0) this.dropFamily(f);
    }
    // a layout unused for that long has no series left either (ids are never reused)
    for (const [k, l] of this.layouts) if (l.lastUsedMs < nowMs - ttl) this.layouts.delete(k);
    return n;
  }

  stats(): StoreStats {
    let series = 0;
    for (const f of this.families.values()) series += f.series.size;
    return { families: this.families.size, series };
  }

  // ------------------------------------------------------------------ render

  /**
   * The whole exposition. Families in name order (the sorted list is kept until a family comes
   * or goes), series in arrival order; expired series are dropped on the way. A family nothing
   * changed in since the last scrape is its cached bytes.
   */
  render(format: Format, nowMs = Date.now()): Buffer {
    const chunks = this.renderChunks(format, nowMs);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }

  /**
   * render() as the list of per-family buffers, to be written out as they are: no 25 MiB copy
   * per scrape of 100k series, and no new external memory that would push V8 into a full GC.
   */
  renderChunks(format: Format, nowMs = Date.now()): Buffer[] {
    const chunks = this.prepared(format, nowMs).map((f) => f.chunks[format]!);
    if (format === Format.OpenMetrics) chunks.push(EOF);
    return chunks;
  }

  /**
   * The exposition as one gzip stream (in pieces, to write out in order). Families are
   * compressed in runs of about 1 MiB on libuv's thread pool, and a run none of whose families
   * changed since is reused as it is: a scrape compresses what changed, not what is held.
   */
  async renderGzip(format: Format, level: number, nowMs = Date.now()): Promise<Buffer[]> {
    const families = this.prepared(format, nowMs);
    const reusable = (i: number): Piece | undefined => {
      const p = families[i].pieces[format];
      if (!p || !p.valid || p.members[0] !== families[i] || i + p.members.length > families.length) return undefined;
      for (let k = 1; k < p.members.length; k++) if (families[i + k] !== p.members[k]) return undefined;
      return p;
    };
    const parts: Promise<DeflatedPiece>[] = [];
    let i = 0;
    while (i < families.length) {
      const ready = reusable(i);
      if (ready) {
        parts.push(ready.deflated);
        i += ready.members.length;
        continue;
      }
      const members = [families[i]];
      let bytes = families[i].chunks[format]!.length;
      for (i++; i < families.length && bytes < PIECE_BYTES && !reusable(i); i++) {
        members.push(families[i]);
        bytes += families[i].chunks[format]!.length;
      }
      const input = members.length === 1 ? members[0].chunks[format]! : Buffer.concat(members.map((m) => m.chunks[format]!), bytes);
      this.compressedBytes += bytes;
      const piece: Piece = { members, deflated: deflatePiece(input, level), valid: true };
      piece.deflated.catch(() => (piece.valid = false));
      for (const m of members) {
        const old = m.pieces[format];
        if (old && old !== piece) old.valid = false;
        m.pieces[format] = piece;
      }
      parts.push(piece.deflated);
    }
    if (format === Format.OpenMetrics) parts.push((EOF_DEFLATED ??= deflatePiece(EOF, level)));
    return gzipOf(await Promise.all(parts));
  }

  /** Families in name order with their bytes for the format rendered; expired series dropped. */
  private prepared(format: Format, nowMs: number): Family[] {
    if (this.sorted === undefined) this.sorted = [...this.families.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const ttl = this.settings.expirationMs;
    const out: Family[] = [];
    let emptied = false;
    for (const f of this.sorted) {
      if (ttl > 0) this.expireFamily(f, nowMs - ttl);
      if (f.series.size === 0) {
        this.families.delete(f.name);
        emptied = true;
        continue;
      }
      if (f.chunks[format] === undefined) f.chunks[format] = Buffer.from(this.renderFamily(f, format));
      out.push(f);
    }
    if (emptied) this.sorted = undefined;
    return out;
  }

  private renderFamily(f: Family, format: Format): string {
    let out = (f.headers[format] ??= this.header(f, format));
    const plain = !this.settings.sendTimestamps && (format === Format.Text || f.type !== 'counter');
    for (const s of f.series.values()) {
      if (s.kind === 'number' && plain) {
        // the common case, kept tight: prefix + value
        out += `${(s.prefix ??= flat(`${f.name}${s.labels === '' ? '' : `{${s.labels}}`} `))}${formatValue(s.value)}\n`;
        continue;
      }
      if (s.kind === 'number') {
        out += this.renderSeries(f, s, format);
        continue;
      }
      if (s.text === undefined || s.cacheFormat !== format) {
        s.text = this.renderSeries(f, s, format);
        s.cacheFormat = format;
      }
      out += s.text;
    }
    return out;
  }

  private header(f: Family, format: Format): string {
    if (format === Format.Text) return `# HELP ${f.name} ${escapeHelp(f.help, false)}\n# TYPE ${f.name} ${f.type}\n`;
    const name = f.type === 'counter' && f.name.endsWith('_total') ? f.name.slice(0, -6) : f.name;
    const type = f.type === 'untyped' ? 'unknown' : f.type;
    return `# HELP ${name} ${escapeHelp(f.help, true)}\n# TYPE ${name} ${type}\n`;
  }

  private renderSeries(f: Family, s: Series, format: Format): string {
    const om = format === Format.OpenMetrics;
    const ts = this.settings.sendTimestamps && s.timeNs !== 0n && f.name !== this.targetInfoName ? ` ${formatTimestamp(s.timeNs, om)}` : '';
    const open = s.labels === '' ? '{' : `{${s.labels},`;
    const braces = s.labels === '' ? '' : `{${s.labels}}`;
    switch (s.kind) {
      case 'number': {
        if (f.type === 'counter') {
          const base = om ? `${f.name.endsWith('_total') ? f.name.slice(0, -6) : f.name}_total` : f.name;
          const ex = om && s.exemplars.length ? exemplarText(s.exemplars[s.exemplars.length - 1]) : '';
          return `${base}${braces} ${formatValue(s.value)}${ts}${ex}\n`;
        }
        return `${f.name}${braces} ${formatValue(s.value)}${ts}\n`;
      }
      case 'histogram': {
        const { bounds, cumulative } = classicBuckets(s);
        return histogramText(f.name, open, braces, bounds, cumulative, s.count, s.sum, om ? s.exemplars : [], ts, om);
      }
      case 'exponential': {
        const { bounds, cumulative } = expToClassic(s);
        return histogramText(f.name, open, braces, bounds, cumulative, s.count, s.sum, om ? s.exemplars : [], ts, om);
      }
      case 'summary': {
        let out = '';
        for (const [q, v] of s.quantiles) out += `${f.name}${open}quantile="${boundLabel(q, om)}"} ${formatValue(v)}${ts}\n`;
        return `${out}${f.name}_sum${braces} ${formatValue(s.sum)}${ts}\n${f.name}_count${braces} ${s.count}${ts}\n`;
      }
    }
  }
}

// ------------------------------------------------------------------ helpers

/** A series of the family changed (at nowMs; Infinity for a removal): its rendered bytes are stale. */
/** A family first seen without a description takes the first one that comes. */
function setHelp(f: Family, help: string, nowMs: number): void {
  f.help = help;
  f.headers = [undefined, undefined];
  changed(f, nowMs);
}

function changed(f: Family, nowMs: number): void {
  f.chunks[0] = undefined;
  f.chunks[1] = undefined;
  for (let i = 0; i < 2; i++) {
    const p = f.pieces[i];
    if (p) {
      p.valid = false;
      f.pieces[i] = undefined;
    }
  }
  if (nowMs < f.oldestMs) f.oldestMs = nowMs;
}

function storeExemplars(ex: Exemplar[]): StoredExemplar[] {
  if (ex.length === 0) return [];
  return ex.map((e) => ({ value: e.value, timeNs: e.timeUnixNano, traceId: e.traceId, spanId: e.spanId }));
}

function setHistogram(s: HistogramSeries, p: HistogramDataPoint, exemplars: StoredExemplar[]): void {
  s.count = p.count;
  s.sum = p.sum ?? 0;
  s.bounds = p.explicitBounds.slice();
  s.counts = p.bucketCounts.slice();
  s.startNs = p.startTimeUnixNano;
  s.timeNs = p.timeUnixNano;
  // a point without exemplars keeps the last ones: they remain examples of the series
  if (exemplars.length) s.exemplars = exemplars;
}

function setExpHistogram(s: ExpHistogramSeries, p: ExponentialHistogramDataPoint, exemplars: StoredExemplar[]): void {
  s.count = p.count;
  s.sum = p.sum ?? 0;
  s.scale = p.scale;
  s.zeroCount = p.zeroCount;
  s.zeroThreshold = p.zeroThreshold;
  s.positive = { offset: p.positive.offset, counts: p.positive.bucketCounts.slice() };
  s.negative = { offset: p.negative.offset, counts: p.negative.bucketCounts.slice() };
  s.startNs = p.startTimeUnixNano;
  s.timeNs = p.timeUnixNano;
  // a point without exemplars keeps the last ones: they remain examples of the series
  if (exemplars.length) s.exemplars = exemplars;
}

/** Buckets of `from` scale expressed at the coarser `to` scale. */
export function downscale(b: Buckets, from: number, to: number): Buckets {
  if (b.counts.length === 0 || from <= to) return b;
  const shift = from - to;
  const first = b.offset >> shift; // arithmetic shift floors, as upstream's floorDiv
  const last = (b.offset + b.counts.length - 1) >> shift;
  const counts = new Array<number>(last - first + 1).fill(0);
  for (let i = 0; i < b.counts.length; i++) counts[((b.offset + i) >> shift) - first] += b.counts[i];
  return { offset: first, counts };
}

function mergeBuckets(a: Buckets, b: Buckets): Buckets {
  if (a.counts.length === 0) return { offset: b.offset, counts: b.counts.slice() };
  if (b.counts.length === 0) return { offset: a.offset, counts: a.counts.slice() };
  const offset = Math.min(a.offset, b.offset);
  const last = Math.max(a.offset + a.counts.length, b.offset + b.counts.length);
  const counts = new Array<number>(last - offset).fill(0);
  for (let i = 0; i < a.counts.length; i++) counts[a.offset + i - offset] += a.counts[i];
  for (let i = 0; i < b.counts.length; i++) counts[b.offset + i - offset] += b.counts[i];
  return { offset, counts };
}

/** Adds a delta exponential histogram point to the stored one, at the coarser of their scales. */
function mergeExpHistogram(s: ExpHistogramSeries, p: ExponentialHistogramDataPoint): void {
  const scale = Math.min(s.scale, p.scale);
  const pPos = { offset: p.positive.offset, counts: p.positive.bucketCounts };
  const pNeg = { offset: p.negative.offset, counts: p.negative.bucketCounts };
  s.positive = mergeBuckets(downscale(s.positive, s.scale, scale), downscale(pPos, p.scale, scale));
  s.negative = mergeBuckets(downscale(s.negative, s.scale, scale), downscale(pNeg, p.scale, scale));
  s.scale = scale;
  s.zeroCount += p.zeroCount;
  s.count += p.count;
  s.sum += p.sum ?? 0;
  s.zeroThreshold = Math.max(s.zeroThreshold, p.zeroThreshold);
}

/** Upstream's conversion: bounds deduplicated and sorted, counts made cumulative. */
function classicBuckets(s: HistogramSeries): { bounds: number[]; cumulative: number[] } {
  const first = new Map<number, number>();
  for (let i = 0; i < s.bounds.length; i++) if (!first.has(s.bounds[i])) first.set(s.bounds[i], i);
  const bounds = [...first.keys()];
  let sorted = true;
  for (let i = 1; i < bounds.length; i++) if (!(bounds[i - 1] < bounds[i])) sorted = false;
  if (!sorted) bounds.sort((a, b) => a - b);
  const cumulative: number[] = [];
  let cum = 0;
  for (const b of bounds) {
    cum += s.counts[first.get(b)!] ?? 0;
    cumulative.push(cum);
  }
  return { bounds, cumulative };
}

/**
 * An exponential histogram as classic cumulative buckets: one `le` per populated bucket's upper
 * boundary (base^(index+1), base = 2^(2^-scale)), the negative buckets below and the zero bucket
 * at the zero threshold. Exact for the counts; a value sitting exactly on a negative bucket's
 * boundary is counted one bucket up, which classic buckets cannot express otherwise.
 */
export function expToClassic(s: Pick<ExpHistogramSeries, 'scale' | 'zeroCount' | 'zeroThreshold' | 'positive' | 'negative'>): {
  bounds: number[];
  cumulative: number[];
} {
  const bounds: number[] = [];
  const cumulative: number[] = [];
  const factor = Math.pow(2, -s.scale);
  const boundary = (index: number) => Math.pow(2, index * factor);
  let cum = 0;
  const push = (bound: number, add: number) => {
    cum += add;
    const n = bounds.length;
    if (n > 0 && !(bound > bounds[n - 1])) cumulative[n - 1] = cum;
    else {
      bounds.push(bound);
      cumulative.push(cum);
    }
  };
  const neg = s.negative;
  for (let j = neg.counts.length - 1; j >= 0; j--) push(-boundary(neg.offset + j), neg.counts[j]);
  if (s.zeroCount > 0 || neg.counts.length > 0) push(s.zeroThreshold, s.zeroCount);
  const pos = s.positive;
  for (let j = 0; j < pos.counts.length; j++) push(boundary(pos.offset + j + 1), pos.counts[j]);
  return { bounds, cumulative };
}

function exemplarText(e: StoredExemplar): string {
  const labels: string[] = [];
  if (e.traceId) labels.push(`trace_id="${e.traceId}"`);
  if (e.spanId) labels.push(`span_id="${e.spanId}"`);
  const value = typeof e.value === 'bigint' ? e.value.toString() : openMetricsFloat(e.value);
  const ts = e.timeNs !== 0n ? ` ${formatTimestamp(e.timeNs, true)}` : '';
  return ` # {${labels.join(',')}} ${value}${ts}`;
}

function histogramText(
  name: string,
  open: string,
  braces: string,
  bounds: number[],
  cumulative: number[],
  count: number,
  sum: number,
  exemplars: StoredExemplar[],
  ts: string,
  om: boolean,
): string {
  // client_golang's rule: an exemplar goes to the first bucket whose bound is >= its value, the last one wins
  let perBucket: (StoredExemplar | undefined)[] | undefined;
  if (exemplars.length) {
    perBucket = new Array(bounds.length + 1);
    for (const e of exemplars) {
      const v = Number(e.value);
      let i = 0;
      while (i < bounds.length && bounds[i] < v) i++;
      perBucket[i] = e;
    }
  }
  let out = '';
  const bucket = `${name}_bucket${open}le="`;
  for (let i = 0; i < bounds.length; i++) {
    const ex = perBucket?.[i];
    out += `${bucket}${boundLabel(bounds[i], om)}"} ${cumulative[i]}${ts}${ex ? exemplarText(ex) : ''}\n`;
  }
  const inf = perBucket?.[bounds.length];
  out += `${bucket}+Inf"} ${count}${ts}${inf ? exemplarText(inf) : ''}\n`;
  return `${out}${name}_sum${braces} ${formatValue(sum)}${ts}\n${name}_count${braces} ${count}${ts}\n`;
}
