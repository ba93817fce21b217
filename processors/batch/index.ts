import type { ComponentFactory, Consumer, CreateContext, NextConsumers } from '../../pipeline/component.js';
import type { Signal } from '../../pipeline/model.js';
import { parseDuration } from '../../pipeline/duration.js';
import { downstreamFor } from '../internal/downstream.js';
import { problemsError } from '../internal/values.js';
import { Batcher, type Trigger } from './batcher.js';
import { batchConfigSchema, batchDefaults, validateBatchConfig, type BatchConfig } from './config.js';
import { MetadataPartitions } from './partitions.js';

export { batchDefaults, type BatchConfig } from './config.js';

/**
 * Upstream's `batch` processor: accumulates items and sends them downstream in batches, by
 * size or after a timeout, optionally split to a maximum size. consume() resolves only once
 * the input's items were delivered downstream (see Batcher).
 */
export const batchProcessorFactory: ComponentFactory<BatchConfig> = {
  type: 'batch',
  kind: 'processor',
  signals: ['traces', 'metrics', 'logs'],
  stability: 'beta',
  configSchema: batchConfigSchema,
  validate: validateBatchConfig,
  create(ctx, config, next) {
    const c = { ...batchDefaults, ...config };
    const problems = validateBatchConfig(c);
    if (problems.length) throw problemsError(ctx.id, problems);
    const options = {
      sendBatchSize: c.send_batch_size,
      sendBatchMaxSize: c.send_batch_max_size,
      timeoutMs: parseDuration(c.timeout),
      flushWhenIdle: c.flush_when_idle,
      onSend: sendCounters(ctx),
    };
    const consumers: NextConsumers = {};
    const batchers: (() => Batcher<Signal>[])[] = [];
    for (const signal of ctx.signals) {
      const downstream = downstreamFor(ctx.id, signal, next);
      if (c.metadata_keys.length > 0) {
        const partitions = new MetadataPartitions(c.metadata_keys, c.metadata_cardinality_limit, (client) => new Batcher(signal, downstream, { ...options, client }));
        (consumers as Record<Signal, Consumer>)[signal] = { consume: (data) => partitions.consume(data) };
        batchers.push(() => partitions.all() as Batcher<Signal>[]);
      } else {
        const batcher = new Batcher(signal, downstream, options);
        (consumers as Record<Signal, Consumer>)[signal] = { consume: (data) => batcher.consume(data) };
        batchers.push(() => [batcher as Batcher<Signal>]);
      }
    }
    return {
      consumers,
      mutatesData: false,
      async shutdown() {
        await Promise.all(batchers.flatMap((all) => all()).map((b) => b.shutdown()));
      },
    };
  },
};

/** Upstream's otelcol_processor_batch_{batch_size,timeout}_trigger_send counters. */
function sendCounters(ctx: CreateContext): (trigger: Trigger) => void {
  const labels = { processor: ctx.id };
  const size = ctx.telemetry
    .counter('otelcol_processor_batch_batch_size_trigger_send_total', 'Number of times the batch was sent due to a size trigger', ['processor'])
    .labels(labels);
  const timeout = ctx.telemetry
    .counter('otelcol_processor_batch_timeout_trigger_send_total', 'Number of times the batch was sent due to a timeout trigger', ['processor'])
    .labels(labels);
  return (trigger) => {
    if (trigger === 'size') size.inc();
    else if (trigger === 'timeout') timeout.inc();
  };
}
