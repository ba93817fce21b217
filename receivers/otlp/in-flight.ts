/**
 * A bound on the records a receiver protocol holds across requests: decoded, not yet answered
 * (an answer waits for the pipeline, e.g. the parquet exporter's file). Per-request limits bound
 * one request; without this, every concurrent sender could hold that much at once, and a
 * request answered only after a minute in an open file holds it that long. Like otel-arrow
 * receiver's `admission.request_limit_mib`, but counted in decoded records, since a few
 * kilobytes of protobuf can decode into a million of them.
 */
import { DecodeLimitError, type DecodeLimits } from '../../pipeline/decode-limits.js';
import { retryableError, type ConsumerError } from '../../pipeline/errors.js';
import type { Logs, Metrics, PipelineSignal, Profiles, SignalData, Traces } from '../../pipeline/model.js';

export class InFlightRecords {
  private held = 0;

  constructor(readonly max: number) {}

  get records(): number {
    return this.held;
  }

  /**
   * The limits for the next request: the per-request ones, or what is left of `max` when less.
   * With nothing in flight a request gets the per-request limits whatever `max` is.
   */
  limitsFor(perRequest: DecodeLimits): DecodeLimits {
    if (this.held === 0) return perRequest;
    const left = Math.max(0, this.max - this.held);
    return left >= perRequest.maxItems ? perRequest : { maxItems: left, maxValues: perRequest.maxValues };
  }

  /**
   * The pushback for a request that went over lowered limits: the sender retries once the
   * requests in flight are answered (with nothing in flight, the per-request limit applies).
   */
  busy(err: unknown, limits: DecodeLimits, perRequest: DecodeLimits, configKey: string): ConsumerError | undefined {
    if (!(err instanceof DecodeLimitError) || limits === perRequest) return undefined;
    return retryableError(`receiver busy: ${this.held} records of requests in flight, more than ${configKey} (${this.max}) with this one; retry later`, 1000);
  }

  /** Counts a decoded request's records as held until the returned release is called. */
  hold(signal: PipelineSignal, data: SignalData[PipelineSignal]): () => void {
    const n = countRecords(signal, data);
    this.held += n;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= n;
    };
  }
}

/** Records as the decoders count them against `max_request_items`: resource and scope entries too. */
export function countRecords(signal: PipelineSignal, data: SignalData[PipelineSignal]): number {
  let n = 0;
  if (signal === 'profiles') {
    for (const rp of (data as Profiles).resourceProfiles) {
      n += 1 + rp.scopeProfiles.length;
      for (const sp of rp.scopeProfiles) n += sp.profiles.length;
    }
  } else if (signal === 'traces') {
    for (const rs of (data as Traces).resourceSpans) {
      n += 1 + rs.scopeSpans.length;
      for (const ss of rs.scopeSpans) for (const s of ss.spans) n += 1 + s.events.length + s.links.length;
    }
  } else if (signal === 'logs') {
    for (const rl of (data as Logs).resourceLogs) {
      n += 1 + rl.scopeLogs.length;
      for (const sl of rl.scopeLogs) n += sl.logRecords.length;
    }
  } else {
    for (const rm of (data as Metrics).resourceMetrics) {
      n += 1 + rm.scopeMetrics.length;
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += 1 + m.data.dataPoints.length;
    }
  }
  return n;
}
