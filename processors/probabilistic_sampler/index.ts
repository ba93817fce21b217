import type { ComponentFactory, Consumer, CreateContext, NextConsumers } from '../../pipeline/component.js';
import type { LogRecord, Logs, Signal, SignalData, Span, Traces } from '../../pipeline/model.js';
import { downstreamFor } from '../internal/downstream.js';
import type { Problem } from '../internal/values.js';
import { ProbabilisticSampler, type Decision, type SamplerMode } from './sampler.js';

export interface ProbabilisticSamplerConfig {
  sampling_percentage?: number;
  hash_seed?: number;
  mode?: SamplerMode | '';
  fail_closed?: boolean;
  sampling_precision?: number;
  attribute_source?: 'traceID' | 'record';
  from_attribute?: string;
  sampling_priority?: string;
}

export const probabilisticSamplerConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sampling_percentage: { type: 'number', minimum: 0, default: 0, description: 'percentage of items kept; >= 100 keeps all, 0 none' },
    hash_seed: { type: 'integer', minimum: 0, maximum: 4294967295, default: 0, description: 'seed of the hash_seed mode (uint32)' },
    mode: { enum: ['', 'hash_seed', 'equalizing', 'proportional'], description: 'default: hash_seed when hash_seed is set (or logs use attribute_source: record), else proportional' },
    fail_closed: { type: 'boolean', default: true, description: 'drop items whose sampling information is missing or invalid' },
    sampling_precision: { type: 'integer', minimum: 1, maximum: 14, default: 4, description: 'hex digits of the threshold written to tracestate / sampling.threshold' },
    attribute_source: { enum: ['traceID', 'record'], default: 'traceID', description: 'logs: hash the trace id, or the from_attribute record attribute' },
    from_attribute: { type: 'string', default: '', description: 'logs: attribute whose value is hashed when there is no trace id, or with attribute_source: record' },
    sampling_priority: { type: 'string', default: '', description: 'logs: attribute holding a percentage that raises the record\'s sampling probability' },
  },
};

const MIN_PERCENT = 100 / 2 ** 56;

export function validateProbabilisticSamplerConfig(c: ProbabilisticSamplerConfig): Problem[] {
  const problems: Problem[] = [];
  const pct = c.sampling_percentage ?? 0;
  if (!Number.isFinite(pct)) problems.push({ path: 'sampling_percentage', message: `sampling rate is invalid: ${pct}%` });
  else if (pct > 0 && Math.fround(pct) < MIN_PERCENT) problems.push({ path: 'sampling_percentage', message: `sampling rate is too small: ${pct}% (the least is 2^-56)` });
  if ((c.attribute_source ?? 'traceID') === 'record' && !c.from_attribute) {
    problems.push({ path: 'from_attribute', message: 'attribute_source: record needs from_attribute (the log record attribute to hash)' });
  }
  return problems;
}

const SAMPLED_METRIC: Partial<Record<Signal, [string, string]>> = {
  traces: ['otelcol_processor_probabilistic_sampler_count_traces_sampled_total', 'Count of spans that were sampled or not'],
  logs: ['otelcol_processor_probabilistic_sampler_count_logs_sampled_total', 'Count of logs that were sampled or not'],
};

/** Keeps the spans `keep` says yes to, removing emptied scopes and resources. */
function sampleTraces(data: Traces, keep: (s: Span) => boolean): void {
  data.resourceSpans = data.resourceSpans.filter((rs) => {
    rs.scopeSpans = rs.scopeSpans.filter((ss) => (ss.spans = ss.spans.filter(keep)).length > 0);
    return rs.scopeSpans.length > 0;
  });
}

function sampleLogs(data: Logs, keep: (r: LogRecord) => boolean): void {
  data.resourceLogs = data.resourceLogs.filter((rl) => {
    rl.scopeLogs = rl.scopeLogs.filter((sl) => (sl.logRecords = sl.logRecords.filter(keep)).length > 0);
    return rl.scopeLogs.length > 0;
  });
}

function samplerConsumer<S extends Signal>(ctx: CreateContext, signal: S, sampler: ProbabilisticSampler, next: NextConsumers): Consumer<S> {
  const downstream = downstreamFor(ctx.id, signal, next);
  const [name, help] = SAMPLED_METRIC[signal]!;
  const counter = ctx.telemetry.counter(name, help, ['processor', 'policy', 'sampled']);
  return {
    async consume(data: SignalData[S]) {
      const counts = new Map<string, number>();
      let problems = 0;
      let firstProblem: string | undefined;
      const tally = (d: Decision): boolean => {
        const key = `${d.policy}\n${d.sampled}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (d.problem) {
          problems++;
          firstProblem ??= d.problem;
        }
        return d.sampled;
      };
      if (signal === 'traces') sampleTraces(data as Traces, (s) => tally(sampler.span(s)));
      else sampleLogs(data as Logs, (r) => tally(sampler.logRecord(r)));
      for (const [key, n] of counts) {
        const [policy, sampled] = key.split('\n');
        counter.inc({ processor: ctx.id, policy, sampled }, n);
      }
      // One line per batch: bad tracestates from one sender must not flood the log.
      if (problems) ctx.logger.debug({ signal, items: problems, first: firstProblem }, 'probabilistic_sampler: items without usable sampling information (fail_closed decides)');
      const left = signal === 'traces' ? (data as Traces).resourceSpans.length : (data as Logs).resourceLogs.length;
      // As upstream: a batch sampled down to nothing is not forwarded.
      if (left === 0) return;
      await downstream.consume(data);
    },
  };
}

/** Upstream's `probabilistic_sampler` processor: keeps a share of spans and log records, consistently. */
export const probabilisticSamplerProcessorFactory: ComponentFactory<ProbabilisticSamplerConfig> = {
  type: 'probabilistic_sampler',
  kind: 'processor',
  signals: ['traces', 'logs'],
  stability: 'beta',
  configSchema: probabilisticSamplerConfigSchema,
  validate: validateProbabilisticSamplerConfig,
  create(ctx, config, next) {
    const sampler = new ProbabilisticSampler({
      percent: config.sampling_percentage ?? 0,
      hashSeed: config.hash_seed ?? 0,
      mode: config.mode || undefined,
      failClosed: config.fail_closed ?? true,
      precision: config.sampling_precision ?? 4,
      attributeSource: config.attribute_source ?? 'traceID',
      fromAttribute: config.from_attribute ?? '',
      samplingPriority: config.sampling_priority ?? '',
    });
    const consumers: NextConsumers = {};
    for (const signal of ctx.signals) consumers[signal] = samplerConsumer(ctx, signal, sampler, next) as never;
    return { consumers, mutatesData: true };
  },
};
