/**
 * The three tables — `traces` (a row per span), `logs` (a row per log record), `metrics` (a row
 * per data point) — as column builders, and the conversion of Summit's model into their rows.
 * README.md documents every column.
 */
import type {
  Exemplar,
  InstrumentationScope,
  LogRecord,
  Metric,
  NumberDataPoint,
  Resource,
  Signal,
  Span,
} from '../../pipeline/model.js';
import {
  AttributesBuilder,
  BoolBuilder,
  DictionaryBuilder,
  EncodedAttributes,
  Float64Builder,
  Int32Builder,
  Int64Builder,
  ListBuilder,
  SharedAttributesBuilder,
  StructBuilder,
  Uint32Builder,
  Utf8Builder,
  type AttributeColumns,
  type Builder,
  type ColumnData,
  type ColumnSpec,
  type SharedTexts,
} from './columns.js';
import { valueText, valueType, type ValueLimit } from './values.js';

/** Version of the table layouts, written into each file's key-value metadata. */
export const SCHEMA_VERSION = '1';

/** Resource attributes promoted to columns of their own, with the column names. */
export const PROMOTED: [attribute: string, column: string][] = [
  ['service.name', 'service_name'],
  ['service.namespace', 'service_namespace'],
  ['deployment.environment.name', 'deployment_environment_name'],
  ['host.name', 'host_name'],
];

/** A resource converted once per batch and shared by its rows (dictionary columns). */
export class ResourceRow {
  readonly attributes: EncodedAttributes;
  readonly promoted: SharedTexts[];
  readonly dropped: number;
  readonly schemaUrl: SharedTexts;

  constructor(resource: Resource, schemaUrl: string, limit: ValueLimit) {
    this.attributes = new EncodedAttributes(resource.attributes, limit);
    this.dropped = resource.droppedAttributesCount + this.attributes.dropped;
    this.schemaUrl = [limit.text(schemaUrl)];
    this.promoted = PROMOTED.map(([key]) => {
      // deployment.environment is the attribute's name before semantic conventions 1.27
      const v = resource.attributes.get(key) ?? (key === 'deployment.environment.name' ? resource.attributes.get('deployment.environment') : undefined);
      const text = v === undefined ? null : valueText(v);
      // cut as in resource_attributes, where it was counted
      return [text === null ? null : limit.text(text, false)];
    });
  }
}

/** A scope converted once per batch and shared by its rows. */
export class ScopeRow {
  readonly attributes: EncodedAttributes;
  readonly name: SharedTexts;
  readonly version: SharedTexts;
  readonly dropped: number;
  readonly schemaUrl: SharedTexts;

  constructor(scope: InstrumentationScope, schemaUrl: string, limit: ValueLimit) {
    this.attributes = new EncodedAttributes(scope.attributes, limit);
    this.name = [limit.text(scope.name)];
    this.version = [limit.text(scope.version)];
    this.dropped = scope.droppedAttributesCount + this.attributes.dropped;
    this.schemaUrl = [limit.text(schemaUrl)];
  }
}

/** `attributes` → `attribute_types`, `metric_metadata` → `metric_metadata_types`. */
export const typesColumn = (name: string) => (name.endsWith('attributes') ? `${name.slice(0, -'attributes'.length)}attribute_types` : `${name}_types`);

function attributeColumns(name: string, b: AttributeColumns): [string, Builder, boolean][] {
  return [
    [name, b.values, false],
    [typesColumn(name), b.types, false],
  ];
}

/** A table's columns: builders in column order. */
export abstract class Table {
  protected readonly columns: [name: string, builder: Builder, nullable: boolean][] = [];
  /** Bytes of the distinct shared texts in this file's dictionary columns (see DictionaryBuilder). */
  protected readonly shared = { bytes: 0 };

  /** `limit` cuts long texts (tables read it in their field initializers). */
  constructor(protected readonly limit: ValueLimit) {}

  /** Bytes of the distinct texts of resources, scopes and metrics in this file, as Parquet's dictionaries count them. */
  get sharedBytes(): number {
    return this.shared.bytes;
  }

  /** Columns whose values hardly repeat: Parquet dictionary encoding would only cost time. */
  abstract readonly noDictionary: string[];
  abstract readonly signal: Signal;

  protected col<B extends Builder>(name: string, builder: B, nullable = true): B {
    this.columns.push([name, builder, nullable]);
    return builder;
  }

  /** An attribute set: its map of values and, after it, its map of non-string types. */
  protected attrs<B extends AttributeColumns>(name: string, builder: B): B {
    for (const c of attributeColumns(name, builder)) this.columns.push(c);
    return builder;
  }

  get length(): number {
    return this.columns[0][1].length;
  }

  spec(): ColumnSpec[] {
    return this.columns.map(([name, b, nullable]) => b.spec(name, nullable));
  }

  /**
   * Columns that get row-group min/max statistics, what engines skip row groups by: the
   * top-level numbers and times, and the service and metric names.
   */
  statistics(): string[] {
    return this.spec()
      .filter((c) => ['ts', 'i64', 'i32', 'u32', 'f64', 'bool'].includes(c.type) || c.name === 'service_name' || c.name === 'metric_name')
      .map((c) => c.name);
  }

  byteSize(): number {
    let n = 0;
    for (const [, b] of this.columns) n += b.byteSize();
    return n;
  }

  finish(): ColumnData[] {
    return this.columns.map(([, b]) => b.finish());
  }
}

/** The resource and scope columns every table ends with, and the promoted ones it starts with. */
class CommonColumns {
  readonly promoted: DictionaryBuilder[];
  readonly resourceAttributes: SharedAttributesBuilder;
  readonly resourceDropped = new Uint32Builder();
  readonly resourceSchemaUrl: DictionaryBuilder;
  readonly scopeName: DictionaryBuilder;
  readonly scopeVersion: DictionaryBuilder;
  readonly scopeAttributes: SharedAttributesBuilder;
  readonly scopeDropped = new Uint32Builder();
  readonly scopeSchemaUrl: DictionaryBuilder;

  constructor(tally: { bytes: number }) {
    this.promoted = PROMOTED.map(() => new DictionaryBuilder(tally));
    this.resourceAttributes = new SharedAttributesBuilder(tally);
    this.resourceSchemaUrl = new DictionaryBuilder(tally);
    this.scopeName = new DictionaryBuilder(tally);
    this.scopeVersion = new DictionaryBuilder(tally);
    this.scopeAttributes = new SharedAttributesBuilder(tally);
    this.scopeSchemaUrl = new DictionaryBuilder(tally);
  }

  promotedColumns(): [string, Builder, boolean][] {
    return PROMOTED.map(([, column], i) => [column, this.promoted[i], true]);
  }

  trailingColumns(): [string, Builder, boolean][] {
    return [
      ...attributeColumns('resource_attributes', this.resourceAttributes),
      ['resource_dropped_attributes_count', this.resourceDropped, false],
      ['resource_schema_url', this.resourceSchemaUrl, false],
      ['scope_name', this.scopeName, false],
      ['scope_version', this.scopeVersion, false],
      ...attributeColumns('scope_attributes', this.scopeAttributes),
      ['scope_dropped_attributes_count', this.scopeDropped, false],
      ['scope_schema_url', this.scopeSchemaUrl, false],
    ];
  }

  append(r: ResourceRow, s: ScopeRow): void {
    for (let i = 0; i < this.promoted.length; i++) this.promoted[i].appendShared(r.promoted[i]);
    this.resourceAttributes.append(r.attributes);
    this.resourceDropped.append(r.dropped);
    this.resourceSchemaUrl.appendShared(r.schemaUrl);
    this.scopeName.appendShared(s.name);
    this.scopeVersion.appendShared(s.version);
    this.scopeAttributes.append(s.attributes);
    this.scopeDropped.append(s.dropped);
    this.scopeSchemaUrl.appendShared(s.schemaUrl);
  }
}

export const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
export const STATUS_CODES = ['Unset', 'Ok', 'Error'];
export const TEMPORALITIES = ['Unspecified', 'Delta', 'Cumulative'];
export const METRIC_TYPES: Record<Metric['data']['type'], string> = {
  gauge: 'Gauge',
  sum: 'Sum',
  histogram: 'Histogram',
  exponentialHistogram: 'ExponentialHistogram',
  summary: 'Summary',
};

/** An enum's name, or its number as text when the name is unknown (nothing is lost). */
const enumName = (names: string[], v: number) => names[v] ?? String(v);

// ---------------------------------------------------------------- traces

export class TracesTable extends Table {
  readonly signal = 'traces' as const;
  readonly noDictionary = ['start_time', 'end_time', 'duration_ns', 'trace_id', 'span_id', 'parent_span_id'];
  private readonly common = new CommonColumns(this.shared);
  private readonly startTime = this.col('start_time', new Int64Builder('ts'));
  private readonly endTime = this.col('end_time', new Int64Builder('ts'));
  private readonly duration = this.col('duration_ns', new Int64Builder());
  private readonly traceId: Utf8Builder;
  private readonly spanId: Utf8Builder;
  private readonly parentSpanId: Utf8Builder;
  private readonly traceState: Utf8Builder;
  private readonly flags: Uint32Builder;
  private readonly name: Utf8Builder;
  private readonly kind: Utf8Builder;
  private readonly statusCode: Utf8Builder;
  private readonly statusMessage: Utf8Builder;
  private readonly attributes: AttributesBuilder;
  private readonly dropped: Uint32Builder;
  private readonly eventTime = new Int64Builder('ts');
  private readonly eventName = new Utf8Builder();
  private readonly eventAttributes = new AttributesBuilder(this.limit);
  private readonly eventDropped = new Uint32Builder();
  private readonly eventStruct: StructBuilder;
  private readonly events: ListBuilder<StructBuilder>;
  private readonly droppedEvents: Uint32Builder;
  private readonly linkTraceId = new Utf8Builder();
  private readonly linkSpanId = new Utf8Builder();
  private readonly linkTraceState = new Utf8Builder();
  private readonly linkFlags = new Uint32Builder();
  private readonly linkAttributes = new AttributesBuilder(this.limit);
  private readonly linkDropped = new Uint32Builder();
  private readonly linkStruct: StructBuilder;
  private readonly links: ListBuilder<StructBuilder>;
  private readonly droppedLinks: Uint32Builder;

  constructor(limit: ValueLimit) {
    super(limit);
    for (const [n, b, nl] of this.common.promotedColumns()) this.col(n, b, nl);
    this.traceId = this.col('trace_id', new Utf8Builder());
    this.spanId = this.col('span_id', new Utf8Builder());
    this.parentSpanId = this.col('parent_span_id', new Utf8Builder());
    this.traceState = this.col('trace_state', new Utf8Builder(), false);
    this.flags = this.col('flags', new Uint32Builder(), false);
    this.name = this.col('name', new Utf8Builder(), false);
    this.kind = this.col('kind', new Utf8Builder(), false);
    this.statusCode = this.col('status_code', new Utf8Builder(), false);
    this.statusMessage = this.col('status_message', new Utf8Builder(), false);
    this.attributes = this.attrs('attributes', new AttributesBuilder(this.limit, 64 * 1024));
    this.dropped = this.col('dropped_attributes_count', new Uint32Builder(), false);
    this.eventStruct = new StructBuilder([
      ['time', this.eventTime, true],
      ['name', this.eventName, false],
      ...attributeColumns('attributes', this.eventAttributes),
      ['dropped_attributes_count', this.eventDropped, false],
    ]);
    this.events = this.col('events', new ListBuilder(this.eventStruct), false);
    this.droppedEvents = this.col('dropped_events_count', new Uint32Builder(), false);
    this.linkStruct = new StructBuilder([
      ['trace_id', this.linkTraceId, true],
      ['span_id', this.linkSpanId, true],
      ['trace_state', this.linkTraceState, false],
      ['flags', this.linkFlags, false],
      ...attributeColumns('attributes', this.linkAttributes),
      ['dropped_attributes_count', this.linkDropped, false],
    ]);
    this.links = this.col('links', new ListBuilder(this.linkStruct), false);
    this.droppedLinks = this.col('dropped_links_count', new Uint32Builder(), false);
    for (const [n, b, nl] of this.common.trailingColumns()) this.col(n, b, nl);
  }

  append(s: Span, r: ResourceRow, sc: ScopeRow): void {
    this.startTime.appendTime(s.startTimeUnixNano);
    this.endTime.appendTime(s.endTimeUnixNano);
    if (s.startTimeUnixNano === 0n || s.endTimeUnixNano === 0n) this.duration.appendNull();
    else this.duration.append(s.endTimeUnixNano - s.startTimeUnixNano);
    this.traceId.appendId(s.traceId);
    this.spanId.appendId(s.spanId);
    this.parentSpanId.appendId(s.parentSpanId);
    this.traceState.append(s.traceState);
    this.flags.append(s.flags);
    this.name.append(s.name);
    this.kind.append(enumName(SPAN_KINDS, s.kind));
    this.statusCode.append(enumName(STATUS_CODES, s.status.code));
    this.statusMessage.append(s.status.message);
    this.attributes.append(s.attributes);
    this.dropped.append(s.droppedAttributesCount);
    for (const e of s.events) {
      this.eventTime.appendTime(e.timeUnixNano);
      this.eventName.append(e.name);
      this.eventAttributes.append(e.attributes);
      this.eventDropped.append(e.droppedAttributesCount);
      this.eventStruct.next();
    }
    this.events.next();
    this.droppedEvents.append(s.droppedEventsCount);
    for (const l of s.links) {
      this.linkTraceId.appendId(l.traceId);
      this.linkSpanId.appendId(l.spanId);
      this.linkTraceState.append(l.traceState);
      this.linkFlags.append(l.flags);
      this.linkAttributes.append(l.attributes);
      this.linkDropped.append(l.droppedAttributesCount);
      this.linkStruct.next();
    }
    this.links.next();
    this.droppedLinks.append(s.droppedLinksCount);
    this.common.append(r, sc);
  }
}

// ---------------------------------------------------------------- logs

export class LogsTable extends Table {
  readonly signal = 'logs' as const;
  readonly noDictionary = ['time', 'observed_time', 'trace_id', 'span_id'];
  private readonly common = new CommonColumns(this.shared);
  private readonly time = this.col('time', new Int64Builder('ts'));
  private readonly observedTime = this.col('observed_time', new Int64Builder('ts'));
  private readonly severityNumber: Int32Builder;
  private readonly severityText: Utf8Builder;
  private readonly body: Utf8Builder;
  private readonly bodyType: Utf8Builder;
  private readonly eventName: Utf8Builder;
  private readonly traceId: Utf8Builder;
  private readonly spanId: Utf8Builder;
  private readonly flags: Uint32Builder;
  private readonly attributes: AttributesBuilder;
  private readonly dropped: Uint32Builder;

  constructor(limit: ValueLimit) {
    super(limit);
    for (const [n, b, nl] of this.common.promotedColumns()) this.col(n, b, nl);
    this.severityNumber = this.col('severity_number', new Int32Builder(), false);
    this.severityText = this.col('severity_text', new Utf8Builder(), false);
    this.body = this.col('body', new Utf8Builder(64 * 1024));
    this.bodyType = this.col('body_type', new Utf8Builder(), false);
    this.eventName = this.col('event_name', new Utf8Builder(), false);
    this.traceId = this.col('trace_id', new Utf8Builder());
    this.spanId = this.col('span_id', new Utf8Builder());
    this.flags = this.col('flags', new Uint32Builder(), false);
    this.attributes = this.attrs('attributes', new AttributesBuilder(this.limit, 64 * 1024));
    this.dropped = this.col('dropped_attributes_count', new Uint32Builder(), false);
    for (const [n, b, nl] of this.common.trailingColumns()) this.col(n, b, nl);
  }

  append(l: LogRecord, r: ResourceRow, sc: ScopeRow): void {
    this.time.appendTime(l.timeUnixNano);
    this.observedTime.appendTime(l.observedTimeUnixNano);
    this.severityNumber.append(l.severityNumber);
    this.severityText.append(l.severityText);
    this.body.appendValue(l.body);
    this.bodyType.append(valueType(l.body));
    this.eventName.append(l.eventName);
    this.traceId.appendId(l.traceId);
    this.spanId.appendId(l.spanId);
    this.flags.append(l.flags);
    this.attributes.append(l.attributes);
    this.dropped.append(l.droppedAttributesCount);
    this.common.append(r, sc);
  }
}

// ---------------------------------------------------------------- metrics

/** Everything about a metric that is the same on each of its data points, converted once per batch. */
export class MetricRow {
  readonly metadata: EncodedAttributes;
  readonly name: SharedTexts;
  readonly description: SharedTexts;
  readonly unit: SharedTexts;
  readonly type: string;
  readonly temporality: string | null;
  readonly monotonic: boolean | null;

  constructor(
    readonly metric: Metric,
    limit: ValueLimit,
  ) {
    this.metadata = new EncodedAttributes(metric.metadata, limit);
    this.name = [limit.text(metric.name)];
    this.description = [limit.text(metric.description)];
    this.unit = [limit.text(metric.unit)];
    const d = metric.data;
    this.type = METRIC_TYPES[d.type];
    this.temporality = d.type === 'gauge' || d.type === 'summary' ? null : enumName(TEMPORALITIES, d.aggregationTemporality);
    this.monotonic = d.type === 'sum' ? d.isMonotonic : null;
  }
}

type AnyPoint = Metric['data']['dataPoints'][number];

export class MetricsTable extends Table {
  readonly signal = 'metrics' as const;
  readonly noDictionary = ['time', 'value', 'value_int', 'sum'];
  private readonly common = new CommonColumns(this.shared);
  private readonly time = this.col('time', new Int64Builder('ts'));
  private readonly startTime = this.col('start_time', new Int64Builder('ts'));
  private readonly name: DictionaryBuilder;
  private readonly description: DictionaryBuilder;
  private readonly unit: DictionaryBuilder;
  private readonly type: Utf8Builder;
  private readonly temporality: Utf8Builder;
  private readonly monotonic: BoolBuilder;
  private readonly attributes: AttributesBuilder;
  private readonly flags: Uint32Builder;
  private readonly value: Float64Builder;
  private readonly valueInt: Int64Builder;
  private readonly count: Int64Builder;
  private readonly sum: Float64Builder;
  private readonly min: Float64Builder;
  private readonly max: Float64Builder;
  private readonly bucketCounts: ListBuilder<Int64Builder>;
  private readonly explicitBounds: ListBuilder<Float64Builder>;
  private readonly scale: Int32Builder;
  private readonly zeroCount: Int64Builder;
  private readonly zeroThreshold: Float64Builder;
  private readonly positiveOffset: Int32Builder;
  private readonly positiveCounts: ListBuilder<Int64Builder>;
  private readonly negativeOffset: Int32Builder;
  private readonly negativeCounts: ListBuilder<Int64Builder>;
  private readonly quantile = new Float64Builder();
  private readonly quantileValue = new Float64Builder();
  private readonly quantileStruct: StructBuilder;
  private readonly quantiles: ListBuilder<StructBuilder>;
  private readonly exTime = new Int64Builder('ts');
  private readonly exValue = new Float64Builder();
  private readonly exValueInt = new Int64Builder();
  private readonly exTraceId = new Utf8Builder();
  private readonly exSpanId = new Utf8Builder();
  private readonly exAttributes = new AttributesBuilder(this.limit);
  private readonly exStruct: StructBuilder;
  private readonly exemplars: ListBuilder<StructBuilder>;
  private readonly metadata: SharedAttributesBuilder;

  constructor(limit: ValueLimit) {
    super(limit);
    for (const [n, b, nl] of this.common.promotedColumns()) this.col(n, b, nl);
    this.name = this.col('metric_name', new DictionaryBuilder(this.shared), false);
    this.description = this.col('metric_description', new DictionaryBuilder(this.shared), false);
    this.unit = this.col('metric_unit', new DictionaryBuilder(this.shared), false);
    this.type = this.col('metric_type', new Utf8Builder(), false);
    this.temporality = this.col('aggregation_temporality', new Utf8Builder());
    this.monotonic = this.col('is_monotonic', new BoolBuilder());
    this.attributes = this.attrs('attributes', new AttributesBuilder(this.limit, 64 * 1024));
    this.flags = this.col('flags', new Uint32Builder(), false);
    this.value = this.col('value', new Float64Builder());
    this.valueInt = this.col('value_int', new Int64Builder());
    this.count = this.col('count', new Int64Builder());
    this.sum = this.col('sum', new Float64Builder());
    this.min = this.col('min', new Float64Builder());
    this.max = this.col('max', new Float64Builder());
    this.bucketCounts = this.col('bucket_counts', new ListBuilder(new Int64Builder()));
    this.explicitBounds = this.col('explicit_bounds', new ListBuilder(new Float64Builder()));
    this.scale = this.col('scale', new Int32Builder());
    this.zeroCount = this.col('zero_count', new Int64Builder());
    this.zeroThreshold = this.col('zero_threshold', new Float64Builder());
    this.positiveOffset = this.col('positive_offset', new Int32Builder());
    this.positiveCounts = this.col('positive_bucket_counts', new ListBuilder(new Int64Builder()));
    this.negativeOffset = this.col('negative_offset', new Int32Builder());
    this.negativeCounts = this.col('negative_bucket_counts', new ListBuilder(new Int64Builder()));
    this.quantileStruct = new StructBuilder([
      ['quantile', this.quantile, false],
      ['value', this.quantileValue, false],
    ]);
    this.quantiles = this.col('quantile_values', new ListBuilder(this.quantileStruct));
    this.exStruct = new StructBuilder([
      ['time', this.exTime, true],
      ['value', this.exValue, false],
      ['value_int', this.exValueInt, true],
      ['trace_id', this.exTraceId, true],
      ['span_id', this.exSpanId, true],
      ...attributeColumns('filtered_attributes', this.exAttributes),
    ]);
    this.exemplars = this.col('exemplars', new ListBuilder(this.exStruct), false);
    this.metadata = this.attrs('metric_metadata', new SharedAttributesBuilder(this.shared));
    for (const [n, b, nl] of this.common.trailingColumns()) this.col(n, b, nl);
  }

  append(p: AnyPoint, m: MetricRow, r: ResourceRow, sc: ScopeRow): void {
    const d = m.metric.data;
    this.time.appendTime(p.timeUnixNano);
    this.startTime.appendTime(p.startTimeUnixNano);
    this.name.appendShared(m.name);
    this.description.appendShared(m.description);
    this.unit.appendShared(m.unit);
    this.type.append(m.type);
    this.temporality.appendOrNull(m.temporality);
    if (m.monotonic === null) this.monotonic.appendNull();
    else this.monotonic.append(m.monotonic);
    this.attributes.append(p.attributes);
    this.flags.append(p.flags);
    if (d.type === 'gauge' || d.type === 'sum') {
      const v = (p as NumberDataPoint).value;
      if (typeof v === 'bigint') {
        this.value.append(Number(v));
        this.valueInt.append(v);
      } else {
        this.value.append(v);
        this.valueInt.appendNull();
      }
    } else {
      this.value.appendNull();
      this.valueInt.appendNull();
    }
    if (d.type === 'histogram' || d.type === 'exponentialHistogram' || d.type === 'summary') {
      const h = p as { count: number; sum?: number; min?: number; max?: number };
      this.count.appendNumber(h.count);
      this.sum.appendOptional(h.sum);
      this.min.appendOptional(h.min);
      this.max.appendOptional(h.max);
    } else {
      this.count.appendNull();
      this.sum.appendNull();
      this.min.appendNull();
      this.max.appendNull();
    }
    if (d.type === 'histogram') {
      const h = p as (typeof d.dataPoints)[number];
      for (const c of h.bucketCounts) this.bucketCounts.child.appendNumber(c);
      this.bucketCounts.next();
      for (const b of h.explicitBounds) this.explicitBounds.child.append(b);
      this.explicitBounds.next();
    } else {
      this.bucketCounts.appendNull();
      this.explicitBounds.appendNull();
    }
    if (d.type === 'exponentialHistogram') {
      const e = p as (typeof d.dataPoints)[number];
      this.scale.append(e.scale);
      this.zeroCount.appendNumber(e.zeroCount);
      this.zeroThreshold.append(e.zeroThreshold);
      this.positiveOffset.append(e.positive.offset);
      for (const c of e.positive.bucketCounts) this.positiveCounts.child.appendNumber(c);
      this.positiveCounts.next();
      this.negativeOffset.append(e.negative.offset);
      for (const c of e.negative.bucketCounts) this.negativeCounts.child.appendNumber(c);
      this.negativeCounts.next();
    } else {
      this.scale.appendNull();
      this.zeroCount.appendNull();
      this.zeroThreshold.appendNull();
      this.positiveOffset.appendNull();
      this.positiveCounts.appendNull();
      this.negativeOffset.appendNull();
      this.negativeCounts.appendNull();
    }
    if (d.type === 'summary') {
      const s = p as (typeof d.dataPoints)[number];
      for (const q of s.quantileValues) {
        this.quantile.append(q.quantile);
        this.quantileValue.append(q.value);
        this.quantileStruct.next();
      }
      this.quantiles.next();
    } else {
      this.quantiles.appendNull();
    }
    const exemplars: Exemplar[] = d.type === 'summary' ? [] : (p as { exemplars: Exemplar[] }).exemplars;
    for (const x of exemplars) {
      this.exTime.appendTime(x.timeUnixNano);
      if (typeof x.value === 'bigint') {
        this.exValue.append(Number(x.value));
        this.exValueInt.append(x.value);
      } else {
        this.exValue.append(x.value);
        this.exValueInt.appendNull();
      }
      this.exTraceId.appendId(x.traceId);
      this.exSpanId.appendId(x.spanId);
      this.exAttributes.append(x.filteredAttributes);
      this.exStruct.next();
    }
    this.exemplars.next();
    this.metadata.append(m.metadata);
    this.common.append(r, sc);
  }
}

export type AnyTable = TracesTable | LogsTable | MetricsTable;

export function newTable(signal: Signal, limit: ValueLimit): AnyTable {
  return signal === 'traces' ? new TracesTable(limit) : signal === 'logs' ? new LogsTable(limit) : new MetricsTable(limit);
}
