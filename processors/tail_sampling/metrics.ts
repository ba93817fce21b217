import type { SelfTelemetry } from '../../pipeline/telemetry.js';

const P = 'otelcol_processor_tail_sampling_';

/** Upstream's self-telemetry names (counters with Prometheus' `_total`), plus Summit's early decisions. */
export function samplerMetrics(telemetry: SelfTelemetry, processor: string, traces: () => number, bytes: () => number) {
  const decisionLabels = ['processor', 'policy', 'sampled', 'decision'];
  telemetry.gauge(`${P}sampling_traces_on_memory`, 'Tracks the number of traces current on memory', ['processor'], (g) => g.set({ processor }, traces()));
  telemetry.gauge(`${P}sampling_buffered_bytes`, 'Bytes held by traces buffered awaiting a decision (their spans as OTLP bytes and the objects holding them), what memory_budget_bytes counts', ['processor'], (g) => g.set({ processor }, bytes()));
  return {
    tracesSampled: telemetry.counter(`${P}count_traces_sampled_total`, 'Count of traces that were sampled or not per sampling policy', decisionLabels),
    spansSampled: telemetry.counter(`${P}count_spans_sampled_total`, 'Count of spans that were sampled or not per sampling policy', decisionLabels),
    globalSampled: telemetry.counter(`${P}global_count_traces_sampled_total`, 'Global count of traces that were sampled or not by at least one policy', [
      'processor',
      'sampled',
      'decision',
    ]),
    evaluationErrors: telemetry.counter(`${P}sampling_policy_evaluation_error_total`, 'Count of sampling policy evaluation errors', ['processor', 'policy']),
    droppedTooEarly: telemetry.counter(`${P}sampling_trace_dropped_too_early_total`, 'Count of traces that needed to be dropped before the configured wait time', ['processor']),
    decidedEarly: telemetry.counter(`${P}sampling_trace_decided_early_total`, 'Count of traces decided before the configured wait time to stay within num_traces or memory_budget_bytes', [
      'processor',
      'reason',
    ]),
    newTraces: telemetry.counter(`${P}new_trace_id_received_total`, 'Counts the arrival of new traces', ['processor']),
    earlyReleases: telemetry.counter(`${P}early_releases_from_cache_decision_total`, 'Number of spans that were able to be immediately released due to a decision cache hit.', [
      'processor',
      'sampled',
    ]),
    decisionLatency: telemetry.histogram(`${P}sampling_decision_latency`, 'Latency (in microseconds) of a given sampling policy', ['processor', 'policy'], [
      1, 2, 5, 10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 50000,
    ]),
    timerLatency: telemetry.histogram(`${P}sampling_decision_timer_latency`, 'Latency (in milliseconds) of each run of the sampling decision timer', ['processor'], [
      1, 2, 5, 10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 50000,
    ]),
    lateSpanAge: telemetry.histogram(`${P}sampling_late_span_age`, 'Time (in seconds) from the sampling decision was taken and the arrival of a late span', ['processor'], [
      1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 7200,
    ]),
    removalAge: telemetry.histogram(`${P}sampling_trace_removal_age`, 'Time (in seconds) from arrival of a new trace until its removal from memory', ['processor'], [
      1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 7200,
    ]),
  };
}

export type SamplerMetrics = ReturnType<typeof samplerMetrics>;

export type FinalDecision = 'sampled' | 'not_sampled' | 'dropped';
const FINAL: readonly FinalDecision[] = ['sampled', 'not_sampled', 'dropped'];

/**
 * Decision counts summed over one decision run and added once at its end, as upstream adds its
 * per-tick policy metrics: prom-client builds and hashes a label key on every call, which per
 * trace and policy cost more than the decisions themselves.
 */
export class DecisionTally {
  /** Per policy × final decision: traces and spans. */
  private readonly traces: number[];
  private readonly spans: number[];
  private readonly global = [0, 0, 0];
  private newTraces = 0;

  constructor(
    private readonly metrics: SamplerMetrics,
    private readonly processor: string,
    private readonly policies: readonly string[],
  ) {
    this.traces = new Array<number>(policies.length * 3).fill(0);
    this.spans = new Array<number>(policies.length * 3).fill(0);
  }

  policy(index: number, decision: FinalDecision, spans: number): void {
    const at = index * 3 + FINAL.indexOf(decision);
    this.traces[at]++;
    this.spans[at] += spans;
  }

  final(decision: FinalDecision): void {
    this.global[FINAL.indexOf(decision)]++;
  }

  newTrace(): void {
    this.newTraces++;
  }

  /** Adds what was counted to the metrics and starts again. */
  flush(): void {
    const { metrics, processor } = this;
    for (let at = 0; at < this.traces.length; at++) {
      if (this.traces[at] === 0) continue;
      const decision = FINAL[at % 3];
      const labels = { processor, policy: this.policies[Math.floor(at / 3)], sampled: String(decision === 'sampled'), decision };
      metrics.tracesSampled.inc(labels, this.traces[at]);
      metrics.spansSampled.inc(labels, this.spans[at]);
      this.traces[at] = this.spans[at] = 0;
    }
    for (const [i, decision] of FINAL.entries()) {
      if (this.global[i] > 0) metrics.globalSampled.inc({ processor, sampled: String(decision === 'sampled'), decision }, this.global[i]);
      this.global[i] = 0;
    }
    if (this.newTraces > 0) metrics.newTraces.inc({ processor }, this.newTraces);
    this.newTraces = 0;
  }
}
