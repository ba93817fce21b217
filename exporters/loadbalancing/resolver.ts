import { lookup } from 'node:dns/promises';
import type { Logger } from 'pino';

/** The backends' endpoints, as a resolver finds them; `onChange` gets each new, sorted list. */
export interface Resolver {
  start(onChange: (endpoints: string[]) => Promise<void>): Promise<void>;
  stop(): void;
}

const DEFAULT_PORT = '4317';

/** host:port, with upstream's default port when none is given. */
export function withPort(hostname: string): string {
  if (/^\[.*\]:\d+$/.test(hostname) || /^[^:[\]]+:\d+$/.test(hostname)) return hostname;
  return `${hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname}:${DEFAULT_PORT}`;
}

export function staticResolver(hostnames: string[]): Resolver {
  const endpoints = [...new Set(hostnames.map(withPort))].sort();
  return {
    start: (onChange) => onChange(endpoints),
    stop: () => undefined,
  };
}

export type Lookup = (hostname: string) => Promise<string[]>;

const systemLookup: Lookup = async (hostname) => (await lookup(hostname, { all: true })).map((a) => a.address);

/**
 * Resolves `hostname` every `intervalMs` (each lookup given `timeoutMs`); every address becomes
 * a backend at `port`. A failed lookup keeps the backends there were, as upstream.
 */
export function dnsResolver(o: { hostname: string; port: string; intervalMs: number; timeoutMs: number; logger: Logger; lookup?: Lookup }): Resolver {
  const resolve = o.lookup ?? systemLookup;
  let timer: NodeJS.Timeout | undefined;
  let current = '';
  let stopped = false;
  const refresh = async (onChange: (endpoints: string[]) => Promise<void>) => {
    let addresses: string[];
    try {
      addresses = await Promise.race([
        resolve(o.hostname),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${o.timeoutMs} ms`)), o.timeoutMs).unref()),
      ]);
    } catch (err) {
      o.logger.warn({ hostname: o.hostname, err: (err as Error).message }, 'loadbalancing: DNS lookup failed; keeping the current backends');
      return;
    }
    const endpoints = [...new Set(addresses.map((a) => (a.includes(':') ? `[${a}]:${o.port}` : `${a}:${o.port}`)))].sort();
    const key = endpoints.join(',');
    if (key === current || stopped) return;
    current = key;
    await onChange(endpoints);
  };
  return {
    async start(onChange) {
      await refresh(onChange);
      const loop = () => {
        timer = setTimeout(() => void refresh(onChange).finally(() => !stopped && loop()), o.intervalMs);
      };
      loop();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
