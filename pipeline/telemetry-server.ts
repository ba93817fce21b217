import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { createHttpServer, HTTP_SERVER_DEFAULTS } from './http-server.js';
import type { SelfTelemetry } from './telemetry.js';
import { closeServer, listen, splitHostPort } from './net.js';

export interface TelemetryServer {
  close(): Promise<void>;
}

/** Serves self-telemetry as Prometheus text at /metrics. */
export async function startTelemetryServer(address: string, telemetry: SelfTelemetry, logger: Logger): Promise<TelemetryServer> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
      return;
    }
    telemetry.exposition().then(
      (text) => res.writeHead(200, { 'content-type': telemetry.registry.contentType }).end(text),
      (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err?.message ?? err)),
    );
  };
  // not configurable: the service's telemetry section has no such keys upstream
  const server = createHttpServer(HTTP_SERVER_DEFAULTS, handler, { owner: { kind: 'service', id: 'telemetry', logger, telemetry } });
  const { host, port } = splitHostPort(address);
  await listen(server, host, port);
  return { close: () => closeServer(server) };
}
