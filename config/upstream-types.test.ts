import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../bin/load-config.js';
import { formatProblemLine } from './types.js';

async function problems(yaml: string): Promise<{ lines: string[]; config?: unknown }> {
  try {
    const loaded = await loadConfig(['env:C'], [], { env: { C: yaml } });
    return { lines: loaded.problems.map(formatProblemLine), config: loaded.config };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { lines: err.problems.map(formatProblemLine) };
  }
}

const pipeline = (exporter: string, body = '') => `
receivers:
  nop:
exporters:
  ${exporter}:${body}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [nop], exporters: [${exporter}]}
`;

describe("upstream's renamed, removed and contrib-only component types", () => {
  it('loads exporter logging as debug with a warning naming the replacement, its loglevel as verbosity', async () => {
    const r = await problems(pipeline('logging', '\n    logLevel: debug\n    sampling_initial: 3'));
    expect(r.lines).toEqual([
      'warning: env:C:5:3: exporters::logging: exporter type "logging" is deprecated (removed upstream in v0.111.0); loaded as its replacement "debug" (logLevel: debug is verbosity: detailed); rename it to debug',
    ]);
    const config = r.config as { exporters: Map<string, { type: string; config: Record<string, unknown> }> };
    expect(config.exporters.get('logging')).toMatchObject({ type: 'debug', config: { verbosity: 'detailed', sampling_initial: 3 } });
  });

  it('names the replacement of a removed type', async () => {
    const r = await problems(pipeline('jaeger', '\n    endpoint: jaeger:14250'));
    expect(r.lines[0]).toBe(
      'error: env:C:5:3: exporters::jaeger: unknown exporter type "jaeger": removed upstream in v0.85.0: Jaeger takes OTLP itself; use exporter otlp with endpoint <jaeger-host>:4317',
    );
  });

  it('tells a contrib component from a typo, and lists aliases among the known types', async () => {
    const contrib = await problems(pipeline('kafka'));
    expect(contrib.lines[0]).toMatch(/unknown exporter type "kafka": a Collector-contrib component Summit does not have \(yet\); known exporter types: .*otlp \(alias otlp_grpc\)/);
    expect(contrib.lines[0]).not.toContain('did you mean');
    const typo = await problems(pipeline('otlp_htp'));
    expect(typo.lines[0]).toMatch(/unknown exporter type "otlp_htp"; known exporter types: .*\(did you mean "otlp_http"\?\)$/);
  });

  it('says authentication is not supported rather than "unknown key auth"', async () => {
    const r = await problems(pipeline('debug', '\n    auth:\n      authenticator: basicauth'));
    expect(r.lines[0]).toMatch(/^error: env:C:6:5: exporters::debug: auth: authentication \("auth"\) is not supported on this component in Summit; valid keys: verbosity/);
  });
});
