import type {
  Attributes,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  InstrumentationScope,
  LogRecord,
  Metric,
  NumberDataPoint,
  Resource,
  Span,
  SpanEvent,
  SummaryDataPoint,
} from '../model.js';
import { METRIC_TYPE_VALUE } from './enums.js';
import { toStringLike, type Value } from './values.js';

/** What a condition sees in each context: the item plus the scope and resource that own it. */
export interface ResourceItem {
  resource: Resource;
}

export interface SpanItem {
  span: Span;
  scope: InstrumentationScope;
  resource: Resource;
}

export interface SpanEventItem {
  event: SpanEvent;
  span: Span;
  scope: InstrumentationScope;
  resource: Resource;
}

export interface LogItem {
  log: LogRecord;
  scope: InstrumentationScope;
  resource: Resource;
}

export interface MetricItem {
  metric: Metric;
  scope: InstrumentationScope;
  resource: Resource;
}

export type DataPoint = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint;

/** `dataPoint` must belong to `metric` (its shape is read from `metric.data.type`). */
export interface DataPointItem {
  dataPoint: DataPoint;
  metric: Metric;
  scope: InstrumentationScope;
  resource: Resource;
}

export interface ContextItems {
  resource: ResourceItem;
  span: SpanItem;
  spanevent: SpanEventItem;
  log: LogItem;
  metric: MetricItem;
  datapoint: DataPointItem;
}

/** Context names as the filter processor's config uses them. */
export type OttlContext = keyof ContextItems;
export const OTTL_CONTEXTS: readonly OttlContext[] = ['resource', 'span', 'spanevent', 'log', 'metric', 'datapoint'];

export interface PathSpec<T> {
  get: (item: T) => Value;
  /** For int64 fields the model keeps as a JS number: lets comparisons with constants skip BigInt. */
  num?: (item: T) => number;
  /** `map`: a map whose first key must be a string (attributes); `value`: checked when evaluated (body, lists). */
  index?: 'map' | 'value';
}

export interface PathTable<T> {
  /** Canonical names, in the order the docs and error messages list them. */
  paths: Map<string, PathSpec<T>>;
  /** Other spellings accepted for the same paths (`scope.*` for `instrumentation_scope.*`). */
  aliases: Map<string, PathSpec<T>>;
}

// Most int fields are small; reuse their bigints instead of allocating one per evaluation.
const SMALL_INTS = Array.from({ length: 256 }, (_, i) => BigInt(i));
const toInt = (n: number): bigint => SMALL_INTS[n] ?? BigInt(n);

type Add<T> = (name: string, spec: PathSpec<T>) => void;

const str = <T>(f: (it: T) => string): PathSpec<T> => ({ get: f });
const int = <T>(f: (it: T) => number): PathSpec<T> => ({ get: (it) => toInt(f(it)), num: f });
const nanos = <T>(f: (it: T) => bigint): PathSpec<T> => ({ get: f });
const attrMap = <T>(f: (it: T) => Attributes): PathSpec<T> => ({ get: f, index: 'map' });

// pdata ids are fixed-size arrays; an absent id reads as all zeros upstream, so "" does too here.
const ZERO_HEX = { 16: '0'.repeat(32), 8: '0'.repeat(16) } as const;
function idPaths<T>(add: Add<T>, name: string, f: (it: T) => string, bytes: 16 | 8): void {
  add(name, { get: (it) => (f(it) === '' ? new Uint8Array(bytes) : Uint8Array.from(Buffer.from(f(it), 'hex'))) });
  add(`${name}.string`, str((it) => f(it) || ZERO_HEX[bytes]));
}

function resourceAndScope<T extends { resource: Resource; scope: InstrumentationScope }>(add: Add<T>, alias: Add<T>): void {
  add('resource.attributes', attrMap((it) => it.resource.attributes));
  add('resource.dropped_attributes_count', int((it) => it.resource.droppedAttributesCount));
  const scope: [string, PathSpec<T>][] = [
    ['name', str((it) => it.scope.name)],
    ['version', str((it) => it.scope.version)],
    ['attributes', attrMap((it) => it.scope.attributes)],
    ['dropped_attributes_count', int((it) => it.scope.droppedAttributesCount)],
  ];
  for (const [name, spec] of scope) add(`instrumentation_scope.${name}`, spec);
  for (const [name, spec] of scope) alias(`scope.${name}`, spec);
}

function spanPaths<T>(add: Add<T>, prefix: string, get: (it: T) => Span): void {
  const p = (name: string): string => prefix + name;
  idPaths(add, p('trace_id'), (it) => get(it).traceId, 16);
  idPaths(add, p('span_id'), (it) => get(it).spanId, 8);
  idPaths(add, p('parent_span_id'), (it) => get(it).parentSpanId, 8);
  add(p('trace_state'), str((it) => get(it).traceState));
  add(p('name'), str((it) => get(it).name));
  add(p('kind'), int((it) => get(it).kind));
  add(p('status.code'), int((it) => get(it).status.code));
  add(p('status.message'), str((it) => get(it).status.message));
  add(p('start_time_unix_nano'), nanos((it) => get(it).startTimeUnixNano));
  add(p('end_time_unix_nano'), nanos((it) => get(it).endTimeUnixNano));
  add(p('attributes'), attrMap((it) => get(it).attributes));
  add(p('dropped_attributes_count'), int((it) => get(it).droppedAttributesCount));
  add(p('dropped_events_count'), int((it) => get(it).droppedEventsCount));
  add(p('dropped_links_count'), int((it) => get(it).droppedLinksCount));
  add(p('flags'), int((it) => get(it).flags));
}

function metricPaths<T>(add: Add<T>, prefix: string, get: (it: T) => Metric): void {
  const p = (name: string): string => prefix + name;
  add(p('name'), str((it) => get(it).name));
  add(p('description'), str((it) => get(it).description));
  add(p('unit'), str((it) => get(it).unit));
  add(p('type'), { get: (it) => METRIC_TYPE_VALUE[get(it).data.type] ?? 0n });
  add(p('aggregation_temporality'), {
    get: (it) => {
      const d = get(it).data;
      return d.type === 'gauge' || d.type === 'summary' ? null : toInt(d.aggregationTemporality);
    },
  });
  add(p('is_monotonic'), { get: (it) => (get(it).data.type === 'sum' ? (get(it).data as { isMonotonic: boolean }).isMonotonic : null) });
  add(p('metadata'), attrMap((it) => get(it).metadata));
}

function dataPointPaths(add: Add<DataPointItem>): void {
  type It = DataPointItem;
  const kind = (it: It): string => it.metric.data.type;
  const isNumber = (it: It): boolean => kind(it) === 'gauge' || kind(it) === 'sum';
  const hist = (it: It): HistogramDataPoint | undefined => (kind(it) === 'histogram' ? (it.dataPoint as HistogramDataPoint) : undefined);
  const expo = (it: It): ExponentialHistogramDataPoint | undefined =>
    kind(it) === 'exponentialHistogram' ? (it.dataPoint as ExponentialHistogramDataPoint) : undefined;
  const value = (it: It): number | bigint | undefined => (isNumber(it) ? (it.dataPoint as NumberDataPoint).value : undefined);

  add('attributes', attrMap((it) => it.dataPoint.attributes));
  add('start_time_unix_nano', nanos((it) => it.dataPoint.startTimeUnixNano));
  add('time_unix_nano', nanos((it) => it.dataPoint.timeUnixNano));
  // As pdata: the other representation of a number point reads as zero; non-number points as nil.
  add('value_double', {
    get: (it) => {
      const v = value(it);
      return v === undefined ? null : typeof v === 'number' ? v : 0;
    },
  });
  add('value_int', {
    get: (it) => {
      const v = value(it);
      return v === undefined ? null : typeof v === 'bigint' ? v : 0n;
    },
  });
  add('value', { get: (it) => value(it) ?? null });
  add('flags', int((it) => it.dataPoint.flags));
  add('count', { get: (it) => (isNumber(it) ? null : toInt((it.dataPoint as HistogramDataPoint | SummaryDataPoint).count)) });
  add('sum', { get: (it) => (isNumber(it) ? null : ((it.dataPoint as HistogramDataPoint | SummaryDataPoint).sum ?? 0)) });
  add('bucket_counts', { get: (it) => hist(it)?.bucketCounts.map(toInt) ?? null, index: 'value' });
  add('explicit_bounds', { get: (it) => hist(it)?.explicitBounds.slice() ?? null, index: 'value' });
  add('scale', { get: (it) => (expo(it) ? toInt(expo(it)!.scale) : null) });
  add('zero_count', { get: (it) => (expo(it) ? toInt(expo(it)!.zeroCount) : null) });
  for (const side of ['positive', 'negative'] as const) {
    add(`${side}.offset`, { get: (it) => (expo(it) ? toInt(expo(it)![side].offset) : null) });
    add(`${side}.bucket_counts`, { get: (it) => expo(it)?.[side].bucketCounts.map(toInt) ?? null, index: 'value' });
  }
}

function table<T>(build: (add: Add<T>, alias: Add<T>) => void): PathTable<T> {
  const t: PathTable<T> = { paths: new Map(), aliases: new Map() };
  build(
    (name, spec) => t.paths.set(name, spec),
    (name, spec) => t.aliases.set(name, spec),
  );
  return t;
}

export const CONTEXT_PATHS: { [C in OttlContext]: PathTable<ContextItems[C]> } = {
  // `resource.attributes` also works here: a context-qualified path.
  resource: table<ResourceItem>((add) => {
    add('attributes', attrMap((it) => it.resource.attributes));
    add('dropped_attributes_count', int((it) => it.resource.droppedAttributesCount));
  }),
  span: table<SpanItem>((add, alias) => {
    spanPaths(add, '', (it) => it.span);
    resourceAndScope(add, alias);
  }),
  spanevent: table<SpanEventItem>((add, alias) => {
    add('name', str((it) => it.event.name));
    add('time_unix_nano', nanos((it) => it.event.timeUnixNano));
    add('attributes', attrMap((it) => it.event.attributes));
    add('dropped_attributes_count', int((it) => it.event.droppedAttributesCount));
    spanPaths(add, 'span.', (it) => it.span);
    resourceAndScope(add, alias);
  }),
  log: table<LogItem>((add, alias) => {
    add('body', { get: (it) => it.log.body, index: 'value' });
    add('body.string', str((it) => bodyString(it.log.body)));
    add('severity_number', int((it) => it.log.severityNumber));
    add('severity_text', str((it) => it.log.severityText));
    add('time_unix_nano', nanos((it) => it.log.timeUnixNano));
    add('observed_time_unix_nano', nanos((it) => it.log.observedTimeUnixNano));
    add('attributes', attrMap((it) => it.log.attributes));
    add('dropped_attributes_count', int((it) => it.log.droppedAttributesCount));
    idPaths(add, 'trace_id', (it) => it.log.traceId, 16);
    idPaths(add, 'span_id', (it) => it.log.spanId, 8);
    add('flags', int((it) => it.log.flags));
    add('event_name', str((it) => it.log.eventName));
    resourceAndScope(add, alias);
  }),
  metric: table<MetricItem>((add, alias) => {
    metricPaths(add, '', (it) => it.metric);
    resourceAndScope(add, alias);
  }),
  datapoint: table<DataPointItem>((add, alias) => {
    dataPointPaths(add);
    metricPaths(add, 'metric.', (it) => it.metric);
    resourceAndScope(add, alias);
  }),
};

// pdata's Value.AsString: bytes as base64, maps and lists as JSON, empty as "".
function bodyString(body: Value): string {
  if (body === null) return '';
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
  return toStringLike(body) ?? '';
}

/** Names users may write, for error messages: `attributes[...]` marks indexable paths. */
export function describePaths(context: OttlContext): string[] {
  return [...CONTEXT_PATHS[context].paths].map(([name, spec]) => (spec.index ? `${name}[...]` : name));
}
