/**
 * A failure handed upstream by a consumer. Receivers turn it into their protocol's answer:
 * retryable → HTTP 429/503 + Retry-After, gRPC UNAVAILABLE; permanent → 400 / INVALID_ARGUMENT.
 */
export class ConsumerError extends Error {
  readonly retryable: boolean;
  /** How long the sender should wait before retrying, when known. */
  readonly retryAfterMs?: number;

  constructor(message: string, opts: { retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ConsumerError';
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export function permanentError(message: string, cause?: unknown): ConsumerError {
  return new ConsumerError(message, { retryable: false, cause });
}

export function retryableError(message: string, retryAfterMs?: number, cause?: unknown): ConsumerError {
  return new ConsumerError(message, { retryable: true, retryAfterMs, cause });
}

/** Unknown failures are treated as retryable: losing data is worse than sending it twice. */
export function isRetryable(err: unknown): boolean {
  return err instanceof ConsumerError ? err.retryable : true;
}
