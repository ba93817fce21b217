import type { ComponentFactory } from '../../pipeline/index.js';

const accept = { consume: () => Promise.resolve() };

/** Accepts and discards everything: a sink for benchmarks and tests. */
export const nopExporterFactory: ComponentFactory<Record<string, never>> = {
  type: 'nop',
  kind: 'exporter',
  signals: ['traces', 'metrics', 'logs', 'profiles'],
  stability: 'beta',
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({ consumers: { traces: accept, metrics: accept, logs: accept, profiles: accept } }),
};
