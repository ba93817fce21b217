import { pino } from 'pino';
import type { ComponentFactory, Consumer, NextConsumers } from '../pipeline/component.js';
import type { ComponentSpec, GraphSpec, PipelineSpec } from '../pipeline/graph.js';
import { cloneData } from '../pipeline/model-ops.js';
import { Service } from '../pipeline/service.js';
import { batchProcessorFactory, batchDefaults } from '../processors/batch/index.js';
import { attributesProcessorFactory } from '../processors/attributes/index.js';
import { nopExporterFactory } from '../exporters/nop/index.js';
import { measure, table, type BenchCase } from './harness.js';
import { syntheticTraces } from './synthetic.js';

export const SPANS_PER_REQUEST = 512;
const REQUESTS = 400;
export const IN_FLIGHT = 16;

/** A receiver that hands the bench a way to push batches, as a real receiver would. */
function benchReceiver(sink: { next?: NextConsumers }): ComponentFactory {
  return {
    type: 'bench', kind: 'receiver', signals: ['traces'], stability: 'development', configSchema: {},
    create(_ctx, _c, next) {
      sink.next = next;
      return {};
    },
  };
}

/**
 * A running in-process service fed by the bench receiver `bench`, exporting to `nop`, with the
 * given pipelines, processors and connectors.
 */
export async function serviceCase(
  name: string,
  pipelines: PipelineSpec[],
  processors: GraphSpec['processors'],
  connectors: GraphSpec['connectors'] = new Map(),
  /** How each request reaches the receiver; default: the prebuilt model as it is. */
  feed: (input: Consumer<'traces'>, i: number) => Promise<void> = (input, i) => input.consume(REQUEST_DATA[i % REQUEST_DATA.length]),
): Promise<{ c: BenchCase; stop: () => Promise<unknown> }> {
  const sink: { next?: NextConsumers } = {};
  const spec: GraphSpec = {
    receivers: new Map([['bench', { id: 'bench', factory: benchReceiver(sink), config: {}, configDir: '.' }]]),
    processors,
    exporters: new Map([['nop', { id: 'nop', factory: nopExporterFactory, config: {}, configDir: '.' }]]),
    connectors,
    extensions: new Map(),
    pipelines,
    serviceExtensions: [],
  };
  const svc = new Service({ spec, logger: pino({ level: 'silent' }), shutdownTimeoutMs: 5000, metricsAddress: null });
  await svc.start();
  const input = sink.next!.traces!;
  return { c: requestsCase(name, (i) => feed(input, i)), stop: () => svc.shutdown() };
}

// Built once: no case mutates what it is given (a mutating branch gets a copy), so reuse is safe
// and the figures are the engine's cost alone.
const REQUEST_DATA = Array.from({ length: 16 }, () => syntheticTraces(SPANS_PER_REQUEST));

function requestsCase(name: string, send: (i: number) => Promise<void>): BenchCase {
  return {
    name,
    async run() {
      // 16 requests in flight (8192 spans = batch's send_batch_size), like concurrent senders
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        inFlight.push(send(i));
        if (inFlight.length === IN_FLIGHT) await Promise.all(inFlight.splice(0));
      }
      await Promise.all(inFlight);
      return REQUESTS * SPANS_PER_REQUEST;
    },
  };
}

/** What the engine costs per span: graph wiring, self-telemetry, batching, fan-out copies. */
export async function pipelineOverheadSuite(): Promise<string> {
  const batch: ComponentSpec = { id: 'batch', factory: batchProcessorFactory, config: { ...batchDefaults, timeout: '5ms' }, configDir: '.' };
  const upsert: ComponentSpec = {
    id: 'attributes', factory: attributesProcessorFactory, configDir: '.',
    config: { actions: [{ key: 'deployment.region', value: 'eu', action: 'upsert' }] },
  };
  const p = (id: string, processors: string[]): PipelineSpec => ({ id, signal: 'traces', receivers: ['bench'], processors, exporters: ['nop'] });
  const copyOnly: BenchCase = requestsCase('deep copy of each request (peer)', async (i) => void cloneData('traces', REQUEST_DATA[i % REQUEST_DATA.length]));
  const batched = await serviceCase('receiver → batch → nop', [p('traces', ['batch'])], new Map([['batch', batch]]));
  const fanned = await serviceCase(
    'receiver → 2 pipelines, one mutating (copy)',
    [p('traces', ['batch']), p('traces/2', ['attributes', 'batch'])],
    new Map([['batch', batch], ['attributes', upsert]]),
  );
  const results = await measure([copyOnly, batched.c, fanned.c]);
  await Promise.all([batched.stop(), fanned.stop()]);
  return table(`pipeline overhead (${SPANS_PER_REQUEST}-span requests, ${IN_FLIGHT} in flight)`, 'spans', results, 'deep copy of each request (peer)');
}
