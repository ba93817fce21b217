import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT, SummitProcess, freePort, runSummit, tempDir, writeFile } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

const VALID = `
receivers:
  nop:
processors:
  batch:
exporters:
  debug:
service:
  pipelines:
    traces:
      receivers: [nop]
      processors: [batch]
      exporters: [debug]
  telemetry:
    metrics:
      level: none
`;

/**
 * The default config's ports moved to free ones and its data (Parquet, issues, Sentry key) to a temporary directory,
 * so tests never collide with a real collector nor write into the checkout.
 */
async function isolatedDefault(): Promise<string[]> {
  const data = tempDir();
  return [
    '--set', `exporters::parquet::path=${data}`,
    '--set', `extensions::issue_store::path=${data}/issues.sqlite`,
    '--set', `connectors::cicd::storage_path=${data}/cicd.sqlite`,
    '--set', `receivers::sentry::project_file=${data}/sentry-project.json`,
    '--set', `receivers::sentry::endpoint=127.0.0.1:${await freePort()}`,
    '--set', `receivers::otlp::protocols::grpc::endpoint=127.0.0.1:${await freePort()}`,
    '--set', `receivers::otlp::protocols::http::endpoint=127.0.0.1:${await freePort()}`,
    '--set', `exporters::prometheus::endpoint=127.0.0.1:${await freePort()}`,
    '--set', `exporters::ui::endpoint=127.0.0.1:${await freePort()}`,
    '--set', `exporters::ui::admin_file=${data}/ui-admin.json`,
    '--set', `exporters::ui::lake=${data}`,
  ];
}

describe('summit command line', () => {
  it('--version prints the package version and exits 0', async () => {
    const r = await runSummit(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`summit version ${pkg.version}`);
  });

  it('--help lists the commands and exit codes', async () => {
    const r = await runSummit(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['validate', 'components', 'print-config', 'Exit codes']) expect(r.stdout).toContain(word);
  });

  it('exits 2 on an unknown command or flag', async () => {
    expect((await runSummit(['frobnicate'])).code).toBe(2);
    const r = await runSummit(['--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option "--no-such-flag"');
  });

  it('validate exits 0 on a good config', async () => {
    const file = writeFile(tempDir(), 'ok.yaml', VALID);
    const r = await runSummit(['validate', '--config', file]);
    expect(r.stderr).toContain('config is valid');
    expect(r.code).toBe(0);
  });

  it('validate exits 1 and prints every error with file and line', async () => {
    const file = writeFile(
      tempDir(),
      'bad.yaml',
      `receivers:
  nop:
processors:
  batch:
    send_batch_sise: 10
exporters:
  debug:
    verbosity: loud
  nosuch:
service:
  pipelines:
    traces:
      receivers: [nop]
      processors: [batch]
      exporters: [debug, missing]
`,
    );
    const r = await runSummit(['validate', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`bad\\.yaml:5:\\d+: .*batch.*send_batch_sise.*did you mean "send_batch_size"`));
    expect(r.stderr).toMatch(/bad\.yaml:8:\d+: .*debug.*verbosity.*basic, normal, detailed/);
    expect(r.stderr).toMatch(/bad\.yaml:9:\d+: .*unknown exporter type "nosuch".*debug.*file.*nop/);
    expect(r.stderr).toMatch(/bad\.yaml:15:\d+: .*missing/);
    expect(r.stderr).toContain('4 config errors');
  });

  it('components lists built-ins and the plugins a config loads', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'with-plugin.yaml', `plugins: [${join(ROOT, 'plugins', 'example')}]\n${VALID}`);
    const r = await runSummit(['components', '--config', file]);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(['TYPE', 'KIND', 'SIGNALS', 'STABILITY', 'PLUGIN']);
    expect(rows).toContainEqual(['batch', 'processor', 'traces,metrics,logs', 'beta', 'summit']);
    expect(rows).toContainEqual(['health_check', 'extension', '-', 'beta', 'summit']);
    expect(rows).toContainEqual(['example_stamp', 'processor', 'traces,metrics,logs', 'development', 'summit-plugin-example']);
  });

  it('validate imports the modules of the components the config names and no other', async () => {
    const dir = tempDir();
    const log = join(dir, 'imports.txt');
    // a module-resolution hook that writes down every module the process imports
    writeFile(dir, 'hooks.mjs', `import { appendFileSync } from 'node:fs';\nexport async function resolve(spec, ctx, next) {\n  const r = await next(spec, ctx);\n  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');\n  return r;\n}\n`);
    const register = writeFile(dir, 'register.mjs', `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
    const config = writeFile(dir, 'c.yaml', 'receivers: { otlp: { protocols: { http: } } }\nprocessors: { batch: }\nexporters: { debug: }\nservice: { pipelines: { traces: { receivers: [otlp], processors: [batch], exporters: [debug] } } }\n');
    const r = await runSummit(['validate', '--config', config], { env: { NODE_OPTIONS: `--import ${pathToFileURL(register).href}` } });
    expect(r.stderr).toBe('config is valid\n');
    const imported = readFileSync(log, 'utf8').split('\n');
    const components = new Set(imported.flatMap((url) => /\/dist\/((?:receivers|processors|exporters|extensions)\/(?!internal\/)[^/]+)\//.exec(url)?.[1] ?? []));
    expect([...components].sort()).toEqual(['exporters/debug', 'processors/batch', 'receivers/otlp']);
    expect(imported.filter((url) => /node_modules\/(@duckdb|better-sqlite3|parquet-wasm|apache-arrow)\//.test(url))).toEqual([]);
  });

  it('print-config shows the merged, expanded config with secrets masked, even when it is invalid', async () => {
    const dir = tempDir();
    const base = writeFile(dir, 'base.yaml', `${VALID}\nextensions:\n  health_check:\n    endpoint: \${env:HC_HOST}:13133\n`);
    const overlay = writeFile(
      dir,
      'overlay.yaml',
      'exporters:\n  datadog:\n    api:\n      key: hunter2\n    headers:\n      Authorization: Bearer abc\nservice:\n  pipelines:\n    traces:\n      exporters: [datadog]\n',
    );
    const r = await runSummit(['print-config', '--config', base, '--config', overlay, '--set', 'processors::batch::timeout=2s'], {
      env: { HC_HOST: '127.0.0.9' },
    });
    expect(r.stdout).toContain('endpoint: 127.0.0.9:13133');
    expect(r.stdout).toContain('timeout: 2s');
    expect(r.stdout).toMatch(/exporters:\s*\n\s*- datadog/);
    expect(r.stdout).not.toContain('hunter2');
    expect(r.stdout).not.toContain('Bearer abc');
    expect(r.stdout.match(/\[REDACTED\]/g)).toHaveLength(2);
    // the problems go to stderr and the exit code says the config is not valid
    expect(r.stderr).toMatch(/overlay\.yaml:2:3: .*unknown exporter type "datadog"/);
    expect(r.code).toBe(1);
  });

  it('print-config masks header values whatever their names, URL credentials and cookies', async () => {
    const secrets = ['hc-key-1', 'dd-key-2', 'sf-tok-3', 'url-pass-4', 'url-user-5', 'cookie-6', 'proxy-7', 'tenant-8', 'env-pass-9'];
    const file = writeFile(
      tempDir(),
      'secrets.yaml',
      `receivers:
  nop:
service:
  pipelines:
    traces: { receivers: [nop], exporters: [otlphttp] }
  telemetry: { metrics: { level: none } }
exporters:
  otlphttp:
    endpoint: https://url-user-5:url-pass-4@otlp.example.com:4318
    traces_endpoint: https://u:\${env:URL_PASS}@traces.example.com/v1/traces
    headers:
      x-honeycomb-team: hc-key-1
      dd-api-key: dd-key-2
      x-sf-token: sf-tok-3
      cookie: session=cookie-6
      proxy-authorization: Basic proxy-7
      x-scope-orgid: tenant-8
`,
    );
    const r = await runSummit(['print-config', '--config', file], { env: { URL_PASS: 'env-pass-9' } });
    expect(r.code).toBe(0);
    for (const secret of secrets) expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout).toContain('endpoint: https://***@otlp.example.com:4318');
    expect(r.stdout).toContain('traces_endpoint: https://***@traces.example.com/v1/traces');
    expect(r.stdout).toContain('x-honeycomb-team: "[REDACTED]"');
  });

  it('runs the embedded default pipeline, reports healthy, and exits 0 on SIGTERM', async () => {
    const [hc, metrics] = [await freePort(), await freePort()];
    const summit = new SummitProcess([
      '--set', `extensions::health_check::endpoint=127.0.0.1:${hc}`,
      '--set', `service::telemetry::metrics::address=127.0.0.1:${metrics}`,
      ...(await isolatedDefault()),
    ]);
    await summit.waitForLog(/Everything is ready/);
    expect((await fetch(`http://127.0.0.1:${hc}/`)).status).toBe(200);
    const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    expect(text).toMatch(/^otelcol_process_memory_rss_bytes \d+/m);
    expect(await summit.stop('SIGTERM')).toBe(0);
    expect(summit.stderr).toContain('Shutdown complete');
  });

  it('logs for a person with logs.encoding console, as JSON lines with json', async () => {
    const config = writeFile(tempDir(), 'c.yaml', VALID);
    for (const encoding of ['console', 'json']) {
      const summit = new SummitProcess(['--config', config, '--set', `service::telemetry::logs::encoding=${encoding}`, '--set', 'service::telemetry::metrics::level=none']);
      await summit.waitForLog(/Everything is ready/);
      expect(await summit.stop('SIGTERM')).toBe(0);
      expect(summit.stderr).toContain('received SIGTERM');
      const ready = summit.stderr.split('\n').find((l) => l.includes('Everything is ready'))!;
      if (encoding === 'console') expect(ready).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Everything is ready/);
      else expect(JSON.parse(ready)).toMatchObject({ level: 30, msg: expect.stringContaining('Everything is ready') });
    }
  });

  it('keeps running until stopped when no component holds a socket or timer open', async () => {
    const summit = new SummitProcess(['--config', writeFile(tempDir(), 'c.yaml', VALID)]);
    await summit.waitForLog(/Everything is ready/);
    await new Promise((r) => setTimeout(r, 500));
    expect(summit.child.exitCode).toBeNull();
    expect(await summit.stop('SIGTERM')).toBe(0);
    expect(summit.stderr).toContain('Shutdown complete');
  });

  it('exits 0 on SIGINT too', async () => {
    const summit = new SummitProcess(['--set', `extensions::health_check::endpoint=127.0.0.1:${await freePort()}`, '--set', 'service::telemetry::metrics::level=none', ...(await isolatedDefault())]);
    await summit.waitForLog(/Everything is ready/);
    expect(await summit.stop('SIGINT')).toBe(0);
  });

  it('exits 3 with a clear message when a component cannot bind its port', async () => {
    const blocker = new SummitProcess(['--set', `extensions::health_check::endpoint=127.0.0.1:${await freePort()}`, '--set', 'service::telemetry::metrics::level=none', ...(await isolatedDefault())]);
    await blocker.waitForLog(/health check on http:\/\/(127\.0\.0\.1:\d+)/);
    const taken = /health check on http:\/\/(127\.0\.0\.1:\d+)/.exec(blocker.stderr)![1];
    const r = await runSummit(['--set', `extensions::health_check::endpoint=${taken}`, '--set', 'service::telemetry::metrics::level=none', ...(await isolatedDefault())]);
    await blocker.stop();
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`extension \\"health_check\\" failed to start: ${taken} is already in use`);
  });

  it('exits 1 when run with an invalid config, starting nothing', async () => {
    const file = writeFile(tempDir(), 'bad.yaml', VALID.replace('exporters: [debug]', 'exporters: [nowhere]'));
    const r = await runSummit(['--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nowhere/);
  });
});
