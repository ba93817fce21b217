import { describe, expect, it } from 'vitest';
import { attrs, gaugeOf, logsOf, metricsOf, newLogRecord, newScope, newSpan, tracesOf } from '../../pipeline/builders.js';
import { SpanKind, StatusCode, type Metric, type Metrics } from '../../pipeline/model.js';
import { toAnyValue } from '../../pipeline/model-ops.js';
import { anyValueAsString as valueAsString } from '../../pipeline/anyvalue.js';
import { goFixed, goFloat, goTime, typedValue } from './format.js';
import { render, renderDetailed, renderNormal, renderSummary } from './render.js';

/** 2020-02-11 20:26:12.000000321 UTC and friends, the instants upstream's test data uses. */
const T = (s: number, ns: number) => BigInt(Date.UTC(2020, 1, 11, 20, 26, s)) * 1_000_000n + BigInt(ns);
const START = T(12, 321);
const END = T(13, 789);
const EVENT = T(13, 123);
const TRACE = '0102030405060708090a0b0c0d0e0f10';
const SPAN = '1112131415161718';

function twoSpans() {
  const a = newSpan({
    traceId: TRACE,
    spanId: SPAN,
    name: 'operationA',
    traceState: 'ot=th:0',
    startTimeUnixNano: START,
    endTimeUnixNano: END,
    droppedAttributesCount: 1,
    events: [
      { name: 'event-with-attr', timeUnixNano: EVENT, attributes: attrs({ 'span-event-attr': 'span-event-attr-val' }), droppedAttributesCount: 2 },
      { name: 'event', timeUnixNano: EVENT, attributes: new Map(), droppedAttributesCount: 2 },
    ],
    droppedEventsCount: 1,
    status: { code: StatusCode.Error, message: 'status-cancelled' },
  });
  const b = newSpan({
    name: 'operationB',
    kind: SpanKind.Server,
    startTimeUnixNano: START,
    endTimeUnixNano: END,
    attributes: attrs({ 'http.status': 200, ok: true }),
    links: [{ traceId: TRACE, spanId: SPAN, traceState: '', attributes: attrs({ 'span-link-attr': 'span-link-attr-val' }), droppedAttributesCount: 4, flags: 0 }],
    droppedLinksCount: 3,
  });
  return tracesOf([a, b], { 'resource-attr': 'resource-attr-val-1' }, newScope('lib', '1.2'));
}

function allMetricKinds(): Metrics {
  const point = { startTimeUnixNano: START, timeUnixNano: END, exemplars: [], flags: 0 };
  const exemplar = { traceId: TRACE, spanId: SPAN, timeUnixNano: EVENT, value: 15, filteredAttributes: attrs({ 'exemplar-attachment': 'exemplar-attachment-value' }) };
  const base = { description: '', unit: '1', metadata: new Map() };
  const metrics: Metric[] = [
    { ...base, name: 'gauge-int', data: { type: 'gauge', dataPoints: [{ ...point, attributes: attrs({ 'label-1': 'label-value-1' }), value: 123n }] } },
    {
      ...base,
      name: 'sum-double',
      metadata: attrs({ 'meta.key': 'meta-value' }),
      data: {
        type: 'sum',
        isMonotonic: true,
        aggregationTemporality: 2,
        dataPoints: [{ ...point, attributes: attrs({ 'label-1': 'label-value-1', 'label-2': 'label-value-2' }), value: 1.23 }],
      },
    },
    {
      ...base,
      name: 'histogram',
      data: {
        type: 'histogram',
        aggregationTemporality: 2,
        dataPoints: [
          {
            ...point,
            attributes: attrs({ 'label-2': 'label-value-2' }),
            count: 1,
            sum: 15,
            min: 15,
            max: 15,
            explicitBounds: [1],
            bucketCounts: [0, 1],
            exemplars: [exemplar],
          },
        ],
      },
    },
    {
      ...base,
      name: 'exponential-histogram',
      data: {
        type: 'exponentialHistogram',
        aggregationTemporality: 1,
        dataPoints: [
          {
            ...point,
            attributes: new Map(),
            count: 5,
            sum: 0.15,
            scale: 1,
            zeroCount: 1,
            zeroThreshold: 0,
            positive: { offset: 1, bucketCounts: [1, 1] },
            negative: { offset: -1, bucketCounts: [1, 1] },
            exemplars: [{ ...exemplar, value: 15n }],
          },
        ],
      },
    },
    {
      ...base,
      name: 'summary',
      data: {
        type: 'summary',
        dataPoints: [{ ...point, attributes: attrs({ 'label-2': 'label-value-2' }), count: 1, sum: 15, quantileValues: [{ quantile: 0.01, value: 15 }] }],
      },
    },
  ];
  return metricsOf(metrics, { 'resource-attr': 'resource-attr-val-1' });
}

const embeddedLogs = () =>
  logsOf(
    [
      newLogRecord({
        timeUnixNano: END,
        severityNumber: 9,
        severityText: 'INFO',
        eventName: 'my.event',
        body: toAnyValue({ key2: { key22: 'val22', key21: 'val21' }, key1: 'val1' }),
        attributes: attrs({ key1: { key11: 'val11', key13: { key131: 'val131' } }, key2: 'val2' }),
      }),
    ],
    {},
  );

describe('Go-compatible value formatting', () => {
  it('types every AnyValue like pcommon', () => {
    expect(typedValue('x')).toBe('Str(x)');
    expect(typedValue(5n)).toBe('Int(5)');
    expect(typedValue(1.5)).toBe('Double(1.5)');
    expect(typedValue(1)).toBe('Double(1)');
    expect(typedValue(true)).toBe('Bool(true)');
    expect(typedValue(Uint8Array.from([1, 2, 3]))).toBe('Bytes(AQID)');
    expect(typedValue(['a', 1n, 2.5, null, Uint8Array.from([255])])).toBe('Slice(["a",1,2.5,null,"/w=="])');
    expect(typedValue(toAnyValue({ b: 1, a: '<&>' }))).toBe('Map({"a":"\\u003c\\u0026\\u003e","b":1})');
    expect(typedValue(null)).toBe('Empty()');
    expect(typedValue(2n ** 63n - 1n)).toBe('Int(9223372036854775807)');
    expect(valueAsString(NaN)).toBe('json: unsupported value: NaN');
  });

  it('formats floats like %v and %f', () => {
    expect([goFloat(100000), goFloat(1e21), goFloat(0.00001), goFloat(0.0001), goFloat(1.5), goFloat(-Infinity)]).toEqual([
      '100000',
      '1e+21',
      '1e-05',
      '0.0001',
      '1.5',
      '-Inf',
    ]);
    expect([goFixed(1.23), goFixed(-0.7071067811865476), goFixed(NaN), goFixed(1e22)]).toEqual(['1.230000', '-0.707107', 'NaN', '10000000000000000000000.000000']);
  });

  it('formats timestamps like Go time.Time.String()', () => {
    expect(goTime(START)).toBe('2020-02-11 20:26:12.000000321 +0000 UTC');
    expect(goTime(0n)).toBe('1970-01-01 00:00:00 +0000 UTC');
    expect(goTime(1_500_000_000n)).toBe('1970-01-01 00:00:01.5 +0000 UTC');
  });
});

describe('basic verbosity', () => {
  it('one summary line per batch for each signal', () => {
    expect(renderSummary('traces', twoSpans())).toBe('Traces {"resource spans": 1, "spans": 2}');
    expect(renderSummary('metrics', metricsOf([gaugeOf('g', [1])]))).toBe('Metrics {"resource metrics": 1, "metrics": 1, "data points": 1}');
    expect(renderSummary('logs', embeddedLogs())).toBe('Logs {"resource logs": 1, "log records": 1}');
    expect(render('basic', 'traces', twoSpans())).toEqual(['Traces {"resource spans": 1, "spans": 2}']);
  });
});

describe('normal verbosity', () => {
  it('traces: one line per span with ids and inline attributes', () => {
    expect(renderNormal('traces', twoSpans()).split('\n')).toEqual([
      'ResourceTraces #0 resource-attr=resource-attr-val-1',
      'ScopeTraces #0 lib@1.2',
      `operationA ${TRACE} ${SPAN}`,
      'operationB   http.status=200 ok=true',
    ]);
  });

  it('logs: body and attributes', () => {
    expect(renderNormal('logs', embeddedLogs()).split('\n')).toEqual([
      'ResourceLog #0',
      'ScopeLog #0',
      '{"key1":"val1","key2":{"key21":"val21","key22":"val22"}} key1={"key11":"val11","key13":{"key131":"val131"}} key2=val2',
    ]);
  });

  it('metrics: one line per data point', () => {
    expect(renderNormal('metrics', allMetricKinds()).split('\n')).toEqual([
      'ResourceMetrics #0 resource-attr=resource-attr-val-1',
      'ScopeMetrics #0',
      'gauge-int{label-1=label-value-1} 123',
      'sum-double{label-1=label-value-1,label-2=label-value-2} 1.23',
      'histogram{label-2=label-value-2} count=1 sum=15 min=15 max=15 le1=0 1',
      'exponential-histogram{} count=5 sum=0.15',
      'summary{label-2=label-value-2} count=1 sum=15.000000 q0.01=15',
    ]);
  });

  it('shows resource and scope schema URLs', () => {
    const t = twoSpans();
    t.resourceSpans[0].schemaUrl = 'https://s/1';
    t.resourceSpans[0].scopeSpans[0].schemaUrl = 'https://s/2';
    const lines = renderNormal('traces', t).split('\n');
    expect(lines[0]).toBe('ResourceTraces #0 [https://s/1] resource-attr=resource-attr-val-1');
    expect(lines[1]).toBe('ScopeTraces #0 lib@1.2 [https://s/2]');
  });
});

describe('detailed verbosity', () => {
  it('traces: the full dump', () => {
    expect(renderDetailed('traces', twoSpans()).split('\n')).toEqual([
      'ResourceSpans #0',
      'Resource SchemaURL: ',
      'Resource attributes:',
      '     -> resource-attr: Str(resource-attr-val-1)',
      'ScopeSpans #0',
      'ScopeSpans SchemaURL: ',
      'InstrumentationScope lib 1.2',
      'Span #0',
      `    Trace ID       : ${TRACE}`,
      '    Parent ID      : ',
      `    ID             : ${SPAN}`,
      '    Name           : operationA',
      '    Kind           : Unspecified',
      '    TraceState     : ot=th:0',
      '    Start time     : 2020-02-11 20:26:12.000000321 +0000 UTC',
      '    End time       : 2020-02-11 20:26:13.000000789 +0000 UTC',
      '    Status code    : Error',
      '    Status message : status-cancelled',
      '    DroppedAttributesCount: 1',
      '    DroppedEventsCount: 1',
      '    DroppedLinksCount: 0',
      'Events:',
      'SpanEvent #0',
      '     -> Name: event-with-attr',
      '     -> Timestamp: 2020-02-11 20:26:13.000000123 +0000 UTC',
      '     -> DroppedAttributesCount: 2',
      '     -> Attributes::',
      '          -> span-event-attr: Str(span-event-attr-val)',
      'SpanEvent #1',
      '     -> Name: event',
      '     -> Timestamp: 2020-02-11 20:26:13.000000123 +0000 UTC',
      '     -> DroppedAttributesCount: 2',
      'Span #1',
      '    Trace ID       : ',
      '    Parent ID      : ',
      '    ID             : ',
      '    Name           : operationB',
      '    Kind           : Server',
      '    Start time     : 2020-02-11 20:26:12.000000321 +0000 UTC',
      '    End time       : 2020-02-11 20:26:13.000000789 +0000 UTC',
      '    Status code    : Unset',
      '    Status message : ',
      '    DroppedAttributesCount: 0',
      '    DroppedEventsCount: 0',
      '    DroppedLinksCount: 3',
      'Attributes:',
      '     -> http.status: Int(200)',
      '     -> ok: Bool(true)',
      'Links:',
      'SpanLink #0',
      `     -> Trace ID: ${TRACE}`,
      `     -> ID: ${SPAN}`,
      '     -> TraceState: ',
      '     -> DroppedAttributesCount: 4',
      '     -> Attributes::',
      '          -> span-link-attr: Str(span-link-attr-val)',
    ]);
  });

  it('logs: the full dump', () => {
    expect(renderDetailed('logs', embeddedLogs()).split('\n')).toEqual([
      'ResourceLog #0',
      'Resource SchemaURL: ',
      'ScopeLogs #0',
      'ScopeLogs SchemaURL: ',
      'InstrumentationScope  ',
      'LogRecord #0',
      'ObservedTimestamp: 1970-01-01 00:00:00 +0000 UTC',
      'Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC',
      'SeverityText: INFO',
      'SeverityNumber: Info(9)',
      'EventName: my.event',
      'Body: Map({"key1":"val1","key2":{"key21":"val21","key22":"val22"}})',
      'Attributes:',
      '     -> key1: Map({"key11":"val11","key13":{"key131":"val131"}})',
      '     -> key2: Str(val2)',
      'Trace ID: ',
      'Span ID: ',
      'Flags: 0',
    ]);
  });

  it('metrics: descriptors, all five kinds, buckets and exemplars', () => {
    const text = renderDetailed('metrics', allMetricKinds());
    const has = (block: string[]) => expect(text).toContain(block.join('\n'));
    has(['ResourceMetrics #0', 'Resource SchemaURL: ', 'Resource attributes:', '     -> resource-attr: Str(resource-attr-val-1)', 'ScopeMetrics #0']);
    has([
      'Metric #0',
      'Descriptor:',
      '     -> Name: gauge-int',
      '     -> Description: ',
      '     -> Unit: 1',
      '     -> DataType: Gauge',
      'NumberDataPoints #0',
      'Data point attributes:',
      '     -> label-1: Str(label-value-1)',
      'StartTimestamp: 2020-02-11 20:26:12.000000321 +0000 UTC',
      'Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC',
      'Value: 123',
    ]);
    has([
      '     -> DataType: Sum',
      '     -> Metadata:',
      '          -> meta.key: Str(meta-value)',
      '     -> IsMonotonic: true',
      '     -> AggregationTemporality: Cumulative',
    ]);
    has(['Value: 1.230000']);
    has([
      'Count: 1',
      'Sum: 15.000000',
      'Min: 15.000000',
      'Max: 15.000000',
      'ExplicitBounds #0: 1.000000',
      'Buckets #0, Count: 0',
      'Buckets #1, Count: 1',
      'Exemplars:',
      'Exemplar #0',
      `     -> Trace ID: ${TRACE}`,
      `     -> Span ID: ${SPAN}`,
      '     -> Timestamp: 2020-02-11 20:26:13.000000123 +0000 UTC',
      '     -> Value: 15.000000',
      '     -> FilteredAttributes:',
      '          -> exemplar-attachment: Str(exemplar-attachment-value)',
    ]);
    has([
      '     -> DataType: ExponentialHistogram',
      '     -> AggregationTemporality: Delta',
      'ExponentialHistogramDataPoints #0',
      'StartTimestamp: 2020-02-11 20:26:12.000000321 +0000 UTC',
      'Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC',
      'Count: 5',
      'Sum: 0.150000',
      'Bucket [-1.414214, -1.000000), Count: 1',
      'Bucket [-1.000000, -0.707107), Count: 1',
      'Bucket [0, 0], Count: 1',
      'Bucket (1.414214, 2.000000], Count: 1',
      'Bucket (2.000000, 2.828427], Count: 1',
      'Exemplars:',
    ]);
    has(['     -> Value: 15', '     -> FilteredAttributes:']);
    has(['SummaryDataPoints #0', 'Data point attributes:', '     -> label-2: Str(label-value-2)']);
    has(['Count: 1', 'Sum: 15.000000', 'QuantileValue #0: Quantile 0.010000, Value 15.000000']);
  });

  it('render() puts the summary first, then the dump as a second entry', () => {
    const out = render('detailed', 'logs', embeddedLogs());
    expect(out).toHaveLength(2);
    expect(out[0]).toBe('Logs {"resource logs": 1, "log records": 1}');
    expect(out[1].startsWith('ResourceLog #0\n')).toBe(true);
    expect(render('normal', 'traces', { resourceSpans: [] })).toEqual(['Traces {"resource spans": 0, "spans": 0}']);
  });
});
