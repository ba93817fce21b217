/** What the debug exporter prints for one batch: pure functions of the data, one string per log entry. */
import type { PipelineSignal, Signal, SignalData } from '../../pipeline/model.js';
import { encodeProfiles } from '../../pipeline/otlpjson/index.js';
import { renderDetailed } from './detailed.js';
import { renderNormal } from './normal.js';
import { renderSummary } from './summary.js';

export type Verbosity = 'basic' | 'normal' | 'detailed';

export { renderDetailed, renderNormal, renderSummary };

/** Like upstream, the summary line comes first at every verbosity, then the dump as one entry. */
export function render<S extends PipelineSignal>(verbosity: Verbosity, signal: S, data: SignalData[S]): string[] {
  const summary = renderSummary(signal, data);
  if (verbosity === 'basic') return [summary];
  const dump =
    signal === 'profiles'
      ? // upstream prints its own text form of each profile; Summit, which does not decode them, the OTLP/JSON request
        JSON.stringify(encodeProfiles(data as SignalData['profiles']), null, verbosity === 'detailed' ? 2 : undefined)
      : verbosity === 'normal'
        ? renderNormal(signal as Signal, data as SignalData[Signal])
        : renderDetailed(signal as Signal, data as SignalData[Signal]);
  return dump ? [summary, dump] : [summary];
}
