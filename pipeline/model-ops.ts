import type {
  AnyValue,
  Attributes,
  Exemplar,
  InstrumentationScope,
  Logs,
  Metric,
  MetricData,
  Metrics,
  PipelineSignal,
  Profiles,
  Resource,
  SignalData,
  Span,
  Traces,
} from './model.js';

/** Items as the Collector counts them: spans, metric data points, log records, profile samples. */
export function countItems<S extends PipelineSignal>(signal: S, data: SignalData[S]): number {
  let n = 0;
  if (signal === 'profiles') {
    for (const rp of (data as Profiles).resourceProfiles) for (const sp of rp.scopeProfiles) for (const p of sp.profiles) n += p.sampleCount;
  } else if (signal === 'traces') {
    for (const rs of (data as Traces).resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  } else if (signal === 'logs') {
    for (const rl of (data as Logs).resourceLogs) for (const sl of rl.scopeLogs) n += sl.logRecords.length;
  } else {
    for (const rm of (data as Metrics).resourceMetrics)
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += m.data.dataPoints.length;
  }
  return n;
}

/** The Collector's self-telemetry noun for a signal's items. */
export const ITEM_NOUN: Record<PipelineSignal, string> = {
  traces: 'spans',
  metrics: 'metric_points',
  logs: 'log_records',
  profiles: 'profile_samples',
};

export function emptyData<S extends PipelineSignal>(signal: S): SignalData[S] {
  const empty: SignalData = {
    traces: { resourceSpans: [] },
    metrics: { resourceMetrics: [] },
    logs: { resourceLogs: [] },
    profiles: { resourceProfiles: [], dictionary: new Uint8Array(0) },
  };
  return empty[signal] as SignalData[S];
}

export function cloneAnyValue(v: AnyValue): AnyValue {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return v.slice();
  if (Array.isArray(v)) return v.map(cloneAnyValue);
  return cloneAttributes(v);
}

export function cloneAttributes(a: Attributes): Attributes {
  const out: Attributes = new Map();
  for (const [k, v] of a) out.set(k, typeof v === 'object' && v !== null ? cloneAnyValue(v) : v);
  return out;
}

function cloneResource(r: Resource): Resource {
  return { attributes: cloneAttributes(r.attributes), droppedAttributesCount: r.droppedAttributesCount };
}

function cloneScope(s: InstrumentationScope): InstrumentationScope {
  return { ...s, attributes: cloneAttributes(s.attributes) };
}

function cloneSpan(s: Span): Span {
  return {
    ...s,
    attributes: cloneAttributes(s.attributes),
    events: s.events.map((e) => ({ ...e, attributes: cloneAttributes(e.attributes) })),
    links: s.links.map((l) => ({ ...l, attributes: cloneAttributes(l.attributes) })),
    status: { ...s.status },
  };
}

function cloneExemplars(ex: Exemplar[]): Exemplar[] {
  return ex.map((e) => ({ ...e, filteredAttributes: cloneAttributes(e.filteredAttributes) }));
}

function cloneMetricData(d: MetricData): MetricData {
  switch (d.type) {
    case 'gauge':
    case 'sum':
      return {
        ...d,
        dataPoints: d.dataPoints.map((p) => ({ ...p, attributes: cloneAttributes(p.attributes), exemplars: cloneExemplars(p.exemplars) })),
      };
    case 'histogram':
      return {
        ...d,
        dataPoints: d.dataPoints.map((p) => ({
          ...p,
          attributes: cloneAttributes(p.attributes),
          exemplars: cloneExemplars(p.exemplars),
          bucketCounts: p.bucketCounts.slice(),
          explicitBounds: p.explicitBounds.slice(),
        })),
      };
    case 'exponentialHistogram':
      return {
        ...d,
        dataPoints: d.dataPoints.map((p) => ({
          ...p,
          attributes: cloneAttributes(p.attributes),
          exemplars: cloneExemplars(p.exemplars),
          positive: { offset: p.positive.offset, bucketCounts: p.positive.bucketCounts.slice() },
          negative: { offset: p.negative.offset, bucketCounts: p.negative.bucketCounts.slice() },
        })),
      };
    case 'summary':
      return {
        ...d,
        dataPoints: d.dataPoints.map((p) => ({
          ...p,
          attributes: cloneAttributes(p.attributes),
          quantileValues: p.quantileValues.map((q) => ({ ...q })),
        })),
      };
  }
}

function cloneMetric(m: Metric): Metric {
  return { ...m, metadata: cloneAttributes(m.metadata), data: cloneMetricData(m.data) };
}

/** A deep copy, for handing one batch to several consumers of which some mutate it. */
export function cloneData<S extends PipelineSignal>(signal: S, data: SignalData[S]): SignalData[S] {
  if (signal === 'profiles') {
    // Profile and dictionary bytes are never changed in place (nothing reads inside them): shared.
    const p = data as Profiles;
    return {
      dictionary: p.dictionary,
      resourceProfiles: p.resourceProfiles.map((rp) => ({
        resource: cloneResource(rp.resource),
        schemaUrl: rp.schemaUrl,
        scopeProfiles: rp.scopeProfiles.map((sp) => ({ scope: cloneScope(sp.scope), schemaUrl: sp.schemaUrl, profiles: [...sp.profiles] })),
      })),
    } as SignalData[S];
  }
  if (signal === 'traces') {
    return {
      resourceSpans: (data as Traces).resourceSpans.map((rs) => ({
        resource: cloneResource(rs.resource),
        schemaUrl: rs.schemaUrl,
        scopeSpans: rs.scopeSpans.map((ss) => ({ scope: cloneScope(ss.scope), schemaUrl: ss.schemaUrl, spans: ss.spans.map(cloneSpan) })),
      })),
    } as SignalData[S];
  }
  if (signal === 'logs') {
    return {
      resourceLogs: (data as Logs).resourceLogs.map((rl) => ({
        resource: cloneResource(rl.resource),
        schemaUrl: rl.schemaUrl,
        scopeLogs: rl.scopeLogs.map((sl) => ({
          scope: cloneScope(sl.scope),
          schemaUrl: sl.schemaUrl,
          logRecords: sl.logRecords.map((r) => ({ ...r, body: cloneAnyValue(r.body), attributes: cloneAttributes(r.attributes) })),
        })),
      })),
    } as SignalData[S];
  }
  return {
    resourceMetrics: (data as Metrics).resourceMetrics.map((rm) => ({
      resource: cloneResource(rm.resource),
      schemaUrl: rm.schemaUrl,
      scopeMetrics: rm.scopeMetrics.map((sm) => ({ scope: cloneScope(sm.scope), schemaUrl: sm.schemaUrl, metrics: sm.metrics.map(cloneMetric) })),
    })),
  } as SignalData[S];
}

/** Converts a plain JS value to an AnyValue: integers become int64, other numbers doubles. */
export function toAnyValue(v: unknown): AnyValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (typeof v !== 'object') return String(v);
  if (v instanceof Uint8Array) return v;
  // Loops that fill the result directly: the pair arrays of entries() and map() were most of the
  // garbage of converting a Sentry event.
  if (Array.isArray(v)) {
    const out: AnyValue[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = toAnyValue(v[i]);
    return out;
  }
  const out = new Map<string, AnyValue>();
  if (v instanceof Map) for (const [k, x] of v) out.set(String(k), toAnyValue(x));
  else for (const k of Object.keys(v)) out.set(k, toAnyValue((v as Record<string, unknown>)[k]));
  return out;
}

/**
 * The inverse of {@link toAnyValue}, for values that came from JSON (a Sentry event kept in a
 * log record body is rebuilt with it): int64 as a number while exact, else as its decimal text;
 * bytes as base64; kvlists as objects with the same keys in the same order.
 */
export function fromAnyValue(v: AnyValue): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return v.map(fromAnyValue);
  const out: Record<string, unknown> = {};
  for (const [k, x] of v) {
    // defined, not assigned, so a `__proto__` key stays a key
    if (k === '__proto__') Object.defineProperty(out, k, { value: fromAnyValue(x), enumerable: true, writable: true, configurable: true });
    else out[k] = fromAnyValue(x);
  }
  return out;
}
