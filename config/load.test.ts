import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSources } from './load.js';
import { writeYaml } from './testing.js';
import { ConfigError, type ConfigProblem } from './types.js';

function loadError(fn: () => unknown): ConfigProblem[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadSources: one file', () => {
  const file = writeYaml(
    [
      'receivers:', //                        1
      '  otlp:', //                           2
      '    protocols:', //                    3
      '      grpc:', //                       4
      '        endpoint: localhost:4317', //  5
      'exporters:', //                        6
      '  debug:', //                          7
      'service:', //                          8
      '  pipelines:', //                      9
      '    traces:', //                       10
      '      receivers: [otlp]', //           11
      '      exporters:', //                  12
      '        - debug', //                   13
      '        - otlp/2', //                  14
    ].join('\n'),
  );
  const src = loadSources({ files: [file], env: {} });

  it('converts to plain JS, keeping null for an empty value', () => {
    expect(src.value).toEqual({
      receivers: { otlp: { protocols: { grpc: { endpoint: 'localhost:4317' } } } },
      exporters: { debug: null },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['debug', 'otlp/2'] } } },
    });
    expect(src.problems).toEqual([]);
  });

  it('locates keys at their line and column (1-based)', () => {
    expect(src.locate(['receivers', 'otlp', 'protocols', 'grpc', 'endpoint'])).toEqual({ file, line: 5, column: 9 });
    expect(src.locate(['exporters', 'debug'])).toEqual({ file, line: 7, column: 3 });
  });

  it('locates list entries, block and flow', () => {
    expect(src.locate(['service', 'pipelines', 'traces', 'exporters', '1'])).toEqual({ file, line: 14, column: 11 });
    expect(src.locate(['service', 'pipelines', 'traces', 'receivers', '0'])).toEqual({ file, line: 11, column: 19 });
  });

  it('locates a missing path at its nearest existing ancestor', () => {
    expect(src.locate(['exporters', 'debug', 'verbosity'])).toEqual({ file, line: 7, column: 3 });
    expect(src.locate(['nothing', 'here'])).toEqual({ file, line: 1, column: 1 });
  });

  it('gives the directory of the defining file', () => {
    expect(src.dirOf(['receivers', 'otlp'])).toBe(dirname(file));
    expect(src.files).toEqual([file]);
  });
});

describe('loadSources: several files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'summit-merge-'));
  const base = writeYaml(
    [
      'exporters:', //                  1
      '  otlp:', //                     2
      '    endpoint: a:4317', //        3
      '    headers:', //                4
      '      x-one: "1"', //            5
      '    tls:', //                    6
      '      insecure: true', //        7
      'service:', //                    8
      '  pipelines:', //                9
      '    traces:', //                 10
      '      exporters: [otlp, debug, file]', // 11
    ].join('\n'),
    'base.yaml',
    dir,
  );
  const sub = mkdtempSync(join(tmpdir(), 'summit-merge-overlay-'));
  const overlay = writeYaml(
    [
      '# overlay', //                   1
      'exporters:', //                  2
      '  otlp:', //                     3
      '    headers:', //                4
      '      x-two: "2"', //            5
      '    tls: false', //              6
      'service:', //                    7
      '  pipelines:', //                8
      '    traces:', //                 9
      '      exporters: [debug]', //    10
    ].join('\n'),
    'overlay.yaml',
    sub,
  );
  const src = loadSources({ files: [base, overlay], env: {} });

  it('merges maps deeply and replaces lists and scalars', () => {
    expect(src.value.exporters).toEqual({ otlp: { endpoint: 'a:4317', headers: { 'x-one': '1', 'x-two': '2' }, tls: false } });
    expect(src.value.service).toEqual({ pipelines: { traces: { exporters: ['debug'] } } });
  });

  it('keeps each path located in the last file that set it', () => {
    expect(src.locate(['exporters', 'otlp', 'endpoint'])).toEqual({ file: base, line: 3, column: 5 });
    expect(src.locate(['exporters', 'otlp', 'headers', 'x-one'])).toEqual({ file: base, line: 5, column: 7 });
    expect(src.locate(['exporters', 'otlp', 'headers', 'x-two'])).toEqual({ file: overlay, line: 5, column: 7 });
    expect(src.locate(['exporters', 'otlp'])).toEqual({ file: overlay, line: 3, column: 3 });
    expect(src.locate(['service', 'pipelines', 'traces', 'exporters', '0'])).toEqual({ file: overlay, line: 10, column: 19 });
    expect(src.dirOf(['exporters', 'otlp'])).toBe(sub);
  });

  it('forgets positions under a value the later file replaced', () => {
    // tls was a map in base.yaml; the overlay's scalar owns everything beneath it now.
    expect(src.locate(['exporters', 'otlp', 'tls', 'insecure'])).toEqual({ file: overlay, line: 6, column: 5 });
    // The third list entry existed only in the replaced list.
    expect(src.locate(['service', 'pipelines', 'traces', 'exporters', '2'])).toEqual({ file: overlay, line: 10, column: 7 });
  });

  it('lets a later null replace a map, as the Collector does', () => {
    const a = writeYaml('exporters:\n  debug:\n    verbosity: detailed\n');
    const b = writeYaml('exporters:\n  debug:\n');
    expect(loadSources({ files: [a, b], env: {} }).value).toEqual({ exporters: { debug: null } });
  });

  it('treats an empty file as an empty config', () => {
    const a = writeYaml('receivers:\n  otlp:\n');
    const empty = writeYaml('# nothing\n');
    expect(loadSources({ files: [a, empty], env: {} }).value).toEqual({ receivers: { otlp: null } });
  });
});

describe('loadSources: errors', () => {
  it('reports YAML syntax errors of every file at file:line:column', () => {
    const bad1 = writeYaml('receivers:\n  otlp:\n    endpoint: a: b\n');
    const good = writeYaml('exporters:\n  debug:\n');
    const bad2 = writeYaml('a: 1\nb:\n  c: 1\n d: 2\n');
    const problems = loadError(() => loadSources({ files: [bad1, good, bad2], env: {} }));
    const files = new Set(problems.map((p) => p.location?.file));
    expect(files).toEqual(new Set([bad1, bad2]));
    const first = problems.find((p) => p.location?.file === bad1)!;
    expect(first.severity).toBe('error');
    expect(first.location).toMatchObject({ line: 3, column: 15 });
    expect(problems.find((p) => p.location?.file === bad2)!.location).toMatchObject({ line: 4, column: 2 });
    expect(first.message).toMatch(/^YAML syntax:/);
  });

  it('reports a duplicate key', () => {
    const file = writeYaml('exporters:\n  debug:\n  debug:\n');
    const [p] = loadError(() => loadSources({ files: [file], env: {} }));
    expect(p.location).toEqual({ file, line: 3, column: 3 });
    expect(p.message).toMatch(/unique/i);
  });

  it('reports an unreadable file and still reads the others', () => {
    const missing = join(tmpdir(), 'summit-does-not-exist.yaml');
    const bad = writeYaml('a: [\n');
    const problems = loadError(() => loadSources({ files: [missing, bad], env: {} }));
    expect(problems[0]).toMatchObject({ severity: 'error', location: { file: missing, line: 1, column: 1 }, message: 'cannot read config file: no such file' });
    expect(problems.some((p) => p.location?.file === bad)).toBe(true);
  });

  it('rejects a file whose top level is not a map', () => {
    const file = writeYaml('- a\n- b\n');
    const [p] = loadError(() => loadSources({ files: [file], env: {} }));
    expect(p.message).toMatch(/top level .* must be a map/);
    expect(p.location).toEqual({ file, line: 1, column: 1 });
  });

  it('formats the error message as file:line:col lines', () => {
    const file = writeYaml('x: ${file:/etc/passwd}\n');
    expect(() => loadSources({ files: [file], env: {} })).toThrow(`error: ${file}:1:1: x: unsupported reference scheme "file"`);
  });
});

describe('loadSources: expansion', () => {
  const file = writeYaml(
    [
      'receivers:', //                                    1
      '  otlp:', //                                       2
      '    endpoint: ${env:HOST}:${env:PORT}', //         3
      '    port: ${env:PORT}', //                         4
      '    enabled: ${TLS}', //                           5
      '    missing: ${env:NOT_SET}', //                   6
      '    literal: $${env:HOST}', //                     7
      '    list: ["${env:PORT}", "x${env:PORT}"]', //       8
      '    ${env:HOST}: keys are not expanded', //        9
    ].join('\n'),
  );
  const src = loadSources({ files: [file], env: { HOST: 'example', PORT: '4317', TLS: 'true' } });
  const otlp = (src.value.receivers as Record<string, Record<string, unknown>>).otlp;

  it('substitutes into text and types a value that is one reference', () => {
    expect(otlp.endpoint).toBe('example:4317');
    expect(otlp.port).toBe(4317);
    expect(otlp.enabled).toBe(true);
    expect(otlp.list).toEqual([4317, 'x4317']);
    expect(otlp.literal).toBe('${env:HOST}');
    expect(otlp['${env:HOST}']).toBe('keys are not expanded');
  });

  it('remembers the text of typed values', () => {
    expect(src.expandedText(['receivers', 'otlp', 'port'])).toBe('4317');
    expect(src.expandedText(['receivers', 'otlp', 'endpoint'])).toBeUndefined();
  });

  it('warns about an unset variable at its location and expands it to ""', () => {
    expect(otlp.missing).toBe('');
    expect(src.problems).toEqual([
      {
        severity: 'warning',
        location: { file, line: 6, column: 5 },
        componentId: 'receivers::otlp',
        keyPath: 'missing',
        message: 'environment variable "NOT_SET" is not set; it expands to ""',
      },
    ]);
  });

  it('reports a malformed reference and an unknown scheme together, each at its location', () => {
    const bad = writeYaml('a:\n  b: ${env:X\n  c: ${file:secret.txt}\n  d: ${1X}\n');
    const problems = loadError(() => loadSources({ files: [bad], env: {} }));
    expect(problems.map((p) => [p.location?.line, p.keyPath])).toEqual([
      [2, 'a.b'],
      [3, 'a.c'],
      [4, 'a.d'],
    ]);
    expect(problems[0].message).toMatch(/unterminated reference/);
    expect(problems[1].message).toMatch(/unsupported reference scheme "file"/);
    expect(problems[2].message).toMatch(/invalid reference/);
  });

  it('expands a value that came from a later file or a --set flag', () => {
    const a = writeYaml('a: ${env:A}\n');
    const s = loadSources({ files: [a], sets: ['b=${env:A}'], env: { A: '7' } });
    expect(s.value).toEqual({ a: 7, b: 7 });
  });
});

describe('loadSources: --set', () => {
  const file = writeYaml(
    [
      'processors:', //            1
      '  batch:', //               2
      '    timeout: 1s', //        3
      'exporters:', //             4
      '  debug:', //               5
      'service:', //               6
      '  pipelines:', //           7
      '    traces:', //            8
      '      exporters: [otlp]', // 9
    ].join('\n'),
  );
  const src = loadSources({
    files: [file],
    sets: [
      'processors::batch::timeout=2s',
      'service.telemetry.metrics.level=none',
      'service::pipelines::traces::exporters=[debug]',
      'processors::batch::send_batch_size=100',
      'exporters::debug::verbosity=detailed',
      'receivers::otlp/x.y::endpoint=a:1',
    ],
    env: {},
  });
  const v = src.value as any;

  it('sets values parsed as YAML, by :: or . paths', () => {
    expect(v.processors.batch).toEqual({ timeout: '2s', send_batch_size: 100 });
    expect(v.service.telemetry.metrics.level).toBe('none');
    expect(v.service.pipelines.traces.exporters).toEqual(['debug']);
    expect(v.exporters.debug).toEqual({ verbosity: 'detailed' });
    // With "::" in the path, a "." is part of a key.
    expect(v.receivers['otlp/x.y']).toEqual({ endpoint: 'a:1' });
  });

  it('locates what a flag set at --set:<flag number>:1', () => {
    expect(src.locate(['processors', 'batch', 'timeout'])).toEqual({ file: '--set', line: 1, column: 1 });
    expect(src.locate(['service', 'telemetry', 'metrics', 'level'])).toEqual({ file: '--set', line: 2, column: 1 });
    expect(src.locate(['service', 'pipelines', 'traces', 'exporters', '0'])).toEqual({ file: '--set', line: 3, column: 1 });
    expect(src.dirOf(['service', 'telemetry'])).toBe(process.cwd());
  });

  it('leaves the component itself located in its file', () => {
    expect(src.locate(['processors', 'batch'])).toEqual({ file, line: 2, column: 3 });
    expect(src.locate(['exporters', 'debug'])).toEqual({ file, line: 5, column: 3 });
    expect(src.dirOf(['exporters', 'debug'])).toBe(dirname(file));
  });

  it('reads an empty value as null and replaces a scalar on the way', () => {
    const s = loadSources({ files: [file], sets: ['exporters::debug=', 'processors::batch::timeout::x=1'], env: {} });
    expect((s.value as any).exporters.debug).toBeNull();
    expect((s.value as any).processors.batch.timeout).toEqual({ x: 1 });
    expect(s.locate(['processors', 'batch', 'timeout'])).toEqual({ file: '--set', line: 2, column: 1 });
  });

  it('reports every malformed flag with its number', () => {
    const problems = loadError(() => loadSources({ files: [file], sets: ['a=1', 'no-equals-sign', 'a..b=1', 'c=[unclosed'], env: {} }));
    expect(problems.map((p) => p.location)).toEqual([
      { file: '--set', line: 2, column: 1 },
      { file: '--set', line: 3, column: 1 },
      { file: '--set', line: 4, column: 1 },
    ]);
    expect(problems[0].message).toMatch(/expected path=value/);
    expect(problems[1].message).toMatch(/empty segment/);
    expect(problems[2].message).toMatch(/not valid YAML/);
  });

  it('quotes a malformed flag without its secret value or URL credentials', () => {
    const sets = ['exporters::otlphttp::headers::x-honeycomb-team=[hc-secret', 'exporters::otlphttp::endpoint=[https://u:pw-1@h', 'exporters::otlphttp::endpoint:https://u:pw-2@h'];
    const messages = loadError(() => loadSources({ files: [file], sets, env: {} })).map((p) => p.message);
    expect(messages).toEqual([
      'invalid --set "exporters::otlphttp::headers::x-honeycomb-team=[REDACTED]": the value is not valid YAML',
      expect.stringMatching(/^invalid --set "exporters::otlphttp::endpoint=\[https:\/\/\*\*\*@h": the value is not valid YAML: /),
      'invalid --set "exporters::otlphttp::endpoint:https://***@h": expected path=value, e.g. processors::batch::timeout=2s',
    ]);
    expect(messages.join('\n')).not.toMatch(/hc-secret|pw-1|pw-2/);
  });
});

describe('loadSources: YAML features', () => {
  it('resolves anchors and << merge keys, locating merged keys at their definition', () => {
    const file = writeYaml(
      [
        'x-common: &common', // 1
        '  timeout: 5s', //     2
        '  endpoint: a', //     3
        'exporters:', //        4
        '  otlp:', //           5
        '    <<: *common', //   6
        '    endpoint: b', //   7
      ].join('\n'),
    );
    const src = loadSources({ files: [file], env: {} });
    expect((src.value.exporters as any).otlp).toEqual({ timeout: '5s', endpoint: 'b' });
    expect(src.locate(['exporters', 'otlp', 'timeout'])).toEqual({ file, line: 2, column: 3 });
    expect(src.locate(['exporters', 'otlp', 'endpoint'])).toEqual({ file, line: 7, column: 5 });
  });
});
