/**
 * The `prometheus` exporter (upstream: opentelemetry-collector-contrib exporter/prometheusexporter):
 * serves the metrics it receives at /metrics for a Prometheus server to scrape, in the
 * Prometheus text format or OpenMetrics, gzip-compressed when the scraper accepts it.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ComponentFactory, ComponentInstance, CreateContext } from '../../pipeline/component.js';
import { permanentError } from '../../pipeline/errors.js';
import { createHttpServer, httpServerSettings } from '../../pipeline/http-server.js';
import type { Metrics } from '../../pipeline/model.js';
import { closeServer, listen } from '../../pipeline/net.js';
import { serverTlsOptions } from '../../pipeline/tlsconfig.js';
import { prometheusExporterSchema, resolvePrometheusConfig, validatePrometheusConfig, type PrometheusExporterConfig } from './config.js';
import { Format, PrometheusStore } from './store.js';

export type { PrometheusExporterConfig } from './config.js';
export { Format, PrometheusStore } from './store.js';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/**
 * expfmt.Negotiate(IncludingOpenMetrics): the first acceptable type in order of preference;
 * OpenMetrics only when enable_open_metrics; the text format otherwise and by default.
 */
export function negotiate(accept: string | undefined, openMetricsEnabled: boolean): { format: Format; contentType: string } {
  const text = { format: Format.Text, contentType: TEXT_CONTENT_TYPE };
  if (!accept) return text;
  const ranges = accept
    .split(',')
    .map((part, i) => {
      const [type, ...params] = part.split(';').map((s) => s.trim());
      const p: Record<string, string> = {};
      for (const kv of params) {
        const eq = kv.indexOf('=');
        if (eq > 0) p[kv.slice(0, eq).trim().toLowerCase()] = kv.slice(eq + 1).trim().replace(/^"|"$/g, '');
      }
      const q = p.q === undefined ? 1 : Number(p.q);
      return { type: type.toLowerCase(), params: p, q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranges) {
    if (r.type === 'application/openmetrics-text' && openMetricsEnabled) {
      const v = r.params.version;
      if (v === undefined || v === '1.0.0') return { format: Format.OpenMetrics, contentType: OPENMETRICS_CONTENT_TYPE };
      if (v === '0.0.1') return { format: Format.OpenMetrics, contentType: 'application/openmetrics-text; version=0.0.1; charset=utf-8' };
    }
    if (r.type === 'text/plain' && (r.params.version === undefined || r.params.version === '0.0.4')) return text;
  }
  return text;
}

/** promhttp's test: a `gzip` entry in Accept-Encoding (q=0 refuses it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip') return false;
    const q = params.find((x) => x.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** Level 1: 100k series of text (25 MiB) compress ~25× at a fraction of the default level's time. */
const GZIP_LEVEL = 1;

export interface PrometheusExporter extends ComponentInstance {
  store: PrometheusStore;
  /** The port it listens on once started (useful with port 0). */
  port(): number | undefined;
}

export function createPrometheusExporter(ctx: CreateContext, config: PrometheusExporterConfig): PrometheusExporter {
  const settings = resolvePrometheusConfig(config);
  const store = new PrometheusStore(settings, ctx.logger);
  let server: Server | undefined;
  let sweeper: NodeJS.Timeout | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found; metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    const { format, contentType } = negotiate(req.headers.accept, settings.openMetrics);
    const gzip = acceptsGzip(req.headers['accept-encoding']);
    const fail = (err: unknown) => {
      ctx.logger.error({ err }, 'prometheus exporter: rendering /metrics failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`error rendering metrics: ${(err as Error).message}\n`);
      else res.destroy();
    };
    const send = (chunks: Buffer[]) => {
      let length = 0;
      for (const c of chunks) length += c.length;
      const headers: Record<string, string | number> = { 'content-type': contentType, 'content-length': length, vary: 'Accept-Encoding' };
      if (gzip) headers['content-encoding'] = 'gzip';
      res.writeHead(200, headers);
      if (req.method === 'HEAD') return void res.end();
      // corked: the chunks leave as one writev
      res.cork();
      for (const c of chunks) res.write(c);
      res.end();
    };
    try {
      if (gzip) store.renderGzip(format, GZIP_LEVEL).then(send, fail);
      else send(store.renderChunks(format));
    } catch (err) {
      fail(err);
    }
  };

  const consume = (data: Metrics): Promise<void> => {
    try {
      store.accumulate(data);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(permanentError(`prometheus exporter: cannot accumulate metrics: ${(err as Error).message}`, err));
    }
  };

  return {
    store,
    consumers: { metrics: { consume } },
    mutatesData: false,
    port: () => (server?.address() as AddressInfo | null)?.port,
    async start() {
      const tls = serverTlsOptions(config.tls, ctx.configDir);
      server = createHttpServer(httpServerSettings(config), handle, { owner: ctx, keyPrefix: '', tls });
      await listen(server, settings.host, settings.port);
      if (settings.expirationMs > 0) {
        // series nobody scrapes must expire too, or memory grows with every series ever seen
        sweeper = setInterval(() => store.expire(), Math.min(Math.max(settings.expirationMs, 1000), 60_000));
        sweeper.unref();
      }
      const port = (server.address() as AddressInfo).port;
      ctx.logger.info(`prometheus exporter serving ${tls ? 'https' : 'http'}://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}/metrics`);
    },
    async shutdown() {
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      const s = server;
      server = undefined;
      await closeServer(s);
    },
  };
}

/** Exporter `prometheus`: a scrape endpoint for Prometheus, as upstream's prometheusexporter. */
export const prometheusExporterFactory: ComponentFactory<PrometheusExporterConfig> = {
  type: 'prometheus',
  kind: 'exporter',
  signals: ['metrics'],
  stability: 'beta',
  configSchema: prometheusExporterSchema,
  validate: validatePrometheusConfig,
  create: createPrometheusExporter,
};
