/** Detailed verbosity: upstream's full multi-line dump (its internal/otlptext package). */
import type {
  Attributes,
  Exemplar,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  LogRecord,
  Metric,
  NumberDataPoint,
  Signal,
  SignalData,
  Span,
  SummaryDataPoint,
} from '../../pipeline/model.js';
import { groupsOf, type ItemOf } from './envelope.js';
import { enumName, goFixed, goTime, metricTypeName, typedValue } from './format.js';

class Dump {
  readonly lines: string[] = [];

  entry(line: string): void {
    this.lines.push(line);
  }

  /** Go's `"    %-15s: %s"`. */
  field(label: string, value: string | number | bigint): void {
    this.lines.push(`    ${label.padEnd(15)}: ${value}`);
  }

  /**
   * Upstream derives the entries' indentation from the header: a header `"     -> Attributes:"`
   * indents its entries one level deeper. (It also appends ":" to a header that already ends
   * in one, hence "Attributes::" under events and links.)
   */
  attributes(header: string, a: Attributes): void {
    if (a.size === 0) return;
    this.lines.push(`${header}:`);
    const arrow = header.indexOf('->');
    const prefix = `${arrow >= 0 ? header.slice(0, arrow) : ''}     ->`;
    for (const [k, v] of a) this.lines.push(`${prefix} ${k}: ${typedValue(v)}`);
  }
}

const numberValue = (v: number | bigint) => (typeof v === 'bigint' ? v.toString() : goFixed(v));

function span(out: Dump, s: Span): void {
  out.field('Trace ID', s.traceId);
  out.field('Parent ID', s.parentSpanId);
  out.field('ID', s.spanId);
  out.field('Name', s.name);
  out.field('Kind', enumName('spanKind', s.kind));
  if (s.traceState) out.field('TraceState', s.traceState);
  out.field('Start time', goTime(s.startTimeUnixNano));
  out.field('End time', goTime(s.endTimeUnixNano));
  out.field('Status code', enumName('statusCode', s.status.code));
  out.field('Status message', s.status.message);
  out.field('DroppedAttributesCount', s.droppedAttributesCount);
  out.field('DroppedEventsCount', s.droppedEventsCount);
  out.field('DroppedLinksCount', s.droppedLinksCount);
  out.attributes('Attributes', s.attributes);
  if (s.events.length > 0) {
    out.entry('Events:');
    s.events.forEach((e, i) => {
      out.entry(`SpanEvent #${i}`);
      out.entry(`     -> Name: ${e.name}`);
      out.entry(`     -> Timestamp: ${goTime(e.timeUnixNano)}`);
      out.entry(`     -> DroppedAttributesCount: ${e.droppedAttributesCount}`);
      out.attributes('     -> Attributes:', e.attributes);
    });
  }
  if (s.links.length > 0) {
    out.entry('Links:');
    s.links.forEach((l, i) => {
      out.entry(`SpanLink #${i}`);
      out.entry(`     -> Trace ID: ${l.traceId}`);
      out.entry(`     -> ID: ${l.spanId}`);
      out.entry(`     -> TraceState: ${l.traceState}`);
      out.entry(`     -> DroppedAttributesCount: ${l.droppedAttributesCount}`);
      out.attributes('     -> Attributes:', l.attributes);
    });
  }
}

function logRecord(out: Dump, r: LogRecord): void {
  out.entry(`ObservedTimestamp: ${goTime(r.observedTimeUnixNano)}`);
  out.entry(`Timestamp: ${goTime(r.timeUnixNano)}`);
  out.entry(`SeverityText: ${r.severityText}`);
  out.entry(`SeverityNumber: ${enumName('severity', r.severityNumber)}(${r.severityNumber})`);
  if (r.eventName) out.entry(`EventName: ${r.eventName}`);
  out.entry(`Body: ${typedValue(r.body)}`);
  out.attributes('Attributes', r.attributes);
  out.entry(`Trace ID: ${r.traceId}`);
  out.entry(`Span ID: ${r.spanId}`);
  out.entry(`Flags: ${r.flags}`);
}

function exemplars(out: Dump, list: Exemplar[]): void {
  if (list.length === 0) return;
  out.entry('Exemplars:');
  list.forEach((e, i) => {
    out.entry(`Exemplar #${i}`);
    out.entry(`     -> Trace ID: ${e.traceId}`);
    out.entry(`     -> Span ID: ${e.spanId}`);
    out.entry(`     -> Timestamp: ${goTime(e.timeUnixNano)}`);
    out.entry(`     -> Value: ${numberValue(e.value)}`);
    out.attributes('     -> FilteredAttributes', e.filteredAttributes);
  });
}

type AnyPoint = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint;

function pointHeader(out: Dump, label: string, i: number, p: AnyPoint): void {
  out.entry(`${label} #${i}`);
  out.attributes('Data point attributes', p.attributes);
  out.entry(`StartTimestamp: ${goTime(p.startTimeUnixNano)}`);
  out.entry(`Timestamp: ${goTime(p.timeUnixNano)}`);
}

function histogramStats(out: Dump, p: HistogramDataPoint | ExponentialHistogramDataPoint): void {
  out.entry(`Count: ${p.count}`);
  if (p.sum !== undefined) out.entry(`Sum: ${goFixed(p.sum)}`);
  if (p.min !== undefined) out.entry(`Min: ${goFixed(p.min)}`);
  if (p.max !== undefined) out.entry(`Max: ${goFixed(p.max)}`);
}

/** Bucket boundaries as upstream computes them: base^index with base = 2^(2^-scale). */
function exponentialBuckets(out: Dump, p: ExponentialHistogramDataPoint): void {
  const factor = Math.LN2 * 2 ** -p.scale;
  const bound = (index: number) => Math.exp(index * factor);
  const neg = p.negative.bucketCounts;
  for (let pos = neg.length - 1; pos >= 0; pos--) {
    const index = p.negative.offset + pos;
    out.entry(`Bucket [${goFixed(-bound(index + 1))}, ${goFixed(-bound(index))}), Count: ${neg[pos]}`);
  }
  if (p.zeroCount !== 0) out.entry(`Bucket [0, 0], Count: ${p.zeroCount}`);
  p.positive.bucketCounts.forEach((c, pos) => {
    const index = p.positive.offset + pos;
    out.entry(`Bucket (${goFixed(bound(index))}, ${goFixed(bound(index + 1))}], Count: ${c}`);
  });
}

function metric(out: Dump, m: Metric): void {
  out.entry('Descriptor:');
  out.entry(`     -> Name: ${m.name}`);
  out.entry(`     -> Description: ${m.description}`);
  out.entry(`     -> Unit: ${m.unit}`);
  out.entry(`     -> DataType: ${metricTypeName(m.data.type)}`);
  out.attributes('     -> Metadata', m.metadata);
  const d = m.data;
  if (d.type === 'sum') out.entry(`     -> IsMonotonic: ${d.isMonotonic}`);
  if (d.type !== 'gauge' && d.type !== 'summary') {
    out.entry(`     -> AggregationTemporality: ${enumName('temporality', d.aggregationTemporality)}`);
  }
  switch (d.type) {
    case 'gauge':
    case 'sum':
      d.dataPoints.forEach((p, i) => {
        pointHeader(out, 'NumberDataPoints', i, p);
        out.entry(`Value: ${numberValue(p.value)}`);
        exemplars(out, p.exemplars);
      });
      break;
    case 'histogram':
      d.dataPoints.forEach((p, i) => {
        pointHeader(out, 'HistogramDataPoints', i, p);
        histogramStats(out, p);
        p.explicitBounds.forEach((b, j) => out.entry(`ExplicitBounds #${j}: ${goFixed(b)}`));
        p.bucketCounts.forEach((c, j) => out.entry(`Buckets #${j}, Count: ${c}`));
        exemplars(out, p.exemplars);
      });
      break;
    case 'exponentialHistogram':
      d.dataPoints.forEach((p, i) => {
        pointHeader(out, 'ExponentialHistogramDataPoints', i, p);
        histogramStats(out, p);
        exponentialBuckets(out, p);
        exemplars(out, p.exemplars);
      });
      break;
    case 'summary':
      d.dataPoints.forEach((p, i) => {
        pointHeader(out, 'SummaryDataPoints', i, p);
        out.entry(`Count: ${p.count}`);
        out.entry(`Sum: ${goFixed(p.sum)}`);
        p.quantileValues.forEach((q, j) => out.entry(`QuantileValue #${j}: Quantile ${goFixed(q.quantile)}, Value ${goFixed(q.value)}`));
      });
      break;
  }
}

const LABELS: Record<Signal, [resource: string, scope: string, item: string]> = {
  traces: ['ResourceSpans', 'ScopeSpans', 'Span'],
  metrics: ['ResourceMetrics', 'ScopeMetrics', 'Metric'],
  logs: ['ResourceLog', 'ScopeLogs', 'LogRecord'],
};

const ITEM: { [S in Signal]: (out: Dump, item: ItemOf[S]) => void } = { traces: span, metrics: metric, logs: logRecord };

export function renderDetailed<S extends Signal>(signal: S, data: SignalData[S]): string {
  const [resourceLabel, scopeLabel, itemLabel] = LABELS[signal];
  const renderItem = ITEM[signal];
  const out = new Dump();
  groupsOf(signal, data).forEach((r, i) => {
    out.entry(`${resourceLabel} #${i}`);
    out.entry(`Resource SchemaURL: ${r.schemaUrl}`);
    out.attributes('Resource attributes', r.resource.attributes);
    r.scopes.forEach((s, j) => {
      out.entry(`${scopeLabel} #${j}`);
      out.entry(`${scopeLabel} SchemaURL: ${s.schemaUrl}`);
      out.entry(`InstrumentationScope ${s.scope.name} ${s.scope.version}`);
      out.attributes('InstrumentationScope attributes', s.scope.attributes);
      s.items.forEach((item, k) => {
        out.entry(`${itemLabel} #${k}`);
        renderItem(out, item);
      });
    });
  });
  return out.lines.join('\n');
}
