/**
 * The `filelog` receiver (upstream filelogreceiver): tails files matched by globs, follows them
 * through rotation by fingerprint, turns lines (or multiline groups) into log records through
 * stanza operators, and commits read offsets only after the pipeline accepted the records.
 */
import { isAbsolute, resolve } from 'node:path';
import type { ComponentFactory } from '../../pipeline/component.js';
import { parseDuration } from '../../pipeline/duration.js';
import { isStorageExtension } from '../../pipeline/exporterhelper/storage.js';
import { parseByteSize } from '../../pipeline/stanza/byte-size.js';
import { Emitter } from '../../pipeline/stanza/emitter.js';
import { OperatorPipeline, validateOperators } from '../../pipeline/stanza/operators.js';
import { Checkpoints } from './checkpoints.js';
import { filelogConfigSchema, validateFilelogConfig, type FilelogConfig } from './config.js';
import { FileConsumer } from './file-consumer.js';
import { orderingFilter } from './ordering.js';

export type { FilelogConfig } from './config.js';

/** Fingerprints shorter than this would make unrelated files look alike (upstream's minimum). */
const MIN_FINGERPRINT = 16;

export const filelogReceiverFactory: ComponentFactory<FilelogConfig> = {
  type: 'filelog',
  kind: 'receiver',
  signals: ['logs'],
  stability: 'beta',
  configSchema: filelogConfigSchema,
  validate(c) {
    const problems = validateFilelogConfig(c);
    if (parseByteSize(c.fingerprint_size) < MIN_FINGERPRINT) problems.push({ path: 'fingerprint_size', message: `must be at least ${MIN_FINGERPRINT} bytes` });
    if (parseByteSize(c.max_log_size) <= 0) problems.push({ path: 'max_log_size', message: 'must be positive' });
    return [...problems, ...validateOperators(c.operators)];
  },
  create(ctx, c, next) {
    const abs = (p: string) => (isAbsolute(p) ? p : resolve(ctx.configDir, p));
    const operators = OperatorPipeline.build(c.operators, ctx.logger);
    if (c.acquire_fs_lock) ctx.logger.warn(`${ctx.id}: acquire_fs_lock has no effect in Summit (Node.js cannot flock a file); files are read without a lock`);
    const emitter = new Emitter(next.logs!, c.retry_on_failure, ctx.logger);
    let consumer: FileConsumer | undefined;
    return {
      async start(host) {
        let checkpoints: Checkpoints | undefined;
        let restored: Awaited<ReturnType<typeof Checkpoints.open>>['restored'] = [];
        if (c.storage) {
          const ext = host.getExtension(c.storage);
          if (!ext) throw new Error(`${ctx.id}: storage "${c.storage}" is not an extension of this service; add it to service.extensions`);
          if (!isStorageExtension(ext)) throw new Error(`${ctx.id}: storage "${c.storage}" is not a storage extension (file_storage is)`);
          ({ checkpoints, restored } = await Checkpoints.open(await ext.openQueue(`receiver/${ctx.id}`, 'logs'), ctx.logger));
        }
        consumer = new FileConsumer(
          {
            include: c.include.map(abs),
            exclude: c.exclude.map(abs),
            startAtBeginning: c.start_at === 'beginning',
            pollIntervalMs: parseDuration(c.poll_interval),
            fingerprintSize: parseByteSize(c.fingerprint_size),
            maxLogSize: parseByteSize(c.max_log_size),
            maxConcurrentFiles: c.max_concurrent_files,
            encoding: c.encoding,
            multiline: c.multiline,
            forceFlushMs: parseDuration(c.force_flush_period),
            includeFileName: c.include_file_name,
            includeFilePath: c.include_file_path,
            includeFileNameResolved: c.include_file_name_resolved,
            includeFilePathResolved: c.include_file_path_resolved,
            deleteAfterRead: c.delete_after_read,
            isGzip: (path) => c.compression === 'gzip' || (c.compression === 'auto' && path.endsWith('.gz')),
            excludeOlderThanMs: c.exclude_older_than ? parseDuration(c.exclude_older_than) : 0,
            selectPaths: orderingFilter(c.ordering_criteria),
            header: c.header && { pattern: new RegExp(c.header.pattern), operators: OperatorPipeline.build(c.header.metadata_operators, ctx.logger) },
            attributes: c.attributes,
            resource: c.resource,
          },
          operators,
          emitter,
          ctx.logger,
          checkpoints,
          restored,
        );
        consumer.start();
      },
      async shutdown() {
        await consumer?.stop();
      },
    };
  },
};
