/**
 * Who sent the data being processed (upstream's client.Info): receivers set it around their
 * call into the pipeline, and it follows the call through every processor and into an
 * exporter's sending queue (in memory), where `headers_setter` and the `attributes`
 * processor's `from_context` read it. Data that leaves the call (a batch, a persistent queue)
 * leaves it behind, as upstream's does.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface ClientInfo {
  /** The peer's address, e.g. `127.0.0.1:53122`. */
  address?: string;
  /** Request headers or gRPC metadata, names lower-cased; only with the receiver's include_metadata. */
  metadata: Record<string, string[]>;
  /** What the server authenticator learned about the client, e.g. `username` for basicauth. */
  auth?: Record<string, unknown>;
}

const current = new AsyncLocalStorage<ClientInfo>();

/** Runs `fn` with `info` as the client of everything it does (undefined: none). */
export function withClientInfo<T>(info: ClientInfo | undefined, fn: () => T): T {
  return info ? current.run(info, fn) : current.exit(fn);
}

export function clientInfo(): ClientInfo | undefined {
  return current.getStore();
}

/** A metadata key's values joined with `;`, as upstream's from_context and headers_setter join them. */
export function metadataValue(info: ClientInfo | undefined, key: string): string | undefined {
  const values = info?.metadata[key.toLowerCase()];
  return values?.length ? values.join(';') : undefined;
}

/**
 * Upstream's `from_context` keys: `metadata.<key>`, `auth.<attribute>`, `client.address`;
 * a bare key is a metadata key.
 */
export function fromContext(info: ClientInfo | undefined, key: string): string | undefined {
  if (key === 'client.address') return info?.address;
  if (key.startsWith('auth.')) {
    const v = info?.auth?.[key.slice(5)];
    return v === undefined || v === null ? undefined : String(v);
  }
  return metadataValue(info, key.startsWith('metadata.') ? key.slice(9) : key);
}

/** Node's request headers as metadata: names lower-cased, every value kept. */
export function headersAsMetadata(headers: Record<string, string | string[] | undefined>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v : [v];
  return out;
}
