import type { Consumer } from '../pipeline/component.js';
import type { ComponentSpec, PipelineSpec } from '../pipeline/graph.js';
import { decodeSignal, encodeSignal } from '../pipeline/otlpproto/index.js';
import { batchDefaults, batchProcessorFactory } from '../processors/batch/index.js';
import { spanMetricsConnectorFactory } from '../processors/spanmetrics/index.js';
import { measure, table } from './harness.js';
import { IN_FLIGHT, SPANS_PER_REQUEST, serviceCase } from './pipeline-overhead.js';
import { syntheticTraces } from './synthetic.js';

const BODIES = Array.from({ length: 16 }, (_, seed) => encodeSignal('traces', syntheticTraces(SPANS_PER_REQUEST, 'realistic', seed)));

/** Each request is decoded from OTLP protobuf on the way in, as the otlp receiver does. */
const decodeAndSend = (input: Consumer<'traces'>, i: number) => input.consume(decodeSignal('traces', BODIES[i % BODIES.length]));

/**
 * What deriving RED metrics costs: the same traces pipeline, decoding included, with and
 * without spanmetrics.
 */
export async function spanmetricsSuite(): Promise<string> {
  const batch: ComponentSpec = { id: 'batch', factory: batchProcessorFactory, config: { ...batchDefaults }, configDir: '.' };
  const spanmetrics: ComponentSpec = { id: 'spanmetrics', factory: spanMetricsConnectorFactory, config: {}, configDir: '.' };
  const traces = (exporters: string[]): PipelineSpec => ({ id: 'traces', signal: 'traces', receivers: ['bench'], processors: ['batch'], exporters });
  const metrics: PipelineSpec = { id: 'metrics', signal: 'metrics', receivers: ['spanmetrics'], processors: [], exporters: ['nop'] };
  const without = await serviceCase('decode → batch → nop (peer)', [traces(['nop'])], new Map([['batch', batch]]), new Map(), decodeAndSend);
  const withIt = await serviceCase(
    'decode → batch → nop + spanmetrics → metrics → nop',
    [traces(['nop', 'spanmetrics']), metrics],
    new Map([['batch', batch]]),
    new Map([['spanmetrics', spanmetrics]]),
    decodeAndSend,
  );
  const results = await measure([without.c, withIt.c]);
  await Promise.all([without.stop(), withIt.stop()]);
  return table(`spanmetrics (${SPANS_PER_REQUEST}-span requests, ${IN_FLIGHT} in flight, default dimensions)`, 'spans', results, 'decode → batch → nop (peer)');
}
