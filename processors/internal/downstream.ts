import type { Consumer, NextConsumers } from '../../pipeline/component.js';
import type { PipelineSignal } from '../../pipeline/model.js';

/** The next consumer for a processor's signal; a wiring bug (none given) fails at create time. */
export function downstreamFor<S extends PipelineSignal>(id: string, signal: S, next: NextConsumers): Consumer<S> {
  const c = next[signal] as Consumer<S> | undefined;
  if (!c) throw new Error(`${id}: no next consumer for ${signal}`);
  return c;
}
