/**
 * Decode limits: a request is counted while it is read, and refused at the limit before what
 * lies beyond it is built — 2-byte empty spans must not become gigabytes of model first.
 */
import { describe, expect, it } from 'vitest';
import type { Signal } from '../model.js';
import { DecodeLimitError, decodeSignal, decodeTraces, encodeSignal, type DecodeLimits } from './index.js';
import { decodedSize } from './testing/decoded-size.js';
import { randomCases } from './testing/random.js';

const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};

/** A length-delimited field: `tag`, the length of the parts, the parts. */
const field = (tag: number, ...parts: Uint8Array[]): Uint8Array => Buffer.concat([Uint8Array.from([tag, ...varint(parts.reduce((n, p) => n + p.length, 0))]), ...parts]);

/** ExportTraceServiceRequest { ResourceSpans { ScopeSpans { n × empty Span } } }: 2 bytes a span. */
function emptySpans(n: number): { bytes: Uint8Array; firstSpanAt: number } {
  const spans = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) spans[2 * i] = 0x12;
  const bytes = field(0x0a, field(0x12, spans));
  return { bytes, firstSpanAt: bytes.length - spans.length };
}

function refusal(decode: () => unknown): DecodeLimitError {
  try {
    decode();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeLimitError);
    return err as DecodeLimitError;
  }
  throw new Error('decoded without hitting the limit');
}

const only = (l: Partial<DecodeLimits>): DecodeLimits => ({ maxItems: Infinity, maxValues: Infinity, ...l });

describe('decode limits (protobuf)', () => {
  it('refuses two million empty spans at the limit, without reading past it', () => {
    const { bytes, firstSpanAt } = emptySpans(2_000_000);
    const err = refusal(() => decodeTraces(bytes, only({ maxItems: 1000 })));
    expect(err).toMatchObject({ limit: 'items', max: 1000 });
    // The resource and scope entries count too: 998 spans fit, the 999th is refused as its tag is read.
    expect(err.where).toBe(`at byte ${firstSpanAt + 998 * 2 + 1}`);
    expect(err.message).toBe(`more than 1000 items in one request (at byte ${firstSpanAt + 998 * 2 + 1})`);
  });

  it('refuses an attribute holding a million empty array elements at the values limit', () => {
    const elements = new Uint8Array(2_000_000);
    for (let i = 0; i < elements.length; i += 2) elements[i] = 0x0a; // ArrayValue.values = 1, empty AnyValue
    // Span.attributes = 9 { key = 1 "a", value = 2 AnyValue { array_value = 5 { ... } } }
    const kv = field(0x4a, Uint8Array.from([0x0a, 0x01, 0x61]), field(0x12, field(0x2a, elements)));
    const err = refusal(() => decodeTraces(field(0x0a, field(0x12, field(0x12, kv))), only({ maxValues: 5000 })));
    expect(err).toMatchObject({ limit: 'values', max: 5000 });
  });

  it.each(['traces', 'metrics', 'logs'] as Signal[])('%s: counts every record and value, exactly at the limit', (signal) => {
    let checked = 0;
    for (const { seed, data } of randomCases(signal, 60)) {
      const bytes = encodeSignal(signal, data);
      const { items, values } = decodedSize(signal, data);
      expect(decodeSignal(signal, bytes, { maxItems: items, maxValues: values }), `seed ${seed}`).toEqual(data);
      if (items > 0) expect(refusal(() => decodeSignal(signal, bytes, only({ maxItems: items - 1 }))).limit).toBe('items');
      if (values > 0) expect(refusal(() => decodeSignal(signal, bytes, only({ maxValues: values - 1 }))).limit).toBe('values');
      if (items > 0 && values > 0) checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });
});
