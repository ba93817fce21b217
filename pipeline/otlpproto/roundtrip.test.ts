/** decode(encode(x)) is x, for seeded random models and for the awkward values one by one. */
import { describe, expect, it } from 'vitest';
import type { AnyValue, Logs, Signal } from '../model.js';
import { decodeLogs, decodeSignal, decodeSpanList, encodeLogs, encodeSignal, SpanListBuffers } from './index.js';
import { randomCases } from './testing/random.js';

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

describe.each(SIGNALS)('%s round trip', (signal) => {
  it('random models survive encode → decode exactly (300 seeds)', () => {
    for (const { seed, data } of randomCases(signal, 300)) {
      expect(decodeSignal(signal, encodeSignal(signal, data)), `seed ${seed}`).toEqual(data);
    }
  });

  it('encoding is deterministic: encode(decode(encode(x))) has the same bytes', () => {
    for (const { seed, data } of randomCases(signal, 50)) {
      const bytes = encodeSignal(signal, data);
      expect(Buffer.from(encodeSignal(signal, decodeSignal(signal, bytes))).equals(Buffer.from(bytes)), `seed ${seed}`).toBe(true);
    }
  });
});

describe('span lists (what tail_sampling holds)', () => {
  it('random spans survive SpanListBuffers → decodeSpanList exactly, and lists concatenated decode as one', () => {
    // small buffers, so lists also start fresh buffers and outgrow the room left
    const lists = new SpanListBuffers(8192);
    const at = () => ({ buffer: lists.buffer, start: lists.start, end: lists.end });
    const buffers = new Set<ArrayBufferLike>();
    let outgrown = 0;
    for (const { seed, data } of randomCases('traces', 100)) {
      const spans = data.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
      const half = spans.length >> 1;
      lists.append(spans.slice(0, half));
      const first = at();
      lists.append(spans.slice(half));
      const second = at();
      buffers.add(first.buffer.buffer).add(second.buffer.buffer);
      for (const l of [first, second]) if (l.end - l.start > 8192) outgrown++;
      const joined = Buffer.concat([first.buffer.subarray(first.start, first.end), second.buffer.subarray(second.start, second.end)]);
      expect(decodeSpanList(joined, 0, joined.length), `seed ${seed}`).toEqual(spans);
      expect(decodeSpanList(second.buffer, second.start, second.end, decodeSpanList(first.buffer, first.start, first.end)), `seed ${seed}`).toEqual(spans);
    }
    expect(buffers.size).toBeGreaterThan(1);
    expect(outgrown).toBeGreaterThan(0);
  });

  it('keeps every held list intact while released buffers are written again, and reuses them instead of allocating', () => {
    const lists = new SpanListBuffers(16384);
    const cases = randomCases('traces', 60).map(({ data }) => data.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
    const held: { buffer: Uint8Array; start: number; end: number; spans: unknown[] }[] = [];
    const buffers = new Set<Uint8Array>();
    // a window of lists held at once, as a sampler holds decision_wait's worth; the oldest are released as new ones come
    for (let round = 0; round < 20; round++)
      for (const spans of cases) {
        lists.append(spans);
        held.push({ buffer: lists.buffer, start: lists.start, end: lists.end, spans });
        buffers.add(lists.buffer);
        if (held.length > 30) {
          const old = held.shift()!;
          expect(decodeSpanList(old.buffer, old.start, old.end)).toEqual(old.spans);
          lists.release(old.buffer);
        }
      }
    for (const h of held) expect(decodeSpanList(h.buffer, h.start, h.end)).toEqual(h.spans);
    // 1200 lists, of which those under 16 KiB share buffers that come back once released
    const small = cases.filter((spans) => {
      lists.append(spans);
      lists.release(lists.buffer);
      return lists.end - lists.start < 12288;
    }).length;
    expect(small).toBeGreaterThan(30);
    expect([...buffers].filter((b) => b.length === 16384).length).toBeLessThan(40);
  });
});

describe('exactness of individual values', () => {
  const oneAttribute = (value: AnyValue): Logs => ({
    resourceLogs: [{ resource: { attributes: new Map([['v', value]]), droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [] }],
  });
  const back = (value: AnyValue) => decodeLogs(encodeLogs(oneAttribute(value))).resourceLogs[0].resource.attributes.get('v');

  it.each([
    ['int64 min', -(2n ** 63n)],
    ['int64 max', 2n ** 63n - 1n],
    ['2^53 + 1', 2n ** 53n + 1n],
    ['-1', -1n],
    ['2^31', 2n ** 31n],
  ])('%s stays an exact bigint', (_, v) => {
    expect(back(v)).toBe(v);
  });

  it('a whole double stays a double, not an int; -0 stays -0', () => {
    expect(back(1)).toBe(1);
    expect(typeof back(1)).toBe('number');
    expect(back(0n)).toBe(0n);
    expect(Object.is(back(-0), -0)).toBe(true);
  });

  it('NaN and the infinities survive as doubles', () => {
    expect(back(NaN)).toBeNaN();
    expect(back(Infinity)).toBe(Infinity);
    expect(back(-Infinity)).toBe(-Infinity);
  });

  it('bytes stay bytes, including empty, and are copies', () => {
    const v = back(Uint8Array.from([0, 255, 1, 128]));
    expect(v).toBeInstanceOf(Uint8Array);
    expect(v).toEqual(Uint8Array.from([0, 255, 1, 128]));
    expect(back(new Uint8Array(0))).toEqual(new Uint8Array(0));
  });

  it('empty string, empty array, empty kvlist and empty value are four different things', () => {
    expect(back('')).toBe('');
    expect(back([])).toEqual([]);
    expect(back(new Map())).toEqual(new Map());
    expect(back(null)).toBeNull();
    expect(back([null, [], new Map([['k', [1n]]])])).toEqual([null, [], new Map([['k', [1n]]])]);
  });

  it('strings of every UTF-8 width and length class', () => {
    for (const s of ['ascii', 'é', '✓', '😀', 'a'.repeat(127), 'a'.repeat(128), 'ü'.repeat(64), 'k'.repeat(100_000)]) expect(back(s)).toBe(s);
  });
});
