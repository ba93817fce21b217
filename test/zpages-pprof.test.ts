import { Profile } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SummitProcess, freePort, tempDir, writeFile } from './helpers.js';

let summit: SummitProcess;
let zpages = '';
let pprof = '';

beforeAll(async () => {
  const [z, p] = [await freePort(), await freePort()];
  zpages = `http://127.0.0.1:${z}`;
  pprof = `http://127.0.0.1:${p}`;
  const config = writeFile(
    tempDir(),
    'summit.yaml',
    `receivers:
  nop:
exporters:
  debug/<script>alert(1)</script>:
extensions:
  zpages:
    endpoint: 127.0.0.1:${z}
  pprof:
    endpoint: 127.0.0.1:${p}
service:
  extensions: [zpages, pprof]
  telemetry: {metrics: {level: none}}
  pipelines:
    traces:
      receivers: [nop]
      exporters: ["debug/<script>alert(1)</script>"]
`,
  );
  summit = new SummitProcess(['--config', config, '--feature-gates=service.profilesSupport']);
  await summit.waitForLog(/Everything is ready/);
}, 20_000);

afterAll(async () => {
  await summit?.stop();
});

const names = (p: Profile) => p.sampleType.map((t) => `${p.stringTable.strings[Number(t.type)]}/${p.stringTable.strings[Number(t.unit)]}`);

describe('zpages and pprof extensions on a running summit', () => {
  it('zpages shows each pipeline component with its live state, config-given names escaped', async () => {
    const res = await fetch(`${zpages}/debug/pipelinez`);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('<td>debug/&lt;script&gt;alert(1)&lt;/script&gt;</td><td>debug</td><td>running</td>');
    expect(html).toContain('<td>traces</td><td>receiver</td><td>nop</td><td>nop</td><td>running</td>');
    expect(html).not.toContain('<script>');
    const extensions = await (await fetch(`${zpages}/debug/extensionz`)).text();
    expect(extensions).toContain('<td>pprof</td><td>pprof</td><td>running</td>');
    const features = await (await fetch(`${zpages}/debug/featurez`)).text();
    expect(features).toContain('<td>service.profilesSupport</td><td>true</td>');
    expect(await (await fetch(`${zpages}/debug/servicez`)).text()).toMatch(/<td>Summit version<\/td><td>\d+\.\d+\.\d+/);
    expect((await fetch(`${zpages}/nope`)).status).toBe(404);
  });

  it('pprof gives a CPU profile and a heap profile of the process in pprof format', async () => {
    const cpu = Profile.decode(new Uint8Array(await (await fetch(`${pprof}/debug/pprof/profile?seconds=1`)).arrayBuffer()));
    expect(names(cpu)).toEqual(['samples/count', 'cpu/nanoseconds']);
    expect(cpu.sample.length).toBeGreaterThan(0);
    const heap = Profile.decode(new Uint8Array(await (await fetch(`${pprof}/debug/pprof/heap`)).arrayBuffer()));
    expect(names(heap)).toEqual(['inuse_objects/count', 'inuse_space/bytes']);
    const bad = await fetch(`${pprof}/debug/pprof/profile?seconds=abc`);
    expect(bad.status).toBe(400);
  });
});
