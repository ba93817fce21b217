import type { Attributes } from '../../../pipeline/model.js';
import { putter, type DetectContext } from './detector.js';
import { MetadataError, cloudSignal, fetchMetadata, parseJsonObject, str } from './metadata-http.js';

export const EC2_DEFAULT_ENDPOINT = 'http://169.254.169.254';

/** The instance metadata service: AWS SDKs' AWS_EC2_METADATA_SERVICE_ENDPOINT, else the link-local address. */
export function ec2Endpoint(env: NodeJS.ProcessEnv): string {
  return (env.AWS_EC2_METADATA_SERVICE_ENDPOINT || EC2_DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

/**
 * EC2 from IMDS: a session token first (IMDSv2), falling back to IMDSv1 when the service
 * refuses to issue one; then the instance identity document and the hostname. As upstream,
 * when the instance id cannot be read (no answer, or something else answering) this is not EC2:
 * nothing, and no error.
 */
export async function detectEc2(ctx: DetectContext): Promise<Attributes> {
  const out: Attributes = new Map();
  const base = ctx.environment.ec2Endpoint;
  const signal = cloudSignal(ctx.signal);
  let headers: Record<string, string> = {};
  try {
    const token = await fetchMetadata({ url: `${base}/latest/api/token`, method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' }, signal });
    headers = { 'X-aws-ec2-metadata-token': token.trim() };
  } catch (err) {
    // no service at all: not on EC2. A refusal (e.g. 403/404 from an IMDSv1-only service): go on without a token.
    if (!(err instanceof MetadataError) || err.status === undefined) return out;
  }
  const instanceId = await fetchMetadata({ url: `${base}/latest/meta-data/instance-id`, headers, signal }).catch(() => undefined);
  if (!instanceId) return out;
  const doc = parseJsonObject(await fetchMetadata({ url: `${base}/latest/dynamic/instance-identity/document`, headers, signal }), 'EC2 instance identity document');
  const hostname = await fetchMetadata({ url: `${base}/latest/meta-data/hostname`, headers, signal }).catch(() => undefined);
  const put = putter(ctx, out);
  put('cloud.provider', 'aws');
  put('cloud.platform', 'aws_ec2');
  put('cloud.region', str(doc, 'region'));
  put('cloud.account.id', str(doc, 'accountId'));
  put('cloud.availability_zone', str(doc, 'availabilityZone'));
  put('host.id', str(doc, 'instanceId'));
  put('host.image.id', str(doc, 'imageId'));
  put('host.type', str(doc, 'instanceType'));
  put('host.name', hostname?.trim());
  return out;
}
