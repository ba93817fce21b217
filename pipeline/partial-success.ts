import type { Logger } from 'pino';
import type { PartialSuccess } from './otlpproto/index.js';

/**
 * The OTLP specification leaves it to the client to surface partial success; the request is not
 * retried (the server will reject the same items again), so a warning is all that can be done.
 */
export function warnPartialSuccess(logger: Logger, partial: PartialSuccess | undefined): void {
  if (partial && (partial.rejected > 0 || partial.errorMessage)) {
    logger.warn({ rejected: partial.rejected }, `the server accepted the request but rejected ${partial.rejected} items: ${partial.errorMessage}`);
  }
}
