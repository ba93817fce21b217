import type { Attributes } from '../../../pipeline/model.js';
import { putter, type DetectContext } from './detector.js';
import { cloudSignal, fetchMetadata, parseJsonObject, str } from './metadata-http.js';

export const AZURE_DEFAULT_ENDPOINT = 'http://169.254.169.254';

/**
 * An Azure VM from the Instance Metadata Service's compute document (header `Metadata: true`).
 * `tags`: regular expressions; matching VM tags become `azure.tag.<name>`.
 */
export function azureDetector(tags: RegExp[]) {
  return async (ctx: DetectContext): Promise<Attributes> => {
    const out: Attributes = new Map();
    const text = await fetchMetadata({
      url: `${ctx.environment.azureEndpoint}/metadata/instance/compute?api-version=2020-09-01&format=json`,
      headers: { Metadata: 'true' },
      signal: cloudSignal(ctx.signal),
    }).catch(() => undefined);
    // as upstream: no compute document (no answer, or something else answering) means not on Azure
    if (text === undefined) return out;
    let c: Record<string, unknown>;
    try {
      c = parseJsonObject(text, 'Azure compute metadata');
    } catch {
      return out;
    }
    const put = putter(ctx, out);
    put('cloud.provider', 'azure');
    put('cloud.platform', 'azure_vm');
    put('host.name', str(c, 'name'));
    put('cloud.region', str(c, 'location'));
    put('host.id', str(c, 'vmId'));
    put('cloud.account.id', str(c, 'subscriptionId'));
    put('azure.vm.name', str(c, 'name'));
    put('azure.vm.size', str(c, 'vmSize'));
    put('azure.vm.scaleset.name', str(c, 'vmScaleSetName'));
    put('azure.resourcegroup.name', str(c, 'resourceGroupName'));
    if (tags.length && Array.isArray(c.tagsList)) {
      for (const t of c.tagsList as { name?: unknown; value?: unknown }[]) {
        if (typeof t?.name === 'string' && typeof t.value === 'string' && tags.some((re) => re.test(t.name as string))) out.set(`azure.tag.${t.name}`, t.value);
      }
    }
    return out;
  };
}
