import { anyValueAsString } from '../../pipeline/anyvalue.js';
import { AggregationTemporality, SpanKind, StatusCode, type Attributes, type HistogramDataPoint, type Metric, type Metrics, type NumberDataPoint, type Span, type Traces } from '../../pipeline/model.js';
import type { ResolvedServiceGraphConfig } from './config.js';
import { EdgeStore, TooManyEdges, type ConnectionType, type Edge } from './store.js';

export const SCOPE_NAME = 'traces_service_graph';
/** Series without a new request for this long are forgotten (upstream's cache_loop clean-up). */
const STALE_SERIES_MS = 15 * 60_000;

interface Series {
  attributes: Attributes;
  total: number;
  failed: number;
  server: Histogram;
  client: Histogram;
  lastUpdatedMs: number;
}

class Histogram {
  readonly counts: number[];
  count = 0;
  sum = 0;
  constructor(private readonly bounds: number[]) {
    this.counts = new Array(bounds.length + 1).fill(0);
  }
  observe(v: number): void {
    // upper-inclusive buckets: the first bound >= v, as sort.SearchFloat64s
    let lo = 0;
    let hi = this.bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.bounds[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    this.counts[lo]++;
    this.count++;
    this.sum += v;
  }
}

export interface GraphStats {
  totalEdges: number;
  expiredEdges: number;
  droppedSpans: number;
}

function find(key: string, ...sources: Attributes[]): string | undefined {
  for (const a of sources) {
    const v = a.get(key);
    if (v !== undefined) return anyValueAsString(v);
  }
  return undefined;
}

const seconds = (s: Span) => (s.endTimeUnixNano > s.startTimeUnixNano ? Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e9 : 0);

/**
 * The service graph: pairs client and server spans into edges (EdgeStore), counts completed
 * edges per (client, server, connection type, failed, dimensions) and builds the metrics.
 */
export class ServiceGraph {
  readonly store: EdgeStore;
  private readonly series = new Map<string, Series>();
  readonly stats: GraphStats = { totalEdges: 0, expiredEdges: 0, droppedSpans: 0 };
  /** For a debug log line per completed / expired edge. */
  onEdge: (what: 'completed' | 'expired', e: Edge) => void = () => undefined;

  constructor(
    private readonly config: ResolvedServiceGraphConfig,
    private readonly nowMs: () => number,
  ) {
    this.store = new EdgeStore(config.ttlMs, config.maxItems, (e) => this.complete(e), (e) => this.expired(e));
  }

  aggregate(traces: Traces): void {
    const now = this.nowMs();
    for (const rs of traces.resourceSpans) {
      const resource = rs.resource.attributes;
      const service = resource.get('service.name');
      if (typeof service !== 'string' || service === '') continue; // as upstream: no service, no node
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          try {
            if (span.kind === SpanKind.Client || span.kind === SpanKind.Producer) {
              const type: ConnectionType = span.kind === SpanKind.Producer ? 'messaging_system' : '';
              if (this.store.upsert(span.traceId, span.spanId, now, (e) => this.clientSide(e, span, service, resource, type))) this.stats.totalEdges++;
            } else if (span.kind === SpanKind.Server || span.kind === SpanKind.Consumer) {
              const type: ConnectionType = span.kind === SpanKind.Consumer ? 'messaging_system' : '';
              if (this.store.upsert(span.traceId, span.parentSpanId, now, (e) => this.serverSide(e, span, service, resource, type))) this.stats.totalEdges++;
            }
          } catch (err) {
            if (!(err instanceof TooManyEdges)) throw err;
            this.stats.droppedSpans++;
          }
        }
      }
    }
  }

  private dimensions(side: 'client' | 'server', e: Edge, resource: Attributes, span: Span): void {
    for (const d of this.config.dimensions) {
      const v = find(d, resource, span.attributes);
      if (v !== undefined) e.dimensions.set(`${side}_${d}`, v);
    }
  }

  private clientSide(e: Edge, span: Span, service: string, resource: Attributes, type: ConnectionType): void {
    e.connectionType = type;
    e.clientService = service;
    e.clientLatencySec = seconds(span);
    e.failed ||= span.status.code === StatusCode.Error;
    this.dimensions('client', e, resource, span);
    for (const a of this.config.peerAttributes) {
      const v = find(a, span.attributes);
      if (v !== undefined) {
        e.peer.set(a, v);
        break;
      }
    }
    // A database answers no span of its own: the client span is both sides of the edge.
    const db = this.databaseName(resource, span);
    if (db !== undefined) {
      e.connectionType = 'database';
      e.serverService = db;
      e.serverLatencySec = e.clientLatencySec;
    }
  }

  /**
   * The database a client span calls: the first database_name_attributes value; a span that has
   * only `db.system` is a database call too, named by peer.service or server.address if it has
   * one, else by its system.
   */
  private databaseName(resource: Attributes, span: Span): string | undefined {
    for (const a of this.config.databaseNameAttributes) {
      const v = find(a, resource, span.attributes);
      if (v !== undefined) return v;
    }
    const system = find('db.system', span.attributes) ?? find('db.system.name', span.attributes);
    if (system === undefined) return undefined;
    return find('peer.service', span.attributes) ?? find('server.address', span.attributes) ?? system;
  }

  private serverSide(e: Edge, span: Span, service: string, resource: Attributes, type: ConnectionType): void {
    e.connectionType = type;
    e.serverService = service;
    e.serverLatencySec = seconds(span);
    e.failed ||= span.status.code === StatusCode.Error;
    this.dimensions('server', e, resource, span);
  }

  /**
   * As upstream: an expired edge is counted; with peer attributes configured, a root server span
   * becomes a request from the virtual node `user`, and a client span whose server never
   * answered a request to a virtual node named by its peer attribute (else `unknown`).
   */
  private expired(e: Edge): void {
    this.stats.expiredEdges++;
    this.onEdge('expired', e);
    if (this.config.peerAttributes.length === 0) return;
    e.connectionType = 'virtual_node';
    if (e.clientService === '' && e.clientSpanId === '') {
      e.clientService = 'user';
      e.virtualNode = 'client';
      this.complete(e);
    }
    if (e.serverService === '') {
      e.serverService = this.config.peerAttributes.map((a) => e.peer.get(a)).find((v) => v !== undefined) ?? 'unknown';
      e.virtualNode = 'server';
      this.complete(e);
    }
  }

  private complete(e: Edge): void {
    if (e.connectionType !== 'virtual_node') this.onEdge('completed', e);
    const attributes: Attributes = new Map<string, string | boolean>([
      ['client', e.clientService],
      ['server', e.serverService],
      ['connection_type', e.connectionType],
      ['failed', e.failed],
    ]);
    for (const d of this.config.dimensions) {
      for (const side of ['client', 'server']) {
        const v = e.dimensions.get(`${side}_${d}`);
        if (v !== undefined) attributes.set(`${side}_${d}`, v);
      }
    }
    if (this.config.virtualNodeLabel) attributes.set('virtual_node', e.virtualNode);
    const key = JSON.stringify([...attributes]);
    let s = this.series.get(key);
    if (!s) {
      s = { attributes, total: 0, failed: 0, server: new Histogram(this.config.bounds), client: new Histogram(this.config.bounds), lastUpdatedMs: 0 };
      this.series.set(key, s);
    }
    s.lastUpdatedMs = this.nowMs();
    s.total++;
    if (e.failed) s.failed++;
    s.server.observe(e.serverLatencySec);
    s.client.observe(e.clientLatencySec);
  }

  /** Forgets series no request updated for 15 minutes (upstream's cache_loop). */
  cleanSeries(): void {
    const cutoff = this.nowMs() - STALE_SERIES_MS;
    for (const [key, s] of this.series) if (s.lastUpdatedMs < cutoff) this.series.delete(key);
  }

  /** Cumulative totals since `startNs`, stamped `timeNs`; undefined when there is nothing yet. */
  metrics(startNs: bigint, timeNs: bigint): Metrics | undefined {
    if (this.series.size === 0) return undefined;
    const all = [...this.series.values()];
    const sum = (name: string, pick: (s: Series) => number, from: Series[]): Metric => ({
      name,
      description: '',
      unit: '',
      metadata: new Map(),
      data: {
        type: 'sum',
        isMonotonic: true,
        aggregationTemporality: AggregationTemporality.Cumulative,
        dataPoints: from.map((s): NumberDataPoint => ({ attributes: new Map(s.attributes), startTimeUnixNano: startNs, timeUnixNano: timeNs, value: BigInt(pick(s)), exemplars: [], flags: 0 })),
      },
    });
    const histogram = (name: string, pick: (s: Series) => Histogram): Metric => ({
      name,
      description: '',
      unit: 's',
      metadata: new Map(),
      data: {
        type: 'histogram',
        aggregationTemporality: AggregationTemporality.Cumulative,
        dataPoints: all.map((s): HistogramDataPoint => {
          const h = pick(s);
          return { attributes: new Map(s.attributes), startTimeUnixNano: startNs, timeUnixNano: timeNs, count: h.count, sum: h.sum, bucketCounts: [...h.counts], explicitBounds: [...this.config.bounds], exemplars: [], flags: 0 };
        }),
      },
    });
    const failed = all.filter((s) => s.failed > 0);
    const metrics: Metric[] = [
      sum('traces_service_graph_request_total', (s) => s.total, all),
      ...(failed.length ? [sum('traces_service_graph_request_failed_total', (s) => s.failed, failed)] : []),
      histogram('traces_service_graph_request_server', (s) => s.server),
      histogram('traces_service_graph_request_client', (s) => s.client),
    ];
    return {
      resourceMetrics: [
        {
          resource: { attributes: new Map(), droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeMetrics: [{ scope: { name: SCOPE_NAME, version: '', attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', metrics }],
        },
      ],
    };
  }
}
