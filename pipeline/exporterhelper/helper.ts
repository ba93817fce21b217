/**
 * createExporterHelper: what every exporter wraps its network call in — sending queue →
 * retry → timeout → send, as upstream's exporterhelper orders them.
 */
import { wiredSignals, type ComponentInstance, type Consumer, type CreateContext, type Host, type NextConsumers, type ShutdownContext } from '../component.js';
import type { PipelineSignal, SignalData } from '../model.js';
import { otlpJsonCodec, otlpProtoCodec, type QueueCodec } from './codec.js';
import { resolveExporterHelperConfig, type ExporterHelperConfig, type ExporterHelperDefaults } from './config.js';
import { DirectSender } from './direct-sender.js';
import type { SenderEnv } from './env.js';
import { LogLimiter } from './log.js';
import { HelperMetrics } from './metrics.js';
import { QueuedSender } from './queued-sender.js';
import type { SendFunction } from './retry.js';

export interface ExporterHelperOptions {
  /** Serializer for a persistent queue; defaults to OTLP protobuf. */
  codec?: QueueCodec;
  /** The exporter's own defaults where they differ from upstream's common ones. */
  defaults?: ExporterHelperDefaults;
  /** Source of randomness for retry jitter (tests make it deterministic). */
  random?: () => number;
  /** Interval of rate-limited warnings and drop logs, ms (default 10 s). */
  logIntervalMs?: number;
}

export interface ExporterHelper extends ComponentInstance {
  consumers: NextConsumers;
  start(host: Host): Promise<void>;
  /** Drains, until ctx.deadline; an exporter wrapping it passes its own `ctx` on. */
  shutdown(ctx?: ShutdownContext): Promise<void>;
  /** The helper records otelcol_exporter_sent / send_failed itself, when sends really finish. */
  reportsOwnSendResults: true;
}

interface Sender<S extends PipelineSignal> {
  readonly signal: S;
  start(host: Host): Promise<void>;
  consume(data: SignalData[S]): Promise<void>;
  shutdown(ctx?: ShutdownContext): Promise<void>;
}

/**
 * Builds the consumers (one per signal in ctx.signals) and lifecycle of an exporter around its
 * `send`. Return it from the factory's create(), or spread it and wrap start/shutdown to open
 * the exporter's own resources before `start` and close them after `shutdown`.
 */
export function createExporterHelper(ctx: CreateContext, config: ExporterHelperConfig, send: SendFunction, options: ExporterHelperOptions = {}): ExporterHelper {
  const resolved = resolveExporterHelperConfig(config ?? {}, options.defaults);
  const codec = options.codec ?? otlpProtoCodec;
  const env: SenderEnv = {
    exporterId: ctx.id,
    logger: ctx.logger,
    config: resolved,
    // profiles reach `send` only with ctx.profiles, set only for factories that list profiles
    send: send as SendFunction<PipelineSignal>,
    metrics: new HelperMetrics(ctx.telemetry, ctx.id),
    limiter: new LogLimiter(options.logIntervalMs),
    codec,
    // records written by any known codec stay readable after a change of default
    codecs: new Map([otlpJsonCodec, otlpProtoCodec, codec].map((c) => [c.name, c])),
    random: options.random,
  };
  if (!resolved.queue.enabled && resolved.queue.storage !== undefined) {
    ctx.logger.warn(`exporter "${ctx.id}": sending_queue.storage is ignored because sending_queue.enabled is false`);
  }

  const senders: Sender<PipelineSignal>[] = wiredSignals(ctx).map((signal) =>
    resolved.queue.enabled ? new QueuedSender(env, signal) : new DirectSender(env, signal),
  );
  const consumers: NextConsumers = {};
  for (const s of senders) {
    const consumer: Consumer<PipelineSignal> = { consume: (data) => s.consume(data) };
    (consumers as Record<PipelineSignal, Consumer<PipelineSignal>>)[s.signal] = consumer;
  }
  let stopping: Promise<void> | undefined;
  return {
    consumers,
    mutatesData: false,
    reportsOwnSendResults: true,
    async start(host) {
      for (const s of senders) await s.start(host);
    },
    shutdown(ctx) {
      stopping ??= Promise.all(senders.map((s) => s.shutdown(ctx))).then(() => env.limiter.flush());
      return stopping;
    },
  };
}
