import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSources } from './load.js';
import { resolveConfig } from './resolve.js';
import { testRegistry, writeYaml } from './testing.js';
import { formatProblemLine, type ConfigProblem } from './types.js';

const registry = testRegistry();

function resolveYaml(lines: string[], opts: { sets?: string[]; env?: Record<string, string> } = {}) {
  const file = writeYaml(lines.join('\n'));
  const src = loadSources({ files: [file], sets: opts.sets, env: opts.env ?? {} });
  const { config, problems } = resolveConfig(src, registry);
  const errors = problems.filter((p) => p.severity === 'error');
  const warnings = problems.filter((p) => p.severity === 'warning');
  return { file, config, problems, errors, warnings };
}

/** A minimal valid service section, for tests about something else. */
const SERVICE = ['service:', '  pipelines:', '    traces:', '      receivers: [otlp]', '      exporters: [debug]'];

describe('resolveConfig: a valid config', () => {
  const { file, config, problems } = resolveYaml([
    'receivers:', //                         1
    '  otlp:', //                            2
    '    protocols:', //                     3
    '      grpc:', //                        4
    'processors:', //                        5
    '  batch/fast:', //                      6
    '    timeout: 1s', //                    7
    'exporters:', //                         8
    '  logging:', //                         9
    '  otlp_grpc/backend:', //               10
    '    endpoint: backend:4317', //         11
    'extensions:', //                        12
    '  health_check:', //                    13
    'service:', //                           14
    '  extensions: [health_check]', //       15
    '  pipelines:', //                       16
    '    traces:', //                        17
    '      receivers: [otlp]', //            18
    '      processors: [batch/fast]', //     19
    '      exporters: [logging, otlp_grpc/backend]', // 20
    '    logs/2:', //                        21
    '      receivers: [otlp]', //            22
    '      exporters: [logging]', //         23
  ]);

  it('has no problems and a config', () => {
    expect(problems).toEqual([]);
    expect(config).toBeDefined();
  });

  it('fills in schema defaults, treating an empty component as {}', () => {
    expect(config!.receivers.get('otlp')!.config).toEqual({ protocols: { grpc: { endpoint: 'localhost:4317' } } });
    expect(config!.exporters.get('logging')!.config).toEqual({ verbosity: 'basic', sampling_initial: 2, sampling_thereafter: 1 });
    expect(config!.processors.get('batch/fast')!.config).toEqual({ timeout: '1s', send_batch_size: 8192, send_batch_max_size: 0 });
    expect(config!.extensions.get('health_check')!.config).toEqual({ endpoint: 'localhost:13133' });
  });

  it('resolves aliases to the primary type and records where each component came from', () => {
    const e = config!.exporters.get('otlp_grpc/backend')!;
    expect(e).toMatchObject({ id: 'otlp_grpc/backend', kind: 'exporter', type: 'otlp', location: { file, line: 10, column: 3 }, configDir: dirname(file) });
    expect(config!.exporters.get('logging')!.type).toBe('debug');
  });

  it('lists pipelines with their signal', () => {
    expect(config!.pipelines).toEqual([
      { id: 'traces', signal: 'traces', receivers: ['otlp'], processors: ['batch/fast'], exporters: ['logging', 'otlp_grpc/backend'], location: { file, line: 17, column: 5 } },
      { id: 'logs/2', signal: 'logs', receivers: ['otlp'], processors: [], exporters: ['logging'], location: { file, line: 21, column: 5 } },
    ]);
    expect(config!.serviceExtensions).toEqual(['health_check']);
  });

  it('defaults telemetry and the shutdown timeout', () => {
    expect(config!.telemetry).toEqual({ metrics: { level: 'normal', address: 'localhost:8888' }, logs: { level: 'info', encoding: 'auto' } });
    expect(config!.shutdownTimeoutMs).toBe(30_000);
  });
});

describe('resolveConfig: misspelt keys', () => {
  it('at the top level, with did-you-mean', () => {
    const { errors, config } = resolveYaml(['recievers:', '  otlp:', ...SERVICE]);
    expect(config).toBeUndefined();
    expect(errors[0]).toMatchObject({
      location: { line: 1, column: 1 },
      keyPath: 'recievers',
      message: 'unknown key "recievers"; valid keys: receivers, processors, exporters, connectors, extensions, service, plugins (did you mean "receivers"?)',
    });
  });

  it('in service', () => {
    const { errors } = resolveYaml(['receivers: {otlp: }', 'exporters: {debug: }', 'service:', '  pipeline:', '    traces: {receivers: [otlp], exporters: [debug]}']);
    expect(errors.map((e) => e.message)).toEqual([
      'service must have at least one pipeline',
      'unknown key "pipeline"; valid keys: extensions, pipelines, telemetry, shutdown_timeout (did you mean "pipelines"?)',
    ]);
    expect(errors[1]).toMatchObject({ componentId: 'service', keyPath: 'pipeline', location: { line: 4, column: 3 } });
  });

  it('inside a component config, at the key', () => {
    const { errors } = resolveYaml(['receivers: {otlp: }', 'exporters:', '  debug:', '    verbosty: detailed', ...SERVICE]);
    expect(errors).toEqual([
      {
        severity: 'error',
        location: { file: expect.any(String), line: 4, column: 5 },
        componentId: 'exporters::debug',
        keyPath: 'verbosty',
        message: 'unknown key "verbosty"; valid keys: verbosity, sampling_initial, sampling_thereafter (did you mean "verbosity"?)',
      },
    ]);
  });
});

describe('resolveConfig: component types and configs', () => {
  it('names an unknown type with the known ones, without validating its body', () => {
    const { errors } = resolveYaml(['receivers: {otlp: }', 'exporters:', '  debug:', '  otlphttp/x:', '    not: [valid, anything]', ...SERVICE]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      componentId: 'exporters::otlphttp/x',
      location: { line: 4, column: 3 },
      message: 'unknown exporter type "otlphttp"; known exporter types: debug (alias logging), otlp (alias otlp_grpc)',
    });
  });

  it('suggests a known type close to the one written', () => {
    const { errors } = resolveYaml(['receivers: {otlp: }', 'exporters: {debug: , otpl: {endpoint: x}}', ...SERVICE]);
    expect(errors[0].message).toBe('unknown exporter type "otpl"; known exporter types: debug (alias logging), otlp (alias otlp_grpc) (did you mean "otlp"?)');
  });

  it('rejects a malformed id', () => {
    const { errors } = resolveYaml(['receivers: {otlp: , "otlp/": , "my receiver": }', 'exporters: {debug: }', ...SERVICE]);
    expect(errors.map((e) => e.message)).toEqual([
      'invalid receiver id "otlp/": expected "type" or "type/name", e.g. otlp or otlp/internal',
      'invalid receiver id "my receiver": expected "type" or "type/name", e.g. otlp or otlp/internal',
    ]);
  });

  it('reports a config that is not a map', () => {
    const { errors } = resolveYaml(['receivers: {otlp: }', 'exporters:', '  debug: 5', ...SERVICE]);
    expect(errors[0]).toMatchObject({ componentId: 'exporters::debug', location: { line: 3 }, message: 'expected a map, got number 5' });
  });

  it('reports a missing required key at the component', () => {
    const { errors } = resolveYaml(['receivers: {otlp: }', 'exporters:', '  debug:', '  otlp:', '    timeout: 5s', ...SERVICE]);
    expect(errors).toEqual([expect.objectContaining({ componentId: 'exporters::otlp', location: expect.objectContaining({ line: 4, column: 3 }), message: 'missing required key "endpoint"' })]);
  });

  it("maps the factory's own validation to the key it names", () => {
    const { errors } = resolveYaml([
      'receivers: {otlp: }',
      'processors:',
      '  batch:',
      '    send_batch_size: 100',
      '    send_batch_max_size: 10',
      'exporters: {debug: }',
      ...SERVICE,
    ]);
    expect(errors).toEqual([expect.objectContaining({ keyPath: 'send_batch_max_size', location: expect.objectContaining({ line: 5 }), message: 'must be at least send_batch_size' })]);
  });

  it('gives a ${env:...} value its text back where the schema wants a string', () => {
    const { config } = resolveYaml(['receivers: {otlp: }', 'exporters:', '  debug:', '  otlp:', '    endpoint: ${env:EP}', ...SERVICE], { env: { EP: '4317' } });
    expect(config!.exporters.get('otlp')!.config).toMatchObject({ endpoint: '4317' });
  });

  it('locates a problem set by a --set flag at --set', () => {
    const { errors } = resolveYaml(['receivers: {otlp: }', 'exporters: {debug: }', ...SERVICE], { sets: ['service.shutdown_timeout=1m', 'exporters::debug::verbosity=loud'] });
    expect(errors).toEqual([
      expect.objectContaining({ location: { file: '--set', line: 2, column: 1 }, componentId: 'exporters::debug', keyPath: 'verbosity' }),
    ]);
    expect(formatProblemLine(errors[0])).toBe(
      'error: --set:2:1: exporters::debug: verbosity: expected one of: basic, normal, detailed; got string "loud"',
    );
  });
});

describe('resolveConfig: pipelines', () => {
  const base = ['receivers:', '  otlp:', '  prometheus:', 'processors:', '  batch:', 'exporters:', '  debug:', '  otlp:', '    endpoint: x'];

  it('reports an undefined component at its list entry, listing the defined ones', () => {
    const { errors } = resolveYaml([
      ...base, //                                   1-9
      'service:', //                                10
      '  pipelines:', //                            11
      '    traces:', //                             12
      '      receivers: [otlp, prometheus]', //     13
      '      processors: [batch, bacth/2]', //      14
      '      exporters: [debug, otlp/2, otlp]', //  15
    ]);
    expect(errors.map((e) => [e.location?.line, e.location?.column, e.keyPath, e.message])).toEqual([
      [13, 25, 'receivers[1]', 'receiver "prometheus" does not support traces; it supports: metrics'],
      [14, 27, 'processors[1]', 'processor "bacth/2" is not defined; defined processors: batch'],
      [15, 26, 'exporters[1]', 'exporter "otlp/2" is not defined; defined exporters: debug, otlp; no connectors defined (did you mean "otlp"?)'],
    ]);
    expect(errors[0].componentId).toBe('service::pipelines::traces');
  });

  it('points out a component listed in the wrong place', () => {
    const { errors } = resolveYaml([...base, 'service:', '  pipelines:', '    metrics:', '      receivers: [prometheus]', '      exporters: [batch]']);
    expect(errors[0].message).toBe(
      'exporter "batch" is not defined; defined exporters: debug, otlp; no connectors defined; "batch" is defined under processors, which cannot be listed in a pipeline\'s exporters',
    );
  });

  it('reports an id listed twice', () => {
    const { errors } = resolveYaml([...base, 'service:', '  pipelines:', '    traces:', '      receivers: [otlp]', '      exporters: [debug, debug]']);
    expect(errors).toEqual([expect.objectContaining({ location: expect.objectContaining({ line: 14, column: 26 }), message: '"debug" is listed twice in exporters' })]);
  });

  it('rejects an unsupported signal and a bad pipeline id', () => {
    const { errors } = resolveYaml([
      ...base,
      'service:',
      '  pipelines:',
      '    profiles:',
      '      receivers: [otlp]',
      '      exporters: [debug]',
      '    trace:',
      '      receivers: [otlp]',
      '      exporters: [debug]',
      '    logs/:',
      '      receivers: [otlp]',
      '      exporters: [debug]',
    ]);
    expect(errors.map((e) => [e.location?.line, e.message])).toEqual([
      [12, 'signal "profiles" is not supported without --feature-gates=service.profilesSupport; supported: traces, metrics, logs'],
      [15, 'signal "trace" is not supported; supported: traces, metrics, logs (did you mean "traces"?)'],
      [18, 'invalid pipeline id "logs/": expected "<signal>" or "<signal>/<name>", e.g. traces or traces/2'],
    ]);
  });

  it('checks the shape of a pipeline', () => {
    const { errors } = resolveYaml([
      ...base,
      'service:', //                    10
      '  pipelines:', //                11
      '    traces:', //                 12
      '      receiver: [otlp]', //      13
      '      exporters: []', //         14
      '    metrics:', //                15
      '      receivers: prometheus', // 16
      '      exporters: [debug, 5]', // 17
      '    logs:', //                   18
    ]);
    expect(errors.map((e) => [e.location?.line, e.componentId, e.message])).toEqual([
      [12, 'service::pipelines::traces', 'missing required key "receivers": a pipeline needs at least one receiver'],
      [13, 'service::pipelines::traces', 'unknown key "receiver"; valid keys: receivers, processors, exporters (did you mean "receivers"?)'],
      [14, 'service::pipelines::traces', 'must list at least one exporter'],
      [16, 'service::pipelines::metrics', 'expected a list of component ids, got string "prometheus"'],
      [17, 'service::pipelines::metrics', 'expected a component id, got number 5'],
      [18, 'service::pipelines::logs', 'missing required key "receivers": a pipeline needs at least one receiver'],
      [18, 'service::pipelines::logs', 'missing required key "exporters": a pipeline needs at least one exporter'],
    ]);
  });

  it('requires at least one pipeline', () => {
    const { errors } = resolveYaml(['receivers: {otlp: }']);
    expect(errors.map((e) => e.message)).toEqual(['service must have at least one pipeline']);
  });

  it('warns about components no pipeline uses, and extensions not enabled', () => {
    const { warnings, config } = resolveYaml([...base, 'extensions:', '  health_check:', 'connectors:', '  forward:', ...SERVICE]);
    expect(config).toBeDefined();
    expect(warnings.map((w) => [w.componentId, w.message])).toEqual([
      ['receivers::prometheus', 'receiver "prometheus" is defined but not used in any pipeline, so it will not run'],
      ['processors::batch', 'processor "batch" is defined but not used in any pipeline, so it will not run'],
      ['exporters::otlp', 'exporter "otlp" is defined but not used in any pipeline, so it will not run'],
      ['extensions::health_check', 'extension "health_check" is defined but not enabled under service.extensions, so it will not run'],
      ['connectors::forward', 'connector "forward" is defined but not used in any pipeline, so it will not run'],
    ]);
  });

  it('requires service.extensions entries to be defined extensions', () => {
    const { errors } = resolveYaml(['extensions: {health_check: }', 'receivers: {otlp: }', 'exporters: {debug: }', 'service:', '  extensions: [health_check, healthcheck, pprof]', '  pipelines:', '    traces: {receivers: [otlp], exporters: [debug]}']);
    expect(errors.map((e) => [e.keyPath, e.message])).toEqual([
      ['extensions[1]', 'extension "healthcheck" is not defined; defined extensions: health_check (did you mean "health_check"?)'],
      ['extensions[2]', 'extension "pprof" is not defined; defined extensions: health_check'],
    ]);
  });
});

describe('resolveConfig: connectors', () => {
  const defs = ['receivers: {otlp: }', 'exporters: {debug: }'];

  it('accepts a connector joining supported signals', () => {
    const { config, problems } = resolveYaml([
      ...defs,
      'connectors: {count: , span_metrics: }',
      'service:',
      '  pipelines:',
      '    traces: {receivers: [otlp], exporters: [count, span_metrics]}',
      '    metrics: {receivers: [count, span_metrics], exporters: [debug]}',
    ]);
    expect(problems).toEqual([]);
    expect(config!.connectors.get('span_metrics')!.type).toBe('spanmetrics');
  });

  it('requires a connector on both sides', () => {
    const { errors } = resolveYaml([...defs, 'connectors:', '  count:', 'service:', '  pipelines:', '    traces: {receivers: [otlp], exporters: [debug, count]}']);
    expect(errors).toEqual([
      expect.objectContaining({
        componentId: 'connectors::count',
        location: expect.objectContaining({ line: 4, column: 3 }),
        message: 'connector "count" is used as an exporter (in traces) but not as a receiver in any pipeline; a connector must be both',
      }),
    ]);
  });

  it('reports an unsupported signal pair on each side, with the supported pairs', () => {
    const { errors } = resolveYaml([
      ...defs, //                                                    1-2
      'connectors: {count: }', //                                    3
      'service:', //                                                 4
      '  pipelines:', //                                             5
      '    metrics/in: {receivers: [otlp], exporters: [count]}', //  6
      '    logs/out: {receivers: [count], exporters: [debug]}', //   7
    ]);
    expect(errors.map((e) => [e.location?.line, e.componentId, e.message])).toEqual([
      [
        6,
        'service::pipelines::metrics/in',
        'connector "count" takes metrics from pipeline "metrics/in", but none of the pipelines it feeds (logs/out) has a signal it makes from metrics; supported pairs: traces -> metrics, logs -> metrics',
      ],
      [
        7,
        'service::pipelines::logs/out',
        'connector "count" feeds pipeline "logs/out" with logs, but none of the pipelines it takes data from (metrics/in) has a signal it turns into logs; supported pairs: traces -> metrics, logs -> metrics',
      ],
    ]);
  });

  it('is satisfied when one of several pipelines on the other side matches', () => {
    const { errors } = resolveYaml([
      ...defs,
      'connectors: {count: }',
      'service:',
      '  pipelines:',
      '    traces: {receivers: [otlp], exporters: [count]}',
      '    logs: {receivers: [otlp], exporters: [count]}',
      '    metrics: {receivers: [count], exporters: [debug]}',
    ]);
    expect(errors).toEqual([]);
  });

  it('names a cycle through connectors', () => {
    const { errors } = resolveYaml([
      ...defs, //                                                                 1-2
      'connectors: {count: , forward: , forward/back: }', //                      3
      'service:', //                                                              4
      '  pipelines:', //                                                          5
      '    traces: {receivers: [otlp, forward/back], exporters: [count]}', //     6
      '    metrics: {receivers: [count], exporters: [forward]}', //               7
      '    metrics/2: {receivers: [forward], exporters: [debug]}', //             8
      '    traces/x: {receivers: [otlp], exporters: [forward/back]}', //          9
      '    logs: {receivers: [otlp], exporters: [debug]}', //                     10
    ]);
    // No cycle yet: metrics/2 does not lead back to traces.
    expect(errors).toEqual([]);
    const cyclic = resolveYaml([
      ...defs,
      'connectors: {count: , forward: , forward/back: }',
      'service:',
      '  pipelines:',
      '    traces: {receivers: [otlp, forward/back], exporters: [count]}', //     6
      '    metrics: {receivers: [count], exporters: [forward]}', //               7
      '    metrics/2: {receivers: [forward], exporters: [debug, forward/back]}', // 8
    ]);
    // forward/back takes metrics and feeds traces: an unsupported pair, so no edge and no cycle...
    expect(cyclic.errors.some((e) => e.message.startsWith('cycle:'))).toBe(false);
  });

  it('finds a cycle of same-signal connectors, and a pipeline feeding itself', () => {
    const { errors } = resolveYaml([
      ...defs, //                                                                        1-2
      'connectors: {forward/a: , forward/b: , forward/self: }', //                       3
      'service:', //                                                                     4
      '  pipelines:', //                                                                 5
      '    traces: {receivers: [otlp, forward/b], exporters: [forward/a]}', //           6
      '    traces/2: {receivers: [forward/a], exporters: [debug, forward/b]}', //        7
      '    logs: {receivers: [otlp, forward/self], exporters: [debug, forward/self]}', // 8
    ]);
    expect(errors.map((e) => [e.location?.line, e.message])).toEqual([
      [6, 'cycle: traces -> connector forward/a -> traces/2 -> connector forward/b -> traces; data would loop through these pipelines forever'],
      [8, 'cycle: logs -> connector forward/self -> logs; data would loop through these pipelines forever'],
    ]);
  });

  it('rejects a connector id that is also a receiver id', () => {
    const { errors } = resolveYaml(['receivers: {otlp: , forward: }', 'exporters: {debug: }', 'connectors: {forward: }', ...SERVICE]);
    expect(errors.some((e) => e.componentId === 'connectors::forward' && e.message.startsWith('ambiguous id "forward"'))).toBe(true);
  });
});

describe('resolveConfig: plugins and shutdown_timeout', () => {
  it('requires plugins to be a list of strings', () => {
    expect(resolveYaml(['plugins: summit-plugin-x', 'receivers: {otlp: }', 'exporters: {debug: }', ...SERVICE]).errors[0].message).toBe(
      'expected a list of npm package names or paths, got string "summit-plugin-x"',
    );
    const { errors, config } = resolveYaml(['plugins: [a, 5]', 'receivers: {otlp: }', 'exporters: {debug: }', ...SERVICE]);
    expect(errors.map((e) => e.keyPath)).toEqual(['plugins[1]']);
    expect(config).toBeUndefined();
  });

  it('reads shutdown_timeout as a duration', () => {
    const ok = resolveYaml(['receivers: {otlp: }', 'exporters: {debug: }', ...SERVICE, '  shutdown_timeout: 1m30s']);
    expect(ok.config!.shutdownTimeoutMs).toBe(90_000);
    const bad = resolveYaml(['receivers: {otlp: }', 'exporters: {debug: }', ...SERVICE, '  shutdown_timeout: 10']);
    expect(bad.errors[0]).toMatchObject({ keyPath: 'shutdown_timeout', message: 'expected a duration, e.g. 200ms, 5s, 1m30s; got number 10' });
  });
});

describe('resolveConfig: every problem at once', () => {
  it('reports three different errors in one run, sorted by position', () => {
    const { errors } = resolveYaml([
      'receivers:', //                              1
      '  otlp:', //                                 2
      'processors:', //                             3
      '  batch:', //                                4
      '    timeout: soon', //                       5
      'exporters:', //                              6
      '  debug:', //                                7
      '  kafka:', //                                8
      'service:', //                                9
      '  pipelines:', //                            10
      '    traces:', //                             11
      '      receivers: [otlp, jaeger]', //         12
      '      processors: [batch]', //               13
      '      exporters: [debug]', //                14
    ]);
    expect(errors.map((e: ConfigProblem) => [e.location?.line, e.componentId])).toEqual([
      [5, 'processors::batch'],
      [8, 'exporters::kafka'],
      [12, 'service::pipelines::traces'],
    ]);
  });

  it('sorts problems of several files in the order the files were given', () => {
    const a = writeYaml('receivers:\n  otlp:\n  zipkin:\n');
    const b = writeYaml('exporters:\n  debug:\n    verbosity: loud\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug]}\n');
    const { problems } = resolveConfig(loadSources({ files: [b, a], env: {} }), registry);
    expect(problems.map((p) => p.location?.file)).toEqual([b, a]);
  });
});
