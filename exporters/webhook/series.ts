/**
 * The metric samples rules look at: one series per metric name and attribute set (data point
 * attributes over resource attributes), each a time-ordered list of samples stamped with the
 * clock when they arrived, kept for the longest window a rule uses.
 */
import { AggregationTemporality, type AnyValue, type Attributes, type Metrics } from '../../pipeline/model.js';
import { metricOwner, trimmed, type LoadedWindow, type RuleStateFile, type TrackedWindow } from './rule-state.js';

export interface NumberSample {
  t: number;
  v: number;
}

export interface HistogramSample {
  t: number;
  count: number;
  sum: number;
  /** Cumulative-in-time or delta counts per bucket, as the point carried them (not cumulative across buckets). */
  buckets: number[];
  bounds: number[];
}

export interface Series extends TrackedWindow {
  metric: string;
  labels: Record<string, string>;
  kind: 'number' | 'histogram';
  /** Cumulative monotonic sums and cumulative histograms: values only grow, except on a reset. */
  cumulative: boolean;
  /** Gauges: `rate`/`increase` are the change of the value (Prometheus's `delta`), not a sum. */
  gauge: boolean;
  samples: (NumberSample | HistogramSample)[];
  lastSeen: number;
}

/** A series with no sample for this long is forgotten (its `absent` alerts then resolve). */
export const SERIES_FORGET_MS = 24 * 3_600_000;

export function labelText(v: AnyValue): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Map ? Object.fromEntries(x) : x));
}

function mergeLabels(resource: Attributes, point: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of resource) out[k] = labelText(v);
  for (const [k, v] of point) out[k] = labelText(v);
  return out;
}

function seriesKey(metric: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  let key = metric;
  for (const k of keys) key += `\u0000${k}\u0001${labels[k]}`;
  return key;
}

export class SeriesStore {
  private readonly byKey = new Map<string, Series>();
  private readonly byMetric = new Map<string, Series[]>();
  /** State-file ids of series forgotten since the last save. */
  private readonly forgotten: number[] = [];

  /** `retentionMs`: the longest window any rule reads. `names`: metrics some rule reads (others are not kept). */
  constructor(
    private readonly retentionMs: number,
    private readonly names: ReadonlySet<string>,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  /** The state-file owners of the series kept: one per metric some rule reads. */
  get owners(): string[] {
    return [...this.names].map(metricOwner);
  }

  seriesOf(metric: string): readonly Series[] {
    return this.byMetric.get(metric) ?? [];
  }

  ingest(metrics: Metrics, now: number): void {
    for (const rm of metrics.resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          if (!this.names.has(m.name)) continue;
          const d = m.data;
          if (d.type === 'gauge' || d.type === 'sum') {
            const cumulative = d.type === 'sum' && d.isMonotonic && d.aggregationTemporality === AggregationTemporality.Cumulative;
            for (const p of d.dataPoints) {
              append(this.series(m.name, mergeLabels(rm.resource.attributes, p.attributes), 'number', cumulative, now, d.type === 'gauge'), { t: now, v: Number(p.value) });
            }
          } else if (d.type === 'histogram') {
            const cumulative = d.aggregationTemporality === AggregationTemporality.Cumulative;
            for (const p of d.dataPoints) {
              append(this.series(m.name, mergeLabels(rm.resource.attributes, p.attributes), 'histogram', cumulative, now), {
                t: now,
                count: p.count,
                sum: p.sum ?? 0,
                buckets: p.bucketCounts,
                bounds: p.explicitBounds,
              });
            }
          }
        }
      }
    }
  }

  /** Drops samples older than the retention, and series silent for {@link SERIES_FORGET_MS}. */
  prune(now: number): void {
    const oldest = now - this.retentionMs;
    for (const [key, s] of this.byKey) {
      let drop = 0;
      // keep one sample before the window: rates over a cumulative counter need the value it started from
      while (drop < s.samples.length - 1 && s.samples[drop + 1].t <= oldest) drop++;
      if (drop) {
        s.samples.splice(0, drop);
        trimmed(s, drop);
      }
      if (now - s.lastSeen > SERIES_FORGET_MS) {
        if (s.id) this.forgotten.push(s.id);
        this.byKey.delete(key);
        const list = this.byMetric.get(s.metric)!;
        list.splice(list.indexOf(s), 1);
      }
    }
  }

  /** Writes the samples that arrived and the series forgotten since the last save. */
  saveTo(file: RuleStateFile): void {
    for (const s of this.byKey.values()) file.window('metric', s.metric, s);
    for (const id of this.forgotten.splice(0)) file.removeWindow(id);
  }

  /** Puts back the series saved before a restart (before any new sample arrives). */
  restore(windows: ReadonlyMap<string, LoadedWindow[]>): void {
    for (const metric of this.names) {
      for (const w of windows.get(metricOwner(metric)) ?? []) {
        if (!w.samples.length) continue;
        const { id, firstSeq, labels, samples } = w;
        const s: Series = { id, firstSeq, unsaved: 0, headSavedAt: w.headSavedAt, metric, labels, kind: w.kind ?? 'number', cumulative: !!w.cumulative, gauge: !!w.gauge, samples, lastSeen: samples[samples.length - 1].t };
        this.add(s, seriesKey(metric, labels));
      }
    }
  }

  private series(metric: string, labels: Record<string, string>, kind: Series['kind'], cumulative: boolean, now: number, gauge = false): Series {
    const key = seriesKey(metric, labels);
    const s = this.byKey.get(key) ?? this.add({ metric, labels, kind, cumulative, gauge, samples: [], lastSeen: now, id: 0, firstSeq: 0, unsaved: 0, headSavedAt: 0 }, key);
    s.lastSeen = now;
    return s;
  }

  private add(s: Series, key: string): Series {
    this.byKey.set(key, s);
    let list = this.byMetric.get(s.metric);
    if (!list) this.byMetric.set(s.metric, (list = []));
    list.push(s);
    return s;
  }
}

function append(s: Series, sample: NumberSample | HistogramSample): void {
  s.samples.push(sample);
  s.unsaved++;
}
