/** Normal verbosity: about one line per span, log record or metric data point, as upstream. */
import type { Attributes, LogRecord, Metric, Signal, SignalData, Span } from '../../pipeline/model.js';
import { groupsOf, type ItemOf } from './envelope.js';
import { anyValueAsString as valueAsString } from '../../pipeline/anyvalue.js';
import { goFixed, goFloat } from './format.js';

const pairs = (a: Attributes): string[] => [...a].map(([k, v]) => `${k}=${valueAsString(v)}`);

function inlineAttributes(a: Attributes): string {
  return a.size === 0 ? '' : ` ${pairs(a).join(' ')}`;
}

function scopeDetails(name: string, version: string, schemaUrl: string): string {
  let details = name;
  if (version) details += `@${version}`;
  if (schemaUrl) details += `${details ? ' ' : ''}[${schemaUrl}]`;
  return details ? ` ${details}` : '';
}

function spanLine(s: Span): string {
  return `${s.name} ${s.traceId} ${s.spanId}${inlineAttributes(s.attributes)}`;
}

/** Upstream joins body and attributes with a space even when there are no attributes. */
function logLine(r: LogRecord): string {
  return `${valueAsString(r.body)} ${pairs(r.attributes).join(' ')}`;
}

function stats(p: { count: number; sum?: number; min?: number; max?: number }): string {
  let v = `count=${p.count}`;
  if (p.sum !== undefined) v += ` sum=${goFloat(p.sum)}`;
  if (p.min !== undefined) v += ` min=${goFloat(p.min)}`;
  if (p.max !== undefined) v += ` max=${goFloat(p.max)}`;
  return v;
}

function metricLines(m: Metric): string[] {
  const head = (a: Attributes) => `${m.name}{${pairs(a).join(',')}}`;
  const d = m.data;
  switch (d.type) {
    case 'gauge':
    case 'sum':
      return d.dataPoints.map((p) => `${head(p.attributes)} ${typeof p.value === 'bigint' ? p.value : goFloat(p.value)}`);
    case 'histogram':
      return d.dataPoints.map((p) => {
        let v = stats(p);
        p.bucketCounts.forEach((c, i) => {
          v += i < p.explicitBounds.length ? ` le${goFloat(p.explicitBounds[i])}=${c}` : ` ${c}`;
        });
        return `${head(p.attributes)} ${v}`;
      });
    case 'exponentialHistogram':
      // Upstream prints no buckets for exponential histograms at this verbosity.
      return d.dataPoints.map((p) => `${head(p.attributes)} ${stats(p)}`);
    case 'summary':
      return d.dataPoints.map((p) => {
        const quantiles = p.quantileValues.map((q) => ` q${goFloat(q.quantile)}=${goFloat(q.value)}`).join('');
        return `${head(p.attributes)} count=${p.count} sum=${goFixed(p.sum)}${quantiles}`;
      });
  }
}

const LABELS: Record<Signal, [resource: string, scope: string]> = {
  traces: ['ResourceTraces', 'ScopeTraces'],
  metrics: ['ResourceMetrics', 'ScopeMetrics'],
  logs: ['ResourceLog', 'ScopeLog'],
};

const ITEM_LINES: { [S in Signal]: (item: ItemOf[S]) => string[] } = {
  traces: (s) => [spanLine(s)],
  metrics: metricLines,
  logs: (r) => [logLine(r)],
};

export function renderNormal<S extends Signal>(signal: S, data: SignalData[S]): string {
  const [resourceLabel, scopeLabel] = LABELS[signal];
  const itemLines = ITEM_LINES[signal];
  const out: string[] = [];
  groupsOf(signal, data).forEach((r, i) => {
    out.push(`${resourceLabel} #${i}${r.schemaUrl ? ` [${r.schemaUrl}]` : ''}${inlineAttributes(r.resource.attributes)}`);
    r.scopes.forEach((s, j) => {
      out.push(`${scopeLabel} #${j}${scopeDetails(s.scope.name, s.scope.version, s.schemaUrl)}${inlineAttributes(s.scope.attributes)}`);
      for (const item of s.items) out.push(...itemLines(item));
    });
  });
  return out.join('\n');
}
