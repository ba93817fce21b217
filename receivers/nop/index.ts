import type { ComponentFactory } from '../../pipeline/index.js';

/** Receives nothing; lets a pipeline exist with no input, e.g. one fed only by tests or reload. */
export const nopReceiverFactory: ComponentFactory<Record<string, never>> = {
  type: 'nop',
  kind: 'receiver',
  signals: ['traces', 'metrics', 'logs', 'profiles'],
  stability: 'beta',
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({}),
};
