import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createHttpServer, HTTP_SERVER_DEFAULTS, httpServerSchema, httpServerSettings, type HttpServerSettings } from '../../pipeline/http-server.js';
import type { ComponentFactory, Host } from '../../pipeline/index.js';
import { closeServer, endpointProblems, listen, splitHostPort } from '../../pipeline/net.js';

export interface HealthCheckConfig extends Partial<HttpServerSettings> {
  endpoint: string;
  path: string;
  response_body?: { healthy?: string; unhealthy?: string };
  check_collector_pipeline?: { enabled?: boolean; interval?: string; exporter_failure_threshold?: number };
}

/**
 * Answers 200 once every pipeline has started and 503 before that and while shutting down,
 * so a load balancer stops sending before receivers close.
 */
export const healthCheckExtensionFactory: ComponentFactory<HealthCheckConfig> = {
  type: 'health_check',
  kind: 'extension',
  stability: 'beta',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      endpoint: { type: 'string', default: 'localhost:13133' },
      path: { type: 'string', pattern: '^/', default: '/' },
      ...httpServerSchema(HTTP_SERVER_DEFAULTS),
      response_body: {
        type: 'object',
        additionalProperties: false,
        properties: { healthy: { type: 'string' }, unhealthy: { type: 'string' } },
      },
      check_collector_pipeline: {
        type: 'object',
        additionalProperties: false,
        description: 'deprecated upstream and ignored by Summit',
        properties: { enabled: { type: 'boolean' }, interval: { type: 'string' }, exporter_failure_threshold: { type: 'integer' } },
      },
    },
  },
  validate: (config) => endpointProblems(config.endpoint),
  create(ctx, config) {
    const upSince = new Date();
    let host: Host | undefined;
    let server: Server | undefined;
    const status = () => {
      const ready = host?.isReady() ?? false;
      const custom = ready ? config.response_body?.healthy : config.response_body?.unhealthy;
      const body =
        custom ??
        JSON.stringify({
          status: ready ? 'Server available' : 'Server not available',
          upSince: upSince.toISOString(),
          uptime: `${((Date.now() - upSince.getTime()) / 1000).toFixed(3)}s`,
        });
      return { code: ready ? 200 : 503, body, type: custom === undefined ? 'application/json' : 'text/plain' };
    };
    return {
      async start(h) {
        host = h;
        const handler = (req: IncomingMessage, res: ServerResponse) => {
          if ((req.url ?? '/').split('?')[0] !== config.path) {
            res.writeHead(404).end();
            return;
          }
          const s = status();
          res.writeHead(s.code, { 'content-type': s.type }).end(s.body);
        };
        server = createHttpServer(httpServerSettings(config), handler, { owner: ctx, keyPrefix: '', host: h });
        const { host: bindHost, port } = splitHostPort(config.endpoint);
        await listen(server, bindHost, port);
        ctx.logger.info(`health check on http://${config.endpoint}${config.path}`);
      },
      async shutdown() {
        const s = server;
        server = undefined;
        await closeServer(s);
      },
    };
  },
};
