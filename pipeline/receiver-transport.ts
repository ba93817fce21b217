/**
 * The transport a receiver took data in over (`grpc`, `http`), as upstream's receiver
 * self-telemetry labels it. Receivers hand data on inside {@link consumeVia}; the service's
 * counting wrapper, the first consumer a receiver calls, reads it back with
 * {@link currentTransport} as its consume() starts. A plain variable for the synchronous start
 * of the call, not an AsyncLocalStorage: on Node 20 and 22 that turns on promise hooks for the
 * whole process (~5 % of the main thread at 10k spans/s in small requests, issue 19).
 */
let current = '';

export function consumeVia<T>(name: 'grpc' | 'http', consume: () => Promise<T>): Promise<T> {
  const outer = current;
  current = name;
  try {
    return consume();
  } finally {
    current = outer;
  }
}

/** The transport of the consume() call starting now; "" for a receiver that names none. */
export function currentTransport(): string {
  return current;
}
