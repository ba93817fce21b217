// Helpers for config/*.test.ts: temp YAML files and a registry of fake components.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ComponentFactory, JSONSchema } from '../pipeline/component.js';
import { durationSchema } from '../pipeline/duration.js';
import type { Signal } from '../pipeline/model.js';
import { ComponentRegistry } from '../pipeline/registry.js';
import { objectSchema } from './schema-helpers.js';

/** Writes `text` to a new file in a fresh temp directory and returns its path. */
export function writeYaml(text: string, name = 'config.yaml', dir = mkdtempSync(join(tmpdir(), 'summit-config-'))): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export function fakeFactory(over: Partial<ComponentFactory> & Pick<ComponentFactory, 'kind' | 'type'>): ComponentFactory {
  return {
    stability: 'beta',
    configSchema: { type: 'object' },
    create: () => ({}),
    ...(over.kind === 'connector' || over.kind === 'extension' ? {} : { signals: ['traces', 'metrics', 'logs'] as Signal[] }),
    ...over,
  };
}

const ALL: Signal[] = ['traces', 'metrics', 'logs'];

export const debugSchema: JSONSchema = objectSchema({
  verbosity: { type: 'string', enum: ['basic', 'normal', 'detailed'], default: 'basic' },
  sampling_initial: { type: 'integer', minimum: 1, default: 2 },
  sampling_thereafter: { type: 'integer', minimum: 1, default: 1 },
});

/** receivers otlp, prometheus (metrics only); processors batch; exporters debug (alias logging), otlp; connectors count, forward, spanmetrics; extension health_check. */
export function testRegistry(): ComponentRegistry {
  const registry = new ComponentRegistry();
  registry.register({
    name: 'test',
    apiVersion: 1,
    factories: [
      fakeFactory({
        kind: 'receiver',
        type: 'otlp',
        configSchema: objectSchema({
          protocols: objectSchema({
            grpc: objectSchema({ endpoint: { type: 'string', default: 'localhost:4317' } }),
            http: objectSchema({ endpoint: { type: 'string', default: 'localhost:4318' } }),
          }),
        }),
      }),
      fakeFactory({ kind: 'receiver', type: 'prometheus', signals: ['metrics'] }),
      fakeFactory({
        kind: 'processor',
        type: 'batch',
        configSchema: objectSchema({
          timeout: durationSchema('200ms'),
          send_batch_size: { type: 'integer', minimum: 0, default: 8192 },
          send_batch_max_size: { type: 'integer', minimum: 0, default: 0 },
        }),
        validate: (c: { send_batch_size: number; send_batch_max_size: number }) =>
          c.send_batch_max_size !== 0 && c.send_batch_max_size < c.send_batch_size
            ? [{ path: 'send_batch_max_size', message: 'must be at least send_batch_size' }]
            : [],
      }),
      fakeFactory({ kind: 'exporter', type: 'debug', aliases: ['logging'], configSchema: debugSchema }),
      fakeFactory({
        kind: 'exporter',
        type: 'otlp',
        aliases: ['otlp_grpc'],
        configSchema: objectSchema(
          {
            endpoint: { type: 'string' },
            headers: { type: 'object', additionalProperties: { type: 'string' } },
            timeout: durationSchema('5s'),
            compression: { oneOf: [{ type: 'string', enum: ['gzip', 'zstd', 'none'] }, { type: 'boolean' }] },
          },
          ['endpoint'],
        ),
      }),
      fakeFactory({ kind: 'connector', type: 'count', connects: [['traces', 'metrics'], ['logs', 'metrics']] }),
      fakeFactory({ kind: 'connector', type: 'forward', connects: ALL.map((s) => [s, s] as [Signal, Signal]) }),
      fakeFactory({ kind: 'connector', type: 'spanmetrics', aliases: ['span_metrics'], connects: [['traces', 'metrics']] }),
      fakeFactory({ kind: 'extension', type: 'health_check', configSchema: objectSchema({ endpoint: { type: 'string', default: 'localhost:13133' } }) }),
    ],
  });
  return registry;
}
