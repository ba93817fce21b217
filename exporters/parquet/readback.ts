/**
 * Reads the Parquet tables back into Summit's model with DuckDB — an independent reader of the
 * documented schema, used by the tests to prove the files lossless (every id, exact nanosecond
 * timestamps, attribute values of every type, metric buckets).
 */
import {
  DuckDBInstance,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampNanosecondsValue,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import type {
  AnyValue,
  Attributes,
  Exemplar,
  InstrumentationScope,
  LogRecord,
  Metric,
  MetricData,
  Resource,
  Signal,
  Span,
  SpanKind,
  StatusCode,
} from '../../pipeline/model.js';
import { METRIC_TYPES, SPAN_KINDS, STATUS_CODES, TEMPORALITIES, typesColumn } from './tables.js';
import { decodeValue } from './values.js';

export type Row = Record<string, DuckDBValue>;

/** A DuckDB connection in memory, closed by `close()`. */
export async function openDuckDB(): Promise<{ connection: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * `read_parquet(...)` over one signal's table under `dir`. The partition columns get their
 * types spelled out: DuckDB would guess `hour` from the values (`08` can come out as VARCHAR).
 */
export function tableSource(dir: string, signal: Signal): string {
  return `read_parquet(${sqlString(`${dir}/${signal}/**/*.parquet`)}, hive_partitioning = true, hive_types = {'date': DATE, 'hour': INTEGER})`;
}

export async function queryRows(connection: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await connection.runAndReadAll(sql)).getRowObjects();
}

// ---------------------------------------------------------------- values

/** An attribute set from its map of values and its map of non-string types. */
export function attributesOf(values: DuckDBValue, types: DuckDBValue): Attributes {
  const typeOf = new Map((types as DuckDBMapValue).entries.map((e) => [e.key as string, e.value as string]));
  const out: Attributes = new Map();
  for (const { key, value } of (values as DuckDBMapValue).entries) {
    out.set(key as string, decodeValue(typeOf.get(key as string) ?? 'Str', value as string | null) as AnyValue);
  }
  return out;
}

/** The attribute set stored in `name` and its types column, of a row or struct. */
const attrsAt = (r: Readonly<Record<string, DuckDBValue>>, name: string) => attributesOf(r[name], r[typesColumn(name)]);

export const nanos = (v: DuckDBValue): bigint => (v === null ? 0n : (v as DuckDBTimestampNanosecondsValue).nanos);
const text = (v: DuckDBValue): string => (v === null ? '' : (v as string));
const num = (v: DuckDBValue): number => (v === null ? 0 : typeof v === 'bigint' ? Number(v) : (v as number));
const items = (v: DuckDBValue): readonly DuckDBValue[] => (v === null ? [] : (v as DuckDBListValue).items);
const struct = (v: DuckDBValue) => (v as DuckDBStructValue).entries;
const enumValue = (names: string[], v: DuckDBValue): number => {
  const i = names.indexOf(v as string);
  return i >= 0 ? i : Number(v);
};
const optional = (v: DuckDBValue): number | undefined => (v === null ? undefined : (v as number));

export interface PlacedRow<T> {
  resource: Resource;
  resourceSchemaUrl: string;
  scope: InstrumentationScope;
  scopeSchemaUrl: string;
  item: T;
  /** The hive partition columns. */
  date: string;
  hour: number;
}

function placed<T>(r: Row, item: T): PlacedRow<T> {
  return {
    resource: { attributes: attrsAt(r, 'resource_attributes'), droppedAttributesCount: num(r.resource_dropped_attributes_count) },
    resourceSchemaUrl: text(r.resource_schema_url),
    scope: {
      name: text(r.scope_name),
      version: text(r.scope_version),
      attributes: attrsAt(r, 'scope_attributes'),
      droppedAttributesCount: num(r.scope_dropped_attributes_count),
    },
    scopeSchemaUrl: text(r.scope_schema_url),
    item,
    date: String(r.date),
    hour: num(r.hour),
  };
}

// ---------------------------------------------------------------- rows → model

export function spanOf(r: Row): Span {
  return {
    traceId: text(r.trace_id),
    spanId: text(r.span_id),
    traceState: text(r.trace_state),
    parentSpanId: text(r.parent_span_id),
    flags: num(r.flags),
    name: text(r.name),
    kind: enumValue(SPAN_KINDS, r.kind) as SpanKind,
    startTimeUnixNano: nanos(r.start_time),
    endTimeUnixNano: nanos(r.end_time),
    attributes: attrsAt(r, 'attributes'),
    droppedAttributesCount: num(r.dropped_attributes_count),
    events: items(r.events).map((e) => {
      const s = struct(e);
      return { timeUnixNano: nanos(s.time), name: text(s.name), attributes: attrsAt(s, 'attributes'), droppedAttributesCount: num(s.dropped_attributes_count) };
    }),
    droppedEventsCount: num(r.dropped_events_count),
    links: items(r.links).map((l) => {
      const s = struct(l);
      return {
        traceId: text(s.trace_id),
        spanId: text(s.span_id),
        traceState: text(s.trace_state),
        attributes: attrsAt(s, 'attributes'),
        droppedAttributesCount: num(s.dropped_attributes_count),
        flags: num(s.flags),
      };
    }),
    droppedLinksCount: num(r.dropped_links_count),
    status: { code: enumValue(STATUS_CODES, r.status_code) as StatusCode, message: text(r.status_message) },
  };
}

export function logOf(r: Row): LogRecord {
  return {
    timeUnixNano: nanos(r.time),
    observedTimeUnixNano: nanos(r.observed_time),
    severityNumber: num(r.severity_number),
    severityText: text(r.severity_text),
    body: decodeValue(r.body_type as string, r.body as string | null),
    attributes: attrsAt(r, 'attributes'),
    droppedAttributesCount: num(r.dropped_attributes_count),
    flags: num(r.flags),
    traceId: text(r.trace_id),
    spanId: text(r.span_id),
    eventName: text(r.event_name),
  };
}

const counts = (v: DuckDBValue): number[] => items(v).map(num);

function exemplarsOf(v: DuckDBValue): Exemplar[] {
  return items(v).map((x) => {
    const s = struct(x);
    return {
      filteredAttributes: attrsAt(s, 'filtered_attributes'),
      timeUnixNano: nanos(s.time),
      value: s.value_int !== null ? (s.value_int as bigint) : (s.value as number),
      spanId: text(s.span_id),
      traceId: text(s.trace_id),
    };
  });
}

/** A row of the metrics table as a metric with that one data point. */
export function metricOf(r: Row): Metric {
  const type = Object.entries(METRIC_TYPES).find(([, name]) => name === r.metric_type)?.[0] as MetricData['type'];
  const common = {
    attributes: attrsAt(r, 'attributes'),
    startTimeUnixNano: nanos(r.start_time),
    timeUnixNano: nanos(r.time),
    flags: num(r.flags),
  };
  const temporality = enumValue(TEMPORALITIES, r.aggregation_temporality);
  const number = () => ({ ...common, value: r.value_int !== null ? (r.value_int as bigint) : (r.value as number), exemplars: exemplarsOf(r.exemplars) });
  const summary = () => ({ count: num(r.count), sum: optional(r.sum), min: optional(r.min), max: optional(r.max) });
  let data: MetricData;
  switch (type) {
    case 'gauge':
      data = { type, dataPoints: [number()] };
      break;
    case 'sum':
      data = { type, aggregationTemporality: temporality, isMonotonic: r.is_monotonic as boolean, dataPoints: [number()] };
      break;
    case 'histogram':
      data = {
        type,
        aggregationTemporality: temporality,
        dataPoints: [
          {
            ...common,
            ...summary(),
            bucketCounts: counts(r.bucket_counts),
            explicitBounds: items(r.explicit_bounds).map((b) => b as number),
            exemplars: exemplarsOf(r.exemplars),
          },
        ],
      };
      break;
    case 'exponentialHistogram':
      data = {
        type,
        aggregationTemporality: temporality,
        dataPoints: [
          {
            ...common,
            ...summary(),
            scale: num(r.scale),
            zeroCount: num(r.zero_count),
            zeroThreshold: r.zero_threshold as number,
            positive: { offset: num(r.positive_offset), bucketCounts: counts(r.positive_bucket_counts) },
            negative: { offset: num(r.negative_offset), bucketCounts: counts(r.negative_bucket_counts) },
            exemplars: exemplarsOf(r.exemplars),
          },
        ],
      };
      break;
    case 'summary':
      data = {
        type,
        dataPoints: [
          {
            ...common,
            count: num(r.count),
            sum: r.sum as number,
            quantileValues: items(r.quantile_values).map((q) => ({ quantile: struct(q).quantile as number, value: struct(q).value as number })),
          },
        ],
      };
      break;
    default:
      throw new Error(`unknown metric_type ${String(r.metric_type)}`);
  }
  return { name: text(r.metric_name), description: text(r.metric_description), unit: text(r.metric_unit), metadata: attrsAt(r, 'metric_metadata'), data };
}

/** Every row of a signal's table under `dir`, converted back to the model. */
export async function readBack(dir: string, signal: 'traces'): Promise<PlacedRow<Span>[]>;
export async function readBack(dir: string, signal: 'logs'): Promise<PlacedRow<LogRecord>[]>;
export async function readBack(dir: string, signal: 'metrics'): Promise<PlacedRow<Metric>[]>;
export async function readBack(dir: string, signal: Signal): Promise<PlacedRow<Span | LogRecord | Metric>[]> {
  const db = await openDuckDB();
  try {
    const rows = await queryRows(db.connection, `select * from ${tableSource(dir, signal)}`);
    const convert = signal === 'traces' ? spanOf : signal === 'logs' ? logOf : metricOf;
    return rows.map((r) => placed(r, convert(r)));
  } finally {
    db.close();
  }
}
