/** The `debug` exporter (upstream debugexporter): prints what flows through a pipeline. */
import { wiredSignals, type ComponentFactory, type ComponentInstance, type CreateContext, type NextConsumers } from '../../pipeline/component.js';
import type { PipelineSignal, SignalData } from '../../pipeline/model.js';
import { render, type Verbosity } from './render.js';
import { Sampler } from './sampler.js';

export interface DebugConfig {
  verbosity: Verbosity;
  sampling_initial: number;
  sampling_thereafter: number;
  use_internal_logger: boolean;
}

export const debugConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    verbosity: {
      enum: ['basic', 'normal', 'detailed'],
      default: 'basic',
      description: 'basic: one summary line per batch; normal: about one line per item; detailed: everything',
    },
    sampling_initial: { type: 'integer', minimum: 0, default: 2, description: 'entries logged each second before sampling starts' },
    sampling_thereafter: { type: 'integer', minimum: 0, default: 1, description: 'then every Nth entry is logged (1 = no sampling)' },
    use_internal_logger: { type: 'boolean', default: true, description: "write through Summit's logger (true) or straight to stdout (false)" },
  },
};

/** Where rendered text goes; injectable so tests need not capture stdout. */
export type DebugOutput = (text: string) => void;

export function createDebugExporter(ctx: CreateContext, config: DebugConfig, output?: DebugOutput): ComponentInstance {
  const write: DebugOutput =
    output ?? (config.use_internal_logger ? (text) => ctx.logger.info(text) : (text) => void process.stdout.write(`${text}\n`));
  // Summary and dump of one batch are kept or dropped together, so output never shows half a batch.
  const sampler = new Sampler(config.sampling_initial, config.sampling_thereafter);

  const consumerFor = <S extends PipelineSignal>(signal: S) => ({
    consume(data: SignalData[S]): Promise<void> {
      try {
        if (sampler.allow(signal)) for (const text of render(config.verbosity, signal, data)) write(text);
      } catch (err) {
        // A debugging aid must never turn into backpressure for the pipeline it observes.
        ctx.logger.warn({ err }, 'debug exporter could not render a batch');
      }
      return Promise.resolve();
    },
  });

  const consumers: NextConsumers = {};
  for (const signal of wiredSignals(ctx)) (consumers as Record<PipelineSignal, unknown>)[signal] = consumerFor(signal);
  return { consumers, mutatesData: false };
}

export const debugExporterFactory: ComponentFactory<DebugConfig> = {
  type: 'debug',
  kind: 'exporter',
  signals: ['traces', 'metrics', 'logs', 'profiles'],
  stability: 'development',
  configSchema: debugConfigSchema,
  create: (ctx, config) => createDebugExporter(ctx, config),
};
