import type { Logs, Metrics, Traces } from '../../pipeline/index.js';
import type { DataPointItem, LogItem, SpanEventItem } from '../../pipeline/ottl/index.js';
import type { CompiledGroup } from './groups.js';

/**
 * Runs each group over the whole batch in config order, visiting the items of its context
 * (every resource, scope, span, ...). One mutable item object per batch: statements read and
 * write through it synchronously. Batches are changed in place (the processor declares mutatesData).
 */
export function applyTraces(data: Traces, groups: readonly CompiledGroup[]): void {
  const item = {} as SpanEventItem;
  for (const { context, run } of groups) {
    for (const rs of data.resourceSpans) {
      item.resource = rs.resource;
      if (context === 'resource') {
        run(item);
        continue;
      }
      for (const ss of rs.scopeSpans) {
        item.scope = ss.scope;
        if (context === 'scope') {
          run(item);
          continue;
        }
        for (const span of ss.spans) {
          item.span = span;
          if (context === 'span') {
            run(item);
            continue;
          }
          for (const event of span.events) {
            item.event = event;
            run(item);
          }
        }
      }
    }
  }
}

export function applyLogs(data: Logs, groups: readonly CompiledGroup[]): void {
  const item = {} as LogItem;
  for (const { context, run } of groups) {
    for (const rl of data.resourceLogs) {
      item.resource = rl.resource;
      if (context === 'resource') {
        run(item);
        continue;
      }
      for (const sl of rl.scopeLogs) {
        item.scope = sl.scope;
        if (context === 'scope') {
          run(item);
          continue;
        }
        for (const log of sl.logRecords) {
          item.log = log;
          run(item);
        }
      }
    }
  }
}

export function applyMetrics(data: Metrics, groups: readonly CompiledGroup[]): void {
  const item = {} as DataPointItem & { scopeMetrics?: unknown };
  for (const { context, run } of groups) {
    for (const rm of data.resourceMetrics) {
      item.resource = rm.resource;
      if (context === 'resource') {
        run(item);
        continue;
      }
      for (const sm of rm.scopeMetrics) {
        item.scope = sm.scope;
        if (context === 'scope') {
          run(item);
          continue;
        }
        item.scopeMetrics = sm.metrics;
        // A live length: metrics that extract_*_metric appends go through the later statements too, as upstream.
        for (let i = 0; i < sm.metrics.length; i++) {
          const metric = sm.metrics[i];
          item.metric = metric;
          if (context === 'metric') {
            run(item);
            continue;
          }
          for (const dp of metric.data.dataPoints) {
            item.dataPoint = dp;
            run(item);
          }
        }
      }
    }
  }
}
