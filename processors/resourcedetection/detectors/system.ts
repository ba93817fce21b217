import { lookup, lookupService, resolveCname, reverse } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { arch, hostname, machine, networkInterfaces, platform, release, type, version } from 'node:os';
import { join } from 'node:path';
import type { Attributes } from '../../../pipeline/model.js';
import { putter, type DetectContext } from './detector.js';

export type HostnameSource = 'dns' | 'os' | 'cname' | 'lookup';
export const HOSTNAME_SOURCES: readonly HostnameSource[] = ['dns', 'os', 'cname', 'lookup'];

/** Node's platform / arch names as OpenTelemetry's os.type / host.arch values. */
const OS_TYPE: Record<string, string> = { win32: 'windows', sunos: 'solaris' };
const HOST_ARCH: Record<string, string> = { x64: 'amd64', ia32: 'x86', arm: 'arm32', ppc64: 'ppc64le', arm64: 'arm64', s390x: 's390x', ppc: 'ppc32' };

export const osType = (p: string = platform()): string => OS_TYPE[p] ?? p;
export const hostArch = (a: string = arch()): string => HOST_ARCH[a] ?? a;

/** The fully qualified name: the canonical name the resolver gives the OS hostname. */
async function fqdn(): Promise<string> {
  const { address } = await lookup(hostname());
  const { hostname: name } = await lookupService(address, 0);
  if (!name) throw new Error('no name for the host address');
  return name;
}

/** The canonical name DNS gives the OS hostname. */
async function cname(): Promise<string> {
  const [name] = await resolveCname(hostname());
  if (!name) throw new Error('no CNAME for the hostname');
  return name.replace(/\.$/, '');
}

/** A name from reverse lookup of the host's IPv4 addresses. */
async function reverseLookup(): Promise<string> {
  const addresses = await lookup(hostname(), { all: true, family: 4 });
  for (const { address } of addresses) {
    const names = await reverse(address).catch(() => [] as string[]);
    if (names.length) return names[0].replace(/\.$/, '');
  }
  throw new Error('no reverse DNS name for the host addresses');
}

const HOSTNAME_BY_SOURCE: Record<HostnameSource, () => Promise<string>> = {
  dns: fqdn,
  os: async () => hostname(),
  cname,
  lookup: reverseLookup,
};

/** The first source that gives a name, in the configured order. */
export async function detectHostname(sources: HostnameSource[]): Promise<string> {
  const problems: string[] = [];
  for (const s of sources) {
    try {
      const name = await HOSTNAME_BY_SOURCE[s]();
      if (name) return name;
    } catch (err) {
      problems.push(`${s}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no hostname source succeeded (${problems.join('; ')})`);
}

async function machineId(root: string): Promise<string | undefined> {
  for (const file of ['etc/machine-id', 'var/lib/dbus/machine-id']) {
    const id = (await readFile(join(root, file), 'utf8').catch(() => '')).trim();
    if (id) return id;
  }
  return undefined;
}

/** The first processor's fields of /proc/cpuinfo. */
async function cpuInfo(root: string): Promise<Map<string, string>> {
  const text = await readFile(join(root, 'proc/cpuinfo'), 'utf8').catch(() => '');
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (fields.size) break;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return fields;
}

function addresses(): { ips: string[]; macs: string[] } {
  const ips: string[] = [];
  const macs = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      ips.push(a.address);
      if (a.mac && a.mac !== '00:00:00:00:00:00') macs.add(a.mac.toUpperCase().replaceAll(':', '-'));
    }
  }
  return { ips, macs: [...macs] };
}

export function systemDetector(hostnameSources: HostnameSource[]) {
  return async (ctx: DetectContext): Promise<Attributes> => {
    const out: Attributes = new Map();
    const put = putter(ctx, out);
    const root = ctx.environment.rootPath;
    if (ctx.enabled('host.name', true)) put('host.name', await detectHostname(hostnameSources));
    put('os.type', osType());
    put('host.id', ctx.enabled('host.id', false) ? await machineId(root) : undefined, false);
    put('host.arch', hostArch(), false);
    put('os.description', `${type()} ${hostname()} ${release()} ${version()} ${machine()}`, false);
    put('os.version', release(), false);
    if (ctx.enabled('host.ip', false) || ctx.enabled('host.mac', false)) {
      const { ips, macs } = addresses();
      put('host.ip', ips.length ? ips : undefined, false);
      put('host.mac', macs.length ? macs : undefined, false);
    }
    const cpuKeys = ['host.cpu.vendor.id', 'host.cpu.family', 'host.cpu.model.id', 'host.cpu.model.name', 'host.cpu.stepping', 'host.cpu.cache.l2.size'];
    if (cpuKeys.some((k) => ctx.enabled(k, false))) {
      const cpu = await cpuInfo(root);
      const int = (v: string | undefined) => (v !== undefined && /^\d+/.test(v) ? BigInt(/^\d+/.exec(v)![0]) : undefined);
      put('host.cpu.vendor.id', cpu.get('vendor_id'), false);
      put('host.cpu.family', cpu.get('cpu family'), false);
      put('host.cpu.model.id', cpu.get('model'), false);
      put('host.cpu.model.name', cpu.get('model name'), false);
      put('host.cpu.stepping', int(cpu.get('stepping')), false);
      // "cache size : 512 KB", reported in KiB as the Collector's gopsutil does
      put('host.cpu.cache.l2.size', int(cpu.get('cache size')), false);
    }
    return out;
  };
}
