import type { ComponentFactory } from '../../pipeline/component.js';
import { sentryReceiverSchema, validateConfig, withDefaults, type SentryReceiverConfig } from './config.js';
import { SentryHttpServer } from './server.js';
import { SentryCounters } from './telemetry.js';

export type { SentryReceiverConfig } from './config.js';

/** Sentry's ingestion API as Relay serves it: unmodified Sentry SDKs send to Summit with a DSN. */
export const sentryReceiverFactory: ComponentFactory<SentryReceiverConfig> = {
  type: 'sentry',
  kind: 'receiver',
  signals: ['logs', 'traces', 'metrics'],
  stability: 'alpha',
  configSchema: sentryReceiverSchema,
  validate: validateConfig,
  create(ctx, config, next) {
    const server = new SentryHttpServer(withDefaults(config), next, ctx, ctx.configDir, new SentryCounters(ctx.telemetry, ctx.id));
    return {
      start: (host) => server.start(host),
      async shutdown() {
        server.shutdown();
      },
    };
  },
};
