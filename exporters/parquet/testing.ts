/**
 * Test data for the Parquet exporter's tests (not used at run time): one batch of each signal
 * that uses every field of the model and every kind of attribute value, awkward ones included.
 */
import { attrs, newLogRecord, newScope, newSpan } from '../../pipeline/builders.js';
import {
  AggregationTemporality,
  SpanKind,
  StatusCode,
  type AnyValue,
  type Attributes,
  type Logs,
  type Metric,
  type Metrics,
  type Traces,
} from '../../pipeline/model.js';

/** 2023-11-14T22:13:20Z plus nanosecond digits that a double would round away. */
export const T0 = 1_700_000_000_123_456_789n;

/** Every AnyValue type, nested ones, and values that are easy to get wrong. */
export function everyValue(): Attributes {
  return new Map<string, AnyValue>([
    ['str', 'checkout'],
    ['str.empty', ''],
    ['str.unicode', 'naïve café ✓ 日本語 🦆'],
    ['str.looks.like.int', '42'],
    ['str.json', '{"a":1}'],
    ['bool.true', true],
    ['bool.false', false],
    ['int', 42n],
    ['int.zero', 0n],
    ['int.negative', -42n],
    ['int.max', 9_223_372_036_854_775_807n],
    ['int.min', -9_223_372_036_854_775_808n],
    ['int.beyond.2^53', 9_007_199_254_740_993n],
    ['double', 1.5],
    ['double.integral', 2],
    ['double.tiny', 0.1],
    ['double.huge', 1e300],
    ['double.neg.zero', -0],
    ['double.nan', NaN],
    ['double.inf', Infinity],
    ['double.neg.inf', -Infinity],
    ['bytes', new Uint8Array([0, 1, 2, 253, 254, 255])],
    ['bytes.empty', new Uint8Array([])],
    ['empty', null],
    ['slice.strings', ['a', 'b', '']],
    ['slice.ints', [1n, -2n, 9_007_199_254_740_993n]],
    ['slice.doubles', [1.5, 2, -0.5, NaN, -Infinity]],
    ['slice.mixed', ['x', 1n, 1.0, true, null, new Uint8Array([7]), [2n, ['deep']], new Map<string, AnyValue>([['k', 'v']])]],
    ['slice.empty', []],
    [
      'map',
      new Map<string, AnyValue>([
        ['a', 1n],
        ['b', 'two'],
        ['$bytes', 'not bytes'],
        ['$$x', 3.25],
        ['nested', new Map<string, AnyValue>([['list', [true, false]]])],
      ]),
    ],
    ['map.tagged.lookalike', new Map<string, AnyValue>([['$double', 'NaN']])],
    ['map.empty', new Map()],
  ]);
}

export function richTraces(): Traces {
  const root = newSpan({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceState: 'congo=t61rcWkgMzE',
    flags: 0x301,
    name: 'GET /checkout',
    kind: SpanKind.Server,
    startTimeUnixNano: T0,
    endTimeUnixNano: T0 + 987_654_321n,
    attributes: everyValue(),
    droppedAttributesCount: 3,
    events: [
      { timeUnixNano: T0 + 1n, name: 'exception', attributes: attrs({ 'exception.type': 'Error', 'exception.message': 'boom' }), droppedAttributesCount: 1 },
      { timeUnixNano: 0n, name: 'no time', attributes: new Map(), droppedAttributesCount: 0 },
    ],
    droppedEventsCount: 2,
    links: [
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        traceState: 'vendor=1',
        attributes: everyValue(),
        droppedAttributesCount: 4,
        flags: 0x101,
      },
    ],
    droppedLinksCount: 5,
    status: { code: StatusCode.Error, message: 'connection reset' },
  });
  const child = newSpan({
    traceId: root.traceId,
    spanId: '00f067aa0ba902b7',
    parentSpanId: root.spanId,
    name: 'SELECT orders',
    kind: SpanKind.Client,
    startTimeUnixNano: T0 + 100n,
    endTimeUnixNano: T0 + 200n,
    status: { code: StatusCode.Ok, message: '' },
  });
  // an hour later, and a kind number OTLP does not define
  const later = newSpan({
    traceId: '11111111111111111111111111111111',
    spanId: '2222222222222222',
    name: 'next hour',
    kind: 9 as SpanKind,
    startTimeUnixNano: T0 + 3_600_000_000_000n,
    endTimeUnixNano: T0 + 3_600_000_000_001n,
  });
  return {
    resourceSpans: [
      {
        resource: {
          attributes: new Map<string, AnyValue>([
            ['service.name', 'checkout'],
            ['service.namespace', 'shop'],
            ['deployment.environment.name', 'prod'],
            ['host.name', 'web-7'],
            ['service.instance.number', 7n],
            ['deployment.regions', ['eu-west-1', 'us-east-2']],
          ]),
          droppedAttributesCount: 1,
        },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeSpans: [
          {
            scope: { name: 'tracer', version: '1.2.3', attributes: attrs({ 'scope.attr': 'x' }), droppedAttributesCount: 2 },
            schemaUrl: 'https://opentelemetry.io/schemas/1.27.0',
            spans: [root, child, later],
          },
        ],
      },
      {
        // no promoted attributes; the old name of the environment attribute
        resource: { attributes: attrs({ 'deployment.environment': 'staging' }), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeSpans: [{ scope: newScope(), schemaUrl: '', spans: [newSpan({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'bare', startTimeUnixNano: T0, endTimeUnixNano: T0 })] }],
      },
    ],
  };
}

export function richLogs(): Logs {
  const bodies: AnyValue[] = ['plain text body', '', 42n, 1.5, NaN, true, new Uint8Array([1, 2, 3]), null, ['a', 1n], new Map<string, AnyValue>([['event', 'login'], ['user', new Map<string, AnyValue>([['id', 7n]])]])];
  const records = bodies.map((body, i) =>
    newLogRecord({
      timeUnixNano: i === 1 ? 0n : T0 + BigInt(i),
      observedTimeUnixNano: T0 + 1_000n + BigInt(i),
      severityNumber: 9 + (i % 3),
      severityText: ['INFO', 'INFO2', 'INFO3'][i % 3],
      body,
      attributes: i === 0 ? everyValue() : attrs({ i }),
      droppedAttributesCount: i,
      flags: i % 2,
      traceId: i % 2 ? '0af7651916cd43dd8448eb211c80319c' : '',
      spanId: i % 2 ? 'b7ad6b7169203331' : '',
      eventName: i === 3 ? 'browser.click' : '',
    }),
  );
  return {
    resourceLogs: [
      {
        resource: { attributes: attrs({ 'service.name': 'auth', 'host.name': 'h1' }), droppedAttributesCount: 0 },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeLogs: [{ scope: { name: 'logger', version: '', attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', logRecords: records }],
      },
    ],
  };
}

export function richMetrics(): Metrics {
  const common = (i: number) => ({ attributes: attrs({ 'http.route': `/r${i}`, code: 200 + i }), startTimeUnixNano: T0 - 60_000_000_000n, timeUnixNano: T0 + BigInt(i), flags: 0 });
  const exemplars = [
    { filteredAttributes: attrs({ user: 'u1' }), timeUnixNano: T0 + 5n, value: 9_007_199_254_740_993n, spanId: 'b7ad6b7169203331', traceId: '0af7651916cd43dd8448eb211c80319c' },
    { filteredAttributes: new Map(), timeUnixNano: T0 + 6n, value: 0.25, spanId: '', traceId: '' },
  ];
  const metrics: Metric[] = [
    {
      name: 'queue.depth',
      description: 'items waiting',
      unit: '{item}',
      metadata: attrs({ source: 'test' }),
      data: { type: 'gauge', dataPoints: [{ ...common(0), value: 9_007_199_254_740_993n, exemplars }, { ...common(1), value: -1.5, exemplars: [], flags: 1 }] },
    },
    {
      name: 'requests',
      description: '',
      unit: '1',
      metadata: new Map(),
      data: { type: 'sum', aggregationTemporality: AggregationTemporality.Cumulative, isMonotonic: true, dataPoints: [{ ...common(2), value: 1234n, exemplars: [] }] },
    },
    {
      name: 'temperature.delta',
      description: '',
      unit: 'Cel',
      metadata: new Map(),
      data: { type: 'sum', aggregationTemporality: AggregationTemporality.Delta, isMonotonic: false, dataPoints: [{ ...common(3), value: 0.5, exemplars: [] }] },
    },
    {
      name: 'latency',
      description: 'request latency',
      unit: 'ms',
      metadata: new Map(),
      data: {
        type: 'histogram',
        aggregationTemporality: AggregationTemporality.Delta,
        dataPoints: [
          { ...common(4), count: 10, sum: 123.5, bucketCounts: [1, 2, 3, 4, 0], explicitBounds: [5, 10, 25, 50], exemplars, min: 0.5, max: 60 },
          { ...common(5), count: 0, bucketCounts: [], explicitBounds: [], exemplars: [] },
        ],
      },
    },
    {
      name: 'latency.exp',
      description: '',
      unit: 's',
      metadata: new Map(),
      data: {
        type: 'exponentialHistogram',
        aggregationTemporality: AggregationTemporality.Cumulative,
        dataPoints: [
          {
            ...common(6),
            count: 7,
            sum: 3.25,
            scale: -2,
            zeroCount: 1,
            zeroThreshold: 1e-9,
            positive: { offset: -3, bucketCounts: [1, 0, 2] },
            negative: { offset: 2, bucketCounts: [3] },
            exemplars: [],
            min: -8,
            max: 4,
          },
        ],
      },
    },
    {
      name: 'rpc.duration',
      description: '',
      unit: 's',
      metadata: new Map(),
      data: {
        type: 'summary',
        dataPoints: [{ ...common(7), count: 3, sum: 6, quantileValues: [{ quantile: 0, value: 1 }, { quantile: 0.5, value: 2 }, { quantile: 1, value: 3 }] }],
      },
    },
  ];
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs({ 'service.name': 'api', 'deployment.environment.name': 'dev' }), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: 'meter', version: '0.1', attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', metrics }],
      },
    ],
  };
}
