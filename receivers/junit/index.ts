import type { ComponentFactory } from '../../pipeline/component.js';
import { junitReceiverSchema, resolveJunitConfig, validateJunitConfig, type JunitReceiverConfig } from './config.js';
import { JunitServer } from './server.js';

export type { JunitReceiverConfig } from './config.js';

/**
 * Summit's `junit` receiver: JUnit XML reports uploaded by any CI → a span per test case (in the
 * CI run's trace when the run is named) and a log record per failure.
 */
export const junitReceiverFactory: ComponentFactory<Partial<JunitReceiverConfig>> = {
  type: 'junit',
  kind: 'receiver',
  signals: ['traces', 'logs'],
  stability: 'alpha',
  configSchema: junitReceiverSchema,
  validate: validateJunitConfig,
  create(ctx, config, next) {
    const server = new JunitServer(resolveJunitConfig(config), next, ctx);
    return {
      address: () => server.address(),
      start: (host) => server.start(host),
      async shutdown() {
        server.shutdown();
      },
    };
  },
};
