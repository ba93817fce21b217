import type { Attributes } from '../../../pipeline/model.js';

/**
 * Where detectors look. Production uses the defaults; tests point them at stand-ins (a loopback
 * metadata server, a unix socket, a directory holding etc/machine-id) without any config key.
 */
export interface DetectionEnvironment {
  env: NodeJS.ProcessEnv;
  /** Prefix for files read (machine-id, /proc/cpuinfo). */
  rootPath: string;
  ec2Endpoint: string;
  gcpEndpoint: string;
  azureEndpoint: string;
  dockerSocket: string;
}

export interface DetectContext {
  signal: AbortSignal;
  environment: DetectionEnvironment;
  /** Per-attribute switches from the detector's `resource_attributes`; unlisted ones use the default. */
  enabled(attribute: string, byDefault: boolean): boolean;
}

/** What a detector knows about where Summit runs; empty when it is not there (not on EC2, no Docker). */
export type Detector = (ctx: DetectContext) => Promise<Attributes>;

/** Sets the attribute when it has a value and is switched on. */
export function putter(ctx: DetectContext, attributes: Attributes) {
  return (key: string, value: string | bigint | string[] | undefined, byDefault = true): void => {
    if (value === undefined || (typeof value === 'string' && value === '')) return;
    if (ctx.enabled(key, byDefault)) attributes.set(key, value);
  };
}
