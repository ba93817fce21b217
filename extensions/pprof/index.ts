import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { createHttpServer, HTTP_SERVER_DEFAULTS, httpServerSchema, httpServerSettings, type HttpServerSettings } from '../../pipeline/http-server.js';
import type { ComponentFactory } from '../../pipeline/index.js';
import { closeServer, endpointProblems, listen, splitHostPort } from '../../pipeline/net.js';
import { ProcessProfiler } from './profiler.js';

export interface PprofConfig extends Partial<HttpServerSettings> {
  endpoint: string;
  block_profile_fraction: number;
  mutex_profile_fraction: number;
  save_to_file: string;
}

const MAX_SECONDS = 300;
// A CPU profile answers only after its seconds have passed.
const PPROF_SERVER_DEFAULTS: HttpServerSettings = { ...HTTP_SERVER_DEFAULTS, write_timeout: `${MAX_SECONDS + 30}s`, max_connections: 10 };

const INDEX = `<html><head><title>/debug/pprof/</title></head><body>
<p>Profiles of the running Summit process:</p>
<ul>
<li><a href="profile?seconds=30">profile</a>: CPU profile (pprof), ?seconds=N (default 30, at most ${MAX_SECONDS})</li>
<li><a href="heap">heap</a>: sampled live heap allocations (pprof: inuse_objects, inuse_space)</li>
<li><a href="heapsnapshot">heapsnapshot</a>: full V8 heap snapshot (.heapsnapshot, for Chrome DevTools; pauses the process while taken)</li>
</ul>
<p>go tool pprof http://HOST/debug/pprof/profile?seconds=10</p>
</body></html>
`;

/** Upstream's pprof extension: Go's /debug/pprof endpoints, for V8's CPU and heap profilers. */
export const pprofExtensionFactory: ComponentFactory<PprofConfig> = {
  type: 'pprof',
  kind: 'extension',
  stability: 'beta',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      endpoint: { type: 'string', default: 'localhost:1777' },
      block_profile_fraction: { type: 'integer', minimum: 0, default: 0, description: 'Go runtime setting; accepted without effect (V8 has no block profile)' },
      mutex_profile_fraction: { type: 'integer', minimum: 0, default: 0, description: 'Go runtime setting; accepted without effect (V8 has no mutex profile)' },
      save_to_file: { type: 'string', default: '', description: 'a pprof CPU profile of the whole run is written here at shutdown' },
      ...httpServerSchema(PPROF_SERVER_DEFAULTS),
    },
  },
  validate: (config) => endpointProblems(config.endpoint),
  create(ctx, config) {
    const profiler = new ProcessProfiler();
    let server: Server | undefined;
    let wholeRun: AbortController | undefined;
    let wholeRunProfile: Promise<Uint8Array | undefined> | undefined;

    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://pprof');
      const fail = (code: number, message: string) => res.writeHead(code, { 'content-type': 'text/plain' }).end(`${message}\n`);
      const sendProfile = (name: string, body: Uint8Array) =>
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${name}"` }).end(body);
      const work = async () => {
        switch (url.pathname) {
          case '/debug/pprof':
          case '/debug/pprof/':
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(INDEX);
            return;
          case '/debug/pprof/profile': {
            const text = url.searchParams.get('seconds') ?? '30';
            const seconds = Number(text);
            if (!(seconds > 0 && seconds <= MAX_SECONDS)) return fail(400, `seconds: expected a number of seconds above 0 and at most ${MAX_SECONDS}, got "${text.slice(0, 32)}"`);
            const stop = new AbortController();
            req.socket.once('close', () => stop.abort());
            const profile = await profiler.cpu(seconds, stop.signal);
            if (!profile) return fail(409, 'a CPU profile is already being taken (V8 profiles one at a time)' + (wholeRun ? ', for save_to_file' : ''));
            return sendProfile('profile.pb', profile);
          }
          case '/debug/pprof/heap':
            return sendProfile('heap.pb', await profiler.heap());
          case '/debug/pprof/heapsnapshot':
            res.writeHead(200, { 'content-type': 'application/json', 'content-disposition': 'attachment; filename="summit.heapsnapshot"' });
            await profiler.heapSnapshot(res);
            res.end();
            return;
          default:
            return fail(404, 'not found; see /debug/pprof/');
        }
      };
      work().catch((err: Error) => {
        ctx.logger.warn({ err }, `pprof: ${url.pathname} failed`);
        if (!res.headersSent) fail(500, `profiling failed: ${err.message}`);
        else res.destroy();
      });
    };

    return {
      async start() {
        await profiler.start();
        if (config.save_to_file) {
          wholeRun = new AbortController();
          wholeRunProfile = profiler.cpu(Infinity, wholeRun.signal);
        }
        server = createHttpServer(httpServerSettings(config, PPROF_SERVER_DEFAULTS), handler, { owner: ctx, keyPrefix: '' });
        const { host, port } = splitHostPort(config.endpoint);
        await listen(server, host, port);
        ctx.logger.info(`pprof on http://${config.endpoint}/debug/pprof/`);
      },
      async shutdown() {
        const s = server;
        server = undefined;
        await closeServer(s);
        if (wholeRun && wholeRunProfile) {
          wholeRun.abort();
          const profile = await wholeRunProfile;
          const file = resolve(ctx.configDir, config.save_to_file);
          if (profile) await writeFile(file, profile).catch((err: Error) => ctx.logger.error({ err }, `pprof: cannot write ${file}`));
        }
        profiler.stop();
      },
    };
  },
};
