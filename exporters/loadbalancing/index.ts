import type { ComponentFactory, ComponentInstance, Consumer, CreateContext, Host, NextConsumers, ShutdownContext } from '../../pipeline/component.js';
import { parseDuration } from '../../pipeline/duration.js';
import { retryableError } from '../../pipeline/errors.js';
import type { Signal, SignalData } from '../../pipeline/model.js';
import { createOtlpGrpcExporter } from '../../pipeline/otlp-grpc-exporter.js';
import { configSchema, validateConfig, type LoadBalancingConfig } from './config.js';
import { dnsResolver, staticResolver, type Lookup, type Resolver } from './resolver.js';
import { HashRing } from './ring.js';
import { KEYS_FOR, splitBatch } from './routing.js';

export type { LoadBalancingConfig } from './config.js';

type Backend = ComponentInstance & { consumers: NextConsumers };

/** How long a removed backend's attempts in flight may take before they are aborted and handed over. */
const DRAIN_MS = 30_000;

function resolverFor(ctx: CreateContext, c: LoadBalancingConfig, lookup?: Lookup): Resolver {
  if (c.resolver.static) return staticResolver(c.resolver.static.hostnames);
  const d = c.resolver.dns!;
  return dnsResolver({ hostname: d.hostname, port: d.port ?? '4317', intervalMs: parseDuration(d.interval ?? '5s'), timeoutMs: parseDuration(d.timeout ?? '1s'), logger: ctx.logger, lookup });
}

/**
 * Sends each item to the backend its routing key hashes to, on a consistent-hashing ring of
 * the backends the resolver finds; each backend is an OTLP/gRPC exporter with its own queue
 * and retries. What a backend that goes away still holds is routed again on the new ring, so
 * what it accepted is still delivered though the backend itself is down.
 */
export function createLoadBalancer(ctx: CreateContext, config: LoadBalancingConfig, lookup?: Lookup): ComponentInstance & { endpoints(): string[] } {
  const problems = validateConfig(config);
  if (problems.length) throw new Error(`${ctx.id}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  for (const signal of ctx.signals)
    if (!KEYS_FOR[signal].includes(config.routing_key) && !(signal === 'metrics' && config.routing_key === 'traceID'))
      throw new Error(`${ctx.id}: routing_key ${config.routing_key} does not apply to ${signal}; use one of ${KEYS_FOR[signal].join(', ')}`);
  // Metrics have no trace id: the default key routes them by service, as upstream.
  const keyFor = (signal: Signal) => (signal === 'metrics' && config.routing_key === 'traceID' ? 'service' : config.routing_key);
  const resolver = resolverFor(ctx, config, lookup);
  const backends = new Map<string, Backend>();
  let ring = new HashRing([]);
  let host: Host | undefined;
  let changing: Promise<void> = Promise.resolve();

  const backend = (endpoint: string): Backend =>
    createOtlpGrpcExporter(
      { ...ctx, id: `${ctx.id}/${endpoint}`, logger: ctx.logger.child({ endpoint }) },
      { ...config.protocol.otlp, endpoint, headers: config.protocol.otlp.headers ?? {}, compression: config.protocol.otlp.compression ?? 'gzip' },
    ) as Backend;

  const update = async (endpoints: string[]) => {
    const added = endpoints.filter((e) => !backends.has(e));
    const removed = [...backends.keys()].filter((e) => !endpoints.includes(e));
    for (const e of added) {
      const b = backend(e);
      await b.start?.(host!);
      backends.set(e, b);
    }
    ring = new HashRing(endpoints);
    const leaving = removed.map((e) => {
      const b = backends.get(e)!;
      backends.delete(e);
      return b;
    });
    if (added.length || removed.length) ctx.logger.info({ backends: endpoints, added, removed }, 'loadbalancing: backends changed');
    // New data already goes to the new ring; what the leaving backends hold follows it there.
    const handOver: ShutdownContext = {
      deadline: Date.now() + DRAIN_MS,
      dropped: (_s, n) => ctx.logger.error({ items: n }, 'loadbalancing: a removed backend dropped data it had accepted, with no backend left to take it'),
      handOver: (signal, data) => consumers[signal]!.consume(data),
    };
    await Promise.all(leaving.map((b) => b.shutdown?.(handOver)));
  };

  const consumer = <S extends Signal>(signal: S): Consumer<S> => ({
    async consume(data: SignalData[S]) {
      if (ring.empty) throw retryableError(`${ctx.id}: no backends resolved yet`);
      const r = ring;
      const parts = splitBatch(signal, data, keyFor(signal), config.routing_attributes ?? [], (k) => r.endpointFor(k)!);
      await Promise.all([...parts].map(([endpoint, part]) => (backends.get(endpoint)!.consumers[signal] as Consumer<S>).consume(part)));
    },
  });

  const consumers: NextConsumers = {};
  for (const s of ctx.signals) consumers[s] = consumer(s) as never;
  return {
    consumers,
    mutatesData: false,
    reportsOwnSendResults: true,
    endpoints: () => [...backends.keys()],
    async start(h) {
      host = h;
      await resolver.start((endpoints) => (changing = changing.then(() => update(endpoints))));
    },
    async shutdown(stop?: ShutdownContext) {
      resolver.stop();
      await changing;
      await Promise.all([...backends.values()].map((b) => b.shutdown?.(stop)));
      backends.clear();
    },
  };
}

/** Upstream's `loadbalancing` exporter over OTLP/gRPC; see README.md. */
export const loadBalancingExporterFactory: ComponentFactory<LoadBalancingConfig> = {
  type: 'loadbalancing',
  kind: 'exporter',
  signals: ['traces', 'metrics', 'logs'],
  stability: 'beta',
  configSchema,
  validate: validateConfig,
  create: (ctx, config) => createLoadBalancer(ctx, config),
};
