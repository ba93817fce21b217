// Real Collector configs (copied from the shared fixtures into test/fixtures/otelcol) must load
// and resolve with no error Summit does not mean to give. First with a permissive component of
// every type they name (the config machinery alone), then with Summit's real components: each
// file validates or fails naming exactly the component types Summit lacks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComponentFactory } from '../pipeline/component.js';
import { SIGNALS, type Signal } from '../pipeline/model.js';
import { ComponentRegistry } from '../pipeline/registry.js';
import { loadSources, type LoadedSources } from '../config/load.js';
import { namedTypes } from '../config/components.js';
import { COMPONENT_SECTIONS, type ComponentSection } from '../config/problems.js';
import { resolveConfig } from '../config/resolve.js';
import { fakeFactory } from '../config/testing.js';
import { ROOT, tempDir, writeFile } from './helpers.js';
import { builtinPlugin } from '../bin/builtin-plugin.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'otelcol');

/** A registry with a permissive factory for every type the config names. */
function registryFor(src: LoadedSources): ComponentRegistry {
  const factories = new Map<string, ComponentFactory>();
  for (const [section, kind] of Object.entries(COMPONENT_SECTIONS)) {
    for (const id of Object.keys((src.value[section as ComponentSection] as object) ?? {})) {
      const type = id.split('/')[0];
      const pairs = SIGNALS.flatMap((a) => SIGNALS.map((b) => [a, b] as [Signal, Signal]));
      factories.set(`${kind}:${type}`, fakeFactory({ kind, type, ...(kind === 'connector' ? { connects: pairs } : {}) }));
    }
  }
  const registry = new ComponentRegistry();
  registry.register({ name: 'fixtures', apiVersion: 1, factories: [...factories.values()] });
  return registry;
}

describe('Collector configs through the config machinery', () => {
  it('the OpenTelemetry demo, base plus observability overlay', () => {
    const src = loadSources({
      files: [join(FIXTURES, 'demo-otelcol-config.yml'), join(FIXTURES, 'demo-otelcol-config-observability.yml')],
      env: { OTEL_COLLECTOR_HOST: 'otel-collector', OTEL_COLLECTOR_PORT_GRPC: '4317', OTEL_COLLECTOR_PORT_HTTP: '4318' },
    });
    const service = src.value.service as any;
    // Lists from the overlay replace, maps merge.
    expect(service.pipelines.traces).toEqual({
      receivers: ['otlp'],
      processors: ['resource_detection', 'memory_limiter', 'transform/sanitize_spans', 'gen_ai_normalizer', 'transform/redact_sensitive_data'],
      exporters: ['debug', 'otlp_grpc/jaeger', 'span_metrics'],
    });
    expect((src.value.receivers as any).otlp.protocols.grpc.endpoint).toBe('otel-collector:4317');
    // Unset variables are warnings, not errors.
    expect(src.problems.every((p) => p.severity === 'warning')).toBe(true);
    expect(src.problems.map((p) => p.message)).toContain('environment variable "POSTGRES_HOST" is not set; it expands to ""');

    const { problems } = resolveConfig(src, registryFor(src));
    const errors = problems.filter((p) => p.severity === 'error');
    // without --feature-gates=service.profilesSupport the profiles pipeline is the only error
    expect(errors.map((e) => e.message)).toEqual(['signal "profiles" is not supported without --feature-gates=service.profilesSupport; supported: traces, metrics, logs']);
    expect(errors[0].location?.file).toMatch(/observability\.yml$/);
    const warnings = problems.filter((p) => p.severity === 'warning').map((p) => `${p.componentId}: ${p.keyPath}`);
    expect(warnings).toEqual(expect.arrayContaining(['service::telemetry: metrics.readers[0].periodic', 'service::telemetry: logs.processors']));
  });

  it('the load-balancing agent', () => {
    const src = loadSources({ files: [join(FIXTURES, 'contrib-loadbalancing-agent.yaml')], env: {} });
    const { config, problems } = resolveConfig(src, registryFor(src));
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(config!.serviceExtensions).toEqual(['pprof', 'zpages', 'health_check']);
    expect(config!.pipelines[0]).toMatchObject({ id: 'logs', signal: 'logs', exporters: ['loadbalancing', 'debug'] });
  });
});

async function missingTypes(files: string[], env: Record<string, string> = {}, featureGates?: ReadonlySet<string>) {
  const registry = new ComponentRegistry();
  registry.register(builtinPlugin);
  const src = loadSources({ files, env });
  await registry.load(namedTypes(src));
  const errors = resolveConfig(src, registry, { featureGates }).problems.filter((p) => p.severity === 'error');
  const unknown = errors.map((e) => /^unknown (\w+) type "([^"]+)"/.exec(e.message)).filter((m) => m !== null).map((m) => `${m![1]} ${m![2]}`);
  const other = errors.filter((e) => !/^unknown \w+ type/.test(e.message)).map((e) => `${e.componentId ?? ''}: ${e.keyPath ?? ''}: ${e.message}`);
  return { unknown: [...new Set(unknown)].sort(), other };
}

describe('Collector configs against Summit’s components', () => {
  const at = (f: string) => join(FIXTURES, f);
  // what the demo's docker-compose sets
  const DEMO_ENV = { OTEL_COLLECTOR_HOST: 'otel-collector', OTEL_COLLECTOR_PORT_GRPC: '4317', OTEL_COLLECTOR_PORT_HTTP: '4318' };
  const PROFILES = expect.stringContaining('signal "profiles" is not supported');

  it('the OpenTelemetry demo: fails naming the types Summit lacks, and its profiles pipeline', async () => {
    const { unknown, other } = await missingTypes([at('demo-otelcol-config.yml')], DEMO_ENV);
    expect(unknown).toEqual([
      'processor gen_ai_normalizer',
      'receiver docker_stats', 'receiver http_check', 'receiver nginx',
      'receiver postgresql', 'receiver redis',
    ]);
    // profiles pipelines need the gate, as upstream; with it, its resource_detection, filter and memory_limiter take them
    expect(other).toEqual([PROFILES]);
    expect((await missingTypes([at('demo-otelcol-config.yml')], DEMO_ENV, new Set(['service.profilesSupport']))).other).toEqual([]);
  });

  it('the demo with its full and observability overlays adds exactly their new types', async () => {
    const base = (await missingTypes([at('demo-otelcol-config.yml')], DEMO_ENV)).unknown;
    const full = (await missingTypes([at('demo-otelcol-config.yml'), at('demo-otelcol-config-full.yml')], DEMO_ENV)).unknown;
    expect(full.filter((t) => !base.includes(t))).toEqual(['receiver kafkametrics']);
    const obs = (await missingTypes([at('demo-otelcol-config.yml'), at('demo-otelcol-config-observability.yml')], DEMO_ENV)).unknown;
    expect(obs.filter((t) => !base.includes(t))).toEqual(['exporter opensearch', 'extension opamp']);
  });

  it('the contrib load-balancing agent: only its fluentforward receiver is missing', async () => {
    const { unknown, other } = await missingTypes([at('contrib-loadbalancing-agent.yaml')]);
    expect(unknown).toEqual(['receiver fluentforward']);
    expect(other).toEqual([]);
  });

  it('the contrib tail-sampling processor config (a processors fragment, wrapped in a pipeline) loads whole', async () => {
    const fragment = readFileSync(at('contrib-tail-sampling-processor.yaml'), 'utf8');
    const pipeline = 'receivers: { nop: }\nexporters: { nop: }\nservice: { pipelines: { traces: { receivers: [nop], processors: [tail_sampling], exporters: [nop] } } }\n';
    const wrapped = writeFile(tempDir(), 'tail.yaml', `processors:\n${fragment.replace(/^/gm, '  ')}\n${pipeline}`);
    const { unknown, other } = await missingTypes([wrapped]);
    expect(unknown).toEqual([]);
    expect(other).toEqual([]);
  });
});
