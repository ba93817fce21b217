import { wiredSignals, type ComponentFactory, type Consumer, type CreateContext, type NextConsumers } from '../../pipeline/component.js';
import { parseDuration } from '../../pipeline/duration.js';
import type { Attributes, PipelineSignal, Resource, SignalData } from '../../pipeline/model.js';
import { forEachResource } from '../../pipeline/walk.js';
import { downstreamFor } from '../internal/downstream.js';
import { compileGoRegex } from '../internal/goregex.js';
import { problemsError } from '../internal/values.js';
import { resourceDetectionConfigSchema, validateResourceDetectionConfig, type DetectorName, type ResourceDetectionConfig } from './config.js';
import { azureDetector, AZURE_DEFAULT_ENDPOINT } from './detectors/azure.js';
import type { DetectionEnvironment, Detector } from './detectors/detector.js';
import { detectDocker, dockerSocket } from './detectors/docker.js';
import { detectEc2, ec2Endpoint } from './detectors/ec2.js';
import { detectEnv } from './detectors/env.js';
import { detectGcp, gcpEndpoint } from './detectors/gcp.js';
import { systemDetector } from './detectors/system.js';

export type { DetectionEnvironment } from './detectors/detector.js';
export type { ResourceDetectionConfig } from './config.js';

/** Where detectors look by default: the process environment and the well-known endpoints. */
export function defaultEnvironment(env: NodeJS.ProcessEnv = process.env): DetectionEnvironment {
  return { env, rootPath: '/', ec2Endpoint: ec2Endpoint(env), gcpEndpoint: gcpEndpoint(env), azureEndpoint: AZURE_DEFAULT_ENDPOINT, dockerSocket: dockerSocket(env) };
}

/** A failed detection is retried with backoff, from this pause, until the timeout (as upstream). */
const FIRST_RETRY_MS = 100;

/** Detectors that ask a cloud's metadata service: silence from it means "not on this cloud". */
const CLOUD_DETECTORS = new Set<DetectorName>(['ec2', 'gcp', 'azure']);

function detectorFor(name: DetectorName, c: ResourceDetectionConfig): Detector {
  switch (name) {
    case 'env':
      return detectEnv;
    case 'system':
      return systemDetector(c.system?.hostname_sources ?? ['dns', 'os']);
    case 'docker':
      return detectDocker;
    case 'ec2':
      return detectEc2;
    case 'gcp':
      return detectGcp;
    case 'azure':
      return azureDetector((c.azure?.tags ?? []).map(compileGoRegex));
  }
}

function switchesOf(name: DetectorName, c: ResourceDetectionConfig): Record<string, { enabled?: boolean }> {
  return name === 'env' ? {} : (c[name]?.resource_attributes ?? {});
}

/**
 * Runs every configured detector at once, each retried until `timeoutMs`, and merges what they
 * found in config order (an earlier detector's value wins). A detector that fails or runs out of
 * time is logged and left out.
 */
export async function detectResource(
  config: ResourceDetectionConfig,
  environment: DetectionEnvironment,
  timeoutMs: number,
  warn: (detector: string, message: string) => void,
): Promise<Attributes> {
  const names = (config.detectors ?? []) as DetectorName[];
  const deadline = Date.now() + timeoutMs;
  const signal = AbortSignal.timeout(timeoutMs);
  const run = async (name: DetectorName): Promise<Attributes | undefined> => {
    const switches = switchesOf(name, config);
    const detect = detectorFor(name, config);
    const enabled = (attribute: string, byDefault: boolean) => switches[attribute]?.enabled ?? byDefault;
    let pause = FIRST_RETRY_MS;
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      // DNS lookups do not take the signal: the race bounds them too
      const timedOut = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs}ms`)), Math.max(0, deadline - Date.now()))));
      try {
        return await Promise.race([detect({ signal, environment, enabled }), timedOut]);
      } catch (err) {
        const timedOutNow = signal.aborted || Date.now() >= deadline;
        // a metadata service still silent at the deadline is no cloud, as one that does not answer at all
        if (timedOutNow && CLOUD_DETECTORS.has(name)) return undefined;
        const message = timedOutNow ? `timed out after ${timeoutMs}ms` : (err as Error).message;
        if (timedOutNow || Date.now() + pause >= deadline) {
          warn(name, message);
          return undefined;
        }
        await new Promise((r) => setTimeout(r, pause));
        pause *= 2;
      } finally {
        clearTimeout(timer);
      }
    }
  };
  const results = await Promise.all(names.map(run));
  const merged: Attributes = new Map();
  for (const found of results) for (const [k, v] of found ?? []) if (!merged.has(k)) merged.set(k, v);
  if (config.attributes) for (const k of [...merged.keys()]) if (!config.attributes.includes(k)) merged.delete(k);
  return merged;
}

export interface ResourceDetectionOptions {
  environment?: DetectionEnvironment;
}

export function createResourceDetectionProcessor(ctx: CreateContext, config: ResourceDetectionConfig, next: NextConsumers, options: ResourceDetectionOptions = {}) {
  const problems = validateResourceDetectionConfig(config);
  if (problems.length) throw problemsError(ctx.id, problems);
  const timeoutMs = parseDuration(config.timeout ?? '5s');
  const override = config.override ?? true;
  let detected: Attributes = new Map();

  const merge = (resource: Resource) => {
    for (const [k, v] of detected) if (override || !resource.attributes.has(k)) resource.attributes.set(k, v);
  };
  const consumerFor = <S extends PipelineSignal>(signal: S): Consumer<S> => {
    const downstream = downstreamFor(ctx.id, signal, next);
    return {
      async consume(data: SignalData[S]) {
        forEachResource(signal, data, merge);
        await downstream.consume(data);
      },
    };
  };
  const consumers: NextConsumers = {};
  for (const signal of wiredSignals(ctx)) consumers[signal] = consumerFor(signal) as never;

  return {
    consumers,
    mutatesData: true,
    /** As upstream: detection runs once, before the pipeline takes data. */
    async start() {
      const started = Date.now();
      detected = await detectResource(config, options.environment ?? defaultEnvironment(), timeoutMs, (detector, message) =>
        ctx.logger.warn({ detector, err: message }, 'resourcedetection: detector failed; its attributes are left out'),
      );
      ctx.logger.info({ attributes: Object.fromEntries([...detected].map(([k, v]) => [k, String(v)])), ms: Date.now() - started }, 'resourcedetection: detected');
    },
  };
}

/** Upstream's `resourcedetection` processor: resource attributes about where Summit runs, added to all data. */
export const resourceDetectionProcessorFactory: ComponentFactory<ResourceDetectionConfig> = {
  type: 'resourcedetection',
  aliases: ['resource_detection'],
  kind: 'processor',
  signals: ['traces', 'metrics', 'logs', 'profiles'],
  stability: 'beta',
  configSchema: resourceDetectionConfigSchema,
  validate: validateResourceDetectionConfig,
  create: (ctx, config, next) => createResourceDetectionProcessor(ctx, config, next),
};
