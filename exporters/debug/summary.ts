/** Basic verbosity: the one-line count per batch that upstream logs at every verbosity. */
import type { Logs, Metrics, PipelineSignal, Profiles, SignalData, Traces } from '../../pipeline/model.js';
import { countItems } from '../../pipeline/model-ops.js';

/** zap's console encoder renders fields as `{"key": value, ...}`. */
function line(message: string, fields: [string, number][]): string {
  return `${message} {${fields.map(([k, v]) => `"${k}": ${v}`).join(', ')}}`;
}

export function renderSummary<S extends PipelineSignal>(signal: S, data: SignalData[S]): string {
  const items = countItems(signal, data);
  switch (signal) {
    case 'profiles':
      return line('Profiles', [
        ['resource profiles', (data as Profiles).resourceProfiles.length],
        ['sample records', items],
      ]);
    case 'traces':
      return line('Traces', [
        ['resource spans', (data as Traces).resourceSpans.length],
        ['spans', items],
      ]);
    case 'metrics': {
      const rms = (data as Metrics).resourceMetrics;
      const metrics = rms.reduce((n, rm) => n + rm.scopeMetrics.reduce((m, sm) => m + sm.metrics.length, 0), 0);
      return line('Metrics', [
        ['resource metrics', rms.length],
        ['metrics', metrics],
        ['data points', items],
      ]);
    }
    default:
      return line('Logs', [
        ['resource logs', (data as Logs).resourceLogs.length],
        ['log records', items],
      ]);
  }
}
