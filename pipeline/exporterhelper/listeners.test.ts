/**
 * Many sends waiting at once (the parquet exporter runs 1000 consumers) must not pile listeners
 * onto one AbortSignal: Node then warns MaxListenersExceededWarning, as the default pipeline did.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../builders.js';
import { retryableError } from '../errors.js';
import { testContext, testHost } from '../testing.js';
import { CancelSwitch } from './cancel.js';
import { resolveExporterHelperConfig, type ExporterHelperConfig } from './config.js';
import { createExporterHelper } from './helper.js';
import { sendWithRetry, type SendFunction } from './retry.js';

const CONCURRENT = 200;
const RETRY = { initial_interval: '30ms', max_interval: '30ms', randomization_factor: 0 };

let warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

/** A send that fails the first attempt of every batch, so all of them wait for a retry at once. */
function failOnce(): { send: SendFunction; delivered: () => number } {
  const seen = new WeakSet<object>();
  let delivered = 0;
  return {
    send: async (_signal, data) => {
      if (!seen.has(data)) {
        seen.add(data);
        throw retryableError('busy');
      }
      delivered++;
    },
    delivered: () => delivered,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 50)); // warnings are emitted on a later tick

describe('many concurrent sends', () => {
  for (const [name, queue] of [
    ['queued', { num_consumers: CONCURRENT }],
    ['direct', { enabled: false }],
  ] as const) {
    it(`(${name}) back off and retry without MaxListenersExceededWarning`, async () => {
      const { send, delivered } = failOnce();
      const config: ExporterHelperConfig = { retry_on_failure: RETRY, sending_queue: queue };
      const helper = createExporterHelper(testContext({ id: 'many', kind: 'exporter', signals: ['traces'] }), config, send);
      await helper.start(testHost());
      const batches = Array.from({ length: CONCURRENT }, (_, i) => tracesOf([newSpan({ name: `s${i}` })]));
      await Promise.all(batches.map((b) => helper.consumers.traces!.consume(b)));
      const deadline = Date.now() + 5000;
      while (delivered() < CONCURRENT && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(delivered()).toBe(CONCURRENT);
      await helper.shutdown();
      await settle();
      expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    });
  }

  it('leave no subscription behind on the shared stop and cancel switches', async () => {
    const { send } = failOnce();
    const config = resolveExporterHelperConfig({ timeout: '1s', retry_on_failure: RETRY });
    const control = { stop: new CancelSwitch(), cancel: new CancelSwitch() };
    let waitingAtPeak = 0;
    const sends = Array.from({ length: CONCURRENT }, (_, i) =>
      sendWithRetry({ config, send }, 'traces', tracesOf([newSpan({ name: `s${i}` })]), control, {
        attemptStarted() {},
        attemptEnded() {},
        backoffStarted() {},
        backoffEnded() {
          waitingAtPeak = Math.max(waitingAtPeak, control.stop.subscribed);
        },
      }),
    );
    const outcomes = await Promise.all(sends);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // far more waited at once than the 10 listeners Node allows one AbortSignal, and each took itself out
    expect(waitingAtPeak).toBeGreaterThan(CONCURRENT / 2);
    expect(control.stop.subscribed).toBe(0);
    expect(control.cancel.subscribed).toBe(0);
    await settle();
    expect(warnings).toEqual([]);
  });
});
