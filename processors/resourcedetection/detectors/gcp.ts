import type { Attributes } from '../../../pipeline/model.js';
import { putter, type DetectContext } from './detector.js';
import { MetadataError, cloudSignal, fetchMetadata, fetchMetadataResponse } from './metadata-http.js';

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
 * GKE when Kubernetes runs the process. As upstream, only a server that answers with the
 * `Metadata-Flavor: Google` header is Google's: otherwise nothing, and no error.
 */
export async function detectGcp(ctx: DetectContext): Promise<Attributes> {
  const out: Attributes = new Map();
  const base = ctx.environment.gcpEndpoint;
  const signal = cloudSignal(ctx.signal);
  const request = (path: string) => ({ url: `${base}/computeMetadata/v1/${path}`, headers: { 'Metadata-Flavor': 'Google' }, signal });
  const get = (path: string) => fetchMetadata(request(path)).then((t) => t.trim());
  const optional = (path: string) => get(path).catch((err) => (err instanceof MetadataError && err.status === 404 ? undefined : Promise.reject(err)));
  const probe = await fetchMetadataResponse(request('project/project-id')).catch(() => undefined);
  if (!probe || probe.headers['metadata-flavor'] !== 'Google') return out;
  const projectId = probe.body.trim();
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
