/**
 * The codec against an independent implementation: protobufjs driven by a descriptor written
 * separately from the same spec. Both directions, every field of every signal, packed and
 * unpacked repeated scalars, explicit defaults, and unknown fields of every wire type in every
 * message.
 */
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { attrs, metricsOf, newSpan, tracesOf } from '../builders.js';
import { SpanKind, type Metrics, type Signal, type SignalData, type Traces } from '../model.js';
import { decodeSignal, decodeTraces, encodeSignal } from './index.js';
import { MESSAGE, otlpRoot } from './testing/otlp-descriptor.js';
import { fromProtobufjs, toProtobufjs } from './testing/protobufjs-convert.js';
import { randomCases } from './testing/random.js';

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];
const packedRoot = otlpRoot();
const unpackedRoot = otlpRoot({ packed: false });

function pbEncode<S extends Signal>(root: protobuf.Root, signal: S, data: SignalData[S]): Uint8Array {
  const type = root.lookupType(MESSAGE[signal]);
  const message = toProtobufjs[signal](data);
  const problem = type.verify(message);
  if (problem) throw new Error(`protobufjs rejects the test message: ${problem}`);
  return type.encode(message).finish();
}

function pbDecode<S extends Signal>(signal: S, bytes: Uint8Array): SignalData[S] {
  return fromProtobufjs[signal](packedRoot.lookupType(MESSAGE[signal]).decode(bytes));
}

describe.each(SIGNALS)('%s against protobufjs', (signal) => {
  const cases = randomCases(signal, 300);

  it('decodes what protobufjs encodes (300 seeds)', () => {
    for (const { seed, data } of cases) expect(decodeSignal(signal, pbEncode(packedRoot, signal, data)), `seed ${seed}`).toEqual(data);
  });

  it('decodes repeated scalars written unpacked (300 seeds)', () => {
    for (const { seed, data } of cases) expect(decodeSignal(signal, pbEncode(unpackedRoot, signal, data)), `seed ${seed}`).toEqual(data);
  });

  it('encodes what protobufjs decodes to the same model (300 seeds)', () => {
    for (const { seed, data } of cases) expect(pbDecode(signal, encodeSignal(signal, data)), `seed ${seed}`).toEqual(data);
  });

  it('skips unknown fields of every wire type in every message (100 seeds)', () => {
    const type = packedRoot.lookupType(MESSAGE[signal]);
    for (const { seed, data } of cases.slice(0, 100)) {
      const bytes = withUnknownFields(type, pbEncode(packedRoot, signal, data), seed);
      expect(decodeSignal(signal, bytes), `seed ${seed}`).toEqual(data);
    }
  });
});

/** An SDK-like request: shared resource, HTTP server spans, some with events and links. */
function realisticTraces(spans = 512): Traces {
  const list = Array.from({ length: spans }, (_, i) =>
    newSpan({
      traceId: (0x1000n + BigInt(i >> 3)).toString(16).padStart(32, '0'),
      spanId: (0x100n + BigInt(i)).toString(16).padStart(16, '0'),
      parentSpanId: i % 8 === 0 ? '' : (0x100n + BigInt(i - 1)).toString(16).padStart(16, '0'),
      name: `GET /api/v1/items/${i % 20}`,
      kind: SpanKind.Server,
      startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(i) * 1000n,
      endTimeUnixNano: 1_700_000_000_000_500_000n + BigInt(i) * 1000n,
      attributes: attrs({ 'http.request.method': 'GET', 'http.response.status_code': 200, 'server.port': 443, 'url.scheme': 'https' }),
      events: i % 4 ? [] : [{ timeUnixNano: 1_700_000_000_000_100_000n, name: 'exception', attributes: attrs({ 'exception.type': 'Error' }), droppedAttributesCount: 0 }],
      links: i % 16 ? [] : [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceState: 'k=v', attributes: attrs({ n: i }), droppedAttributesCount: 0, flags: 0x301 }],
      status: { code: i % 10 === 0 ? 2 : 0, message: i % 10 === 0 ? 'boom' : '' },
      flags: 0x301,
    }),
  );
  return tracesOf(list, { 'service.name': 'checkout', 'host.name': 'web-7', 'telemetry.sdk.language': 'nodejs' });
}

describe('specific fields against protobufjs', () => {
  it('the realistic 512-span request, both directions', () => {
    const data = realisticTraces();
    expect(decodeTraces(pbEncode(packedRoot, 'traces', data))).toEqual(data);
    expect(pbDecode('traces', encodeSignal('traces', data))).toEqual(data);
  });

  it('Resource.entity_refs (not in the model) is skipped', () => {
    const type = packedRoot.lookupType(MESSAGE.traces);
    const message = toProtobufjs.traces(realisticTraces(2));
    message.resourceSpans[0].resource.entityRefs = [{ schemaUrl: 's', type: 'service', idKeys: ['service.name'], descriptionKeys: ['x'] }];
    expect(decodeTraces(type.encode(message).finish())).toEqual(realisticTraces(2));
  });

  it('uint64 timestamps above 2^53 and at 2^64 - 1 stay exact', () => {
    const data = realisticTraces(1);
    const span = data.resourceSpans[0].scopeSpans[0].spans[0];
    span.startTimeUnixNano = 2n ** 53n + 1n;
    span.endTimeUnixNano = 2n ** 64n - 1n;
    const decoded = decodeTraces(pbEncode(packedRoot, 'traces', data)).resourceSpans[0].scopeSpans[0].spans[0];
    expect(decoded.startTimeUnixNano).toBe(2n ** 53n + 1n);
    expect(decoded.endTimeUnixNano).toBe(2n ** 64n - 1n);
  });

  it('protobufjs really writes the packed and the unpacked forms', () => {
    const histogram: Metrics = metricsOf([
      {
        name: 'h',
        description: '',
        unit: '',
        metadata: new Map(),
        data: {
          type: 'histogram',
          aggregationTemporality: 2,
          dataPoints: [
            {
              attributes: new Map(),
              startTimeUnixNano: 0n,
              timeUnixNano: 0n,
              count: 3,
              sum: undefined,
              bucketCounts: [1, 2],
              explicitBounds: [0.5],
              exemplars: [],
              flags: 0,
              min: undefined,
              max: undefined,
            },
          ],
        },
      },
    ]);
    const hexOf = (root: protobuf.Root) => Buffer.from(pbEncode(root, 'metrics', histogram)).toString('hex');
    // bucket_counts (6): packed = one LEN record of 16 bytes; unpacked = two I64 records.
    expect(hexOf(packedRoot)).toContain('3210' + '0100000000000000' + '0200000000000000');
    expect(hexOf(unpackedRoot)).toContain('310100000000000000' + '310200000000000000');
    for (const root of [packedRoot, unpackedRoot]) expect(decodeSignal('metrics', pbEncode(root, 'metrics', histogram))).toEqual(histogram);
  });

  it('the last member of a oneof on the wire wins', () => {
    // AnyValue with string_value "a" then int_value 5
    const value = [0x0a, 0x01, 0x61, 0x18, 0x05];
    const kv = [0x0a, 0x01, 0x6b, 0x12, value.length, ...value];
    const resource = [0x0a, kv.length, ...kv];
    const rs = [0x0a, resource.length, ...resource];
    const req = Uint8Array.from([0x0a, rs.length, ...rs]);
    expect(decodeTraces(req).resourceSpans[0].resource.attributes.get('k')).toBe(5n);
  });
});

// ---------- unknown-field injection ----------

const varint = (out: number[], n: number) => {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
};

/** One unknown field, rotating through the four wire types a proto3 message may carry. */
function unknownField(out: number[], n: number): void {
  const field = 1000 + (n % 3) * 100000 + (n % 97);
  switch (n % 4) {
    case 0: // varint: uint64 max, 10 bytes
      varint(out, field * 8 + 0);
      out.push(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
      break;
    case 1: // fixed64
      varint(out, field * 8 + 1);
      out.push(1, 2, 3, 4, 5, 6, 7, 8);
      break;
    case 2: // length-delimited, whose bytes look like fields
      varint(out, field * 8 + 2);
      out.push(5, 0x0a, 0x02, 0xff, 0xfe, 0x18);
      break;
    default: // fixed32
      varint(out, field * 8 + 5);
      out.push(9, 8, 7, 6);
  }
}

/**
 * Rewrites `bytes` (a message of `type`) with unknown fields — numbers the type does not
 * define, of every wire type — before, between and after the known ones, recursively in every
 * nested message, AnyValue and KeyValue included.
 */
function withUnknownFields(type: protobuf.Type, bytes: Uint8Array, seed: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  const emit = (f: (out: number[]) => void) => {
    const out: number[] = [];
    f(out);
    chunks.push(Uint8Array.from(out));
  };
  let n = seed;
  emit((out) => unknownField(out, n++));
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const fieldStart = r.pos;
    const tag = r.uint32();
    const field = type.fieldsById[tag >>> 3];
    if ((tag & 7) === 2 && field?.resolvedType instanceof protobuf.Type) {
      const body = withUnknownFields(field.resolvedType, r.bytes(), n);
      emit((out) => {
        varint(out, tag);
        varint(out, body.length);
      });
      chunks.push(body);
    } else {
      r.skipType(tag & 7);
      chunks.push(bytes.subarray(fieldStart, r.pos));
    }
    if (n++ % 2 === 0) emit((out) => unknownField(out, n));
  }
  emit((out) => unknownField(out, n));
  return new Uint8Array(Buffer.concat(chunks));
}
