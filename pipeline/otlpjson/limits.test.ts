/**
 * OTLP/JSON's share of the hostile-input bounds: decode limits (checked on a list's length,
 * before any element is decoded), nesting (refused before JSON.parse) and error messages that
 * carry none of the request's text.
 */
import { describe, expect, it } from 'vitest';
import type { Signal } from '../model.js';
import { decodedSize } from '../otlpproto/testing/decoded-size.js';
import { randomCases } from '../otlpproto/testing/random.js';
import {
  DecodeLimitError,
  MAX_JSON_DEPTH,
  MAX_VALUE_DEPTH,
  OtlpJsonError,
  decodeMetrics,
  decodeSignal,
  decodeTraces,
  encodeSignal,
  parseJson,
  type DecodeLimits,
} from './index.js';

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('did not throw');
}

const only = (l: Partial<DecodeLimits>): DecodeLimits => ({ maxItems: Infinity, maxValues: Infinity, ...l });
const text = (s: string) => Buffer.from(s);

describe('decode limits (JSON)', () => {
  it('refuses a list over the limit by its length, before decoding any of it', () => {
    // The first span is invalid: reaching it would throw OtlpJsonError instead.
    const spans = [{ traceId: 7 }, ...Array.from({ length: 100_000 }, () => ({}))];
    const err = thrown(() => decodeTraces({ resourceSpans: [{ scopeSpans: [{ spans }] }] }, only({ maxItems: 1000 })));
    expect(err).toBeInstanceOf(DecodeLimitError);
    expect(err).toMatchObject({ limit: 'items', max: 1000, where: 'at resourceSpans[0].scopeSpans[0].spans' });
  });

  it('counts attributes and array values', () => {
    const values = Array.from({ length: 10_000 }, () => ({ boolValue: true }));
    const json = { resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: [{ key: 'a', value: { arrayValue: { values } } }] }] }] }] };
    expect(thrown(() => decodeTraces(json, only({ maxValues: 5000 })))).toMatchObject({ limit: 'values', max: 5000 });
    expect(() => decodeTraces(json, only({ maxValues: 10_001 }))).not.toThrow();
  });

  it.each(['traces', 'metrics', 'logs'] as Signal[])('%s: counts what the protobuf decoder counts, exactly at the limit', (signal) => {
    for (const { seed, data } of randomCases(signal, 60)) {
      const { items, values } = decodedSize(signal, data);
      // the objects-and-arrays bound of parseJson admits every document within the limits
      const json = parseJson(text(JSON.stringify(encodeSignal(signal, data))), { maxItems: items, maxValues: values });
      expect(() => decodeSignal(signal, json, { maxItems: items, maxValues: values }), `seed ${seed}`).not.toThrow();
      if (items > 0) expect(thrown(() => decodeSignal(signal, json, only({ maxItems: items - 1 })))).toMatchObject({ limit: 'items' });
      if (values > 0) expect(thrown(() => decodeSignal(signal, json, only({ maxValues: values - 1 })))).toMatchObject({ limit: 'values' });
    }
  });
});

describe('parseJson', () => {
  it('refuses nesting deeper than OTLP has before parsing (20 MB of brackets gzip to a few KB)', () => {
    const levels = 2_000_000;
    const err = thrown(() => parseJson(text('['.repeat(levels) + ']'.repeat(levels))));
    expect(err).toBeInstanceOf(OtlpJsonError);
    expect(err.message).toBe(`(root): expected JSON nested at most ${MAX_JSON_DEPTH} levels deep, got deeper nesting at byte ${MAX_JSON_DEPTH}`);
  });

  it('refuses more objects and arrays than a request within the limits holds, before parsing', () => {
    const limits = { maxItems: 10, maxValues: 10 }; // 2 + 10 × 10 + 4 × 10 = 142 containers
    const doc = (n: number) => text(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"unknown":[${Array(n).fill('[]').join(',')}]}]}]}]}`);
    expect(() => parseJson(doc(142 - 8), limits)).not.toThrow(); // 8 around the unknown list
    expect(thrown(() => parseJson(doc(142 - 7), limits))).toMatchObject({ limit: 'containers', max: 142 });
  });

  it('accepts the deepest document OTLP allows: values nested to the limit in an exemplar', () => {
    let value: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < MAX_VALUE_DEPTH; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } };
    const exemplar = { filteredAttributes: [{ key: 'deep', value }] };
    const json = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ histogram: { dataPoints: [{ exemplars: [exemplar] }] } }] }] }] };
    expect(() => decodeMetrics(parseJson(text(JSON.stringify(json))))).not.toThrow();
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const s = `{"a":"${'[{'.repeat(1000)}\\"${'['.repeat(1000)}\\\\","b":["\\\\"]}`;
    expect(parseJson(text(s))).toEqual(JSON.parse(s));
  });

  it('reports a syntax error by position, without the text around it', () => {
    const err = thrown(() => parseJson(text('{"resourceSpans": [{"token-SECRET-1234": }]}')));
    expect(err).toBeInstanceOf(OtlpJsonError);
    expect(err.message).toMatch(/^\(root\): expected valid JSON, got a syntax error( at character \d+)?$/);
    expect(err.message).not.toContain('SECRET');
    expect(thrown(() => parseJson(text('SECRET'))).message).not.toContain('SECRET');
  });
});

describe('error messages carry no request content', () => {
  it('names a wrong value by kind, a string by its length', () => {
    const json = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'Bearer SECRET-token' }] }] }] };
    const err = thrown(() => decodeTraces(json));
    expect(err.message).toBe('resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex characters, got a string of 19 characters');
  });
});
