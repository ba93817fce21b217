/** sending_queue.enabled: false — the caller waits for the export, retries included. */
import type { ShutdownContext } from '../component.js';
import { retryableError } from '../errors.js';
import type { PipelineSignal, SignalData } from '../model.js';
import { countItems } from '../model-ops.js';
import { CancelSwitch } from './cancel.js';
import { failureError, failureReason, reportDrop, retryObserver, type SenderEnv } from './env.js';
import { sendWithRetry } from './retry.js';

export class DirectSender<S extends PipelineSignal> {
  private accepting = true;
  private readonly control = { stop: new CancelSwitch(), cancel: new CancelSwitch() };
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
    const outcome = await sendWithRetry(this.env, this.signal, data, this.control, retryObserver(this.env, this.signal));
    if (outcome.ok) {
      this.env.metrics.result(this.signal, items, true);
      return;
    }
    // The caller is told and decides (its sender may retry), so this is a rejection, not a silent drop.
    reportDrop(this.env, this.signal, items, failureReason(this.env, outcome), 'Rejecting data.');
    throw failureError(this.env, outcome);
  }

  /**
   * Stops waiting between retries and lets attempts finish until the deadline, which aborts
   * them; their callers get a retryable error (nothing they were told is delivered is lost).
   */
  async shutdown(ctx?: ShutdownContext): Promise<void> {
    this.accepting = false;
    this.control.stop.fire();
    const timer = ctx ? setTimeout(() => this.control.cancel.fire(), Math.max(0, ctx.deadline - Date.now())) : undefined;
    await Promise.allSettled([...this.inFlight]);
    clearTimeout(timer);
  }
}
