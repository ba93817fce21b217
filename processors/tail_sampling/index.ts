import type { ComponentFactory, ComponentInstance, CreateContext, NextConsumers } from '../../pipeline/component.js';
import { parseDuration } from '../../pipeline/duration.js';
import { downstreamFor } from '../internal/downstream.js';
import { problemsError } from '../internal/values.js';
import { configSchema, validateConfig, type TailSamplingConfig } from './config.js';
import { samplerMetrics } from './metrics.js';
import { buildPolicy } from './policies.js';
import { TailSampler } from './sampler.js';

export type { TailSamplingConfig } from './config.js';

/** How often due traces are looked for: a tenth of decision_wait, between 10 ms and 1 s (upstream: 1 s). */
const tickMs = (waitMs: number) => Math.min(1000, Math.max(10, waitMs / 10));

function create(ctx: CreateContext, config: TailSamplingConfig, next: NextConsumers): ComponentInstance {
  const problems = validateConfig(config);
  if (problems.length) throw problemsError(ctx.id, problems);
  const downstream = downstreamFor(ctx.id, 'traces', next);
  const decisionWaitMs = parseDuration(config.decision_wait);
  const env = {
    now: Date.now,
    onOttlError: (policy: string, err: unknown) => ctx.logger.warn({ policy, err: (err as Error).message }, 'OTTL condition failed on a span; error_mode ignore counts it as not matching'),
  };
  let sampler: TailSampler | undefined;
  const metrics = samplerMetrics(ctx.telemetry, ctx.id, () => sampler?.tracesInMemory ?? 0, () => sampler?.bytesInMemory ?? 0);
  sampler = new TailSampler({
    id: ctx.id,
    config,
    decisionWaitMs,
    policies: config.policies.map((p) => buildPolicy(p, env)),
    now: Date.now,
    forward: (data) => downstream.consume(data),
    metrics,
    logger: ctx.logger,
  });
  const s = sampler;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  return {
    consumers: { traces: { consume: (data) => s.consume(data) } },
    async start() {
      timer = setInterval(() => {
        // One decision run at a time: a slow downstream delays the next run instead of piling them up.
        running = running.then(() => s.decideDue());
      }, tickMs(decisionWaitMs));
    },
    async shutdown(stop) {
      clearInterval(timer);
      await running;
      const dropped = await s.flush(config.drop_pending_traces_on_shutdown);
      if (dropped) stop?.dropped('traces', dropped);
    },
  };
}

/** Samples whole traces after decision_wait, by policies, as upstream's `tail_sampling`; see README.md. */
export const tailSamplingProcessorFactory: ComponentFactory<TailSamplingConfig> = {
  type: 'tail_sampling',
  kind: 'processor',
  signals: ['traces'],
  stability: 'beta',
  configSchema,
  validate: validateConfig,
  create,
};
