/**
 * Property-style round trips: seeded random models survive encode → JSON text → decode exactly.
 * A failure prints the seed; rerun with that seed to reproduce.
 */
import { describe, expect, it } from 'vitest';
import type {
  AnyValue,
  Attributes,
  Exemplar,
  InstrumentationScope,
  LogRecord,
  Logs,
  Metric,
  MetricData,
  Metrics,
  Resource,
  Signal,
  SignalData,
  Span,
  Traces,
} from '../model.js';
import { decodeSignal, encodeSignal } from './index.js';

/** mulberry32: tiny, seedable, good enough for test data. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const times = <T>(max: number, f: () => T): T[] => Array.from({ length: int(max + 1) }, f);
  return { next, int, pick, times };
}
type Rng = ReturnType<typeof rng>;

const INT64_EDGES = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n];
const UINT64_EDGES = [0n, 1n, 2n ** 64n - 1n, 2n ** 63n, 1544712660300000001n];
const DOUBLE_EDGES = [NaN, Infinity, -Infinity, 1, 0, 0.1, -2.5e-300, 1.7976931348623157e308, 5e-324, 2 ** 53 + 2];
const STRINGS = ['', 'a', 'ünïcödé ✓', 'line\nbreak "quoted" \\', '\u0000\u2028', '{"json":1}', 'x'.repeat(100)];

const hex = (r: Rng, bytes: number) => Array.from({ length: bytes * 2 }, () => '0123456789abcdef'[r.int(16)]).join('');
const id = (r: Rng, bytes: number) => (r.int(5) === 0 ? '' : hex(r, bytes));
const str = (r: Rng) => (r.int(3) === 0 ? r.pick(STRINGS) : hex(r, r.int(6)));
const u64 = (r: Rng) => (r.int(3) === 0 ? r.pick(UINT64_EDGES) : BigInt(Math.floor(r.next() * 2 ** 52)) * 1000n + BigInt(r.int(1000)));
const i64 = (r: Rng) => (r.int(2) === 0 ? r.pick(INT64_EDGES) : BigInt(r.int(2 ** 31)) * BigInt(r.int(2 ** 31)) * (r.int(2) ? 1n : -1n));
// -0 has no JSON number literal that JSON.stringify produces; it is documented to become 0.
const dbl = (r: Rng) => {
  const x = r.int(3) === 0 ? r.pick(DOUBLE_EDGES) : (r.next() - 0.5) * 10 ** r.int(20);
  return Object.is(x, -0) ? 0 : x;
};
const u32 = (r: Rng) => r.pick([0, 1, 2 ** 32 - 1, r.int(1000)]);
const smallCount = (r: Rng) => r.pick([0, 1, 2 ** 53 - 1, r.int(100000)]);

function anyValue(r: Rng, depth: number): AnyValue {
  const kinds = depth > 2 ? 6 : 8;
  switch (r.int(kinds)) {
    case 0:
      return str(r);
    case 1:
      return r.int(2) === 0;
    case 2:
      return i64(r);
    case 3:
      return dbl(r);
    case 4:
      return Uint8Array.from(r.times(12, () => r.int(256)));
    case 5:
      return null;
    case 6:
      return r.times(4, () => anyValue(r, depth + 1));
    default:
      return attributes(r, depth + 1);
  }
}

function attributes(r: Rng, depth = 0): Attributes {
  const out: Attributes = new Map();
  for (let i = r.int(5); i > 0; i--) out.set(`${str(r)}.${i}`, anyValue(r, depth));
  return out;
}

const resource = (r: Rng): Resource => ({ attributes: attributes(r), droppedAttributesCount: u32(r) });
const scope = (r: Rng): InstrumentationScope => ({ name: str(r), version: str(r), attributes: attributes(r), droppedAttributesCount: u32(r) });

function span(r: Rng): Span {
  return {
    traceId: id(r, 16),
    spanId: id(r, 8),
    traceState: str(r),
    parentSpanId: id(r, 8),
    flags: u32(r),
    name: str(r),
    kind: r.int(6),
    startTimeUnixNano: u64(r),
    endTimeUnixNano: u64(r),
    attributes: attributes(r),
    droppedAttributesCount: u32(r),
    events: r.times(2, () => ({ timeUnixNano: u64(r), name: str(r), attributes: attributes(r), droppedAttributesCount: u32(r) })),
    droppedEventsCount: u32(r),
    links: r.times(2, () => ({
      traceId: id(r, 16),
      spanId: id(r, 8),
      traceState: str(r),
      attributes: attributes(r),
      droppedAttributesCount: u32(r),
      flags: u32(r),
    })),
    droppedLinksCount: u32(r),
    status: { code: r.int(3), message: str(r) },
  };
}

function logRecord(r: Rng): LogRecord {
  return {
    timeUnixNano: u64(r),
    observedTimeUnixNano: u64(r),
    severityNumber: r.int(25),
    severityText: str(r),
    body: anyValue(r, 0),
    attributes: attributes(r),
    droppedAttributesCount: u32(r),
    flags: u32(r),
    traceId: id(r, 16),
    spanId: id(r, 8),
    eventName: str(r),
  };
}

const numberValue = (r: Rng) => (r.int(2) === 0 ? i64(r) : dbl(r));
const exemplar = (r: Rng): Exemplar => ({
  filteredAttributes: attributes(r),
  timeUnixNano: u64(r),
  value: numberValue(r),
  spanId: id(r, 8),
  traceId: id(r, 16),
});
const pointBase = (r: Rng) => ({ attributes: attributes(r), startTimeUnixNano: u64(r), timeUnixNano: u64(r), flags: u32(r) });
const optDouble = (r: Rng) => (r.int(2) === 0 ? undefined : dbl(r));

function metricData(r: Rng): MetricData {
  const temporality = r.int(3);
  const points = <T>(f: () => T) => r.times(3, f);
  switch (r.int(5)) {
    case 0:
      return { type: 'gauge', dataPoints: points(() => ({ ...pointBase(r), value: numberValue(r), exemplars: r.times(2, () => exemplar(r)) })) };
    case 1:
      return {
        type: 'sum',
        aggregationTemporality: temporality,
        isMonotonic: r.int(2) === 0,
        dataPoints: points(() => ({ ...pointBase(r), value: numberValue(r), exemplars: r.times(2, () => exemplar(r)) })),
      };
    case 2:
      return {
        type: 'histogram',
        aggregationTemporality: temporality,
        dataPoints: points(() => ({
          ...pointBase(r),
          count: smallCount(r),
          sum: optDouble(r),
          bucketCounts: r.times(5, () => smallCount(r)),
          explicitBounds: r.times(4, () => dbl(r)),
          exemplars: r.times(2, () => exemplar(r)),
          min: optDouble(r),
          max: optDouble(r),
        })),
      };
    case 3:
      return {
        type: 'exponentialHistogram',
        aggregationTemporality: temporality,
        dataPoints: points(() => ({
          ...pointBase(r),
          count: smallCount(r),
          sum: optDouble(r),
          scale: r.pick([-10, 0, 20, -(2 ** 31), 2 ** 31 - 1]),
          zeroCount: smallCount(r),
          positive: { offset: r.int(200) - 100, bucketCounts: r.times(4, () => smallCount(r)) },
          negative: { offset: r.int(200) - 100, bucketCounts: r.times(4, () => smallCount(r)) },
          exemplars: r.times(2, () => exemplar(r)),
          min: optDouble(r),
          max: optDouble(r),
          zeroThreshold: dbl(r),
        })),
      };
    default:
      return {
        type: 'summary',
        dataPoints: points(() => ({
          ...pointBase(r),
          count: smallCount(r),
          sum: dbl(r),
          quantileValues: r.times(3, () => ({ quantile: r.next(), value: dbl(r) })),
        })),
      };
  }
}

const metric = (r: Rng): Metric => ({ name: str(r), description: str(r), unit: str(r), metadata: attributes(r), data: metricData(r) });

const GENERATORS: { [S in Signal]: (r: Rng) => SignalData[S] } = {
  traces: (r): Traces => ({
    resourceSpans: r.times(2, () => ({
      resource: resource(r),
      schemaUrl: str(r),
      scopeSpans: r.times(2, () => ({ scope: scope(r), schemaUrl: str(r), spans: r.times(3, () => span(r)) })),
    })),
  }),
  logs: (r): Logs => ({
    resourceLogs: r.times(2, () => ({
      resource: resource(r),
      schemaUrl: str(r),
      scopeLogs: r.times(2, () => ({ scope: scope(r), schemaUrl: str(r), logRecords: r.times(3, () => logRecord(r)) })),
    })),
  }),
  metrics: (r): Metrics => ({
    resourceMetrics: r.times(2, () => ({
      resource: resource(r),
      schemaUrl: str(r),
      scopeMetrics: r.times(2, () => ({ scope: scope(r), schemaUrl: str(r), metrics: r.times(3, () => metric(r)) })),
    })),
  }),
};

const roundTrip = <S extends Signal>(signal: S, data: SignalData[S]) =>
  decodeSignal(signal, JSON.parse(JSON.stringify(encodeSignal(signal, data))));

describe.each(['traces', 'metrics', 'logs'] as const)('%s round trip', (signal) => {
  it('random models survive encode → JSON text → decode exactly (300 seeds)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const data = GENERATORS[signal](rng(seed));
      expect(roundTrip(signal, data), `seed ${seed}`).toEqual(data);
    }
  });
});

describe('exactness of individual values', () => {
  const oneAttribute = (value: AnyValue): Logs => ({
    resourceLogs: [
      {
        resource: { attributes: new Map([['v', value]]), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeLogs: [],
      },
    ],
  });
  const back = (value: AnyValue) => roundTrip('logs', oneAttribute(value)).resourceLogs[0].resource.attributes.get('v');

  it.each([
    ['int64 min', -(2n ** 63n)],
    ['int64 max', 2n ** 63n - 1n],
    ['2^53 + 1', 2n ** 53n + 1n],
  ])('%s stays an exact bigint', (_, v) => {
    expect(back(v)).toBe(v);
  });

  it('a whole double stays a double, not an int', () => {
    expect(back(1)).toBe(1);
    expect(typeof back(1)).toBe('number');
    expect(back(0n)).toBe(0n);
  });

  it('NaN and the infinities survive as doubles', () => {
    expect(back(NaN)).toBeNaN();
    expect(back(Infinity)).toBe(Infinity);
    expect(back(-Infinity)).toBe(-Infinity);
    const text = JSON.stringify(encodeSignal('logs', oneAttribute(NaN)));
    expect(text).toContain('"doubleValue":"NaN"');
  });

  it('bytes stay bytes, including empty', () => {
    const v = back(Uint8Array.from([0, 255, 1, 128]));
    expect(v).toBeInstanceOf(Uint8Array);
    expect(v).toEqual(Uint8Array.from([0, 255, 1, 128]));
    expect(back(new Uint8Array(0))).toEqual(new Uint8Array(0));
  });

  it('empty array, empty kvlist and empty value are three different things', () => {
    expect(back([])).toEqual([]);
    expect(back(new Map())).toEqual(new Map());
    expect(back(null)).toBeNull();
    expect(back([null, [], new Map([['k', [1n]]])])).toEqual([null, [], new Map([['k', [1n]]])]);
  });

  it('int64 values are encoded as decimal strings', () => {
    const json = encodeSignal('logs', oneAttribute(2n ** 63n - 1n)) as { resourceLogs: { resource: { attributes: { value: unknown }[] } }[] };
    expect(json.resourceLogs[0].resource.attributes[0].value).toEqual({ intValue: '9223372036854775807' });
  });
});
