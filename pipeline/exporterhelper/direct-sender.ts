/** sending_queue.enabled: false — the caller waits for the export, retries included. */
import { retryableError } from '../errors.js';
import type { Signal, SignalData } from '../model.js';
import { countItems } from '../model-ops.js';
import { failureError, failureReason, reportDrop, retryObserver, type SenderEnv } from './env.js';
import { sendWithRetry } from './retry.js';

export class DirectSender<S extends Signal> {
  private accepting = true;
  private readonly stop = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly env: SenderEnv,
    readonly signal: S,
  ) {}

  async start(): Promise<void> {}

  consume(data: SignalData[S]): Promise<void> {
    if (!this.accepting) return Promise.reject(retryableError(`exporter "${this.env.exporterId}" is shutting down`));
    const run = this.export(data);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run)).catch(() => {});
    return run;
  }

  private async export(data: SignalData[S]): Promise<void> {
    const items = countItems(this.signal, data);
    const outcome = await sendWithRetry(this.env, this.signal, data, this.stop.signal, retryObserver(this.env, this.signal));
    if (outcome.ok) {
      this.env.metrics.result(this.signal, items, true);
      return;
    }
    // The caller is told and decides (its sender may retry), so this is a rejection, not a silent drop.
    reportDrop(this.env, this.signal, items, failureReason(this.env, outcome), 'Rejecting data.');
    throw failureError(this.env, outcome);
  }

  /** Stops waiting between retries (those callers get a retryable error) and lets attempts finish. */
  async shutdown(): Promise<void> {
    this.accepting = false;
    this.stop.abort();
    await Promise.allSettled([...this.inFlight]);
  }
}
