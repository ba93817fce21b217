import { anyValueToJson } from '../../pipeline/anyvalue.js';
import type { Attributes, Logs, Metric, Metrics, Signal, SignalData, Traces } from '../../pipeline/model.js';

export const ROUTING_KEYS = ['traceID', 'service', 'resource', 'metric', 'streamID', 'attributes'] as const;
export type RoutingKey = (typeof ROUTING_KEYS)[number];

/** Which routing keys each signal understands (as upstream: metrics have no trace id, logs and spans no metric). */
export const KEYS_FOR: Record<Signal, readonly RoutingKey[]> = {
  traces: ['traceID', 'service', 'resource', 'attributes'],
  logs: ['traceID', 'service', 'resource', 'attributes'],
  metrics: ['service', 'resource', 'metric', 'streamID'],
};

const text = (s: string) => Buffer.from(s, 'utf8');
const attributesKey = (a: Attributes) => [...a.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([k, v]) => `${k}=${anyValueToJson(v)}`).join('\u0000');
const serviceOf = (a: Attributes) => {
  const v = a.get('service.name');
  return typeof v === 'string' ? v : '';
};

/** Values of the routing attributes found on the resource, scope or item, or undefined when none is. */
function attributeKey(names: readonly string[], ...sources: Attributes[]): string | undefined {
  const found: string[] = [];
  for (const name of names) {
    for (const a of sources) {
      const v = a.get(name);
      if (v !== undefined) {
        found.push(`${name}=${anyValueToJson(v)}`);
        break;
      }
    }
  }
  return found.length ? found.join('\u0000') : undefined;
}

/** A random key, for items that carry nothing to route by (upstream routes them randomly too). */
const anyKey = () => Uint8Array.of(Math.random() * 256, Math.random() * 256, Math.random() * 256, Math.random() * 256);

/**
 * Splits a batch by the backend of each item's routing key, keeping resources and scopes
 * (shared by reference: the parts are sent on, never changed).
 */
export function splitBatch<S extends Signal>(signal: S, data: SignalData[S], key: RoutingKey, attributes: readonly string[], route: (k: Uint8Array) => string): Map<string, SignalData[S]> {
  const out = new Map<string, unknown>();
  if (signal === 'traces') {
    const parts = new Map<string, Traces>();
    for (const rs of (data as Traces).resourceSpans) {
      const resourceWide = key === 'service' ? text(serviceOf(rs.resource.attributes)) : key === 'resource' ? text(attributesKey(rs.resource.attributes)) : undefined;
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) {
          let k: Uint8Array | undefined = resourceWide;
          if (!k && key === 'attributes') {
            const found = attributeKey(attributes, rs.resource.attributes, ss.scope.attributes, span.attributes);
            if (found !== undefined) k = text(found);
          }
          k ??= span.traceId ? Buffer.from(span.traceId, 'hex') : anyKey();
          place(parts, route(k), rs, ss, span, () => ({ resourceSpans: [] }), (t) => t.resourceSpans, 'scopeSpans', 'spans');
        }
    }
    for (const [e, p] of parts) out.set(e, p);
  } else if (signal === 'logs') {
    const parts = new Map<string, Logs>();
    for (const rl of (data as Logs).resourceLogs) {
      const resourceWide = key === 'service' ? text(serviceOf(rl.resource.attributes)) : key === 'resource' ? text(attributesKey(rl.resource.attributes)) : undefined;
      for (const sl of rl.scopeLogs)
        for (const record of sl.logRecords) {
          let k: Uint8Array | undefined = resourceWide;
          if (!k && key === 'attributes') {
            const found = attributeKey(attributes, rl.resource.attributes, sl.scope.attributes, record.attributes);
            if (found !== undefined) k = text(found);
          }
          k ??= record.traceId ? Buffer.from(record.traceId, 'hex') : anyKey();
          place(parts, route(k), rl, sl, record, () => ({ resourceLogs: [] }), (l) => l.resourceLogs, 'scopeLogs', 'logRecords');
        }
    }
    for (const [e, p] of parts) out.set(e, p);
  } else {
    const parts = new Map<string, Metrics>();
    for (const rm of (data as Metrics).resourceMetrics) {
      const resource = key === 'service' ? serviceOf(rm.resource.attributes) : attributesKey(rm.resource.attributes);
      for (const sm of rm.scopeMetrics)
        for (const metric of sm.metrics) {
          if (key === 'streamID') {
            // Each data point is a stream of its own: split the metric by point.
            for (const [e, m] of splitMetricByStream(metric, `${resource}\u0001${sm.scope.name}\u0001${sm.scope.version}\u0001${metric.name}`, route))
              place(parts, e, rm, sm, m, () => ({ resourceMetrics: [] }), (x) => x.resourceMetrics, 'scopeMetrics', 'metrics');
            continue;
          }
          const k = key === 'metric' ? `${resource}\u0001${metric.name}` : resource;
          place(parts, route(text(k)), rm, sm, metric, () => ({ resourceMetrics: [] }), (x) => x.resourceMetrics, 'scopeMetrics', 'metrics');
        }
    }
    for (const [e, p] of parts) out.set(e, p);
  }
  return out as Map<string, SignalData[S]>;
}

type PointList = { attributes: Attributes }[];

function pointsOf(m: Metric): PointList {
  const d = m.data as { dataPoints?: PointList };
  return d.dataPoints ?? [];
}

function splitMetricByStream(metric: Metric, prefix: string, route: (k: Uint8Array) => string): Map<string, Metric> {
  const byEndpoint = new Map<string, PointList>();
  for (const point of pointsOf(metric)) {
    const e = route(text(`${prefix}\u0001${attributesKey(point.attributes)}`));
    let list = byEndpoint.get(e);
    if (!list) byEndpoint.set(e, (list = []));
    list.push(point);
  }
  const out = new Map<string, Metric>();
  for (const [e, points] of byEndpoint) out.set(e, { ...metric, data: { ...metric.data, dataPoints: points } as Metric['data'] });
  return out;
}

/**
 * Puts one item into the endpoint's part, under a copy of its resource and scope wrappers
 * (one per part; the resource and scope objects themselves are shared).
 */
function place<P>(
  parts: Map<string, P>,
  endpoint: string,
  resourceWrapper: { resource: unknown },
  scopeWrapper: { scope: unknown },
  item: unknown,
  empty: () => P,
  list: (p: P) => unknown[],
  scopesKey: string,
  itemsKey: string,
): void {
  let part = parts.get(endpoint);
  if (!part) parts.set(endpoint, (part = empty()));
  const resources = list(part) as Record<string, unknown>[];
  let r = resources.find((x) => x.resource === resourceWrapper.resource);
  if (!r) resources.push((r = { ...resourceWrapper, [scopesKey]: [] }));
  const scopes = r[scopesKey] as Record<string, unknown>[];
  let s = scopes.find((x) => x.scope === scopeWrapper.scope);
  if (!s) scopes.push((s = { ...scopeWrapper, [itemsKey]: [] }));
  (s[itemsKey] as unknown[]).push(item);
}
