import { durationSchema, parseDuration } from '../../pipeline/duration.js';
import type { Problem } from '../internal/values.js';

/** The connector's config as operators write it: upstream's keys (connector/servicegraphconnector). */
export interface ServiceGraphConfig {
  latency_histogram_buckets?: string[];
  exponential_histogram_max_size?: number;
  dimensions?: string[];
  store?: { ttl?: string; max_items?: number };
  cache_loop?: string;
  store_expiration_loop?: string;
  virtual_node_peer_attributes?: string[];
  virtual_node_extra_label?: boolean;
  metrics_flush_interval?: string;
  metrics_timestamp_offset?: string;
  database_name_attribute?: string;
  database_name_attributes?: string[];
  /** Deprecated upstream (a no-op: the pipeline decides where metrics go). */
  metrics_exporter?: string;
}

/** Upstream's default buckets, in seconds. */
export const DEFAULT_BUCKETS_SEC: readonly number[] = [0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15];
export const DEFAULT_PEER_ATTRIBUTES: readonly string[] = ['peer.service', 'db.name', 'db.system'];
export const DEFAULT_DATABASE_NAME_ATTRIBUTES: readonly string[] = ['db.name'];

export const serviceGraphDefaults = Object.freeze({
  ttl: '2s',
  max_items: 1000,
  cache_loop: '1m',
  store_expiration_loop: '2s',
  metrics_flush_interval: '60s',
});

const stringList = (description: string) => ({ type: 'array', items: { type: 'string' }, description });

export const serviceGraphConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    latency_histogram_buckets: { type: 'array', items: durationSchema(), description: 'bucket upper bounds as durations, increasing; default 2ms ... 15s' },
    exponential_histogram_max_size: { type: 'integer', minimum: 0, description: 'not supported in Summit: must be 0 or unset' },
    dimensions: stringList('span or resource attributes added to the metrics as client_<name> and server_<name>'),
    store: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        ttl: durationSchema(serviceGraphDefaults.ttl),
        max_items: { type: 'integer', minimum: 1, default: serviceGraphDefaults.max_items },
      },
    },
    cache_loop: durationSchema(serviceGraphDefaults.cache_loop),
    store_expiration_loop: durationSchema(serviceGraphDefaults.store_expiration_loop),
    virtual_node_peer_attributes: stringList('client span attributes naming an uninstrumented server, in order of preference'),
    virtual_node_extra_label: { type: 'boolean', default: false, description: 'add virtual_node=client|server to edges with a virtual node' },
    metrics_flush_interval: durationSchema(serviceGraphDefaults.metrics_flush_interval),
    metrics_timestamp_offset: durationSchema('0s'),
    database_name_attribute: { type: 'string', description: 'deprecated upstream: use database_name_attributes' },
    database_name_attributes: stringList('client span (or resource) attributes that make a call a database call and name the database'),
    metrics_exporter: { type: 'string', description: 'deprecated upstream, no effect' },
  },
};

export interface ResolvedServiceGraphConfig {
  bounds: number[];
  dimensions: string[];
  ttlMs: number;
  maxItems: number;
  cacheLoopMs: number;
  expirationLoopMs: number;
  peerAttributes: string[];
  virtualNodeLabel: boolean;
  /** 0: metrics are sent after every batch of spans. */
  flushIntervalMs: number;
  timestampOffsetMs: number;
  databaseNameAttributes: string[];
}

function duration(text: string | undefined, fallback: string, path: string, out: Problem[]): number {
  try {
    return parseDuration(text ?? fallback);
  } catch (err) {
    out.push({ path, message: (err as Error).message });
    return NaN;
  }
}

export function resolveServiceGraphConfig(c: ServiceGraphConfig): { config: ResolvedServiceGraphConfig; problems: Problem[] } {
  const problems: Problem[] = [];
  if (c.exponential_histogram_max_size) {
    problems.push({ path: 'exponential_histogram_max_size', message: 'exponential histograms are not supported by Summit\'s servicegraph; use latency_histogram_buckets' });
  }
  let bounds = [...DEFAULT_BUCKETS_SEC];
  if (c.latency_histogram_buckets) {
    bounds = c.latency_histogram_buckets.map((b, i) => duration(b, '0', `latency_histogram_buckets.${i}`, problems) / 1000);
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i] > bounds[i - 1])) {
        problems.push({ path: `latency_histogram_buckets.${i}`, message: `buckets must be increasing: ${c.latency_histogram_buckets[i]} is not greater than ${c.latency_histogram_buckets[i - 1]}` });
        break;
      }
    }
  }
  const positive = (ms: number, path: string) => {
    if (!(ms > 0)) problems.push({ path, message: 'must be a positive duration' });
    return ms;
  };
  const flushIntervalMs = duration(c.metrics_flush_interval, serviceGraphDefaults.metrics_flush_interval, 'metrics_flush_interval', problems);
  if (flushIntervalMs < 0) problems.push({ path: 'metrics_flush_interval', message: 'must not be negative (0 sends metrics after every batch)' });
  const databaseNameAttributes = c.database_name_attributes ?? (c.database_name_attribute ? [c.database_name_attribute] : [...DEFAULT_DATABASE_NAME_ATTRIBUTES]);
  const config: ResolvedServiceGraphConfig = {
    bounds,
    dimensions: c.dimensions ?? [],
    ttlMs: positive(duration(c.store?.ttl, serviceGraphDefaults.ttl, 'store.ttl', problems), 'store.ttl'),
    maxItems: c.store?.max_items ?? serviceGraphDefaults.max_items,
    cacheLoopMs: positive(duration(c.cache_loop, serviceGraphDefaults.cache_loop, 'cache_loop', problems), 'cache_loop'),
    expirationLoopMs: positive(duration(c.store_expiration_loop, serviceGraphDefaults.store_expiration_loop, 'store_expiration_loop', problems), 'store_expiration_loop'),
    peerAttributes: c.virtual_node_peer_attributes ?? [...DEFAULT_PEER_ATTRIBUTES],
    virtualNodeLabel: c.virtual_node_extra_label ?? false,
    flushIntervalMs,
    timestampOffsetMs: duration(c.metrics_timestamp_offset, '0s', 'metrics_timestamp_offset', problems),
    databaseNameAttributes,
  };
  return { config, problems };
}
