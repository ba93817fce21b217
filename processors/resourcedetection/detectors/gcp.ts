import type { Attributes } from '../../../pipeline/model.js';
import { putter, type DetectContext } from './detector.js';
import { MetadataError, fetchMetadata } from './metadata-http.js';

export const GCP_DEFAULT_ENDPOINT = 'http://metadata.google.internal';

/** The metadata server: GCE_METADATA_HOST (as Google's client libraries read it), else the internal name. */
export function gcpEndpoint(env: NodeJS.ProcessEnv): string {
  return env.GCE_METADATA_HOST ? `http://${env.GCE_METADATA_HOST}` : GCP_DEFAULT_ENDPOINT;
}

const last = (path: string | undefined) => path?.split('/').pop();
/** us-central1-a → us-central1 */
const regionOf = (zone: string | undefined) => (zone && /-[a-z]$/.test(zone) ? zone.replace(/-[a-z]$/, '') : zone);

/**
 * Google Cloud from the metadata server (header `Metadata-Flavor: Google`): Compute Engine, and
 * GKE when Kubernetes runs the process. Off Google Cloud (no answer), nothing.
 */
export async function detectGcp(ctx: DetectContext): Promise<Attributes> {
  const out: Attributes = new Map();
  const base = ctx.environment.gcpEndpoint;
  const get = (path: string) =>
    fetchMetadata({ url: `${base}/computeMetadata/v1/${path}`, headers: { 'Metadata-Flavor': 'Google' }, signal: ctx.signal }).then((t) => t.trim());
  const optional = (path: string) => get(path).catch((err) => (err instanceof MetadataError && err.status === 404 ? undefined : Promise.reject(err)));
  let projectId: string;
  try {
    projectId = await get('project/project-id');
  } catch (err) {
    if (err instanceof MetadataError && err.status === undefined) return out; // nobody answers: not on Google Cloud
    throw err;
  }
  const put = putter(ctx, out);
  put('cloud.provider', 'gcp');
  put('cloud.account.id', projectId);
  const env = ctx.environment.env;
  if (env.KUBERNETES_SERVICE_HOST) {
    const location = await optional('instance/attributes/cluster-location');
    put('cloud.platform', 'gcp_kubernetes_engine');
    // a regional cluster's location is a region, a zonal one's a zone
    if (location && /-[a-z]$/.test(location)) put('cloud.availability_zone', location);
    else put('cloud.region', location);
    put('k8s.cluster.name', await optional('instance/attributes/cluster-name'));
    put('host.id', await optional('instance/id'));
    put('host.name', await optional('instance/name'));
    return out;
  }
  const zone = last(await optional('instance/zone'));
  put('cloud.platform', 'gcp_compute_engine');
  put('cloud.availability_zone', zone);
  put('cloud.region', regionOf(zone));
  put('host.id', await optional('instance/id'));
  put('host.name', await optional('instance/name'));
  put('host.type', last(await optional('instance/machine-type')));
  return out;
}
