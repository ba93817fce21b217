import type { Consumer } from '../../pipeline/component.js';
import { consumeInSlices } from '../../pipeline/sliced-delivery.js';
import { consumeVia } from '../../pipeline/receiver-transport.js';
import type { Metrics, PipelineSignal, SignalData, Span, Traces } from '../../pipeline/model.js';
import { countItems } from '../../pipeline/model-ops.js';
import type { PartialSuccess } from '../../pipeline/otlpproto/index.js';

/**
 * Drops items the OTLP specification calls invalid and says how many, so the sender learns it
 * through partial_success instead of the whole request failing: spans without a trace or span
 * id, metrics without a name (with all their data points).
 */
export function rejectInvalid<S extends PipelineSignal>(signal: S, data: SignalData[S]): PartialSuccess | undefined {
  let rejected = 0;
  let reason = '';
  if (signal === 'traces') {
    for (const rs of (data as Traces).resourceSpans) {
      for (const ss of rs.scopeSpans) {
        // the common case has nothing to drop: check before building a new array per scope
        if (ss.spans.every(validSpan)) continue;
        const kept = ss.spans.filter(validSpan);
        rejected += ss.spans.length - kept.length;
        reason = 'spans must have a non-empty trace_id and span_id';
        ss.spans = kept;
      }
    }
  } else if (signal === 'metrics') {
    for (const rm of (data as Metrics).resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        if (sm.metrics.every((m) => m.name !== '')) continue;
        for (const m of sm.metrics) if (m.name === '') rejected += m.data.dataPoints.length;
        reason = 'metrics must have a name';
        sm.metrics = sm.metrics.filter((m) => m.name !== '');
      }
    }
  }
  return rejected ? { rejected, errorMessage: `${rejected} ${signal === 'traces' ? 'spans' : 'data points'} rejected: ${reason}` } : undefined;
}

function validSpan(s: Span): boolean {
  return s.traceId !== '' && s.spanId !== '';
}

/**
 * Items handed to the pipeline in one event-loop turn (see pipeline/sliced-delivery.ts): the
 * batch processor's default send_batch_size, so slices fill batches as requests of that size would.
 */
export const SLICE_ITEMS = 8192;

/**
 * Hands a decoded request to the pipeline, in slices of SLICE_ITEMS items; resolves with what to
 * tell the sender about rejects.
 */
export async function deliver<S extends PipelineSignal>(signal: S, data: SignalData[S], next: Consumer<S>, transport: 'grpc' | 'http'): Promise<PartialSuccess | undefined> {
  // As upstream's profiles receiver: a request without samples is answered, not passed on.
  if (signal === 'profiles') {
    if (countItems(signal, data) > 0) await consumeVia(transport, () => next.consume(data));
    return undefined;
  }
  const partial = rejectInvalid(signal, data);
  // the common small request goes on whole, without cutting it into slices first
  if (countItems(signal, data) <= SLICE_ITEMS) {
    await consumeVia(transport, () => next.consume(data));
    return partial;
  }
  type Sliced = Exclude<S, 'profiles'>;
  await consumeInSlices(signal as Sliced, data as SignalData[Sliced], SLICE_ITEMS, (slice) => consumeVia(transport, () => next.consume(slice as SignalData[S])));
  return partial;
}
