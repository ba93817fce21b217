import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type LoadedConfig, type LoadOptions } from '../bin/load-config.js';
import { formatProblemLine } from '../config/types.js';
import { runSummit, tempDir, writeFile } from './helpers.js';

const PIPELINE = `
receivers:
  nop:
exporters:
  debug:
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [nop]
      exporters: [debug]
`;

/** Every problem line, or the lines of the ConfigError that stopped the load. */
async function load(configs: string[], opts: LoadOptions = {}): Promise<{ loaded?: LoadedConfig; lines: string[] }> {
  try {
    const loaded = await loadConfig(configs, [], opts);
    return { loaded, lines: loaded.problems.map(formatProblemLine) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { lines: err.problems.map(formatProblemLine) };
  }
}

describe('--config URIs and feature gates', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/collector.yaml') res.end(PIPELINE);
      else res.writeHead(404).end('not here');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('loads env:VAR, and merges yaml: whose keys are :: paths over it', async () => {
    const { loaded, lines } = await load(['env:SUMMIT_CFG', 'yaml:exporters::debug::verbosity: detailed'], { env: { SUMMIT_CFG: PIPELINE } });
    expect(lines).toEqual([]);
    expect(loaded?.config?.exporters.get('debug')?.config).toMatchObject({ verbosity: 'detailed' });
  });

  it('places a problem in an env: source at env:VAR:line:col', async () => {
    const { lines } = await load(['env:SUMMIT_CFG'], { env: { SUMMIT_CFG: PIPELINE.replace('debug:\n', 'debgu:\n') } });
    expect(lines[0]).toMatch(/^error: env:SUMMIT_CFG:5:3: exporters::debgu: unknown exporter type "debgu".*did you mean "debug"/);
  });

  it('loads a file: URI, and names an unset variable or an unknown scheme', async () => {
    const file = writeFile(tempDir(), 'c.yaml', PIPELINE);
    expect((await load([`file:${file}`])).loaded?.config).toBeDefined();
    expect((await load(['env:SUMMIT_NOT_SET_ANYWHERE'], { env: {} })).lines).toEqual([
      'error: --config env:SUMMIT_NOT_SET_ANYWHERE: the environment variable SUMMIT_NOT_SET_ANYWHERE is not set',
    ]);
    expect((await load(['s3://bucket/c.yaml'])).lines[0]).toContain('unsupported scheme "s3:"');
  });

  it('fetches http: only when allowed, and names a server error', async () => {
    expect((await load([`${base}/collector.yaml`])).lines[0]).toContain('allow it with --config-allow-http');
    expect((await load([`${base}/collector.yaml`], { allowHttp: true })).loaded?.config).toBeDefined();
    expect((await load([`${base}/nope.yaml`], { allowHttp: true })).lines[0]).toContain('the server answered 404');
  });

  it('warns on an unknown gate, and with service.profilesSupport judges a profiles pipeline, naming each component that cannot take profiles', async () => {
    const profiles = `${PIPELINE}    profiles:\n      receivers: [nop]\n      processors: [batch]\n      exporters: [debug]\nprocessors:\n  batch:\n`;
    const without = await load(['env:C'], { env: { C: profiles } });
    expect(without.lines.join('\n')).toContain('signal "profiles" is not supported without --feature-gates=service.profilesSupport');
    const gated = await load(['env:C'], { env: { C: profiles }, featureGates: ['service.profilesSupport,made.up'] });
    expect(gated.loaded?.config).toBeUndefined();
    expect(gated.lines).toEqual([
      expect.stringMatching(/^warning: --feature-gates: unknown feature gate "made.up"/),
      'error: env:C:16:20: service::pipelines::profiles: processors[0]: processor "batch" does not support profiles; it supports: traces, metrics, logs',
    ]);
  });
});

describe('the summit command line', () => {
  it('validate and print-config work on the embedded default; mistypes get a suggestion; help and featuregate print', async () => {
    const [validate, print, option, command, help, gates] = await Promise.all([
      runSummit(['validate']),
      runSummit(['print-config']),
      runSummit(['--confg=x.yaml']),
      runSummit(['valdate']),
      runSummit(['help']),
      runSummit(['featuregate']),
    ]);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toContain('config is valid (the embedded default config)');
    expect(print.code).toBe(0);
    expect(print.stdout).toContain('receivers:');
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('unknown option "--confg" (did you mean "--config"?)');
    expect(command.stderr).toContain('unknown command "valdate" (did you mean "validate"?)');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--feature-gates');
    expect(gates.stdout).toMatch(/service\.profilesSupport\s+false\s+alpha/);
  });
});
