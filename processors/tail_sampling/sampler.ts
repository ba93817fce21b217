import type { Logger } from 'pino';
import { Lru } from '../../pipeline/lru.js';
import type { Traces } from '../../pipeline/model.js';
import { SpanListBuffers } from '../../pipeline/otlpproto/index.js';
import type { TailSamplingConfig } from './config.js';
import { RecentDecisions } from './decided.js';
import { HeldTrace, type Origin } from './held-trace.js';
import { DecisionTally, type FinalDecision, type SamplerMetrics } from './metrics.js';
import { combine, type Decision, type Policy } from './policies.js';
import { joinGroups, splitByTrace, TRACE_OVERHEAD_BYTES, type SpanGroup, type TraceData } from './trace.js';

/** Sampled spans sent on at once by a decision tick (the batch processor's default size). */
const SEND_SPANS = 8192;

export interface SamplerOptions {
  id: string;
  config: TailSamplingConfig;
  decisionWaitMs: number;
  policies: Policy[];
  now(): number;
  forward(data: Traces): Promise<void>;
  metrics: SamplerMetrics;
  logger: Logger;
}

/**
 * Holds spans by trace until `decision_wait` after the trace's first span, then lets the
 * policies decide on the whole trace; spans arriving after the decision follow it while the
 * trace is remembered (among the last `num_traces` decided, or in the decision caches).
 *
 * Traces are kept in arrival order (a Map iterates in insertion order), so the traces due are
 * always at the head and the oldest trace is the first to be decided early when `num_traces`
 * or the memory budget is reached.
 */
export class TailSampler {
  private readonly pending = new Map<string, HeldTrace>();
  /** The last `num_traces` decisions. */
  private readonly decided: RecentDecisions;
  private readonly sampledCache?: Lru<number>;
  private readonly notSampledCache?: Lru<number>;
  private bufferedBytes = 0;
  private readonly lists = new SpanListBuffers();
  /** Policies that can only drop are asked first, so `sample_on_first_match` cannot skip a drop. */
  private readonly ordered: Policy[];
  /** Counts of decisions, added to the metrics at the end of each consume and decision run. */
  private readonly tally: DecisionTally;
  /** Label objects made once: histograms are observed per trace. */
  private readonly latencyLabels: { processor: string; policy: string }[];
  private readonly processorLabels: { processor: string };

  constructor(private readonly o: SamplerOptions) {
    const { sampled_cache_size, non_sampled_cache_size } = o.config.decision_cache;
    if (sampled_cache_size > 0) this.sampledCache = new Lru(sampled_cache_size);
    if (non_sampled_cache_size > 0) this.notSampledCache = new Lru(non_sampled_cache_size);
    this.decided = new RecentDecisions(o.config.num_traces);
    const dropTypes = new Set(o.config.policies.filter((p) => p.type === 'drop').map((p) => p.name));
    this.ordered = [...o.policies.filter((p) => dropTypes.has(p.name)), ...o.policies.filter((p) => !dropTypes.has(p.name))];
    this.tally = new DecisionTally(o.metrics, o.id, this.ordered.map((p) => p.name));
    this.latencyLabels = this.ordered.map((p) => ({ processor: o.id, policy: p.name }));
    this.processorLabels = { processor: o.id };
  }

  get tracesInMemory(): number {
    return this.pending.size;
  }

  get bytesInMemory(): number {
    return this.bufferedBytes;
  }

  /** Buffers the batch's spans; spans of decided traces go on (or away) at once. */
  async consume(data: Traces): Promise<void> {
    const release: SpanGroup[] = [];
    // one Origin per resource and scope of the batch, shared by its traces
    const origins: Origin[] = [];
    const originOf = (g: SpanGroup): Origin => {
      let o = origins.find((x) => x.resource === g.resource && x.scope === g.scope);
      if (!o) origins.push((o = { resource: g.resource, resourceSchemaUrl: g.resourceSchemaUrl, scope: g.scope, scopeSchemaUrl: g.scopeSchemaUrl }));
      return o;
    };
    const now = this.o.now();
    const { id: processor } = this.o;
    for (const [traceId, groups] of splitByTrace(data)) {
      const verdict = this.verdictOf(traceId);
      if (verdict) {
        this.o.metrics.lateSpanAge.observe({ processor }, (now - verdict.atMs) / 1000);
        this.o.metrics.earlyReleases.inc({ processor, sampled: String(verdict.sampled) }, groups.reduce((n, g) => n + g.spans.length, 0));
        if (verdict.sampled) release.push(...groups);
        continue;
      }
      let trace = this.pending.get(traceId);
      if (!trace) {
        this.pending.set(traceId, (trace = new HeldTrace(traceId, now)));
        this.bufferedBytes += TRACE_OVERHEAD_BYTES;
        this.tally.newTrace();
      }
      for (const g of groups) this.bufferedBytes += trace.hold(originOf(g), g.spans, this.lists);
      const max = this.o.config.maximum_trace_size_bytes;
      if (max > 0 && trace.bytes > max) {
        // As upstream: a trace too large to keep is not sampled, and its later spans follow.
        this.o.logger.warn({ traceId, bytes: trace.bytes, maximum_trace_size_bytes: max }, 'trace larger than maximum_trace_size_bytes: not sampled');
        this.o.metrics.droppedTooEarly.inc({ processor });
        this.remove(trace, now);
        this.remember(traceId, false, now);
      }
    }
    release.push(...this.decideEarly(now));
    this.tally.flush();
    if (release.length) await this.o.forward(joinGroups(release));
  }

  /** Decides every trace whose decision_wait has passed and sends on the sampled ones. */
  async decideDue(): Promise<void> {
    const start = this.o.now();
    let sampled: SpanGroup[] = [];
    let spans = 0;
    for (const trace of this.pending.values()) {
      if (trace.arrivedMs + this.o.decisionWaitMs > start) break;
      // what is decided goes on before a large trace is decoded, so one huge trace does not hold the others back
      if (spans > 0 && spans + trace.spanCount > SEND_SPANS) {
        await this.send(sampled);
        sampled = [];
        spans = 0;
      }
      for (const g of this.decide(trace, start)) {
        sampled.push(g);
        spans += g.spans.length;
      }
    }
    this.o.metrics.timerLatency.observe(this.processorLabels, this.o.now() - start);
    this.tally.flush();
    if (sampled.length) await this.send(sampled);
  }

  /**
   * Shutdown: decides what is pending with what has arrived, or drops it when configured to
   * (logged); returns the sampled spans the next component refused.
   */
  async flush(drop: boolean): Promise<number> {
    const now = this.o.now();
    const sampled: SpanGroup[] = [];
    let dropped = 0;
    for (const trace of [...this.pending.values()]) {
      if (drop) {
        dropped += trace.spanCount;
        this.o.metrics.droppedTooEarly.inc({ processor: this.o.id });
        this.remove(trace, now);
      } else sampled.push(...this.decide(trace, now));
    }
    if (dropped) this.o.logger.info({ spans: dropped }, 'drop_pending_traces_on_shutdown: pending traces dropped undecided');
    this.tally.flush();
    return sampled.length ? this.send(sampled) : 0;
  }

  /** Sends on spans decided outside a consume(); a failure is logged with what was lost. */
  private async send(groups: SpanGroup[]): Promise<number> {
    try {
      await this.o.forward(joinGroups(groups));
      return 0;
    } catch (err) {
      const spans = groups.reduce((n, g) => n + g.spans.length, 0);
      this.o.logger.error({ err, spans }, 'the next component refused sampled spans; they are lost');
      return spans;
    }
  }

  /** While over num_traces or the memory budget, the oldest traces are decided now with what they have. */
  private decideEarly(now: number): SpanGroup[] {
    const out: SpanGroup[] = [];
    const { num_traces, memory_budget_bytes } = this.o.config;
    // one iterator: a fresh one per trace would walk past every entry deleted at the front again
    const oldestFirst = this.pending.values();
    while (this.pending.size > num_traces || this.bufferedBytes > memory_budget_bytes) {
      const oldest = oldestFirst.next().value as HeldTrace;
      const reason = this.pending.size > num_traces ? 'num_traces' : 'memory_budget';
      this.o.metrics.decidedEarly.inc({ processor: this.o.id, reason });
      out.push(...this.decide(oldest, now));
    }
    return out;
  }

  private verdictOf(traceId: string): { sampled: boolean; atMs: number } | undefined {
    const d = this.decided.get(traceId);
    if (d) return d;
    const s = this.sampledCache?.get(traceId);
    if (s !== undefined) return { sampled: true, atMs: s };
    const n = this.notSampledCache?.get(traceId);
    if (n !== undefined) return { sampled: false, atMs: n };
    return undefined;
  }

  /** Asks the policies, records the verdict, forgets the spans; returns them when sampled (decoding them if no policy did). */
  private decide(trace: HeldTrace, now: number): SpanGroup[] {
    const final = this.evaluate(trace);
    const sampled = final === 'sampled';
    this.tally.final(final);
    const groups = sampled ? trace.groups : [];
    this.remove(trace, now);
    this.remember(trace.traceId, sampled, now);
    return groups;
  }

  private evaluate(trace: TraceData): FinalDecision {
    const decisions: Decision[] = [];
    const { id: processor, metrics } = this.o;
    // each policy's latency runs from the end of the one before: one clock read per policy
    let started = performance.now();
    for (const [i, policy] of this.ordered.entries()) {
      let d: Decision;
      try {
        d = policy.evaluate(trace);
      } catch (err) {
        metrics.evaluationErrors.inc({ processor, policy: policy.name });
        this.o.logger.warn({ err, policy: policy.name }, 'sampling policy failed on a trace; it counts as not sampled');
        d = 'not_sampled';
      }
      const ended = performance.now();
      metrics.decisionLatency.observe(this.latencyLabels[i], (ended - started) * 1000);
      started = ended;
      this.tally.policy(i, d === 'dropped' ? 'dropped' : d === 'sampled' || d === 'inverted_sampled' ? 'sampled' : 'not_sampled', trace.spanCount);
      decisions.push(d);
      if (d === 'dropped') break;
      if (d === 'sampled' && this.o.config.sample_on_first_match) break;
    }
    return combine(decisions);
  }

  private remove(trace: HeldTrace, now: number): void {
    this.pending.delete(trace.traceId);
    trace.release(this.lists);
    this.bufferedBytes -= trace.memoryBytes;
    this.o.metrics.removalAge.observe(this.processorLabels, (now - trace.arrivedMs) / 1000);
  }

  private remember(traceId: string, sampled: boolean, now: number): void {
    this.decided.set(traceId, sampled, now);
    (sampled ? this.sampledCache : this.notSampledCache)?.set(traceId, now);
  }
}
