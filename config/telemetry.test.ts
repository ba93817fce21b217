import { describe, expect, it } from 'vitest';
import { loadSources } from './load.js';
import { resolveConfig } from './resolve.js';
import { testRegistry, writeYaml } from './testing.js';

const registry = testRegistry();

function telemetry(lines: string[]) {
  const text = ['receivers: {otlp: }', 'exporters: {debug: }', 'service:', '  pipelines:', '    traces: {receivers: [otlp], exporters: [debug]}', '  telemetry:', ...lines.map((l) => `    ${l}`)];
  const { config, problems } = resolveConfig(loadSources({ files: [writeYaml(text.join('\n'))], env: {} }), registry);
  return {
    settings: config?.telemetry,
    errors: problems.filter((p) => p.severity === 'error').map((p) => [p.location?.line, p.keyPath, p.message]),
    warnings: problems.filter((p) => p.severity === 'warning').map((p) => [p.location?.line, p.keyPath, p.message]),
  };
}

describe('service.telemetry', () => {
  it('reads levels, address and encoding', () => {
    const { settings, errors } = telemetry(['metrics:', '  level: Detailed', '  address: 0.0.0.0:9999', 'logs:', '  level: debug', '  encoding: json']);
    expect(errors).toEqual([]);
    expect(settings).toEqual({ metrics: { level: 'detailed', address: '0.0.0.0:9999' }, logs: { level: 'debug', encoding: 'json' } });
  });

  it('takes ":8888" (every interface), as net.SplitHostPort does', () => {
    const { settings, errors } = telemetry(['metrics:', '  address: ":8888"']);
    expect(errors).toEqual([]);
    expect(settings!.metrics.address).toBe(':8888');
  });

  it('turns the endpoint off with level none', () => {
    expect(telemetry(['metrics:', '  level: none', '  address: localhost:1']).settings!.metrics).toEqual({ level: 'none', address: null });
  });

  it('takes the address from an upstream Prometheus pull reader', () => {
    const { settings, warnings } = telemetry([
      'metrics:', //                      7
      '  readers:', //                    8
      '    - pull:', //                   9
      '        exporter:', //             10
      '          prometheus:', //         11
      '            host: 0.0.0.0', //     12
      '            port: 8889', //        13
      '            without_units: true', // 14
    ]);
    expect(settings!.metrics.address).toBe('0.0.0.0:8889');
    expect(warnings).toEqual([[14, 'metrics.readers[0].pull.exporter.prometheus.without_units', 'ignored: Summit only takes host and port from this reader']]);
    expect(telemetry(['metrics:', '  readers: [{pull: {exporter: {prometheus: {host: "::1", port: 1}}}}]']).settings!.metrics.address).toBe('[::1]:1');
  });

  it('accepts, with warnings, upstream keys Summit ignores', () => {
    const { settings, errors, warnings } = telemetry([
      'metrics:', //                                    7
      '  readers:', //                                  8
      '    - periodic:', //                             9
      '        exporter: {otlp: {endpoint: x}}', //     10
      'logs:', //                                       11
      '  processors: [{batch: {}}]', //                 12
      'resource: {service.name: x}', //                 13
      'traces: {}', //                                  14
    ]);
    expect(errors).toEqual([]);
    expect(settings!.metrics.address).toBe('localhost:8888');
    expect(warnings.map(([line, key]) => [line, key])).toEqual([
      [9, 'metrics.readers[0].periodic'],
      [12, 'logs.processors'],
      [13, 'resource'],
      [14, 'traces'],
    ]);
    expect(warnings[0][2]).toMatch(/^ignored: Summit does not push its own telemetry/);
    expect(warnings.every(([, , m]) => String(m).startsWith('ignored'))).toBe(true);
  });

  it('rejects unknown keys and values, listing the choices', () => {
    const { errors } = telemetry([
      'metric:', //                       7
      '  level: basic', //                8
      'logs:', //                         9
      '  level: verbose', //              10
      '  encoding: text', //              11
    ]);
    expect(errors).toEqual([
      [7, 'metric', 'unknown key "metric"; valid keys: metrics, logs, resource, traces (did you mean "metrics"?)'],
      [10, 'logs.level', 'expected one of: debug, info, warn, error; got string "verbose"'],
      [11, 'logs.encoding', 'expected one of: json, console; got string "text"'],
    ]);
  });

  it('rejects a bad level, address and reader', () => {
    const { errors } = telemetry([
      'metrics:', //                                            7
      '  level: all', //                                        8
      '  address: 8888', //                                     9
      '  readers:', //                                          10
      '    - push: {}', //                                      11
      '    - pull: {exporter: {otlp: {}}}', //                  12
      '    - pull: {exporter: {prometheus: {port: http}}}', //  13
    ]);
    expect(errors.map(([line, key]) => [line, key])).toEqual([
      [8, 'metrics.level'],
      [9, 'metrics.address'],
      [11, 'metrics.readers[0].push'],
      [12, 'metrics.readers[1].pull.exporter.otlp'],
      [13, 'metrics.readers[2].pull.exporter.prometheus.port'],
    ]);
    expect(errors[0][2]).toBe('expected one of: none, basic, normal, detailed; got string "all"');
  });
});
