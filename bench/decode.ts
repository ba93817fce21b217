/**
 * OTLP protobuf decode: Summit's hand-written codec against protobufjs (the decoder the
 * OpenTelemetry JS packages use) followed by the conversion any protobufjs-based receiver needs
 * to reach Summit's model. Both decode the same bytes of a realistic 512-span request.
 */
import { deepStrictEqual } from 'node:assert';
import { decodeTraces, encodeTraces } from '../pipeline/otlpproto/index.js';
import { MESSAGE, otlpRoot } from '../pipeline/otlpproto/testing/otlp-descriptor.js';
import { toProtobufjs, tracesFromProtobufjs } from '../pipeline/otlpproto/testing/protobufjs-convert.js';
import { measure, table, type BenchCase } from './harness.js';
import { syntheticTraces } from './synthetic.js';

const SPANS = 512;
/** Requests per measured run: enough for tens of milliseconds per case. */
const REQUESTS_PER_RUN = 40;

function repeat(name: string, work: () => unknown): BenchCase {
  return {
    name,
    async run() {
      for (let i = 0; i < REQUESTS_PER_RUN; i++) work();
      return REQUESTS_PER_RUN * SPANS;
    },
  };
}

export async function decodeSuite(): Promise<string> {
  const model = syntheticTraces(SPANS);
  // A Buffer, as receivers get from node:http and gRPC: protobufjs then takes its faster
  // Buffer path (native UTF-8 slicing), so the peer is measured at its best.
  const bytes = Buffer.from(encodeTraces(model));
  const type = otlpRoot().lookupType(MESSAGE.traces);
  // Both paths must produce the model before their speed means anything.
  deepStrictEqual(decodeTraces(bytes), model);
  deepStrictEqual(tracesFromProtobufjs(type.decode(bytes)), model);
  deepStrictEqual(decodeTraces(type.encode(toProtobufjs.traces(model)).finish()), model);

  const peer = 'protobufjs decode + convert (peer)';
  const results = await measure([
    repeat('summit decode', () => decodeTraces(bytes)),
    repeat(peer, () => tracesFromProtobufjs(type.decode(bytes))),
    repeat('protobufjs decode only', () => type.decode(bytes)),
    repeat('summit encode', () => encodeTraces(model)),
    repeat('protobufjs convert + encode', () => type.encode(toProtobufjs.traces(model)).finish()),
  ]);
  return table(`OTLP protobuf decode (${SPANS}-span ExportTraceServiceRequest, ${(bytes.length / 1024).toFixed(0)} KiB)`, 'spans', results, peer);
}
