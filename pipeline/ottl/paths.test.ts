import { describe, expect, it } from 'vitest';
import { attrs, gaugeOf, newLogRecord, newSpan } from '../builders.js';
import {
  AggregationTemporality,
  SpanKind,
  StatusCode,
  type InstrumentationScope,
  type Metric,
  type Resource,
  type Span,
  type SpanEvent,
} from '../model.js';
import { decodeProfiles as decodeProfilesJson } from '../otlpjson/index.js';
import { compileCondition, compileStatement } from './compile.js';
import { OttlParseError, OttlRuntimeError } from './errors.js';
import { describePaths, type ContextItems, type DataPointItem, type OttlContext } from './contexts.js';
import type { AnyValue as Value } from '../model.js';

const resource: Resource = { attributes: attrs({ 'service.name': 'svc' }), droppedAttributesCount: 4 };
const scope: InstrumentationScope = { name: 'lib', version: '2.0', attributes: attrs({ 'scope.attr': 'sa' }), droppedAttributesCount: 5 };

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const PARENT_ID = '00f067aa0ba902b7';
const hexBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

const span: Span = newSpan({
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  parentSpanId: PARENT_ID,
  traceState: 'vendor=a',
  name: 'GET /users',
  kind: SpanKind.Client,
  status: { code: StatusCode.Error, message: 'bad' },
  startTimeUnixNano: 1_700_000_000_000_000_001n,
  endTimeUnixNano: 1_700_000_000_500_000_001n,
  attributes: attrs({ 'http.method': 'GET' }),
  droppedAttributesCount: 1,
  droppedEventsCount: 2,
  droppedLinksCount: 3,
  flags: 257,
});

const event: SpanEvent = { name: 'exception', timeUnixNano: 1_700_000_000_100_000_000n, attributes: attrs({ 'exception.type': 'E' }), droppedAttributesCount: 6 };

/** Renders a value as an OTTL literal; undefined for maps and lists, which have none. */
function literal(v: Value): string | undefined {
  if (v === null) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isInteger(v) ? `${v}.0` : String(v);
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
  return undefined;
}

const TYPE_CHECK: Record<string, string> = { bigint: 'IsInt', number: 'IsDouble', string: 'IsString', boolean: 'IsBool' };

type Expected = Value | { list: number } | { map: number } | { time: bigint };

function checkPath<C extends OttlContext>(context: C, item: ContextItems[C], expr: string, expected: Expected): void {
  const holds = (cond: string): boolean => compileCondition(cond, context)(item);
  if (expected !== null && typeof expected === 'object' && 'time' in expected) {
    expect(holds(`${expr} == Unix(0, ${expected.time})`), `${expr} is the time ${expected.time}`).toBe(true);
    expect(holds(`UnixNano(${expr}) == ${expected.time}`), `UnixNano(${expr})`).toBe(true);
    return;
  }
  if (expected !== null && typeof expected === 'object' && !(expected instanceof Uint8Array) && !(expected instanceof Map) && !Array.isArray(expected)) {
    const [kind, len] = 'list' in expected ? ['IsList', expected.list] : ['IsMap', (expected as { map: number }).map];
    expect(holds(`${kind}(${expr})`), `${kind}(${expr})`).toBe(true);
    expect(holds(`Len(${expr}) == ${len}`), `Len(${expr}) == ${len}`).toBe(true);
    return;
  }
  const lit = literal(expected as Value)!;
  expect(holds(`${expr} == ${lit}`), `${expr} == ${lit}`).toBe(true);
  expect(holds(`${expr} != ${lit}`), `${expr} != ${lit}`).toBe(false);
  const check = TYPE_CHECK[typeof expected];
  if (check) expect(holds(`${check}(${expr})`), `${check}(${expr})`).toBe(true);
}

/** Checks every listed path and that the list covers every path the context offers. */
function checkContext<C extends OttlContext>(context: C, item: ContextItems[C], table: Record<string, Expected>): void {
  const covered = new Set(Object.keys(table).map((k) => k.replace(/\[.*$/, '')));
  expect([...covered].sort()).toEqual(describePaths(context).map((p) => p.replace('[...]', '')).sort());
  for (const [expr, expected] of Object.entries(table)) checkPath(context, item, expr, expected);
}

const RESOURCE_AND_SCOPE = {
  cache: { map: 0 },
  'resource.attributes["service.name"]': 'svc',
  'resource.dropped_attributes_count': 4n,
  'instrumentation_scope.name': 'lib',
  'instrumentation_scope.version': '2.0',
  'instrumentation_scope.attributes["scope.attr"]': 'sa',
  'instrumentation_scope.dropped_attributes_count': 5n,
};

const spanTable = (prefix: string) => ({
  [`${prefix}trace_id`]: hexBytes(TRACE_ID),
  [`${prefix}trace_id.string`]: TRACE_ID,
  [`${prefix}span_id`]: hexBytes(SPAN_ID),
  [`${prefix}span_id.string`]: SPAN_ID,
  [`${prefix}parent_span_id`]: hexBytes(PARENT_ID),
  [`${prefix}parent_span_id.string`]: PARENT_ID,
  [`${prefix}trace_state`]: 'vendor=a',
  [`${prefix}name`]: 'GET /users',
  [`${prefix}kind`]: 3n,
  [`${prefix}status.code`]: 2n,
  [`${prefix}status.message`]: 'bad',
  [`${prefix}start_time_unix_nano`]: 1_700_000_000_000_000_001n,
  [`${prefix}end_time_unix_nano`]: 1_700_000_000_500_000_001n,
  [`${prefix}start_time`]: { time: 1_700_000_000_000_000_001n },
  [`${prefix}end_time`]: { time: 1_700_000_000_500_000_001n },
  [`${prefix}attributes["http.method"]`]: 'GET',
  [`${prefix}dropped_attributes_count`]: 1n,
  [`${prefix}dropped_events_count`]: 2n,
  [`${prefix}dropped_links_count`]: 3n,
  [`${prefix}flags`]: 257n,
});

describe('resource context', () => {
  it('reads every path, with or without the resource. prefix', () => {
    checkContext('resource', { resource }, { 'attributes["service.name"]': 'svc', dropped_attributes_count: 4n, cache: { map: 0 } });
    checkPath('resource', { resource }, 'resource.attributes["service.name"]', 'svc');
  });
});

describe('span context', () => {
  it('reads every path', () => {
    checkContext('span', { span, scope, resource }, { ...spanTable(''), ...RESOURCE_AND_SCOPE });
  });

  it('reads absent ids as zeros, as pdata does', () => {
    const item = { span: newSpan(), scope, resource };
    checkPath('span', item, 'trace_id.string', '0'.repeat(32));
    checkPath('span', item, 'parent_span_id.string', '0'.repeat(16));
    checkPath('span', item, 'span_id', new Uint8Array(8));
  });

  it('returns whole maps for key-less attribute paths', () => {
    const item = { span, scope, resource };
    checkPath('span', item, 'attributes', { map: 1 });
    checkPath('span', item, 'resource.attributes', { map: 1 });
    checkPath('span', item, 'instrumentation_scope.attributes', { map: 1 });
  });

  it('accepts scope.* for instrumentation_scope.*', () => {
    checkPath('span', { span, scope, resource }, 'scope.version', '2.0');
  });
});

describe('spanevent context', () => {
  it('reads every path, including the owning span', () => {
    checkContext('spanevent', { event, span, scope, resource }, {
      name: 'exception',
      time_unix_nano: 1_700_000_000_100_000_000n,
      time: { time: 1_700_000_000_100_000_000n },
      'attributes["exception.type"]': 'E',
      dropped_attributes_count: 6n,
      ...spanTable('span.'),
      ...RESOURCE_AND_SCOPE,
    });
  });

  it('accepts spanevent.* for the event itself', () => {
    checkPath('spanevent', { event, span, scope, resource }, 'spanevent.name', 'exception');
  });
});

describe('log context', () => {
  const log = newLogRecord({
    timeUnixNano: 1_700_000_000_000_000_002n,
    observedTimeUnixNano: 1_700_000_000_000_000_003n,
    severityNumber: 13,
    severityText: 'WARN',
    body: attrs({ msg: 'hello', n: 1, nested: { list: ['a', 'b'] } }),
    attributes: attrs({ 'log.file.name': 'app.log' }),
    droppedAttributesCount: 7,
    flags: 1,
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    eventName: 'user.login',
  });

  it('reads every path', () => {
    checkContext('log', { log, scope, resource }, {
      'body["msg"]': 'hello',
      'body.string': '{"msg":"hello","n":1,"nested":{"list":["a","b"]}}',
      severity_number: 13n,
      severity_text: 'WARN',
      time_unix_nano: 1_700_000_000_000_000_002n,
      observed_time_unix_nano: 1_700_000_000_000_000_003n,
      time: { time: 1_700_000_000_000_000_002n },
      observed_time: { time: 1_700_000_000_000_000_003n },
      'attributes["log.file.name"]': 'app.log',
      dropped_attributes_count: 7n,
      trace_id: hexBytes(TRACE_ID),
      'trace_id.string': TRACE_ID,
      span_id: hexBytes(SPAN_ID),
      'span_id.string': SPAN_ID,
      flags: 1n,
      event_name: 'user.login',
      ...RESOURCE_AND_SCOPE,
    });
  });

  it('indexes nested bodies and reads bodies of every type', () => {
    const item = { log, scope, resource };
    checkPath('log', item, 'body["nested"]["list"][1]', 'b');
    checkPath('log', item, 'body', { map: 3 });
    const withBody = (body: Value) => ({ log: newLogRecord({ body }), scope, resource });
    checkPath('log', withBody('plain text'), 'body', 'plain text');
    checkPath('log', withBody('plain text'), 'body.string', 'plain text');
    checkPath('log', withBody(12n), 'body.string', '12');
    checkPath('log', withBody(1.5), 'body.string', '1.5');
    checkPath('log', withBody(Uint8Array.from([1, 2])), 'body.string', 'AQI=');
    checkPath('log', withBody(null), 'body', null);
    checkPath('log', withBody(null), 'body.string', '');
    checkPath('log', withBody(['x']), 'body[0]', 'x');
  });

  it('compares severities with enums', () => {
    const item = { log, scope, resource };
    expect(compileCondition('severity_number == SEVERITY_NUMBER_WARN', 'log')(item)).toBe(true);
    expect(compileCondition('severity_number < SEVERITY_NUMBER_WARN', 'log')(item)).toBe(false);
    expect(compileCondition('severity_number < SEVERITY_NUMBER_ERROR', 'log')(item)).toBe(true);
    expect(compileCondition('severity_number >= SEVERITY_NUMBER_INFO4', 'log')(item)).toBe(true);
    expect(compileCondition('log.severity_text == "WARN"', 'log')(item)).toBe(true);
  });
});

const sumMetric: Metric = {
  name: 'http.requests',
  description: 'requests served',
  unit: '{request}',
  metadata: attrs({ origin: 'sdk' }),
  data: {
    type: 'sum',
    aggregationTemporality: AggregationTemporality.Cumulative,
    isMonotonic: true,
    dataPoints: [
      { attributes: attrs({ route: '/a' }), startTimeUnixNano: 10n, timeUnixNano: 20n, value: 7n, exemplars: [], flags: 1 },
      { attributes: attrs({ route: '/b' }), startTimeUnixNano: 10n, timeUnixNano: 20n, value: 2.5, exemplars: [], flags: 0 },
    ],
  },
};

const METRIC_FIELDS = {
  name: 'http.requests',
  description: 'requests served',
  unit: '{request}',
  type: 2n,
  aggregation_temporality: 2n,
  is_monotonic: true,
  'metadata["origin"]': 'sdk',
};

describe('metric context', () => {
  it('reads every path', () => {
    checkContext('metric', { metric: sumMetric, scope, resource }, { ...METRIC_FIELDS, ...RESOURCE_AND_SCOPE });
  });

  it('reads nil temporality and monotonicity where the type has none', () => {
    const item = { metric: gaugeOf('g', [1]), scope, resource };
    checkPath('metric', item, 'type', 1n);
    checkPath('metric', item, 'aggregation_temporality', null);
    checkPath('metric', item, 'is_monotonic', null);
    expect(compileCondition('type == METRIC_DATA_TYPE_GAUGE', 'metric')(item)).toBe(true);
    expect(compileCondition('metric.name == "g"', 'metric')(item)).toBe(true);
  });

  it('maps every data type to its enum', () => {
    const types: [Metric['data'], string][] = [
      [{ type: 'gauge', dataPoints: [] }, 'METRIC_DATA_TYPE_GAUGE'],
      [{ type: 'sum', dataPoints: [], aggregationTemporality: 1, isMonotonic: false }, 'METRIC_DATA_TYPE_SUM'],
      [{ type: 'histogram', dataPoints: [], aggregationTemporality: 1 }, 'METRIC_DATA_TYPE_HISTOGRAM'],
      [{ type: 'exponentialHistogram', dataPoints: [], aggregationTemporality: 1 }, 'METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM'],
      [{ type: 'summary', dataPoints: [] }, 'METRIC_DATA_TYPE_SUMMARY'],
    ];
    for (const [data, name] of types) {
      const item = { metric: { ...sumMetric, data }, scope, resource };
      expect(compileCondition(`type == ${name}`, 'metric')(item), name).toBe(true);
    }
    const delta = { metric: { ...sumMetric, data: { ...sumMetric.data, aggregationTemporality: 1 } as Metric['data'] }, scope, resource };
    expect(compileCondition('aggregation_temporality == AGGREGATION_TEMPORALITY_DELTA', 'metric')(delta)).toBe(true);
  });
});

describe('datapoint context', () => {
  const intPoint: DataPointItem = { dataPoint: sumMetric.data.dataPoints[0], metric: sumMetric, scope, resource };
  const NIL_FOR_NUMBER_POINTS = {
    count: null,
    sum: null,
    bucket_counts: null,
    explicit_bounds: null,
    scale: null,
    zero_count: null,
    'positive.offset': null,
    'positive.bucket_counts': null,
    'negative.offset': null,
    'negative.bucket_counts': null,
  };

  it('reads every path of a number point', () => {
    checkContext('datapoint', intPoint, {
      'attributes["route"]': '/a',
      start_time_unix_nano: 10n,
      time_unix_nano: 20n,
      start_time: { time: 10n },
      time: { time: 20n },
      value_double: 0, // the int point's double reads as zero, as pdata's DoubleValue()
      value_int: 7n,
      value: 7n,
      flags: 1n,
      ...NIL_FOR_NUMBER_POINTS,
      ...Object.fromEntries(Object.entries(METRIC_FIELDS).map(([k, v]) => [`metric.${k}`, v])),
      ...RESOURCE_AND_SCOPE,
    });
  });

  it('reads double values', () => {
    const item: DataPointItem = { ...intPoint, dataPoint: sumMetric.data.dataPoints[1] };
    checkPath('datapoint', item, 'value_double', 2.5);
    checkPath('datapoint', item, 'value_int', 0n);
    checkPath('datapoint', item, 'value', 2.5);
    expect(compileCondition('value > 2', 'datapoint')(item)).toBe(true);
  });

  it('reads histogram points', () => {
    const metric: Metric = {
      ...sumMetric,
      data: {
        type: 'histogram',
        aggregationTemporality: AggregationTemporality.Delta,
        dataPoints: [
          { attributes: new Map(), startTimeUnixNano: 1n, timeUnixNano: 2n, count: 6, sum: 12.5, bucketCounts: [1, 2, 3], explicitBounds: [1, 5], exemplars: [], flags: 0 },
        ],
      },
    };
    const item: DataPointItem = { dataPoint: metric.data.dataPoints[0], metric, scope, resource };
    checkPath('datapoint', item, 'count', 6n);
    checkPath('datapoint', item, 'sum', 12.5);
    checkPath('datapoint', item, 'bucket_counts', { list: 3 });
    checkPath('datapoint', item, 'bucket_counts[2]', 3n);
    checkPath('datapoint', item, 'explicit_bounds[1]', 5);
    checkPath('datapoint', item, 'value_double', null);
    checkPath('datapoint', item, 'value', null);
    checkPath('datapoint', item, 'scale', null);
    checkPath('datapoint', item, 'metric.type', 3n);
    const noSum: DataPointItem = { ...item, dataPoint: { ...(item.dataPoint as object), sum: undefined } as DataPointItem['dataPoint'] };
    checkPath('datapoint', noSum, 'sum', 0);
  });

  it('reads exponential histogram points', () => {
    const metric: Metric = {
      ...sumMetric,
      data: {
        type: 'exponentialHistogram',
        aggregationTemporality: AggregationTemporality.Delta,
        dataPoints: [
          {
            attributes: new Map(),
            startTimeUnixNano: 1n,
            timeUnixNano: 2n,
            count: 4,
            sum: 3.5,
            scale: 3,
            zeroCount: 1,
            positive: { offset: 2, bucketCounts: [1, 1] },
            negative: { offset: -1, bucketCounts: [1] },
            flags: 0,
            exemplars: [],
            zeroThreshold: 0,
          },
        ],
      },
    };
    const item: DataPointItem = { dataPoint: metric.data.dataPoints[0], metric, scope, resource };
    checkPath('datapoint', item, 'count', 4n);
    checkPath('datapoint', item, 'sum', 3.5);
    checkPath('datapoint', item, 'scale', 3n);
    checkPath('datapoint', item, 'zero_count', 1n);
    checkPath('datapoint', item, 'positive.offset', 2n);
    checkPath('datapoint', item, 'positive.bucket_counts', { list: 2 });
    checkPath('datapoint', item, 'negative.offset', -1n);
    checkPath('datapoint', item, 'negative.bucket_counts[0]', 1n);
    checkPath('datapoint', item, 'bucket_counts', null);
  });

  it('reads summary points', () => {
    const metric: Metric = {
      ...sumMetric,
      data: {
        type: 'summary',
        dataPoints: [{ attributes: attrs({ q: 'x' }), startTimeUnixNano: 1n, timeUnixNano: 2n, count: 9, sum: 99.5, quantileValues: [], flags: 0 }],
      },
    };
    const item: DataPointItem = { dataPoint: metric.data.dataPoints[0], metric, scope, resource };
    checkPath('datapoint', item, 'count', 9n);
    checkPath('datapoint', item, 'sum', 99.5);
    checkPath('datapoint', item, 'metric.aggregation_temporality', null);
    checkPath('datapoint', item, 'metric.type', 5n);
  });

  it('accepts datapoint.* for the point itself', () => {
    checkPath('datapoint', intPoint, 'datapoint.value_int', 7n);
  });

  it('knows metric enums but not span enums', () => {
    expect(compileCondition('metric.type == METRIC_DATA_TYPE_SUM', 'datapoint')(intPoint)).toBe(true);
    expect(() => compileCondition('metric.type == SPAN_KIND_SERVER', 'datapoint')).toThrow(/unknown enum SPAN_KIND_SERVER; the datapoint context knows/);
  });
});

describe('profile context', () => {
  const PROFILE_ID = '0123456789abcdef0123456789abcdef';
  /** One profile with every field its paths read, and the dictionary they resolve through. */
  const request = (profile: Record<string, unknown>, dictionary: Record<string, unknown>) =>
    decodeProfilesJson({ resourceProfiles: [{ resource: {}, scopeProfiles: [{ scope: {}, profiles: [profile] }] }], dictionary });
  const DICTIONARY = {
    stringTable: ['', 'cpu', 'nanoseconds', 'thread.name', 'process.pid', 'wall'],
    attributeTable: [{}, { keyStrindex: 3, value: { stringValue: 'main' } }, { keyStrindex: 4, value: { intValue: '42' } }],
  };
  const FULL = {
    sampleType: { typeStrindex: 1, unitStrindex: 2 },
    samples: [{ stackIndex: 0, values: ['5'] }],
    timeUnixNano: '1767225600000000001',
    durationNano: '10000000000',
    periodType: { typeStrindex: 5, unitStrindex: 2 },
    period: '10000000',
    profileId: PROFILE_ID,
    droppedAttributesCount: 3,
    originalPayloadFormat: 'pprof',
    originalPayload: Buffer.from([1, 2, 3]).toString('base64'),
    attributeIndices: [1, 2],
  };
  const itemOf = (profiles: ReturnType<typeof decodeProfilesJson>): ContextItems['profile'] => ({
    profile: profiles.resourceProfiles[0].scopeProfiles[0].profiles[0],
    dictionary: profiles.dictionary,
    scope,
    resource,
  });

  it('reads every path from the profile bytes, resolving attributes and value types through the dictionary', () => {
    const item = itemOf(request(FULL, DICTIONARY));
    const before = Buffer.from(item.profile.encoded);
    checkContext('profile', item, {
      profile_id: hexBytes(PROFILE_ID),
      'profile_id.string': PROFILE_ID,
      'attributes["thread.name"]': 'main',
      attribute_indices: { list: 2 },
      dropped_attributes_count: 3n,
      time_unix_nano: 1_767_225_600_000_000_001n,
      time: { time: 1_767_225_600_000_000_001n },
      duration_unix_nano: 10_000_000_000n,
      duration: 10_000_000_000n,
      period: 10_000_000n,
      'sample_type.type': 'cpu',
      'sample_type.unit': 'nanoseconds',
      'period_type.type': 'wall',
      'period_type.unit': 'nanoseconds',
      original_payload_format: 'pprof',
      original_payload: Uint8Array.from([1, 2, 3]),
      ...RESOURCE_AND_SCOPE,
    });
    checkPath('profile', item, 'profile.attributes["process.pid"]', 42n);
    checkPath('profile', item, 'profile.attributes', { map: 2 });
    checkPath('profile', item, 'profile.attribute_indices[1]', 2n);
    checkPath('profile', item, 'attributes["absent"]', null);
    expect(Buffer.from(item.profile.encoded)).toEqual(before);
  });

  it('reads a profile without fields as upstream: zero id, zero times, the string at index 0, no attributes', () => {
    const item = itemOf(request({}, DICTIONARY));
    checkPath('profile', item, 'profile_id.string', '0'.repeat(32));
    checkPath('profile', item, 'time_unix_nano', 0n);
    checkPath('profile', item, 'sample_type.type', '');
    checkPath('profile', item, 'attributes', { map: 0 });
    expect(compileCondition('Len(original_payload) == 0', 'profile')(item)).toBe(true);
  });

  it('fails at run time, naming the index, when the profile points outside the dictionary', () => {
    const item = itemOf(request({ attributeIndices: [7], sampleType: { typeStrindex: 9 } }, DICTIONARY));
    expect(() => compileCondition('attributes["thread.name"] == "main"', 'profile')(item)).toThrow(
      new OttlRuntimeError("profile attribute_indices[0] is 7, outside the dictionary's attribute_table (3 entries)", 'attributes["thread.name"] == "main"'),
    );
    expect(() => compileCondition('sample_type.type == "cpu"', 'profile')(item)).toThrow(/path "sample_type.type" with strindex 9 is out of range \(the dictionary has 6 strings\)/);
    const noDictionary = itemOf(request({ sampleType: {} }, {}));
    expect(() => compileCondition('sample_type.unit == ""', 'profile')(noDictionary)).toThrow(/strindex 0 is out of range \(the dictionary has 0 strings\)/);
  });

  it('is read-only: no statement can target a profile path', () => {
    expect(() => compileStatement('set(attributes["k"], "v")', 'profile')).toThrow(OttlParseError);
    expect(() => compileStatement('set(profile.original_payload_format, "x")', 'profile')).toThrow(OttlParseError);
    expect(() => compileCondition('sample == 1', 'profile')).toThrow(/unknown path "sample" in the profile context; valid paths: profile_id, profile_id.string, attributes\[...\]/);
  });
});
