import type { ComponentFactory, ComponentInstance, CreateContext, NextConsumers } from '../../pipeline/component.js';
import { countItems } from '../../pipeline/model-ops.js';
import type { Traces } from '../../pipeline/model.js';
import { downstreamFor } from '../internal/downstream.js';
import { problemsError } from '../internal/values.js';
import { SpanMetricsAggregator } from './aggregator.js';
import { DEFAULT_DIMENSIONS, resolveSpanMetricsConfig, spanMetricsConfigSchema, validateSpanMetricsConfig, type SpanMetricsConfig } from './config.js';

export { OVERFLOW_ATTRIBUTE, SCOPE_NAME, SpanMetricsAggregator } from './aggregator.js';
export {
  CUMULATIVE,
  DEFAULT_BUCKETS_MS,
  DEFAULT_NAMESPACE,
  DELTA,
  resolveSpanMetricsConfig,
  spanMetricsDefaults,
  validateSpanMetricsConfig,
  type DimensionConfig,
  type ResolvedSpanMetricsConfig,
  type SpanMetricsConfig,
} from './config.js';

/** The running connector: a component instance plus flush(), for tests and benchmarks. */
export interface SpanMetricsConnector extends ComponentInstance {
  /** Sends what has been aggregated so far to the metrics pipeline now (as the timer does). */
  flush(): Promise<void>;
  readonly aggregator: SpanMetricsAggregator;
}

export interface SpanMetricsOptions {
  /** The clock, in Unix nanoseconds; default the system clock. Tests replace it. */
  now?: () => bigint;
}

const systemClock = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** Creates the connector; the factory's create() with a replaceable clock. */
export function createSpanMetricsConnector(
  ctx: CreateContext,
  raw: SpanMetricsConfig,
  next: NextConsumers,
  options: SpanMetricsOptions = {},
): SpanMetricsConnector {
  const { config, problems } = resolveSpanMetricsConfig(raw ?? {});
  if (problems.length) throw problemsError(ctx.id, problems);
  const downstream = downstreamFor(ctx.id, 'metrics', next);
  const now = options.now ?? systemClock;
  const log = ctx.logger;

  const unknownExcludes = [...config.exclude].filter((d) => !DEFAULT_DIMENSIONS.includes(d));
  if (unknownExcludes.length) {
    log.warn({ exclude_dimensions: unknownExcludes, valid: DEFAULT_DIMENSIONS }, 'spanmetrics: exclude_dimensions names dimensions that are not default ones; they have no effect');
  }
  if (raw?.dimensions_cache_size !== undefined) {
    log.warn('spanmetrics: dimensions_cache_size is deprecated (as upstream) and has no effect; use aggregation_cardinality_limit to bound series');
  }

  const aggregator = new SpanMetricsAggregator(config);
  aggregator.onOverflow = (resource) =>
    log.warn(
      { limit: config.cardinalityLimit, service: resource.get('service.name') },
      'spanmetrics: aggregation_cardinality_limit reached for a resource; new dimension combinations are counted in the series with otel.metric.overflow=true',
    );

  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const flush = async (): Promise<void> => {
    const t = now();
    const data = aggregator.flush(t, Number(t / 1_000_000n));
    if (!data) return;
    const sending = downstream.consume(data).catch((err: unknown) => {
      // As upstream: a failed send is logged; cumulative series carry their totals into the next flush.
      log.error({ err: (err as Error)?.message ?? String(err), points: countItems('metrics', data) }, 'spanmetrics: sending metrics downstream failed; they are dropped');
    });
    inFlight.add(sending);
    try {
      await sending;
    } finally {
      inFlight.delete(sending);
    }
  };

  return {
    aggregator,
    mutatesData: false,
    consumers: {
      traces: {
        async consume(data: Traces) {
          const t = now();
          aggregator.aggregate(data, t, Number(t / 1_000_000n));
          // After shutdown nothing would flush again: send at once rather than hold.
          if (stopped) await flush();
        },
      },
    },
    flush,
    async start() {
      if (stopped || timer) return;
      timer = setInterval(() => void flush(), config.flushIntervalMs);
      timer.unref();
    },
    async shutdown() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await Promise.all([...inFlight]);
      await flush();
    },
  };
}

/**
 * Upstream's `spanmetrics` connector (alias `span_metrics`): R.E.D. metrics — calls, errors (the
 * calls with status.code STATUS_CODE_ERROR) and duration — from spans, per service and dimensions.
 */
export const spanMetricsConnectorFactory: ComponentFactory<SpanMetricsConfig> = {
  type: 'spanmetrics',
  aliases: ['span_metrics'],
  kind: 'connector',
  connects: [['traces', 'metrics']],
  stability: 'alpha',
  configSchema: spanMetricsConfigSchema,
  validate: validateSpanMetricsConfig,
  create: (ctx, config, next) => createSpanMetricsConnector(ctx, config, next),
};
