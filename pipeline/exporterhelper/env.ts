/** What both senders share, and how a failed send is reported. */
import type { Logger } from 'pino';
import { permanentError, retryableError, type ConsumerError } from '../errors.js';
import type { PipelineSignal } from '../model.js';
import { ITEM_NOUN } from '../model-ops.js';
import type { QueueCodec } from './codec.js';
import type { ResolvedHelperConfig } from './config.js';
import type { LogLimiter } from './log.js';
import type { HelperMetrics } from './metrics.js';
import type { SendFunction, SendObserver, SendOutcome } from './retry.js';

export interface SenderEnv {
  exporterId: string;
  logger: Logger;
  config: ResolvedHelperConfig;
  send: SendFunction<PipelineSignal>;
  metrics: HelperMetrics;
  limiter: LogLimiter;
  codec: QueueCodec;
  /** Codecs records may have been written with (the current one included). */
  codecs: Map<string, QueueCodec>;
  random?: () => number;
}

export type Failure = Extract<SendOutcome, { ok: false }>;

/** Counts retries and logs the first of a series, rate-limited. */
export function retryObserver(env: SenderEnv, signal: PipelineSignal, inner: Partial<SendObserver> = {}): SendObserver {
  return {
    attemptStarted: () => inner.attemptStarted?.(),
    attemptEnded: () => inner.attemptEnded?.(),
    backoffStarted(delayMs, error) {
      env.metrics.retried(signal);
      env.limiter.hit('retry', 0, (f) =>
        env.logger.warn(
          { error: errorText(error), interval: `${Math.round(delayMs)}ms`, data_type: signal, ...(f.count > 1 ? { retries_since_last_log: f.count } : {}) },
          `Exporting failed. Will retry the request after interval. (exporter "${env.exporterId}")`,
        ),
      );
      inner.backoffStarted?.(delayMs, error);
    },
    backoffEnded: () => inner.backoffEnded?.(),
  };
}

/** Why a batch was given up on, in words an operator can act on. */
export function failureReason(env: SenderEnv, f: Pick<Failure, 'reason' | 'error' | 'attempts' | 'elapsedMs'>): string {
  const msg = errorText(f.error);
  const tries = `${f.attempts} attempt${f.attempts === 1 ? '' : 's'}`;
  if (f.reason === 'permanent') return `not retryable error after ${tries}: ${msg}`;
  if (f.reason === 'shutdown') return `the exporter shut down before it could be sent (${tries}): ${msg}`;
  if (!env.config.retry.enabled) return `retry_on_failure is disabled and the send failed: ${msg}`;
  return `no more retries left after ${tries} over ${Math.round(f.elapsedMs)}ms (retry_on_failure.max_elapsed_time): ${msg}`;
}

/** The error a waiting caller gets: permanent stays permanent, everything else may be retried by the sender. */
export function failureError(env: SenderEnv, f: Failure): ConsumerError {
  const why = failureReason(env, f);
  return f.reason === 'permanent' ? permanentError(why, f.error) : retryableError(why, undefined, f.error);
}

/** The only place a queued batch is dropped: counted and logged with who, how many and why. */
export function reportDrop(env: SenderEnv, signal: PipelineSignal, items: number, why: string, verb = 'Dropping data.'): void {
  env.metrics.result(signal, items, false);
  env.limiter.hit(`drop:${verb}`, items, (f) =>
    env.logger.error(
      { dropped_items: items, data_type: signal, ...(f.count > 1 ? { batches_since_last_log: f.count, items_since_last_log: f.items } : {}) },
      f.count > 1
        ? `Exporting failed. ${verb} exporter "${env.exporterId}" gave up on ${f.count} batches (${f.items} ${ITEM_NOUN[signal]}) since the last message; the last one: ${why}`
        : `Exporting failed. ${verb} exporter "${env.exporterId}" gave up on ${items} ${ITEM_NOUN[signal]}: ${why}`,
    ),
  );
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
