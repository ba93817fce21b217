/**
 * A running summit with `resource_detection` (upstream's other spelling) in its traces pipeline,
 * started with OTEL_RESOURCE_ATTRIBUTES and GCE_METADATA_HOST pointing at a loopback stand-in of
 * the GCE metadata server: a span sent over OTLP/HTTP comes out of the file exporter carrying
 * what was detected, with the sender's own attributes kept where override is off.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SummitProcess, freePort, tempDir, writeFile } from '../../test/helpers.js';

let summit: SummitProcess | undefined;
let metadata: Server | undefined;
afterAll(async () => {
  await summit?.stop();
  await new Promise((r) => metadata?.close(r));
});

it('detects at start and stamps every resource', async () => {
  const values: Record<string, string> = {
    'project/project-id': 'demo-project',
    'instance/id': '1234567890',
    'instance/name': 'vm-demo',
    'instance/zone': 'projects/1/zones/europe-west1-b',
    'instance/machine-type': 'projects/1/machineTypes/n2-standard-4',
  };
  metadata = createServer((req, res) => {
    const v = req.headers['metadata-flavor'] === 'Google' ? values[(req.url ?? '').replace('/computeMetadata/v1/', '')] : undefined;
    if (v === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'Metadata-Flavor': 'Google' }).end(v);
  });
  await new Promise<void>((r) => metadata!.listen(0, '127.0.0.1', r));
  const metadataHost = `127.0.0.1:${(metadata.address() as { port: number }).port}`;

  const dir = tempDir('summit-resourcedetection-');
  const port = await freePort();
  const out = join(dir, 'traces.jsonl');
  const config = writeFile(
    dir,
    'summit.yaml',
    `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
processors:
  resource_detection:
    detectors: [env, gcp, system]
    timeout: 3s
    override: false
    system:
      hostname_sources: [os]
exporters:
  file:
    path: ${out}
    flush_interval: 10ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [resource_detection]
      exporters: [file]
`,
  );
  summit = new SummitProcess(['--config', config], { env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=staging', GCE_METADATA_HOST: metadataHost } });
  await summit.waitForLog(/Everything is ready/, 40_000);

  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }, { key: 'host.name', value: { stringValue: 'pod-7' } }] },
        scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 's', kind: 2, startTimeUnixNano: '1', endTimeUnixNano: '2' }] }],
      },
    ],
  };
  const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  const deadline = Date.now() + 20_000;
  while (!(existsSync(out) && readFileSync(out, 'utf8').includes('\n')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const line = JSON.parse(readFileSync(out, 'utf8').split('\n')[0]);
  const resource = Object.fromEntries(line.resourceSpans[0].resource.attributes.map((kv: any) => [kv.key, kv.value.stringValue]));
  expect(resource).toEqual({
    'service.name': 'checkout',
    'host.name': 'pod-7', // the sender's own, kept: override is off (gcp found vm-demo, system this host's name)
    'deployment.environment': 'staging',
    'cloud.provider': 'gcp',
    'cloud.platform': 'gcp_compute_engine',
    'cloud.account.id': 'demo-project',
    'cloud.availability_zone': 'europe-west1-b',
    'cloud.region': 'europe-west1',
    'host.id': '1234567890',
    'host.type': 'n2-standard-4',
    'os.type': 'linux',
  });
  expect(hostname()).not.toBe('pod-7');
}, 60_000);
