import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The transport a receiver took data in over (`grpc`, `http`), as upstream's receiver
 * self-telemetry labels it. Receivers hand data on inside {@link consumeVia}; the service's
 * counting wrapper, which sees only the batch, reads it back with {@link currentTransport}.
 */
const transport = new AsyncLocalStorage<string>();

export function consumeVia<T>(name: 'grpc' | 'http', consume: () => Promise<T>): Promise<T> {
  return transport.run(name, consume);
}

/** The transport of the consume() call in progress; "" for a receiver that names none. */
export function currentTransport(): string {
  return transport.getStore() ?? '';
}
