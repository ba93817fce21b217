import type { Consumer } from '../../pipeline/component.js';
import type { Metrics, Signal, SignalData, Traces } from '../../pipeline/model.js';
import type { PartialSuccess } from '../../pipeline/otlpproto/index.js';

/**
 * Drops items the OTLP specification calls invalid and says how many, so the sender learns it
 * through partial_success instead of the whole request failing: spans without a trace or span
 * id, metrics without a name (with all their data points).
 */
export function rejectInvalid<S extends Signal>(signal: S, data: SignalData[S]): PartialSuccess | undefined {
  let rejected = 0;
  let reason = '';
  if (signal === 'traces') {
    for (const rs of (data as Traces).resourceSpans) {
      for (const ss of rs.scopeSpans) {
        const kept = ss.spans.filter((s) => s.traceId !== '' && s.spanId !== '');
        if (kept.length !== ss.spans.length) {
          rejected += ss.spans.length - kept.length;
          reason = 'spans must have a non-empty trace_id and span_id';
          ss.spans = kept;
        }
      }
    }
  } else if (signal === 'metrics') {
    for (const rm of (data as Metrics).resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        const kept = sm.metrics.filter((m) => m.name !== '');
        for (const m of sm.metrics) if (m.name === '') rejected += m.data.dataPoints.length;
        if (kept.length !== sm.metrics.length) {
          reason = 'metrics must have a name';
          sm.metrics = kept;
        }
      }
    }
  }
  return rejected ? { rejected, errorMessage: `${rejected} ${signal === 'traces' ? 'spans' : 'data points'} rejected: ${reason}` } : undefined;
}

/** Hands a decoded request to the pipeline; resolves with what to tell the sender about rejects. */
export async function deliver<S extends Signal>(signal: S, data: SignalData[S], next: Consumer<S>): Promise<PartialSuccess | undefined> {
  const partial = rejectInvalid(signal, data);
  await next.consume(data);
  return partial;
}
