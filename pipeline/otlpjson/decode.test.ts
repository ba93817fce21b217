import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpanKind, StatusCode, type Signal } from '../model.js';
import { MAX_VALUE_DEPTH, OtlpJsonError, decodeLogs, decodeMetrics, decodeSignal, decodeTraces } from './index.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

const spans = (...s: unknown[]) => ({ resourceSpans: [{ scopeSpans: [{ spans: s }] }] });
const firstSpan = (json: unknown) => decodeTraces(json).resourceSpans[0].scopeSpans[0].spans[0];
const logAttrs = (...attributes: unknown[]) => ({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes }] }] }] });
const firstLogAttr = (json: unknown) => decodeLogs(json).resourceLogs[0].scopeLogs[0].logRecords[0].attributes;

function errorOf(f: () => unknown): OtlpJsonError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OtlpJsonError);
    return e as OtlpJsonError;
  }
  throw new Error('expected decoding to fail');
}

describe('protobuf JSON leniency', () => {
  it('accepts the original snake_case field names', () => {
    const s = firstSpan({
      resource_spans: [
        {
          scope_spans: [
            {
              spans: [
                {
                  trace_id: TRACE,
                  span_id: SPAN,
                  parent_span_id: SPAN,
                  start_time_unix_nano: '1544712660000000001',
                  dropped_attributes_count: 3,
                  attributes: [{ key: 'k', value: { int_value: '7' } }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(s).toMatchObject({ traceId: TRACE, spanId: SPAN, parentSpanId: SPAN, startTimeUnixNano: 1544712660000000001n, droppedAttributesCount: 3 });
    expect(s.attributes.get('k')).toBe(7n);
  });

  it('accepts 64-bit integers as numbers and 32-bit ones as strings', () => {
    const s = firstSpan(spans({ startTimeUnixNano: 1544712660000000000, flags: '257', droppedEventsCount: '2' }));
    expect(s.startTimeUnixNano).toBe(1544712660000000000n);
    expect(s.flags).toBe(257);
    expect(s.droppedEventsCount).toBe(2);
    expect(firstLogAttr(logAttrs({ key: 'n', value: { intValue: -42 } })).get('n')).toBe(-42n);
  });

  it('accepts enums by name as well as by number', () => {
    const s = firstSpan(spans({ kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_ERROR' } }));
    expect(s.kind).toBe(SpanKind.Client);
    expect(s.status.code).toBe(StatusCode.Error);
    const logs = decodeLogs({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: 'SEVERITY_NUMBER_WARN3' }] }] }] });
    expect(logs.resourceLogs[0].scopeLogs[0].logRecords[0].severityNumber).toBe(15);
    const metrics = decodeMetrics({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE' } }] }] }],
    });
    expect(metrics.resourceMetrics[0].scopeMetrics[0].metrics[0].data).toMatchObject({ type: 'sum', aggregationTemporality: 2 });
  });

  it('keeps unknown enum numbers (protobuf enums are open)', () => {
    expect(firstSpan(spans({ kind: 42 })).kind).toBe(42);
  });

  it('ignores unknown fields and treats null as absent', () => {
    const s = firstSpan(spans({ name: 'x', somethingNew: { deep: [1, 2] }, traceId: null, events: null, status: null }));
    expect(s).toMatchObject({ name: 'x', traceId: '', events: [], status: { code: 0, message: '' } });
  });

  it('fills every missing field with its default', () => {
    const s = firstSpan(spans({}));
    expect(s).toEqual({
      traceId: '',
      spanId: '',
      traceState: '',
      parentSpanId: '',
      flags: 0,
      name: '',
      kind: 0,
      startTimeUnixNano: 0n,
      endTimeUnixNano: 0n,
      attributes: new Map(),
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
    });
    expect(decodeTraces({})).toEqual({ resourceSpans: [] });
    const rs = decodeTraces({ resourceSpans: [{}] }).resourceSpans[0];
    expect(rs).toEqual({ resource: { attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [] });
  });

  it('an AnyValue with no field set is the empty value; a missing body too', () => {
    expect(firstLogAttr(logAttrs({ key: 'e', value: {} }, { key: 'm' })).get('e')).toBeNull();
    expect(firstLogAttr(logAttrs({ key: 'm' })).get('m')).toBeNull();
    expect(decodeLogs({ resourceLogs: [{ scopeLogs: [{ logRecords: [{}] }] }] }).resourceLogs[0].scopeLogs[0].logRecords[0].body).toBeNull();
  });

  it('accepts doubles as numeric strings and the special values', () => {
    const a = firstLogAttr(
      logAttrs(
        { key: 'a', value: { doubleValue: '1.5' } },
        { key: 'b', value: { doubleValue: 'NaN' } },
        { key: 'c', value: { doubleValue: '-Infinity' } },
        { key: 'd', value: { doubleValue: 3 } },
      ),
    );
    expect([a.get('a'), a.get('b'), a.get('c'), a.get('d')]).toEqual([1.5, NaN, -Infinity, 3]);
  });

  it('accepts base64 bytes in standard and URL-safe alphabets', () => {
    const a = firstLogAttr(logAttrs({ key: 'a', value: { bytesValue: '/+8=' } }, { key: 'b', value: { bytesValue: '_-8' } }));
    expect(a.get('a')).toEqual(Uint8Array.from([0xff, 0xef]));
    expect(a.get('b')).toEqual(Uint8Array.from([0xff, 0xef]));
  });

  it('accepts base64 trace and span ids from generic protobuf-JSON encoders', () => {
    const traceB64 = Buffer.from(TRACE, 'hex').toString('base64');
    const spanB64 = Buffer.from(SPAN, 'hex').toString('base64');
    expect(firstSpan(spans({ traceId: traceB64, spanId: spanB64 }))).toMatchObject({ traceId: TRACE, spanId: SPAN });
  });

  it('decodes a metric with no data as an empty gauge', () => {
    const m = decodeMetrics({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm' }] }] }] }).resourceMetrics[0].scopeMetrics[0].metrics[0];
    expect(m.data).toEqual({ type: 'gauge', dataPoints: [] });
  });

  it('decodes asInt as bigint and asDouble as number', () => {
    const points = decodeMetrics({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ gauge: { dataPoints: [{ asInt: '9007199254740993' }, { as_double: 2 }, {}] } }] }] }],
    }).resourceMetrics[0].scopeMetrics[0].metrics[0].data.dataPoints;
    expect(points.map((p) => ('value' in p ? p.value : undefined))).toEqual([9007199254740993n, 2, 0]);
  });
});

describe('errors name the JSON path and what was expected', () => {
  it('bad trace id', () => {
    const e = errorOf(() =>
      decodeTraces({ resourceSpans: [{ scopeSpans: [{}, { spans: [{}, {}, {}, { traceId: 'xyz' }] }] }] }),
    );
    expect(e.message).toBe('resourceSpans[0].scopeSpans[1].spans[3].traceId: expected 32 hex characters, got a string of 3 characters');
    expect(e.path).toBe('resourceSpans[0].scopeSpans[1].spans[3].traceId');
  });

  it('uses the spelling the sender used', () => {
    const e = errorOf(() => decodeTraces({ resource_spans: [{ scope_spans: [{ spans: [{ span_id: 'abc' }] }] }] }));
    expect(e.message).toBe('resource_spans[0].scope_spans[0].spans[0].span_id: expected 16 hex characters, got a string of 3 characters');
  });

  it.each([
    [{ resourceSpans: {} }, 'resourceSpans: expected an array, got an object'],
    [{ resourceSpans: [7] }, 'resourceSpans[0]: expected an object, got 7'],
    [{ resourceSpans: [{ resource: 'r' }] }, 'resourceSpans[0].resource: expected an object, got a string of 1 character'],
    [spans({ name: 5 }), 'resourceSpans[0].scopeSpans[0].spans[0].name: expected a string, got 5'],
    [spans({ startTimeUnixNano: '-1' }), 'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an unsigned 64-bit integer (decimal string or number), got a string of 2 characters'],
    [spans({ startTimeUnixNano: '18446744073709551616' }), 'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an unsigned 64-bit integer (decimal string or number), got a string of 20 characters'],
    [spans({ startTimeUnixNano: 1.5 }), 'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an unsigned 64-bit integer (decimal string or number), got 1.5'],
    [spans({ kind: 'SERVER' }), 'resourceSpans[0].scopeSpans[0].spans[0].kind: expected an integer or a SPAN_KIND_* name, got a string of 6 characters'],
    [spans({ flags: -1 }), 'resourceSpans[0].scopeSpans[0].spans[0].flags: expected an unsigned 32-bit integer, got -1'],
    [spans({ status: { code: true } }), 'resourceSpans[0].scopeSpans[0].spans[0].status.code: expected an integer or a STATUS_CODE_* name, got true'],
    [spans({ events: [{ attributes: [{ key: 'k', value: { boolValue: 'yes' } }] }] }), 'resourceSpans[0].scopeSpans[0].spans[0].events[0].attributes[0].value.boolValue: expected true or false, got a string of 3 characters'],
    ['[]', '(root): expected an object, got a string of 2 characters'],
    [null, '(root): expected an object, got null'],
  ])('%j', (json, message) => {
    expect(errorOf(() => decodeTraces(json)).message).toBe(message);
  });

  it('int64 range and AnyValue oneof', () => {
    expect(errorOf(() => decodeLogs(logAttrs({ key: 'k', value: { intValue: '9223372036854775808' } }))).message).toBe(
      'resourceLogs[0].scopeLogs[0].logRecords[0].attributes[0].value.intValue: expected a 64-bit integer (decimal string or number), got a string of 19 characters',
    );
    expect(errorOf(() => decodeLogs(logAttrs({ key: 'k', value: { stringValue: 'a', intValue: '1' } }))).message).toMatch(
      /attributes\[0\]\.value\.intValue: expected only one of stringValue and intValue to be set/,
    );
    expect(errorOf(() => decodeLogs(logAttrs({ key: 'k', value: { bytesValue: 'not base64!' } }))).message).toMatch(
      /value\.bytesValue: expected base64-encoded bytes, got a string of 11 characters/,
    );
  });

  it('metric paths', () => {
    const e = errorOf(() =>
      decodeMetrics({
        resourceMetrics: [{ scopeMetrics: [{ metrics: [{ histogram: { dataPoints: [{ bucketCounts: ['1', 'x'] }] } }] }] }],
      }),
    );
    expect(e.message).toBe(
      'resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts[1]: expected an unsigned 64-bit integer (decimal string or number), got a string of 1 character',
    );
    expect(errorOf(() => decodeMetrics({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ gauge: {}, sum: {} }] }] }] })).message).toMatch(
      /metrics\[0\]\.sum: expected only one of gauge and sum to be set/,
    );
  });

  it('bounds nesting of array and kvlist values', () => {
    let value: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < MAX_VALUE_DEPTH; i++) value = { arrayValue: { values: [value] } };
    expect(() => decodeLogs(logAttrs({ key: 'ok', value }))).not.toThrow();
    value = { kvlistValue: { values: [{ key: 'k', value }] } };
    expect(errorOf(() => decodeLogs(logAttrs({ key: 'deep', value }))).message).toMatch(/expected values nested at most 100 levels deep/);
  });
});

describe('hostile input', () => {
  const fixture = (name: string): unknown =>
    JSON.parse(readFileSync(fileURLToPath(new URL(`../../test/fixtures/otlp-json/${name}.json`, import.meta.url)), 'utf8'));
  const WEIRD: unknown[] = [null, true, 0, -1, 1.5, 1e400, '', 'x', '1', [], [1], {}, { a: 1 }, '__proto__', 2 ** 64];

  /** Every leaf or subtree replaced, one at a time, by every weird value. */
  function* mutations(json: unknown): Generator<unknown> {
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(json, []);
    for (const path of paths) {
      for (const weird of WEIRD) {
        const copy = structuredClone(json);
        if (path.length === 0) {
          yield weird;
          continue;
        }
        let parent = copy as Record<string | number, unknown>;
        for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
        parent[path[path.length - 1]] = weird;
        yield copy;
      }
    }
  }

  it.each([
    ['traces', 'trace'],
    ['metrics', 'metrics'],
    ['logs', 'logs'],
  ] as [Signal, string][])('%s: every mutation of the fixture decodes or throws OtlpJsonError', (signal, name) => {
    let failures = 0;
    let cases = 0;
    for (const json of mutations(fixture(name))) {
      cases++;
      try {
        decodeSignal(signal, json);
      } catch (e) {
        if (!(e instanceof OtlpJsonError)) throw e;
        failures++;
      }
    }
    expect(cases).toBeGreaterThan(400);
    expect(failures).toBeGreaterThan(0);
  });

  it('a __proto__ key is only ever data', () => {
    const json = JSON.parse('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"__proto__","value":{"stringValue":"x"}}],"__proto__":{"polluted":true}}]}]}]}');
    const attrs = firstLogAttr(json);
    expect(attrs.get('__proto__')).toBe('x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
