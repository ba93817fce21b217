/**
 * Hands batches of entries to the pipeline, retrying refusals: a receiver that reads a file or a
 * socket waits here, so backpressure slows reading instead of dropping lines.
 */
import type { Logger } from 'pino';
import type { Consumer } from '../component.js';
import { isRetryable } from '../errors.js';
import { ExponentialBackoff, STOP } from '../exporterhelper/backoff.js';
import { durationSchema, parseDuration } from '../duration.js';
import { entriesToLogs, type Entry } from './entry.js';

export interface RetryOnFailureConfig {
  enabled: boolean;
  initial_interval: string;
  max_interval: string;
  max_elapsed_time: string;
}

export const retryOnFailureSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: { type: 'boolean', default: false },
    initial_interval: durationSchema('1s'),
    max_interval: durationSchema('30s'),
    max_elapsed_time: durationSchema('5m'),
  },
};

/** Why delivery of a batch ended without the pipeline accepting it. */
export type DeliveryOutcome = 'accepted' | 'dropped' | 'stopped';

export class Emitter {
  private stopped = false;
  private wake?: () => void;
  /** Settles when stop() is called, so nobody waits on a consume() that drains slowly. */
  private readonly stopping: Promise<'stopped'>;
  private signalStop!: () => void;

  constructor(
    private readonly next: Consumer<'logs'>,
    private readonly retry: RetryOnFailureConfig,
    private readonly logger: Logger,
  ) {
    this.stopping = new Promise((r) => (this.signalStop = () => r('stopped')));
  }

  /**
   * Resolves 'accepted' once the pipeline took the batch. A retryable refusal (backpressure) is
   * retried with backoff for as long as the receiver runs — `retry_on_failure` sets the pace,
   * and with `enabled: true` also `max_elapsed_time`, after which the batch is dropped and said so.
   * A permanent refusal drops the batch at once.
   */
  async deliver(entries: Entry[]): Promise<DeliveryOutcome> {
    if (entries.length === 0) return 'accepted';
    const logs = entriesToLogs(entries);
    const backoff = new ExponentialBackoff({
      initialMs: this.retry.enabled ? parseDuration(this.retry.initial_interval) : 100,
      maxIntervalMs: this.retry.enabled ? parseDuration(this.retry.max_interval) : 5000,
      maxElapsedMs: this.retry.enabled ? parseDuration(this.retry.max_elapsed_time) : 0,
      multiplier: 1.5,
      randomization: 0.5,
    });
    let warned = false;
    for (;;) {
      if (this.stopped) return 'stopped';
      try {
        // a receiver being stopped leaves its in-flight batch to the pipeline and commits nothing for it
        if ((await Promise.race([this.next.consume(logs).then(() => 'accepted' as const), this.stopping])) === 'stopped') return 'stopped';
        if (warned) this.logger.info('the pipeline accepts again; reading resumes');
        return 'accepted';
      } catch (err) {
        const wait = isRetryable(err) ? backoff.next() : STOP;
        if (wait === STOP) {
          this.logger.error({ err: (err as Error).message, records: entries.length }, `dropping ${entries.length} log records the pipeline refused`);
          return 'dropped';
        }
        if (!warned) this.logger.warn({ err: (err as Error).message }, 'the pipeline refuses log records; reading pauses and retries');
        warned = true;
        await new Promise<void>((r) => {
          const t = setTimeout(r, wait);
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
      }
    }
  }

  /** Ends every retry loop: what was not accepted stays uncommitted and is read again after a restart. */
  stop(): void {
    this.stopped = true;
    this.signalStop();
    this.wake?.();
  }
}
