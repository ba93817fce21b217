import type { Consumer } from './component.js';
import { ConsumerError, isRetryable } from './errors.js';
import type { PipelineSignal, SignalData } from './model.js';
import { cloneData } from './model-ops.js';

export interface Branch<S extends PipelineSignal> {
  consumer: Consumer<S>;
  /** The branch changes the data it is given, so it must not share it with others. */
  mutates: boolean;
}

/**
 * One batch to several branches. Read-only branches share the original; each mutating branch
 * gets its own copy, except that when every branch mutates the last one may keep the original
 * (nobody else will read it). Copies are made before any branch runs, so a branch that mutates
 * synchronously cannot leak into another's copy.
 *
 * Resolves when every branch has; rejects if any failed (retryable if any failure is), so the
 * sender retries and nothing acknowledged is lost — at the cost of duplicates in the branches
 * that did succeed.
 */
export function fanOut<S extends PipelineSignal>(signal: S, branches: Branch<S>[]): Consumer<S> & { mutates: boolean } {
  if (branches.length === 1) return { consume: (d) => branches[0].consumer.consume(d), mutates: branches[0].mutates };
  const mutating = branches.filter((b) => b.mutates);
  const readOnly = branches.filter((b) => !b.mutates);
  const originalGoesTo = readOnly.length === 0 ? mutating[mutating.length - 1] : undefined;

  return {
    mutates: originalGoesTo !== undefined,
    async consume(data: SignalData[S]): Promise<void> {
      const inputs = branches.map((b) => (b.mutates && b !== originalGoesTo ? cloneData(signal, data) : data));
      const results = await Promise.allSettled(branches.map((b, i) => b.consumer.consume(inputs[i])));
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
      if (failures.length === 0) return;
      if (failures.length === 1) throw failures[0];
      const retryable = failures.some(isRetryable);
      const retryAfterMs = Math.max(0, ...failures.map((f) => (f instanceof ConsumerError && f.retryAfterMs) || 0)) || undefined;
      throw new ConsumerError(`${failures.length} of ${branches.length} branches failed: ${failures.map((f) => String(f?.message ?? f)).join('; ')}`, {
        retryable,
        retryAfterMs,
        cause: failures[0],
      });
    },
  };
}
