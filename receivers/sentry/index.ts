import { isAbsolute, resolve } from 'node:path';
import type { ComponentFactory } from '../../pipeline/component.js';
import { sentryReceiverSchema, validateConfig, withDefaults, type SentryReceiverConfig } from './config.js';
import { DEFAULT_PROJECT_FILE, dsnOf, loadOrCreateDefaultProject } from './default-project.js';
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
    const resolved = withDefaults(config);
    // like every Summit data path: the default under the working directory, a written one beside its config file
    const file = resolved.project_file === undefined ? resolve(DEFAULT_PROJECT_FILE) : isAbsolute(resolved.project_file) ? resolved.project_file : resolve(ctx.configDir, resolved.project_file);
    const keptProject = resolved.projects.length === 0 ? loadOrCreateDefaultProject(file) : undefined;
    if (keptProject) resolved.projects = [keptProject];
    const server = new SentryHttpServer(resolved, next, ctx, ctx.configDir, new SentryCounters(ctx.telemetry, ctx.id));
    return {
      async start(host) {
        await server.start(host);
        if (keptProject) {
          ctx.logger.info(
            { project: keptProject.id, name: keptProject.name, file },
            `Sentry DSN (no projects configured; this one is kept in ${file}): ${dsnOf(keptProject, server.address(), resolved.tls !== undefined)}`,
          );
        }
      },
      async shutdown() {
        server.shutdown();
      },
    };
  },
};
