import { isAbsolute, resolve } from 'node:path';
import type { ComponentFactory } from '../../pipeline/component.js';
import { sentryReceiverSchema, validateConfig, withDefaults, type SentryReceiverConfig } from './config.js';
import { DEFAULT_PROJECT_FILE, dsnOf, loadOrCreateDefaultProject } from './default-project.js';
import { SentryHttpServer } from './server.js';
import { SentryCounters } from './telemetry.js';
import { UploadApi } from './uploads/api.js';
import { DEFAULT_TOKEN_FILE, loadOrCreateToken } from './uploads/token.js';

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
    const dataPath = (path: string | undefined, fallback: string) => (path === undefined ? resolve(fallback) : isAbsolute(path) ? path : resolve(ctx.configDir, path));
    const file = dataPath(resolved.project_file, DEFAULT_PROJECT_FILE);
    const keptProject = resolved.projects.length === 0 ? loadOrCreateDefaultProject(file) : undefined;
    if (keptProject) resolved.projects = [keptProject];
    const uploads = resolved.uploads && { ...resolved.uploads, tokenFile: resolved.uploads.token === undefined ? dataPath(resolved.uploads.token_file, DEFAULT_TOKEN_FILE) : undefined };
    const api = uploads && new UploadApi({ ...uploads, token: uploads.token ?? loadOrCreateToken(uploads.tokenFile!) }, ctx.logger);
    const server = new SentryHttpServer(resolved, next, ctx, ctx.configDir, new SentryCounters(ctx.telemetry, ctx.id), api);
    return {
      async start(host) {
        await server.start(host);
        if (keptProject) {
          ctx.logger.info(
            { project: keptProject.id, name: keptProject.name, file },
            `Sentry DSN (no projects configured; this one is kept in ${file}): ${dsnOf(keptProject, server.address(), resolved.tls !== undefined)}`,
          );
        }
        if (uploads?.tokenFile) {
          // the generated token is shown once per start, as the DSN is: it is what sentry-cli needs
          ctx.logger.info(
            { file: uploads.tokenFile },
            `Source map uploads (token kept in ${uploads.tokenFile}): SENTRY_AUTH_TOKEN=${api!.token} sentry-cli --url ${resolved.tls ? 'https' : 'http'}://${server.address()} sourcemaps upload --org summit --project default DIR`,
          );
        }
      },
      async shutdown() {
        server.shutdown();
      },
    };
  },
};
