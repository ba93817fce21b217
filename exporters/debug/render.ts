/** What the debug exporter prints for one batch: pure functions of the data, one string per log entry. */
import type { Signal, SignalData } from '../../pipeline/model.js';
import { renderDetailed } from './detailed.js';
import { renderNormal } from './normal.js';
import { renderSummary } from './summary.js';

export type Verbosity = 'basic' | 'normal' | 'detailed';

export { renderDetailed, renderNormal, renderSummary };

/** Like upstream, the summary line comes first at every verbosity, then the dump as one entry. */
export function render<S extends Signal>(verbosity: Verbosity, signal: S, data: SignalData[S]): string[] {
  const summary = renderSummary(signal, data);
  if (verbosity === 'basic') return [summary];
  const dump = verbosity === 'normal' ? renderNormal(signal, data) : renderDetailed(signal, data);
  return dump ? [summary, dump] : [summary];
}
