import type { JSONSchema } from '../../pipeline/component.js';
import { durationSchema } from '../../pipeline/duration.js';
import { regexError } from '../internal/goregex.js';
import { HOSTNAME_SOURCES, type HostnameSource } from './detectors/system.js';

export const DETECTORS = ['env', 'system', 'docker', 'ec2', 'gcp', 'azure'] as const;
export type DetectorName = (typeof DETECTORS)[number];

/** Upstream's detectors Summit does not have, named so a config using one gets a clear error. */
export const UPSTREAM_ONLY_DETECTORS = [
  'eks', 'ecs', 'elastic_beanstalk', 'elasticbeanstalk', 'lambda', 'aks', 'consul', 'heroku', 'openshift', 'k8snode', 'kubeadm',
  'dynatrace', 'akamai', 'scaleway', 'hetzner', 'vultr', 'upcloud', 'oraclecloud', 'digitalocean', 'openstacknova', 'alibaba_ecs',
];

type AttributeSwitches = Record<string, { enabled?: boolean }>;

export interface ResourceDetectionConfig {
  detectors?: string[];
  override?: boolean;
  timeout?: string;
  /** Deprecated upstream: keep only these detected attributes. */
  attributes?: string[];
  system?: { hostname_sources?: HostnameSource[]; resource_attributes?: AttributeSwitches };
  docker?: { resource_attributes?: AttributeSwitches };
  ec2?: { tags?: string[]; resource_attributes?: AttributeSwitches };
  gcp?: { resource_attributes?: AttributeSwitches };
  azure?: { tags?: string[]; resource_attributes?: AttributeSwitches };
  env?: Record<string, never>;
}

const switches: JSONSchema = {
  type: 'object',
  additionalProperties: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' } } },
  description: 'per attribute: {enabled: true|false}',
};
const detectorSection = (extra: Record<string, JSONSchema> = {}): JSONSchema => ({
  type: 'object',
  additionalProperties: false,
  properties: { resource_attributes: switches, ...extra },
});
const tags: JSONSchema = { type: 'array', items: { type: 'string' }, description: 'regular expressions of tag names to add as attributes' };

export const resourceDetectionConfigSchema: JSONSchema = {
  type: 'object',
  // upstream squashes an HTTP client config in (endpoint, headers, ...): accepted, unused
  additionalProperties: true,
  properties: {
    detectors: { type: 'array', items: { type: 'string' }, default: [], description: `run in order; earlier ones win: ${DETECTORS.join(', ')}` },
    override: { type: 'boolean', default: true, description: 'detected attributes replace those the data already has' },
    timeout: durationSchema('5s'),
    attributes: { type: 'array', items: { type: 'string' }, description: 'deprecated upstream: keep only these detected attributes' },
    system: detectorSection({ hostname_sources: { type: 'array', items: { enum: [...HOSTNAME_SOURCES] }, default: ['dns', 'os'] } }),
    docker: detectorSection(),
    ec2: detectorSection({ tags }),
    gcp: detectorSection(),
    azure: detectorSection({ tags }),
    env: { type: 'object', additionalProperties: false, properties: {} },
  },
};

export function validateResourceDetectionConfig(c: ResourceDetectionConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  (c.detectors ?? []).forEach((d, i) => {
    if ((DETECTORS as readonly string[]).includes(d)) return;
    const why = UPSTREAM_ONLY_DETECTORS.includes(d) ? 'is an upstream detector Summit does not have' : 'is not a detector';
    problems.push({ path: `detectors[${i}]`, message: `"${d}" ${why}; available: ${DETECTORS.join(', ')}` });
  });
  for (const key of ['ec2', 'azure'] as const) {
    (c[key]?.tags ?? []).forEach((t, i) => {
      const error = regexError(t);
      if (error) problems.push({ path: `${key}.tags[${i}]`, message: error });
    });
  }
  if (c.ec2?.tags?.length) problems.push({ path: 'ec2.tags', message: 'EC2 instance tags need the EC2 DescribeTags API, which Summit does not call; remove ec2.tags' });
  return problems;
}
