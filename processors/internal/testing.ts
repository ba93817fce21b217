/** Test support for processor unit tests (not used by production code). */
import { pino } from 'pino';
import type { Consumer, CreateContext } from '../../pipeline/component.js';
import type { Signal, SignalData } from '../../pipeline/model.js';
import { SelfTelemetry } from '../../pipeline/telemetry.js';

export function fakeCtx(id: string, signals: Signal[]): CreateContext {
  return { id, kind: 'processor', signals, outputSignals: [], logger: pino({ level: 'silent' }), telemetry: new SelfTelemetry(), configDir: '.' };
}

/** A downstream consumer that records what it got; `respond` decides each call's outcome. */
export function recorder<S extends Signal>(respond: (data: SignalData[S], call: number) => Promise<void> = () => Promise.resolve()) {
  const received: SignalData[S][] = [];
  const consumer: Consumer<S> = {
    consume(data) {
      received.push(data);
      return respond(data, received.length - 1);
    },
  };
  return { consumer, received };
}

/** A promise settled from outside, for holding a downstream call open. */
export function deferred(): { promise: Promise<void>; resolve(): void; reject(e: unknown): void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Whether p has settled by the time already-queued callbacks ran. */
export async function isSettled(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setImmediate(r));
  return settled;
}
