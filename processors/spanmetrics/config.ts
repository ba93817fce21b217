import type { JSONSchema } from '../../pipeline/component.js';
import { durationSchema, parseDuration } from '../../pipeline/duration.js';
import type { Problem } from '../internal/values.js';

export const CUMULATIVE = 'AGGREGATION_TEMPORALITY_CUMULATIVE';
export const DELTA = 'AGGREGATION_TEMPORALITY_DELTA';

/** A dimension: an attribute looked up on the span (then the resource); `default` when absent. */
export interface DimensionConfig {
  name: string;
  /** Upstream's *string: YAML may type it as a number or bool; it is used as a string. */
  default?: string | number | boolean | null;
}

/** The connector's config as operators write it: upstream's keys (connector/spanmetricsconnector). */
export interface SpanMetricsConfig {
  dimensions?: DimensionConfig[];
  calls_dimensions?: DimensionConfig[];
  exclude_dimensions?: string[];
  /** Deprecated upstream in favour of aggregation_cardinality_limit; accepted, no effect. */
  dimensions_cache_size?: number;
  resource_metrics_cache_size?: number;
  resource_metrics_key_attributes?: string[];
  aggregation_temporality?: string;
  histogram?: {
    disable?: boolean;
    unit?: string;
    explicit?: { buckets?: string[] } | null;
    exponential?: { max_size?: number } | null;
    dimensions?: DimensionConfig[];
  };
  metrics_flush_interval?: string;
  metrics_expiration?: string;
  metric_timestamp_cache_size?: number;
  namespace?: string;
  exemplars?: { enabled?: boolean; max_per_data_point?: number };
  events?: { enabled?: boolean; dimensions?: DimensionConfig[] };
  include_instrumentation_scope?: string[];
  aggregation_cardinality_limit?: number;
  max_value_bytes?: number;
  add_resource_attributes?: boolean;
}

/** Upstream's default buckets, in milliseconds. */
export const DEFAULT_BUCKETS_MS: readonly number[] = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000];
/** go-expohisto's DefaultMaxSize. */
export const DEFAULT_EXPONENTIAL_MAX_SIZE = 160;
export const DEFAULT_NAMESPACE = 'traces.span.metrics';

export const spanMetricsDefaults = Object.freeze({
  aggregation_temporality: CUMULATIVE,
  metrics_flush_interval: '60s',
  metrics_expiration: '0',
  namespace: DEFAULT_NAMESPACE,
  resource_metrics_cache_size: 1000,
  metric_timestamp_cache_size: 1000,
  aggregation_cardinality_limit: 0,
  max_value_bytes: 1024,
  exemplars_max_per_data_point: 5,
  histogram_unit: 'ms',
});

/** The four dimensions every metric has unless excluded, in upstream's order. */
export const SERVICE_NAME = 'service.name';
export const SPAN_NAME = 'span.name';
export const SPAN_KIND = 'span.kind';
export const STATUS_CODE = 'status.code';
export const DEFAULT_DIMENSIONS: readonly string[] = [SERVICE_NAME, SPAN_NAME, SPAN_KIND, STATUS_CODE];

export interface Dimension {
  name: string;
  /** Used when neither the span nor the resource has the attribute; undefined = omit the dimension. */
  default: string | undefined;
}

export interface ResolvedSpanMetricsConfig {
  dimensions: Dimension[];
  callsDimensions: Dimension[];
  histogramDimensions: Dimension[];
  eventDimensions: Dimension[];
  eventsEnabled: boolean;
  exclude: Set<string>;
  delta: boolean;
  histogram: { disable: boolean; unit: 'ms' | 's'; exponential: boolean; bounds: number[]; maxSize: number };
  flushIntervalMs: number;
  expirationMs: number;
  namespace: string;
  exemplars: { enabled: boolean; maxPerDataPoint: number };
  includeScope: Set<string>;
  cardinalityLimit: number;
  /** Longer string dimension values and resource attribute values are cut (pipeline/text-limit.ts). */
  maxValueBytes: number;
  resourceCacheSize: number;
  resourceKeyAttributes: string[];
  addResourceAttributes: boolean;
  timestampCacheSize: number;
}

const dimensionSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'attribute name, looked up on the span, then on its resource' },
    default: { type: ['string', 'number', 'boolean', 'null'], description: 'value when the attribute is absent; without it the dimension is omitted' },
  },
};
const dimensions = (what: string): JSONSchema => ({ type: 'array', items: dimensionSchema, default: [], description: what });
const stringList = (what: string): JSONSchema => ({ type: 'array', items: { type: 'string' }, default: [], description: what });

export const spanMetricsConfigSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dimensions: dimensions('dimensions added to every metric, after service.name, span.name, span.kind, status.code'),
    calls_dimensions: dimensions('dimensions added to the calls metric only'),
    exclude_dimensions: stringList('default dimensions to leave out: service.name, span.name, span.kind, status.code'),
    dimensions_cache_size: { type: 'integer', minimum: 0, description: 'deprecated upstream (use aggregation_cardinality_limit); accepted, no effect' },
    resource_metrics_cache_size: {
      type: 'integer',
      minimum: 1,
      default: spanMetricsDefaults.resource_metrics_cache_size,
      description: 'resources whose metrics are kept; the least recently seen is dropped (after one last flush) beyond it',
    },
    resource_metrics_key_attributes: stringList('resource attributes that identify a resource for grouping (default: all of them)'),
    aggregation_temporality: { enum: [CUMULATIVE, DELTA], default: CUMULATIVE },
    histogram: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        disable: { type: 'boolean', default: false, description: 'emit no duration histogram' },
        unit: { enum: ['ms', 's'], default: spanMetricsDefaults.histogram_unit, description: 'unit of the duration histogram' },
        explicit: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            buckets: { type: 'array', items: durationSchema(), description: 'bucket upper bounds as durations, increasing; default 2ms ... 15s' },
          },
        },
        exponential: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            max_size: { type: 'integer', minimum: 0, description: `most buckets per sign (default ${DEFAULT_EXPONENTIAL_MAX_SIZE}; 0 = default)` },
          },
        },
        dimensions: dimensions('dimensions added to the duration histogram only'),
      },
    },
    metrics_flush_interval: durationSchema(spanMetricsDefaults.metrics_flush_interval),
    metrics_expiration: durationSchema(spanMetricsDefaults.metrics_expiration),
    metric_timestamp_cache_size: { type: 'integer', description: 'delta only: must be positive; see README (no effect in Summit)' },
    namespace: { type: 'string', default: DEFAULT_NAMESPACE, description: 'prefix of the metric names: <namespace>.calls, <namespace>.duration, <namespace>.events' },
    exemplars: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: false },
        max_per_data_point: { type: 'integer', minimum: 0, default: spanMetricsDefaults.exemplars_max_per_data_point },
      },
    },
    events: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: false },
        dimensions: dimensions('dimensions of the events metric, looked up on the span, then the event, then the resource'),
      },
    },
    include_instrumentation_scope: stringList('instrumentation scope names whose spans get span.instrumentation.scope.name/version dimensions'),
    aggregation_cardinality_limit: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description: 'most dimension combinations per resource and metric; more go to one series with otel.metric.overflow=true. 0 = no limit',
    },
    max_value_bytes: {
      type: 'integer',
      minimum: 1,
      default: spanMetricsDefaults.max_value_bytes,
      description: "Summit's own: string dimension values (span names too) and resource attribute values longer than this many UTF-8 bytes are cut and marked",
    },
    add_resource_attributes: { type: 'boolean', default: false, description: 'accepted; Summit always copies resource attributes (upstream default)' },
  },
};

function dimensionsOf(list: DimensionConfig[] | undefined): Dimension[] {
  return (list ?? []).map((d) => ({ name: d.name, default: d.default === undefined || d.default === null ? undefined : String(d.default) }));
}

/** Upstream's validateDimensions: no name twice, and none of the four default ones. */
function checkDuplicates(list: DimensionConfig[] | undefined, path: string, out: Problem[]): void {
  const seen = new Set<string>(DEFAULT_DIMENSIONS);
  (list ?? []).forEach((d, i) => {
    if (seen.has(d.name)) out.push({ path: `${path}.${i}.name`, message: `duplicate dimension name ${d.name}` });
    seen.add(d.name);
  });
}

function duration(text: string | undefined, fallback: string, path: string, out: Problem[]): number {
  try {
    return parseDuration(text ?? fallback);
  } catch (err) {
    out.push({ path, message: (err as Error).message });
    return NaN;
  }
}

/**
 * Applies the defaults and checks what the schema cannot. Used by the factory's validate() (on a
 * config the schema already filled in) and by create() (which may get a raw config in tests).
 */
export function resolveSpanMetricsConfig(c: SpanMetricsConfig): { config: ResolvedSpanMetricsConfig; problems: Problem[] } {
  const problems: Problem[] = [];
  checkDuplicates(c.dimensions, 'dimensions', problems);

  const temporality = c.aggregation_temporality ?? CUMULATIVE;
  if (temporality !== CUMULATIVE && temporality !== DELTA) {
    problems.push({ path: 'aggregation_temporality', message: `invalid value "${temporality}"; valid values: ${CUMULATIVE}, ${DELTA}` });
  }
  const delta = temporality === DELTA;

  const h = c.histogram ?? {};
  const hasExplicit = h.explicit !== undefined;
  const hasExponential = h.exponential !== undefined;
  if (hasExplicit && hasExponential) {
    problems.push({ path: 'histogram', message: 'use either `explicit` or `exponential` buckets histogram, not both' });
  }
  const unit = h.unit ?? 'ms';
  if (unit !== 'ms' && unit !== 's') problems.push({ path: 'histogram.unit', message: `invalid unit "${unit}"; valid values: ms, s` });
  const perUnit = unit === 's' ? 1000 : 1; // parseDuration gives milliseconds
  let bounds = DEFAULT_BUCKETS_MS.map((ms) => ms / perUnit);
  const buckets = h.explicit?.buckets;
  if (buckets) {
    bounds = buckets.map((b, i) => duration(b, '0', `histogram.explicit.buckets.${i}`, problems) / perUnit);
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i] > bounds[i - 1])) {
        problems.push({ path: `histogram.explicit.buckets.${i}`, message: `buckets must be in increasing order: ${buckets[i]} is not greater than ${buckets[i - 1]}` });
        break;
      }
    }
  }
  let maxSize = h.exponential?.max_size ?? 0;
  if (maxSize === 0) maxSize = DEFAULT_EXPONENTIAL_MAX_SIZE;
  if (maxSize < 2) problems.push({ path: 'histogram.exponential.max_size', message: `max_size must be at least 2 (or 0 for the default ${DEFAULT_EXPONENTIAL_MAX_SIZE})` });

  const flushIntervalMs = duration(c.metrics_flush_interval, spanMetricsDefaults.metrics_flush_interval, 'metrics_flush_interval', problems);
  if (flushIntervalMs <= 0) problems.push({ path: 'metrics_flush_interval', message: `invalid metrics_flush_interval: ${c.metrics_flush_interval}, the duration should be positive` });
  const expirationMs = duration(c.metrics_expiration, spanMetricsDefaults.metrics_expiration, 'metrics_expiration', problems);
  if (expirationMs < 0) problems.push({ path: 'metrics_expiration', message: `invalid metrics_expiration: ${c.metrics_expiration}, the duration should be positive (or 0: never)` });

  const timestampCacheSize = c.metric_timestamp_cache_size ?? spanMetricsDefaults.metric_timestamp_cache_size;
  if (delta && timestampCacheSize <= 0) {
    problems.push({
      path: 'metric_timestamp_cache_size',
      message: `invalid delta timestamp cache size: ${timestampCacheSize}, the maximum number of the items in the cache should be positive`,
    });
  }

  const eventsEnabled = c.events?.enabled ?? false;
  if (eventsEnabled) {
    if (!c.events?.dimensions?.length) problems.push({ path: 'events.dimensions', message: 'no dimensions configured for events; events.enabled needs at least one' });
    else checkDuplicates(c.events.dimensions, 'events.dimensions', problems);
  }

  const config: ResolvedSpanMetricsConfig = {
    dimensions: dimensionsOf(c.dimensions),
    callsDimensions: dimensionsOf(c.calls_dimensions),
    histogramDimensions: dimensionsOf(h.dimensions),
    eventDimensions: dimensionsOf(c.events?.dimensions),
    eventsEnabled,
    exclude: new Set(c.exclude_dimensions ?? []),
    delta,
    histogram: { disable: h.disable ?? false, unit: unit === 's' ? 's' : 'ms', exponential: hasExponential, bounds, maxSize },
    flushIntervalMs,
    expirationMs,
    namespace: c.namespace ?? DEFAULT_NAMESPACE,
    exemplars: { enabled: c.exemplars?.enabled ?? false, maxPerDataPoint: c.exemplars?.max_per_data_point ?? spanMetricsDefaults.exemplars_max_per_data_point },
    includeScope: new Set(c.include_instrumentation_scope ?? []),
    cardinalityLimit: c.aggregation_cardinality_limit ?? 0,
    maxValueBytes: c.max_value_bytes ?? spanMetricsDefaults.max_value_bytes,
    resourceCacheSize: c.resource_metrics_cache_size ?? spanMetricsDefaults.resource_metrics_cache_size,
    resourceKeyAttributes: c.resource_metrics_key_attributes ?? [],
    addResourceAttributes: c.add_resource_attributes ?? false,
    timestampCacheSize,
  };
  return { config, problems };
}

export function validateSpanMetricsConfig(c: SpanMetricsConfig): Problem[] {
  return resolveSpanMetricsConfig(c).problems;
}
