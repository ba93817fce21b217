import type {
  Attributes,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  InstrumentationScope,
  LogRecord,
  Metric,
  NumberDataPoint,
  Profile,
  Resource,
  Span,
  SpanEvent,
  SummaryDataPoint,
} from '../model.js';
import { cloneAnyValue } from '../model-ops.js';
import { dictionaryTables, profileFields, type ValueType } from '../otlpproto/profile-fields.js';
import { METRIC_TYPE_VALUE } from './enums.js';
import { OttlRuntimeError } from './errors.js';
import { OttlTime, UTC } from './time.js';
import { isAnyValue, toStringLike, type Value } from './values.js';

/**
 * What a condition or statement sees in each context: the item plus the scope and resource that
 * own it. `cache` is OTTL's per-item scratch map; a runner clears it (sets undefined) per item.
 */
export interface ResourceItem {
  resource: Resource;
  cache?: Attributes;
}

export interface ScopeItem {
  scope: InstrumentationScope;
  resource: Resource;
  cache?: Attributes;
}

export interface SpanItem {
  cache?: Attributes;
  span: Span;
  scope: InstrumentationScope;
  resource: Resource;
}

export interface SpanEventItem {
  cache?: Attributes;
  event: SpanEvent;
  span: Span;
  scope: InstrumentationScope;
  resource: Resource;
}

export interface LogItem {
  cache?: Attributes;
  log: LogRecord;
  scope: InstrumentationScope;
  resource: Resource;
}

export interface MetricItem {
  cache?: Attributes;
  metric: Metric;
  /** The scope's metric list, for functions that add metrics (extract_sum_metric, ...). */
  scopeMetrics?: Metric[];
  scope: InstrumentationScope;
  resource: Resource;
}

export type DataPoint = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint;

/** `dataPoint` must belong to `metric` (its shape is read from `metric.data.type`). */
export interface DataPointItem {
  cache?: Attributes;
  dataPoint: DataPoint;
  metric: Metric;
  scope: InstrumentationScope;
  resource: Resource;
}

/**
 * A profile is kept as its protobuf bytes (see the model); its paths decode the fields they need
 * on first use, and resolve indexes through the batch's dictionary.
 */
export interface ProfileItem {
  cache?: Attributes;
  profile: Profile;
  /** The batch's ProfilesDictionary bytes ({@link Profiles.dictionary}), which the profile indexes into. */
  dictionary: Uint8Array;
  scope: InstrumentationScope;
  resource: Resource;
}

export interface ContextItems {
  resource: ResourceItem;
  scope: ScopeItem;
  span: SpanItem;
  spanevent: SpanEventItem;
  log: LogItem;
  metric: MetricItem;
  datapoint: DataPointItem;
  profile: ProfileItem;
}

/** Context names as the filter processor's config uses them. */
export type OttlContext = keyof ContextItems;
export const OTTL_CONTEXTS: readonly OttlContext[] = ['resource', 'scope', 'span', 'spanevent', 'log', 'metric', 'datapoint', 'profile'];

export interface PathSpec<T> {
  get: (item: T) => Value;
  /** Absent for read-only paths. Values of the wrong type are ignored, as upstream's setters do. */
  set?: (item: T, value: Value) => void;
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

const str = <T>(f: (it: T) => string, w?: (it: T, v: string) => void): PathSpec<T> => ({
  get: f,
  set: w && ((it, v) => typeof v === 'string' && w(it, v)),
});
const int = <T>(f: (it: T) => number, w?: (it: T, v: number) => void): PathSpec<T> => ({
  get: (it) => toInt(f(it)),
  num: f,
  set: w && ((it, v) => typeof v === 'bigint' && w(it, Number(v))),
});
/**
 * A timestamp as upstream offers it: `<name>_unix_nano` (int) and `<name>` (a time in UTC, as
 * pdata's AsTime), each settable with its own type when `w` is given.
 */
function timestamp<T>(add: Add<T>, name: string, f: (it: T) => bigint, w?: (it: T, v: bigint) => void): void {
  add(`${name}_unix_nano`, { get: f, set: w && ((it, v) => typeof v === 'bigint' && w(it, v)) });
  add(name, { get: (it) => new OttlTime(f(it), UTC), set: w && ((it, v) => v instanceof OttlTime && v.unixNano >= 0n && w(it, v.unixNano)) });
}
const attrMap = <T>(f: (it: T) => Attributes, w?: (it: T, v: Attributes) => void): PathSpec<T> => ({
  get: f,
  index: 'map',
  set: w && ((it, v) => v instanceof Map && w(it, cloneAnyValue(v) as Attributes)),
});

// pdata ids are fixed-size arrays; an absent id reads as all zeros upstream, so "" does too here.
const ZERO_HEX = { 16: '0'.repeat(32), 8: '0'.repeat(16) } as const;
function idPaths<T>(add: Add<T>, name: string, f: (it: T) => string, bytes: 16 | 8, w?: (it: T, hex: string) => void): void {
  add(name, {
    get: (it) => (f(it) === '' ? new Uint8Array(bytes) : Uint8Array.from(Buffer.from(f(it), 'hex'))),
    set: w && ((it, v) => v instanceof Uint8Array && v.length === bytes && w(it, Buffer.from(v).toString('hex'))),
  });
  const hexLength = bytes * 2;
  add(
    `${name}.string`,
    str(
      (it) => f(it) || ZERO_HEX[bytes],
      w && ((it, v) => v.length === hexLength && /^[0-9a-fA-F]+$/.test(v) && w(it, v.toLowerCase())),
    ),
  );
}

/** OTTL's scratch map, one per item; created on first use so items that never touch it cost nothing. */
function cachePath<T extends { cache?: Attributes }>(add: Add<T>): void {
  add(
    'cache',
    attrMap(
      (it) => (it.cache ??= new Map()),
      (it, v) => (it.cache = v),
    ),
  );
}

function resourcePaths<T extends { resource: Resource }>(add: Add<T>, prefix: string): void {
  add(
    `${prefix}attributes`,
    attrMap(
      (it) => it.resource.attributes,
      (it, v) => (it.resource.attributes = v),
    ),
  );
  add(
    `${prefix}dropped_attributes_count`,
    int(
      (it) => it.resource.droppedAttributesCount,
      (it, v) => (it.resource.droppedAttributesCount = v),
    ),
  );
}

function scopePaths<T extends { scope: InstrumentationScope }>(): [string, PathSpec<T>][] {
  return [
    ['name', str((it) => it.scope.name, (it, v) => (it.scope.name = v))],
    ['version', str((it) => it.scope.version, (it, v) => (it.scope.version = v))],
    ['attributes', attrMap((it) => it.scope.attributes, (it, v) => (it.scope.attributes = v))],
    ['dropped_attributes_count', int((it) => it.scope.droppedAttributesCount, (it, v) => (it.scope.droppedAttributesCount = v))],
  ];
}

function resourceAndScope<T extends { resource: Resource; scope: InstrumentationScope; cache?: Attributes }>(add: Add<T>, alias: Add<T>): void {
  resourcePaths(add, 'resource.');
  const scope = scopePaths<T>();
  for (const [name, spec] of scope) add(`instrumentation_scope.${name}`, spec);
  for (const [name, spec] of scope) alias(`scope.${name}`, spec);
  cachePath(add);
}

function spanPaths<T>(add: Add<T>, prefix: string, get: (it: T) => Span): void {
  const p = (name: string): string => prefix + name;
  idPaths(add, p('trace_id'), (it) => get(it).traceId, 16, (it, v) => (get(it).traceId = v));
  idPaths(add, p('span_id'), (it) => get(it).spanId, 8, (it, v) => (get(it).spanId = v));
  idPaths(add, p('parent_span_id'), (it) => get(it).parentSpanId, 8, (it, v) => (get(it).parentSpanId = v));
  add(p('trace_state'), str((it) => get(it).traceState, (it, v) => (get(it).traceState = v)));
  add(p('name'), str((it) => get(it).name, (it, v) => (get(it).name = v)));
  add(p('kind'), int((it) => get(it).kind, (it, v) => (get(it).kind = v)));
  add(p('status.code'), int((it) => get(it).status.code, (it, v) => (get(it).status.code = v)));
  add(p('status.message'), str((it) => get(it).status.message, (it, v) => (get(it).status.message = v)));
  timestamp(add, p('start_time'), (it) => get(it).startTimeUnixNano, (it, v) => (get(it).startTimeUnixNano = v));
  timestamp(add, p('end_time'), (it) => get(it).endTimeUnixNano, (it, v) => (get(it).endTimeUnixNano = v));
  add(p('attributes'), attrMap((it) => get(it).attributes, (it, v) => (get(it).attributes = v)));
  add(p('dropped_attributes_count'), int((it) => get(it).droppedAttributesCount, (it, v) => (get(it).droppedAttributesCount = v)));
  add(p('dropped_events_count'), int((it) => get(it).droppedEventsCount, (it, v) => (get(it).droppedEventsCount = v)));
  add(p('dropped_links_count'), int((it) => get(it).droppedLinksCount, (it, v) => (get(it).droppedLinksCount = v)));
  add(p('flags'), int((it) => get(it).flags, (it, v) => (get(it).flags = v)));
}

function metricPaths<T>(add: Add<T>, prefix: string, get: (it: T) => Metric): void {
  const p = (name: string): string => prefix + name;
  add(p('name'), str((it) => get(it).name, (it, v) => (get(it).name = v)));
  add(p('description'), str((it) => get(it).description, (it, v) => (get(it).description = v)));
  add(p('unit'), str((it) => get(it).unit, (it, v) => (get(it).unit = v)));
  add(p('type'), { get: (it) => METRIC_TYPE_VALUE[get(it).data.type] ?? 0n });
  add(p('aggregation_temporality'), {
    get: (it) => {
      const d = get(it).data;
      return d.type === 'gauge' || d.type === 'summary' ? null : toInt(d.aggregationTemporality);
    },
    set: (it, v) => {
      const d = get(it).data;
      if (typeof v === 'bigint' && d.type !== 'gauge' && d.type !== 'summary') d.aggregationTemporality = Number(v);
    },
  });
  add(p('is_monotonic'), {
    get: (it) => (get(it).data.type === 'sum' ? (get(it).data as { isMonotonic: boolean }).isMonotonic : null),
    set: (it, v) => {
      const d = get(it).data;
      if (typeof v === 'boolean' && d.type === 'sum') d.isMonotonic = v;
    },
  });
  add(p('metadata'), attrMap((it) => get(it).metadata, (it, v) => (get(it).metadata = v)));
}

function dataPointPaths(add: Add<DataPointItem>): void {
  type It = DataPointItem;
  const kind = (it: It): string => it.metric.data.type;
  const isNumber = (it: It): boolean => kind(it) === 'gauge' || kind(it) === 'sum';
  const hist = (it: It): HistogramDataPoint | undefined => (kind(it) === 'histogram' ? (it.dataPoint as HistogramDataPoint) : undefined);
  const expo = (it: It): ExponentialHistogramDataPoint | undefined =>
    kind(it) === 'exponentialHistogram' ? (it.dataPoint as ExponentialHistogramDataPoint) : undefined;
  const value = (it: It): number | bigint | undefined => (isNumber(it) ? (it.dataPoint as NumberDataPoint).value : undefined);

  add('attributes', attrMap((it) => it.dataPoint.attributes, (it, v) => (it.dataPoint.attributes = v)));
  timestamp(add, 'start_time', (it) => it.dataPoint.startTimeUnixNano, (it, v) => (it.dataPoint.startTimeUnixNano = v));
  timestamp(add, 'time', (it) => it.dataPoint.timeUnixNano, (it, v) => (it.dataPoint.timeUnixNano = v));
  const setNumber = (it: It, v: number | bigint): void => {
    if (isNumber(it)) (it.dataPoint as NumberDataPoint).value = v;
  };
  // As pdata: the other representation of a number point reads as zero; non-number points as nil.
  add('value_double', {
    get: (it) => {
      const v = value(it);
      return v === undefined ? null : typeof v === 'number' ? v : 0;
    },
    set: (it, v) => typeof v === 'number' && setNumber(it, v),
  });
  add('value_int', {
    get: (it) => {
      const v = value(it);
      return v === undefined ? null : typeof v === 'bigint' ? v : 0n;
    },
    set: (it, v) => typeof v === 'bigint' && setNumber(it, v),
  });
  add('value', { get: (it) => value(it) ?? null, set: (it, v) => (typeof v === 'bigint' || typeof v === 'number') && setNumber(it, v) });
  add('flags', int((it) => it.dataPoint.flags, (it, v) => (it.dataPoint.flags = v)));
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

/**
 * The profile's own paths, as upstream's ottlprofile context names them. Read-only: no Summit
 * component changes profiles, which pass on as the bytes they arrived as.
 */
function profilePaths(add: Add<ProfileItem>): void {
  const f = (it: ProfileItem) => profileFields(it.profile);
  idPaths(add, 'profile_id', (it) => f(it).profileId, 16);
  add('attributes', { get: profileAttributes, index: 'map' });
  add('attribute_indices', { get: (it) => f(it).attributeIndices.map(toInt), index: 'value' });
  add('dropped_attributes_count', int((it) => f(it).droppedAttributesCount));
  timestamp(add, 'time', (it) => f(it).timeUnixNano);
  // upstream reads both as int64 nanoseconds
  const duration = (it: ProfileItem): bigint => BigInt.asIntN(64, f(it).durationNano);
  add('duration_unix_nano', { get: duration });
  add('duration', { get: duration });
  add('period', { get: (it) => f(it).period });
  for (const [name, of] of [
    ['sample_type', (it: ProfileItem) => f(it).sampleType],
    ['period_type', (it: ProfileItem) => f(it).periodType],
  ] as const) {
    for (const part of ['type', 'unit'] as const) {
      const index = (vt: ValueType): number => (part === 'type' ? vt.typeStrindex : vt.unitStrindex);
      add(`${name}.${part}`, str((it) => dictionaryString(it, index(of(it)), `${name}.${part}`)));
    }
  }
  add('original_payload_format', str((it) => f(it).originalPayloadFormat));
  add('original_payload', { get: (it) => f(it).originalPayload });
}

function dictionaryString(it: ProfileItem, index: number, path: string): string {
  const { strings } = dictionaryTables(it.dictionary);
  if (index < 0 || index >= strings.length) throw new OttlRuntimeError(`path "${path}" with strindex ${index} is out of range (the dictionary has ${strings.length} strings)`);
  return strings[index];
}

const profileAttributesMemo = new WeakMap<Profile, { dictionary: Uint8Array; attributes: Attributes }>();

/** pprofile's FromAttributeIndices: each index names a key (through the string table) and a value. */
function profileAttributes(it: ProfileItem): Attributes {
  const known = profileAttributesMemo.get(it.profile);
  if (known?.dictionary === it.dictionary) return known.attributes;
  const { strings, attributes: table } = dictionaryTables(it.dictionary);
  const attributes: Attributes = new Map();
  profileFields(it.profile).attributeIndices.forEach((index, i) => {
    const entry = table[index];
    if (!entry) throw new OttlRuntimeError(`profile attribute_indices[${i}] is ${index}, outside the dictionary's attribute_table (${table.length} entries)`);
    const key = strings[entry.keyStrindex];
    if (key === undefined) {
      throw new OttlRuntimeError(`the dictionary's attribute_table[${index}] has key_strindex ${entry.keyStrindex}, outside its string_table (${strings.length} strings)`);
    }
    attributes.set(key, entry.value);
  });
  profileAttributesMemo.set(it.profile, { dictionary: it.dictionary, attributes });
  return attributes;
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
    resourcePaths(add, '');
    cachePath(add);
  }),
  // `scope.name` works too: a context-qualified path; `resource.*` as in every context.
  scope: table<ScopeItem>((add, alias) => {
    for (const [name, spec] of scopePaths<ScopeItem>()) add(name, spec);
    resourceAndScope(add, alias);
  }),
  span: table<SpanItem>((add, alias) => {
    spanPaths(add, '', (it) => it.span);
    resourceAndScope(add, alias);
  }),
  spanevent: table<SpanEventItem>((add, alias) => {
    add('name', str((it) => it.event.name, (it, v) => (it.event.name = v)));
    timestamp(add, 'time', (it) => it.event.timeUnixNano, (it, v) => (it.event.timeUnixNano = v));
    add('attributes', attrMap((it) => it.event.attributes, (it, v) => (it.event.attributes = v)));
    add('dropped_attributes_count', int((it) => it.event.droppedAttributesCount, (it, v) => (it.event.droppedAttributesCount = v)));
    spanPaths(add, 'span.', (it) => it.span);
    resourceAndScope(add, alias);
  }),
  log: table<LogItem>((add, alias) => {
    add('body', { get: (it) => it.log.body, index: 'value', set: (it, v) => isAnyValue(v) && (it.log.body = cloneAnyValue(v)) });
    add('body.string', str((it) => bodyString(it.log.body), (it, v) => (it.log.body = v)));
    add('severity_number', int((it) => it.log.severityNumber, (it, v) => (it.log.severityNumber = v)));
    add('severity_text', str((it) => it.log.severityText, (it, v) => (it.log.severityText = v)));
    timestamp(add, 'time', (it) => it.log.timeUnixNano, (it, v) => (it.log.timeUnixNano = v));
    timestamp(add, 'observed_time', (it) => it.log.observedTimeUnixNano, (it, v) => (it.log.observedTimeUnixNano = v));
    add('attributes', attrMap((it) => it.log.attributes, (it, v) => (it.log.attributes = v)));
    add('dropped_attributes_count', int((it) => it.log.droppedAttributesCount, (it, v) => (it.log.droppedAttributesCount = v)));
    idPaths(add, 'trace_id', (it) => it.log.traceId, 16, (it, v) => (it.log.traceId = v));
    idPaths(add, 'span_id', (it) => it.log.spanId, 8, (it, v) => (it.log.spanId = v));
    add('flags', int((it) => it.log.flags, (it, v) => (it.log.flags = v)));
    add('event_name', str((it) => it.log.eventName, (it, v) => (it.log.eventName = v)));
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
  profile: table<ProfileItem>((add, alias) => {
    profilePaths(add);
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
