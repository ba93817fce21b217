import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createHttpServer, HTTP_SERVER_DEFAULTS, httpServerSchema, httpServerSettings, type HttpServerSettings } from '../../pipeline/http-server.js';
import type { ComponentFactory, Host, RunningState } from '../../pipeline/index.js';
import { closeServer, endpointProblems, listen, splitHostPort } from '../../pipeline/net.js';
import { extensionz, featurez, pipelinez, servicez } from './pages.js';

export interface ZpagesConfig extends Partial<HttpServerSettings> {
  endpoint: string;
  expvar?: { enabled?: boolean };
}

/** Upstream's zpages: HTML status pages of the running service, with each component's state. */
export const zpagesExtensionFactory: ComponentFactory<ZpagesConfig> = {
  type: 'zpages',
  kind: 'extension',
  stability: 'beta',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      endpoint: { type: 'string', default: 'localhost:55679' },
      expvar: {
        type: 'object',
        additionalProperties: false,
        description: "Go's expvar page; accepted without effect (Summit's own metrics are on service.telemetry.metrics)",
        properties: { enabled: { type: 'boolean', default: false } },
      },
      ...httpServerSchema(HTTP_SERVER_DEFAULTS),
    },
  },
  validate: (config) => endpointProblems(config.endpoint),
  create(ctx, config) {
    const startedAt = new Date();
    let host: Host | undefined;
    let server: Server | undefined;
    const state = (): RunningState => host?.describe?.() ?? { pipelines: [], components: [], ready: false };
    const pages: Record<string, () => string> = {
      '/debug/servicez': () => servicez(state(), startedAt),
      '/debug/pipelinez': () => pipelinez(state()),
      '/debug/extensionz': () => extensionz(state()),
      '/debug/featurez': () => featurez(state()),
    };
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?')[0];
      const render = pages[path] ?? (path === '/' || path === '/debug' || path === '/debug/' ? pages['/debug/servicez'] : undefined);
      if (!render) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found; pages: ${Object.keys(pages).join(', ')}\n`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(render());
    };
    return {
      async start(h) {
        host = h;
        server = createHttpServer(httpServerSettings(config), handler, { owner: ctx, keyPrefix: '' });
        const { host: bindHost, port } = splitHostPort(config.endpoint);
        await listen(server, bindHost, port);
        ctx.logger.info(`zpages on http://${config.endpoint}/debug/servicez`);
      },
      async shutdown() {
        const s = server;
        server = undefined;
        await closeServer(s);
      },
    };
  },
};
