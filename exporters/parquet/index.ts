/**
 * The `parquet` exporter: traces, logs and metrics as Parquet tables under one directory, in
 * hive-style hour partitions any engine reads (DuckDB, Spark, Trino, ClickHouse, pandas).
 * See README.md for the schema, the files and the acknowledgement rules.
 */
import { mkdir } from 'node:fs/promises';
import type { ComponentFactory, CreateContext, Host } from '../../pipeline/component.js';
import { createExporterHelper, resolveExporterHelperConfig, type ExporterHelper } from '../../pipeline/exporterhelper/index.js';
import { PARQUET_HELPER_DEFAULTS, parquetConfigSchema, resolveParquetConfig, validateParquetConfig, type ParquetConfig } from './config.js';
import { FileSet } from './files.js';
import { Compactor } from './compaction.js';
import { Sweeper } from './retention.js';
import { maxSetBytes } from './values.js';
import { WriterThreads, type FileSink } from './worker.js';

export type { ParquetConfig } from './config.js';

export interface ParquetExporterOptions {
  /** Where chunks of rows go; the writer threads unless a test passes a fake. */
  sink?: FileSink;
  now?: () => number;
}

export interface ParquetExporter extends ExporterHelper {
  /** The open files, for tests. */
  readonly files: FileSet;
  /** Undefined with `compaction.enabled: false`. */
  readonly compactor: Compactor | undefined;
  readonly dir: string;
}

export function createParquetExporter(ctx: CreateContext, config: ParquetConfig, options: ParquetExporterOptions = {}): ParquetExporter {
  const resolved = resolveParquetConfig(config ?? ({} as ParquetConfig), ctx.configDir);
  const queue = resolveExporterHelperConfig(config ?? {}, PARQUET_HELPER_DEFAULTS).queue;
  const sink = options.sink ?? new WriterThreads({ logger: ctx.logger });
  const files = new FileSet({
    dir: resolved.dir,
    compression: resolved.compression,
    maxRows: resolved.maxRows,
    maxBytes: resolved.maxBytes,
    maxAgeMs: resolved.maxAgeMs,
    partitionWindowMs: resolved.partitionWindowMs,
    maxHeldSends: heldSendsBeforeRoll(queue),
    logger: ctx.logger,
    sink,
    now: options.now,
    createdBy: `summit parquet exporter "${ctx.id}"`,
    maxValueBytes: resolved.maxValueBytes,
    onLimited: limitsReporter(ctx, resolved.maxValueBytes),
  });
  const sweeper = new Sweeper({
    dir: resolved.dir,
    retentionMs: resolved.retentionMs,
    staleTmpMs: Math.max(3_600_000, 2 * resolved.maxAgeMs),
    logger: ctx.logger,
    now: options.now,
  });
  const compactor =
    resolved.compaction &&
    new Compactor({
      dir: resolved.dir,
      targetBytes: resolved.compaction.targetBytes,
      minFiles: resolved.compaction.minFiles,
      // late rows within the hour's files and the last open files have landed by then
      settleMs: 5 * 60_000 + resolved.maxAgeMs,
      compact: (signal, partition, sources, name) => files.compact(signal, partition, sources, name),
      logger: ctx.logger,
      now: options.now,
    });
  const helper = createExporterHelper(ctx, config ?? {}, (signal, data) => files.write(signal, data), { defaults: PARQUET_HELPER_DEFAULTS });
  let stopping: Promise<void> | undefined;
  return {
    ...helper,
    files,
    compactor,
    dir: resolved.dir,
    async start(host: Host) {
      await mkdir(resolved.dir, { recursive: true });
      await sweeper.start();
      compactor?.start(resolved.compaction!.intervalMs);
      ctx.logger.info(`Parquet exporter "${ctx.id}" writes ${ctx.signals.join(', ')} under ${resolved.dir}`);
      await helper.start(host);
    },
    shutdown(stop) {
      stopping ??= (async () => {
        // Batches the helper is sending wait on open files: finish those first, and from now on
        // finish files at once, or the helper's drain would wait for max_age.
        files.beginClose();
        await helper.shutdown(stop);
        await compactor?.stop();
        await files.close();
        await sweeper.stop();
        await sink.close();
      })();
      return stopping;
    },
  };
}

/** Counts cut texts and dropped attributes; says so in the log the first time of each. */
function limitsReporter(ctx: CreateContext, maxValueBytes: number): (counts: { truncated: number; dropped: number }) => void {
  const truncated = ctx.telemetry.counter(
    'otelcol_exporter_parquet_truncated_values_total',
    'Texts (attribute keys and values, resource, scope and metric names) the parquet exporter cut at max_value_bytes.',
    ['exporter'],
  );
  const dropped = ctx.telemetry.counter(
    'otelcol_exporter_parquet_dropped_attributes_total',
    'Attributes of a resource, scope or metric the parquet exporter left out because the set outgrew its limit.',
    ['exporter'],
  );
  let warnedTruncated = false;
  let warnedDropped = false;
  return (counts) => {
    if (counts.truncated > 0) {
      truncated.inc({ exporter: ctx.id }, counts.truncated);
      if (!warnedTruncated) {
        warnedTruncated = true;
        ctx.logger.warn(
          `parquet exporter "${ctx.id}": texts longer than max_value_bytes (${maxValueBytes} bytes) are cut and marked (type Truncated); ` +
            'counted in otelcol_exporter_parquet_truncated_values_total, logged only once',
        );
      }
    }
    if (counts.dropped > 0) {
      dropped.inc({ exporter: ctx.id }, counts.dropped);
      if (!warnedDropped) {
        warnedDropped = true;
        ctx.logger.warn(
          `parquet exporter "${ctx.id}": a resource, scope or metric held more than ${maxSetBytes(maxValueBytes)} bytes of attributes; ` +
            'the rest were left out (dropped_attributes_count), counted in otelcol_exporter_parquet_dropped_attributes_total, logged only once',
        );
      }
    }
  };
}

export const parquetExporterFactory: ComponentFactory<ParquetConfig> = {
  type: 'parquet',
  kind: 'exporter',
  signals: ['traces', 'metrics', 'logs'],
  stability: 'alpha',
  configSchema: parquetConfigSchema,
  validate: validateParquetConfig,
  create: (ctx, config) => createParquetExporter(ctx, config),
};

/**
 * Without a queue the callers are the limit. With one, its senders and its capacity (which
 * counts batches being sent too) are: files are finished once half of that waits on them, so
 * the queue keeps room for new batches while the files are written instead of refusing them.
 */
function heldSendsBeforeRoll(queue: ReturnType<typeof resolveExporterHelperConfig>['queue']): number {
  if (!queue.enabled) return Infinity;
  const inFlight = queue.sizer === 'requests' ? Math.min(queue.consumers, queue.capacity) : queue.consumers;
  return Math.max(1, Math.floor(inFlight / 2));
}
