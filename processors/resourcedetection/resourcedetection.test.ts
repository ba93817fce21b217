/**
 * The detectors against stand-ins on loopback: HTTP servers answering as the EC2, GCP and Azure
 * metadata services document it (a mock of each cloud API, serving their documented paths,
 * headers and example documents), a unix socket answering as the Docker Engine's /info, and a
 * directory holding etc/machine-id. The system detector is checked against the host itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { attrs, newSpan, tracesOf } from '../../pipeline/builders.js';
import type { Attributes } from '../../pipeline/model.js';
import { tempDir } from '../../test/helpers.js';
import { fakeCtx, recorder } from '../internal/testing.js';
import { validateResourceDetectionConfig } from './config.js';
import { createResourceDetectionProcessor, defaultEnvironment, detectResource, type DetectionEnvironment, type ResourceDetectionConfig } from './index.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function standIn(handler: Handler, socketPath?: string): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  if (socketPath) {
    await new Promise<void>((r) => server.listen(socketPath, r));
    return socketPath;
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const json = (res: ServerResponse, body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

function environment(p: Partial<DetectionEnvironment> = {}): DetectionEnvironment {
  // nothing is found unless a test points a detector somewhere: closed loopback ports, no socket
  return { env: {}, rootPath: tempDir(), ec2Endpoint: 'http://127.0.0.1:1', gcpEndpoint: 'http://127.0.0.1:1', azureEndpoint: 'http://127.0.0.1:1', dockerSocket: '/nonexistent/docker.sock', ...p };
}

async function detect(config: ResourceDetectionConfig, env: DetectionEnvironment, timeoutMs = 2000) {
  const warnings: string[] = [];
  const found = await detectResource(config, env, timeoutMs, (d, m) => warnings.push(`${d}: ${m}`));
  return { found: Object.fromEntries(found), warnings };
}

describe('env detector', () => {
  it('reads OTEL_RESOURCE_ATTRIBUTES, percent-decoded', async () => {
    const r = await detect({ detectors: ['env'] }, environment({ env: { OTEL_RESOURCE_ATTRIBUTES: 'service.name=checkout, deployment.environment=prod,team=a%2Cb%20c' } }));
    expect(r.found).toEqual({ 'service.name': 'checkout', 'deployment.environment': 'prod', team: 'a,b c' });
  });

  it('a malformed list is a warning and contributes nothing', async () => {
    const r = await detect({ detectors: ['env'] }, environment({ env: { OTEL_RESOURCE_ATTRIBUTES: 'a=1,oops' } }), 150);
    expect(r.found).toEqual({});
    expect(r.warnings).toEqual(['env: OTEL_RESOURCE_ATTRIBUTES: "oops" is not key=value']);
  });
});

describe('system detector', () => {
  it('host.name from the OS and os.type by default; the rest behind their switches', async () => {
    const r = await detect({ detectors: ['system'], system: { hostname_sources: ['os'] } }, environment());
    expect(r.found).toEqual({ 'host.name': hostname(), 'os.type': 'linux' });
  });

  it('host.id from etc/machine-id, host.arch and the CPU when enabled', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc', 'machine-id'), '0123456789abcdef0123456789abcdef\n');
    mkdirSync(join(root, 'proc'));
    writeFileSync(join(root, 'proc', 'cpuinfo'), 'processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R)\nstepping\t: 7\ncache size\t: 36608 KB\n\nprocessor\t: 1\nvendor_id\t: Other\n');
    const on = { enabled: true };
    const config: ResourceDetectionConfig = {
      detectors: ['system'],
      system: {
        hostname_sources: ['os'],
        resource_attributes: { 'host.id': on, 'host.arch': on, 'host.cpu.vendor.id': on, 'host.cpu.family': on, 'host.cpu.model.id': on, 'host.cpu.model.name': on, 'host.cpu.stepping': on, 'host.cpu.cache.l2.size': on, 'os.type': { enabled: false } },
      },
    };
    const r = await detect(config, environment({ rootPath: root }));
    expect(r.found).toEqual({
      'host.name': hostname(),
      'host.id': '0123456789abcdef0123456789abcdef',
      'host.arch': { x64: 'amd64', arm64: 'arm64' }[arch() as 'x64'] ?? expect.any(String),
      'host.cpu.vendor.id': 'GenuineIntel',
      'host.cpu.family': '6',
      'host.cpu.model.id': '85',
      'host.cpu.model.name': 'Intel(R) Xeon(R)',
      'host.cpu.stepping': 7n,
      'host.cpu.cache.l2.size': 36608n,
    });
  });

  it('reads this machine\'s /etc/machine-id by default', async () => {
    const r = await detect({ detectors: ['system'], system: { hostname_sources: ['os'], resource_attributes: { 'host.id': { enabled: true } } } }, defaultEnvironment({}));
    const expected = ['/etc/machine-id', '/var/lib/dbus/machine-id'].filter(existsSync).map((f) => readFileSync(f, 'utf8').trim()).find(Boolean);
    expect(r.found['host.id']).toBe(expected);
  });

  it('hostname sources are tried in order', async () => {
    // "cname" needs a DNS answer this sandbox may not give; "os" always answers
    const r = await detect({ detectors: ['system'], system: { hostname_sources: ['cname', 'os'] } }, environment());
    expect(typeof r.found['host.name']).toBe('string');
  });
});

describe('docker detector', () => {
  it('asks the Engine API\'s /info over the unix socket', async () => {
    const socket = await standIn((req, res) => (req.url === '/info' ? json(res, { Name: 'docker-host-1', OSType: 'linux', ServerVersion: '27.0.3' }) : res.writeHead(404).end()), join(tempDir(), 'docker.sock'));
    const r = await detect({ detectors: ['docker'] }, environment({ dockerSocket: socket }));
    expect(r.found).toEqual({ 'host.name': 'docker-host-1', 'os.type': 'linux' });
  });

  it('without the socket there is nothing to detect, and no warning', async () => {
    const r = await detect({ detectors: ['docker'] }, environment());
    expect(r).toEqual({ found: {}, warnings: [] });
  });
});

/** The instance identity document, as AWS documents its example. */
const EC2_DOCUMENT = {
  accountId: '123456789012',
  architecture: 'x86_64',
  availabilityZone: 'us-west-2b',
  imageId: 'ami-5fb8c835',
  instanceId: 'i-1234567890abcdef0',
  instanceType: 't2.micro',
  privateIp: '10.158.112.84',
  region: 'us-west-2',
};

describe('ec2 detector', () => {
  it('IMDSv2: a token, then the identity document and hostname with it', async () => {
    const seen: string[] = [];
    const endpoint = await standIn((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.method === 'PUT' && req.url === '/latest/api/token' && req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return res.end('TOKEN-1');
      if (req.headers['x-aws-ec2-metadata-token'] !== 'TOKEN-1') return res.writeHead(401).end();
      if (req.url === '/latest/dynamic/instance-identity/document') return json(res, EC2_DOCUMENT);
      if (req.url === '/latest/meta-data/instance-id') return res.end(EC2_DOCUMENT.instanceId);
      if (req.url === '/latest/meta-data/hostname') return res.end('ip-10-158-112-84.us-west-2.compute.internal');
      res.writeHead(404).end();
    });
    const r = await detect({ detectors: ['ec2'] }, environment({ ec2Endpoint: endpoint }));
    expect(r.found).toEqual({
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_ec2',
      'cloud.region': 'us-west-2',
      'cloud.account.id': '123456789012',
      'cloud.availability_zone': 'us-west-2b',
      'host.id': 'i-1234567890abcdef0',
      'host.image.id': 'ami-5fb8c835',
      'host.type': 't2.micro',
      'host.name': 'ip-10-158-112-84.us-west-2.compute.internal',
    });
    expect(seen[0]).toBe('PUT /latest/api/token');
  });

  it('IMDSv1 when no token is issued; switches turn attributes off', async () => {
    const endpoint = await standIn((req, res) => {
      if (req.method !== 'GET') return res.writeHead(404).end();
      if (req.url === '/latest/meta-data/instance-id') return res.end(EC2_DOCUMENT.instanceId);
      if (req.url === '/latest/dynamic/instance-identity/document') return json(res, EC2_DOCUMENT);
      res.writeHead(404).end();
    });
    const r = await detect({ detectors: ['ec2'], ec2: { resource_attributes: { 'cloud.account.id': { enabled: false } } } }, environment({ ec2Endpoint: endpoint }));
    expect(r.found['host.id']).toBe('i-1234567890abcdef0');
    expect(r.found).not.toHaveProperty('cloud.account.id');
    expect(r.found).not.toHaveProperty('host.name');
  });

  it('honours AWS_EC2_METADATA_SERVICE_ENDPOINT, as the AWS SDKs do', () => {
    expect(defaultEnvironment({ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:8111/' }).ec2Endpoint).toBe('http://127.0.0.1:8111');
    expect(defaultEnvironment({}).ec2Endpoint).toBe('http://169.254.169.254');
  });
});

/** The GCE metadata server's paths; it answers only requests with Metadata-Flavor: Google. */
function gcpStandIn(values: Record<string, string>): Handler {
  return (req, res) => {
    if (req.headers['metadata-flavor'] !== 'Google') return res.writeHead(403).end();
    const v = values[(req.url ?? '').replace('/computeMetadata/v1/', '')];
    if (v === undefined) return res.writeHead(404).end();
    res.writeHead(200, { 'Metadata-Flavor': 'Google' }).end(v);
  };
}

describe('gcp detector', () => {
  const gce = {
    'project/project-id': 'my-project',
    'instance/id': '4520031799277581759',
    'instance/name': 'instance-1',
    'instance/zone': 'projects/123456789/zones/us-central1-a',
    'instance/machine-type': 'projects/123456789/machineTypes/e2-medium',
    'instance/attributes/cluster-name': 'prod-cluster',
    'instance/attributes/cluster-location': 'us-central1',
  };

  it('Compute Engine', async () => {
    const endpoint = await standIn(gcpStandIn(gce));
    const r = await detect({ detectors: ['gcp'] }, environment({ gcpEndpoint: endpoint }));
    expect(r.found).toEqual({
      'cloud.provider': 'gcp',
      'cloud.platform': 'gcp_compute_engine',
      'cloud.account.id': 'my-project',
      'cloud.availability_zone': 'us-central1-a',
      'cloud.region': 'us-central1',
      'host.id': '4520031799277581759',
      'host.name': 'instance-1',
      'host.type': 'e2-medium',
    });
  });

  it('GKE when Kubernetes runs the process', async () => {
    const endpoint = await standIn(gcpStandIn(gce));
    const r = await detect({ detectors: ['gcp'] }, environment({ gcpEndpoint: endpoint, env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } }));
    expect(r.found).toMatchObject({ 'cloud.platform': 'gcp_kubernetes_engine', 'cloud.region': 'us-central1', 'k8s.cluster.name': 'prod-cluster' });
  });

  it('honours GCE_METADATA_HOST, as Google\'s client libraries do', () => {
    expect(defaultEnvironment({ GCE_METADATA_HOST: '127.0.0.1:9000' }).gcpEndpoint).toBe('http://127.0.0.1:9000');
  });
});

describe('azure detector', () => {
  it('the compute document, with tags by pattern', async () => {
    const endpoint = await standIn((req, res) => {
      if (req.headers.metadata !== 'true' || !req.url?.startsWith('/metadata/instance/compute?api-version=')) return res.writeHead(400).end();
      json(res, {
        location: 'westeurope',
        name: 'vm-1',
        vmId: '02aab8a4-74ef-476e-8182-f6d2ba4166a6',
        vmSize: 'Standard_D2s_v3',
        subscriptionId: '8d10da13-8125-4ba9-a717-bf7490507b3d',
        resourceGroupName: 'rg-prod',
        vmScaleSetName: '',
        tagsList: [{ name: 'env', value: 'prod' }, { name: 'owner', value: 'team-a' }],
      });
    });
    const r = await detect({ detectors: ['azure'], azure: { tags: ['^env$'] } }, environment({ azureEndpoint: endpoint }));
    expect(r.found).toEqual({
      'cloud.provider': 'azure',
      'cloud.platform': 'azure_vm',
      'host.name': 'vm-1',
      'cloud.region': 'westeurope',
      'host.id': '02aab8a4-74ef-476e-8182-f6d2ba4166a6',
      'cloud.account.id': '8d10da13-8125-4ba9-a717-bf7490507b3d',
      'azure.vm.name': 'vm-1',
      'azure.vm.size': 'Standard_D2s_v3',
      'azure.resourcegroup.name': 'rg-prod',
      'azure.tag.env': 'prod',
    });
  });
});

describe('detection', () => {
  it('off every cloud (nobody answers), the cloud detectors add nothing and warn about nothing', async () => {
    const r = await detect({ detectors: ['ec2', 'gcp', 'azure'] }, environment());
    expect(r).toEqual({ found: {}, warnings: [] });
  });

  it('something else answering at the metadata addresses is no cloud either', async () => {
    const refusing = await standIn((_req, res) => res.writeHead(403).end('Forbidden'));
    const notGoogle = await standIn((_req, res) => res.end('my-project')); // 200, but without Metadata-Flavor: Google
    const r = await detect({ detectors: ['ec2', 'gcp', 'azure'] }, environment({ ec2Endpoint: refusing, gcpEndpoint: notGoogle, azureEndpoint: refusing }));
    expect(r).toEqual({ found: {}, warnings: [] });
  });

  it('what never answers is given up at the timeout; the other detectors still count', async () => {
    const hanging = await standIn(() => undefined);
    const hangingDocker = await standIn(() => undefined, join(tempDir(), 'docker.sock'));
    const r = await detect({ detectors: ['env', 'ec2', 'docker'] }, environment({ ec2Endpoint: hanging, dockerSocket: hangingDocker, env: { OTEL_RESOURCE_ATTRIBUTES: 'a=1' } }), 300);
    expect(r.found).toEqual({ a: '1' });
    // as upstream: an unreachable cloud metadata service means "not on that cloud" (no warning); a Docker socket that exists but never answers is a failure
    expect(r.warnings).toEqual(['docker: timed out after 300ms']);
  });

  it('earlier detectors win; override decides against the data\'s own attributes', async () => {
    const config = (override: boolean): ResourceDetectionConfig => ({ detectors: ['env', 'system'], system: { hostname_sources: ['os'] }, override });
    const env = environment({ env: { OTEL_RESOURCE_ATTRIBUTES: 'host.name=from-env' } });
    const run = async (override: boolean) => {
      const down = recorder<'traces'>();
      const p = createResourceDetectionProcessor(fakeCtx('resourcedetection', ['traces']), config(override), { traces: down.consumer }, { environment: env });
      await p.start();
      const data = tracesOf([newSpan()], { 'host.name': 'from-sdk', 'service.name': 'svc' });
      await p.consumers.traces!.consume(data);
      return down.received[0].resourceSpans[0].resource.attributes as Attributes;
    };
    expect(await run(true)).toEqual(attrs({ 'host.name': 'from-env', 'service.name': 'svc', 'os.type': 'linux' }));
    expect(await run(false)).toEqual(attrs({ 'host.name': 'from-sdk', 'service.name': 'svc', 'os.type': 'linux' }));
  });

  it('config errors name the detector', () => {
    expect(validateResourceDetectionConfig({ detectors: ['env', 'eks', 'bogus'] })).toEqual([
      { path: 'detectors[1]', message: '"eks" is an upstream detector Summit does not have; available: env, system, docker, ec2, gcp, azure' },
      { path: 'detectors[2]', message: '"bogus" is not a detector; available: env, system, docker, ec2, gcp, azure' },
    ]);
  });
});
