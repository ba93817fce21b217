/**
 * Large inputs handed to a pipeline a slice at a time. Every component behind a receiver does
 * work in proportion to the items it is given, synchronously (processors, the batch processor's
 * send, exporters' rows; exporters' queue workers run as microtasks of the same turn): a request
 * of 100,000 items held the event loop for seconds, and every other request waited behind it.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { slicesOf } from './item-split.js';
import type { Signal, SignalData } from './model.js';

/**
 * Consumes `data` in slices of at most `maxItems` items, one per event-loop turn, all in flight
 * together (a batch processor may hold a slice until more comes); resolves once every slice is
 * consumed, and rejects with the first slice that fails (no later slice is sent then). Slices
 * consumed before a retryable failure are sent again when the sender retries (at-least-once,
 * as upstream's exporterhelper splitting). Data of at most `maxItems` goes on whole, at once.
 */
export async function consumeInSlices<S extends Signal>(signal: S, data: SignalData[S], maxItems: number, consume: (slice: SignalData[S]) => Promise<void>): Promise<void> {
  const slices = [...slicesOf(signal, data, maxItems)];
  if (slices.length === 1) return consume(data);
  let failed: { err: unknown } | undefined;
  const deliveries: Promise<void>[] = [];
  for (const slice of slices) {
    // the turn that decoded a large request does not also carry its first slice
    await nextTurn();
    if (failed) break;
    // settled at once, so a slice failing while later ones are being sent is never unhandled
    deliveries.push(consume(slice).catch((err: unknown) => void (failed ??= { err })));
  }
  await Promise.all(deliveries);
  if (failed) throw failed.err;
}
