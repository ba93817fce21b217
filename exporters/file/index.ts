/**
 * The `file` exporter (upstream fileexporter): every batch becomes one line holding the OTLP/JSON
 * ExportXServiceRequest, so the file can be read by the Collector's otlpjsonfile receiver,
 * by Summit, or by `jq`.
 */
import type { ComponentFactory, ComponentInstance, CreateContext, NextConsumers } from '../../pipeline/component.js';
import { permanentError } from '../../pipeline/errors.js';
import type { Signal, SignalData } from '../../pipeline/model.js';
import { encodeSignal } from '../../pipeline/otlpjson/index.js';
import { fileConfigSchema, resolveFileConfig, validateFileConfig, type FileConfig } from './config.js';
import { LineWriter } from './writer.js';

export type { FileConfig } from './config.js';

export function createFileExporter(ctx: CreateContext, config: FileConfig): ComponentInstance {
  const writer = new LineWriter(resolveFileConfig(config, ctx.configDir), ctx.logger);

  const consumerFor = <S extends Signal>(signal: S) => ({
    consume(data: SignalData[S]): Promise<void> {
      let line: Buffer;
      try {
        line = Buffer.from(`${JSON.stringify(encodeSignal(signal, data))}\n`);
      } catch (err) {
        return Promise.reject(permanentError(`file exporter: cannot encode ${signal} as OTLP/JSON: ${(err as Error).message}`, err));
      }
      return writer.write(line);
    },
  });

  const consumers: NextConsumers = {};
  for (const signal of ctx.signals) (consumers as Record<Signal, unknown>)[signal] = consumerFor(signal);
  return {
    consumers,
    mutatesData: false,
    // Opened at start, not at create: validating a config must not truncate anyone's file.
    start: () => writer.open(),
    shutdown: () => writer.close(),
  };
}

export const fileExporterFactory: ComponentFactory<FileConfig> = {
  type: 'file',
  kind: 'exporter',
  signals: ['traces', 'metrics', 'logs'],
  stability: 'alpha',
  configSchema: fileConfigSchema,
  validate: validateFileConfig,
  create: createFileExporter,
};
