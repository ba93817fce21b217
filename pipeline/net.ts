import type { Server } from 'node:net';

/** Splits "host:port", "[::1]:port" or ":port" (any interface, as the Collector reads it). */
export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address.trim());
  if (!m) throw new Error(`invalid endpoint "${address}": expected host:port, e.g. localhost:4318`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid endpoint "${address}": port must be 0-65535`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Listens, turning "address in use" and friends into a rejected promise instead of a crash. */
export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new Error(err.code === 'EADDRINUSE' ? `${host}:${port} is already in use` : `cannot listen on ${host}:${port}: ${err.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Stops listening and drops every connection, idle or not; resolves once the server is closed. */
export function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    // http(s) servers can drop keep-alive connections; a bare net.Server has none to drop
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}
