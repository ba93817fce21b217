/** The retry and timeout layers: retry → timeout → send, as upstream orders them. */
import { ConsumerError, isRetryable, retryableError } from '../errors.js';
import type { PipelineSignal, Signal, SignalData } from '../model.js';
import { ExponentialBackoff, STOP } from './backoff.js';
import type { CancelSwitch } from './cancel.js';
import type { ResolvedHelperConfig } from './config.js';

/**
 * The exporter's own network call. Reject with a permanent ConsumerError for data the backend
 * will never take, with retryAfterMs when the backend asked to slow down; anything else is retried.
 */
export type SendFunction<T extends PipelineSignal = Signal> = <S extends T>(signal: S, data: SignalData[S], abortSignal: AbortSignal) => Promise<void>;

export type SendOutcome =
  | { ok: true; attempts: number }
  | { ok: false; reason: 'permanent' | 'exhausted' | 'shutdown'; error: unknown; attempts: number; elapsedMs: number };

/** Lets the caller see whether a send is talking to the backend or waiting to retry. */
export interface SendObserver {
  attemptStarted(): void;
  attemptEnded(): void;
  backoffStarted(delayMs: number, error: unknown): void;
  backoffEnded(): void;
}

const NO_OBSERVER: SendObserver = { attemptStarted() {}, attemptEnded() {}, backoffStarted() {}, backoffEnded() {} };

export interface RetryDeps {
  config: ResolvedHelperConfig;
  send: SendFunction<PipelineSignal>;
  random?: () => number;
}

/** How a sender ends its sends: `stop` ends waits between retries, `cancel` aborts attempts in flight. */
export interface SendControl {
  stop: CancelSwitch;
  cancel: CancelSwitch;
}

/**
 * Sends until success, a permanent error, max_elapsed_time, or `control` ends it. Never
 * rejects: the outcome says what happened so the queue can decide what to keep.
 */
export async function sendWithRetry<S extends PipelineSignal>(
  deps: RetryDeps,
  signal: S,
  data: SignalData[S],
  control: SendControl,
  observer: SendObserver = NO_OBSERVER,
): Promise<SendOutcome> {
  const { retry, timeoutMs } = deps.config;
  const backoff = new ExponentialBackoff(retry, deps.random);
  for (let attempts = 1; ; attempts++) {
    let error: unknown;
    observer.attemptStarted();
    try {
      await attemptWithTimeout(deps.send, signal, data, timeoutMs, control.cancel);
      return { ok: true, attempts };
    } catch (err) {
      error = err;
    } finally {
      observer.attemptEnded();
    }
    const elapsedMs = backoff.elapsedMs();
    if (!isRetryable(error)) return { ok: false, reason: 'permanent', error, attempts, elapsedMs };
    // An attempt cut short by the shutdown deadline is not the backend's failure, whatever retry says.
    if (control.cancel.fired) return { ok: false, reason: 'shutdown', error, attempts, elapsedMs };
    if (!retry.enabled) return { ok: false, reason: 'exhausted', error, attempts, elapsedMs };
    if (control.stop.fired) return { ok: false, reason: 'shutdown', error, attempts, elapsedMs };
    let delay = backoff.next();
    if (delay === STOP) return { ok: false, reason: 'exhausted', error, attempts, elapsedMs };
    const throttle = error instanceof ConsumerError ? error.retryAfterMs : undefined;
    // The backend's own "retry after" wins when longer, as upstream honours Retry-After / RetryInfo.
    if (throttle !== undefined && throttle > delay) {
      if (!backoff.fits(throttle)) return { ok: false, reason: 'exhausted', error, attempts, elapsedMs };
      delay = throttle;
    }
    observer.backoffStarted(delay, error);
    const interrupted = await control.stop.sleep(delay);
    observer.backoffEnded();
    if (interrupted) return { ok: false, reason: 'shutdown', error, attempts, elapsedMs: backoff.elapsedMs() };
  }
}

/**
 * One attempt, abandoned (and its AbortSignal fired) when the timeout passes or `cancel` fires.
 * The send may still settle after that; its late result is deliberately ignored.
 */
export function attemptWithTimeout<S extends PipelineSignal>(
  send: SendFunction<PipelineSignal>,
  signal: S,
  data: SignalData[S],
  timeoutMs: number,
  cancel?: CancelSwitch,
): Promise<void> {
  if (cancel?.fired) return Promise.reject(cancelled());
  const controller = new AbortController();
  return new Promise<void>((resolve, reject) => {
    const abandon = (err: ConsumerError) => {
      controller.abort(err);
      reject(err);
    };
    const timer = timeoutMs > 0 ? setTimeout(() => abandon(retryableError(`timeout: the export did not finish within ${timeoutMs}ms`)), timeoutMs) : undefined;
    const unsubscribe = cancel?.subscribe(() => abandon(cancelled()));
    invoke(send, signal, data, controller.signal)
      .then(resolve, reject)
      .finally(() => {
        clearTimeout(timer);
        unsubscribe?.();
      });
  });
}

function cancelled(): ConsumerError {
  return retryableError('cancelled: the exporter is shutting down and its time to stop is up');
}

/** A send that throws synchronously is a failed attempt like any other. */
function invoke<S extends PipelineSignal>(send: SendFunction<PipelineSignal>, signal: S, data: SignalData[S], abort: AbortSignal): Promise<void> {
  try {
    return Promise.resolve(send(signal, data, abort));
  } catch (err) {
    return Promise.reject(err);
  }
}
