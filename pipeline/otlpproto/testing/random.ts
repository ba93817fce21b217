/**
 * Seeded random models covering every field of every signal and the awkward values of each
 * type, for property-style tests. A failure names its seed; rerun that seed to reproduce.
 */
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
} from '../../model.js';

/** mulberry32: tiny, seedable, good enough for test data. */
export function rng(seed: number) {
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
export type Rng = ReturnType<typeof rng>;

const INT64_EDGES = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 1n, 127n, 128n, 2n ** 31n, -(2n ** 31n), 2n ** 53n + 1n, -(2n ** 53n) - 1n];
const UINT64_EDGES = [0n, 1n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n, 1544712660300000001n];
const DOUBLE_EDGES = [NaN, Infinity, -Infinity, -0, 0, 1, 0.1, -2.5e-300, 1.7976931348623157e308, 5e-324, 2 ** 53 + 2];
const INT32_EDGES = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 127, 128];
const UINT32_EDGES = [0, 1, 2 ** 32 - 1, 2 ** 31, 127, 128, 16384];
const STRINGS = ['', 'a', 'ünïcödé ✓', 'emoji 😀 outside the BMP', 'line\nbreak "quoted" \\', '\u0000\u2028', 'x'.repeat(127), 'y'.repeat(128), 'é'.repeat(70), 'z'.repeat(20000)];

const hexDigits = (r: Rng, bytes: number) => Array.from({ length: bytes * 2 }, () => '0123456789abcdef'[r.int(16)]).join('');
export const id = (r: Rng, bytes: number) => (r.int(5) === 0 ? '' : hexDigits(r, bytes));
export const str = (r: Rng) => (r.int(4) === 0 ? r.pick(STRINGS) : hexDigits(r, r.int(6)));
export const u64 = (r: Rng) => (r.int(3) === 0 ? r.pick(UINT64_EDGES) : BigInt(Math.floor(r.next() * 2 ** 52)) * 1000n + BigInt(r.int(1000)));
export const i64 = (r: Rng) => (r.int(2) === 0 ? r.pick(INT64_EDGES) : BigInt(r.int(2 ** 31)) * BigInt(r.int(2 ** 31)) * (r.int(2) ? 1n : -1n));
export const dbl = (r: Rng) => (r.int(3) === 0 ? r.pick(DOUBLE_EDGES) : (r.next() - 0.5) * 10 ** r.int(20));
const u32 = (r: Rng) => (r.int(2) === 0 ? r.pick(UINT32_EDGES) : r.int(1000));
/** Open enums: any int32, negative ones included (10-byte varints on the wire). */
const enumValue = (r: Rng, known: number) => (r.int(6) === 0 ? r.pick(INT32_EDGES) : r.int(known));
/** uint64 counts the model keeps as numbers: exact up to 2^53. */
const count = (r: Rng) => r.pick([0, 1, 127, 128, 2 ** 32, 2 ** 53 - 1, r.int(100000)]);

export function anyValue(r: Rng, depth: number): AnyValue {
  switch (r.int(depth > 3 ? 6 : 8)) {
    case 0:
      return str(r);
    case 1:
      return r.int(2) === 0;
    case 2:
      return i64(r);
    case 3:
      return dbl(r);
    case 4:
      return Uint8Array.from(r.times(r.int(2) ? 12 : 300, () => r.int(256)));
    case 5:
      return null;
    case 6:
      return r.times(4, () => anyValue(r, depth + 1));
    default:
      return attributes(r, depth + 1);
  }
}

export function attributes(r: Rng, depth = 0): Attributes {
  const out: Attributes = new Map();
  for (let i = r.int(6); i > 0; i--) out.set(`${str(r)}.${i}`, anyValue(r, depth));
  return out;
}

const resource = (r: Rng): Resource => ({ attributes: attributes(r), droppedAttributesCount: u32(r) });
const scope = (r: Rng): InstrumentationScope => ({ name: str(r), version: str(r), attributes: attributes(r), droppedAttributesCount: u32(r) });

export function span(r: Rng): Span {
  return {
    traceId: id(r, 16),
    spanId: id(r, 8),
    traceState: str(r),
    parentSpanId: id(r, 8),
    flags: u32(r),
    name: str(r),
    kind: enumValue(r, 6),
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
    status: { code: enumValue(r, 3), message: str(r) },
  };
}

export function logRecord(r: Rng): LogRecord {
  return {
    timeUnixNano: u64(r),
    observedTimeUnixNano: u64(r),
    severityNumber: enumValue(r, 25),
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

export function metricData(r: Rng, type = r.int(5)): MetricData {
  const temporality = enumValue(r, 3);
  const points = <T>(f: () => T) => r.times(3, f);
  switch (type) {
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
          count: count(r),
          sum: optDouble(r),
          bucketCounts: r.times(5, () => count(r)),
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
          count: count(r),
          sum: optDouble(r),
          scale: r.pick([-10, 0, 20, -(2 ** 31), 2 ** 31 - 1]),
          zeroCount: count(r),
          positive: { offset: r.pick([0, -1, 1, r.int(200) - 100, 2 ** 31 - 1, -(2 ** 31)]), bucketCounts: r.times(4, () => count(r)) },
          negative: { offset: r.int(200) - 100, bucketCounts: r.times(4, () => count(r)) },
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
          count: count(r),
          sum: dbl(r),
          quantileValues: r.times(3, () => ({ quantile: r.next(), value: dbl(r) })),
        })),
      };
  }
}

export const metric = (r: Rng, type?: number): Metric => ({
  name: str(r),
  description: str(r),
  unit: str(r),
  metadata: attributes(r),
  data: metricData(r, type),
});

export const GENERATORS: { [S in Signal]: (r: Rng) => SignalData[S] } = {
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

/** The same, as `count` random cases of one signal, seeds 1..count. */
export function randomCases<S extends Signal>(signal: S, count: number): { seed: number; data: SignalData[S] }[] {
  return Array.from({ length: count }, (_, i) => ({ seed: i + 1, data: GENERATORS[signal](rng(i + 1)) }));
}
