import type { ComponentFactory, ComponentInstance, CreateContext, NextConsumers } from '../../pipeline/component.js';
import { countItems } from '../../pipeline/model-ops.js';
import type { Traces } from '../../pipeline/model.js';
import { downstreamFor } from '../internal/downstream.js';
import { problemsError } from '../internal/values.js';
import { resolveServiceGraphConfig, serviceGraphConfigSchema, type ServiceGraphConfig } from './config.js';
import { ServiceGraph } from './graph.js';

export { SCOPE_NAME, ServiceGraph } from './graph.js';
export type { ServiceGraphConfig } from './config.js';

export interface ServiceGraphConnector extends ComponentInstance {
  /** Sends the metrics now (as the flush timer does). */
  flush(): Promise<void>;
  /** Expires old edges now (as the store_expiration_loop timer does). */
  expire(): void;
  readonly graph: ServiceGraph;
}

export interface ServiceGraphOptions {
  /** The clock, in Unix milliseconds; default the system clock. Tests replace it. */
  nowMs?: () => number;
}

export function createServiceGraphConnector(ctx: CreateContext, raw: ServiceGraphConfig, next: NextConsumers, options: ServiceGraphOptions = {}): ServiceGraphConnector {
  const { config, problems } = resolveServiceGraphConfig(raw ?? {});
  if (problems.length) throw problemsError(ctx.id, problems);
  const downstream = downstreamFor(ctx.id, 'metrics', next);
  const nowMs = options.nowMs ?? Date.now;
  const log = ctx.logger;
  if (raw?.metrics_exporter) log.warn('servicegraph: metrics_exporter is deprecated upstream and has no effect; the metrics pipeline the connector feeds decides where metrics go');

  const graph = new ServiceGraph(config, nowMs);
  graph.onEdge = (what, e) => log.debug({ client: e.clientService, server: e.serverService, connection_type: e.connectionType }, `servicegraph: edge ${what}`);
  const counter = (name: string, help: string) => ctx.telemetry.counter(name, help, ['connector']);
  const dropped = counter('otelcol_connector_servicegraph_dropped_spans_total', 'Number of spans dropped when trying to add edges');
  const total = counter('otelcol_connector_servicegraph_total_edges_total', 'Total number of unique edges');
  const expired = counter('otelcol_connector_servicegraph_expired_edges_total', 'Number of edges that expired before finding its matching span');
  const reported = { totalEdges: 0, expiredEdges: 0, droppedSpans: 0 };
  const report = () => {
    const s = graph.stats;
    total.inc({ connector: ctx.id }, s.totalEdges - reported.totalEdges);
    expired.inc({ connector: ctx.id }, s.expiredEdges - reported.expiredEdges);
    dropped.inc({ connector: ctx.id }, s.droppedSpans - reported.droppedSpans);
    if (s.droppedSpans > reported.droppedSpans) log.warn({ dropped: s.droppedSpans - reported.droppedSpans, max_items: config.maxItems }, 'servicegraph: store full of unpaired edges; spans dropped (raise store.max_items or lower store.ttl)');
    Object.assign(reported, s);
  };

  const startNs = BigInt(nowMs()) * 1_000_000n;
  const inFlight = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;

  const flush = async (): Promise<void> => {
    const data = graph.metrics(startNs, BigInt(nowMs() - config.timestampOffsetMs) * 1_000_000n);
    if (!data) return;
    const sending = downstream.consume(data).catch((err: unknown) => {
      // As upstream: logged; the totals are cumulative, so the next flush carries them again.
      log.error({ err: (err as Error)?.message ?? String(err), points: countItems('metrics', data) }, 'servicegraph: sending metrics downstream failed');
    });
    inFlight.add(sending);
    try {
      await sending;
    } finally {
      inFlight.delete(sending);
    }
  };
  const expire = () => {
    graph.store.expire(nowMs());
    report();
  };

  return {
    graph,
    flush,
    expire,
    mutatesData: false,
    consumers: {
      traces: {
        async consume(data: Traces) {
          graph.aggregate(data);
          report();
          if (config.flushIntervalMs === 0 || stopped) await flush();
        },
      },
    },
    async start() {
      if (stopped || timers.length) return;
      const every = (ms: number, fn: () => void) => {
        const t = setInterval(fn, ms);
        t.unref();
        timers.push(t);
      };
      if (config.flushIntervalMs > 0) every(config.flushIntervalMs, () => void flush());
      every(config.expirationLoopMs, expire);
      every(config.cacheLoopMs, () => graph.cleanSeries());
    },
    async shutdown() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      timers.length = 0;
      await Promise.all([...inFlight]);
      await flush();
    },
  };
}

/**
 * Upstream's `servicegraph` connector: the requests between services, from client/server span
 * pairs, as the metrics Grafana's and Tempo's service graphs read.
 */
export const serviceGraphConnectorFactory: ComponentFactory<ServiceGraphConfig> = {
  type: 'servicegraph',
  kind: 'connector',
  connects: [['traces', 'metrics']],
  stability: 'alpha',
  configSchema: serviceGraphConfigSchema,
  validate: (config) => resolveServiceGraphConfig(config).problems,
  create: (ctx, config, next) => createServiceGraphConnector(ctx, config, next),
};
