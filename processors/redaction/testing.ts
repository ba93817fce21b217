/** Test support for the redaction processor's unit tests (not used by production code). */
import { Ajv } from 'ajv';
import type { ComponentInstance } from '../../pipeline/component.js';
import type { Signal, SignalData } from '../../pipeline/model.js';
import { fakeCtx, recorder } from '../internal/testing.js';
import { configSchema, type RedactionConfig } from './config.js';
import { redactionProcessorFactory } from './index.js';

const withDefaults = new Ajv({ useDefaults: true, strict: false, allErrors: true }).compile(configSchema);

/** A config as the service hands it over: schema defaults filled in; throws on a schema problem. */
export function redactionConfig(partial: Record<string, unknown> = {}): RedactionConfig {
  const config = structuredClone(partial);
  if (!withDefaults(config)) throw new Error(withDefaults.errors!.map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('; '));
  return config as unknown as RedactionConfig;
}

/** The processor for one signal, feeding a recorder; `consume` resolves once the batch went downstream. */
export function redactionProcessor<S extends Signal>(signal: S, partial: Record<string, unknown> = {}) {
  const down = recorder<S>();
  const instance = redactionProcessorFactory.create(fakeCtx('redaction', [signal]), redactionConfig(partial), { [signal]: down.consumer }) as ComponentInstance;
  return { instance, received: down.received, consume: (data: SignalData[S]) => instance.consumers![signal]!.consume(data as never) };
}
