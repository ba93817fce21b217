import type { Logs, Metrics, Traces } from '../../pipeline/index.js';
import type { Route } from './routes.js';

/**
 * Moves the items a route matches out of `data` into a batch of their own (under copies of their
 * resource and scope containers), so that what is left can be offered to the next route: an item
 * goes to the first route that matches it, as upstream's routing since v0.120.0. Returns undefined
 * when nothing matched. Emptied scopes and resources are removed from `data`.
 */

function retain<T>(arr: T[], keep: (x: T) => boolean): void {
  let w = 0;
  for (let r = 0; r < arr.length; r++) if (keep(arr[r])) arr[w++] = arr[r];
  arr.length = w;
}

export function takeTraces(data: Traces, route: Route): Traces | undefined {
  const out: Traces = { resourceSpans: [] };
  const item = {} as { resource: unknown; scope: unknown; span: unknown };
  retain(data.resourceSpans, (rs) => {
    item.resource = rs.resource;
    if (route.context === 'resource' || route.context === 'request') {
      if (!route.matches(item)) return true;
      out.resourceSpans.push(rs);
      return false;
    }
    const moved: typeof rs = { ...rs, scopeSpans: [] };
    retain(rs.scopeSpans, (ss) => {
      item.scope = ss.scope;
      const taken = ss.spans.filter((span) => {
        item.span = span;
        return route.matches(item);
      });
      if (taken.length === 0) return true;
      moved.scopeSpans.push({ ...ss, spans: taken });
      const left = new Set(taken);
      retain(ss.spans, (s) => !left.has(s));
      return ss.spans.length > 0;
    });
    if (moved.scopeSpans.length) out.resourceSpans.push(moved);
    return rs.scopeSpans.length > 0;
  });
  return out.resourceSpans.length ? out : undefined;
}

export function takeLogs(data: Logs, route: Route): Logs | undefined {
  const out: Logs = { resourceLogs: [] };
  const item = {} as { resource: unknown; scope: unknown; log: unknown };
  retain(data.resourceLogs, (rl) => {
    item.resource = rl.resource;
    if (route.context === 'resource' || route.context === 'request') {
      if (!route.matches(item)) return true;
      out.resourceLogs.push(rl);
      return false;
    }
    const moved: typeof rl = { ...rl, scopeLogs: [] };
    retain(rl.scopeLogs, (sl) => {
      item.scope = sl.scope;
      const taken = sl.logRecords.filter((log) => {
        item.log = log;
        return route.matches(item);
      });
      if (taken.length === 0) return true;
      moved.scopeLogs.push({ ...sl, logRecords: taken });
      const left = new Set(taken);
      retain(sl.logRecords, (r) => !left.has(r));
      return sl.logRecords.length > 0;
    });
    if (moved.scopeLogs.length) out.resourceLogs.push(moved);
    return rl.scopeLogs.length > 0;
  });
  return out.resourceLogs.length ? out : undefined;
}

export function takeMetrics(data: Metrics, route: Route): Metrics | undefined {
  const out: Metrics = { resourceMetrics: [] };
  const item = {} as { resource: unknown; scope: unknown; metric: unknown; dataPoint: unknown };
  retain(data.resourceMetrics, (rm) => {
    item.resource = rm.resource;
    if (route.context === 'resource' || route.context === 'request') {
      if (!route.matches(item)) return true;
      out.resourceMetrics.push(rm);
      return false;
    }
    const moved: typeof rm = { ...rm, scopeMetrics: [] };
    retain(rm.scopeMetrics, (sm) => {
      item.scope = sm.scope;
      const taken: typeof sm.metrics = [];
      retain(sm.metrics, (metric) => {
        item.metric = metric;
        if (route.context === 'metric') {
          if (!route.matches(item)) return true;
          taken.push(metric);
          return false;
        }
        // datapoint: the metric is split, its matching points moving under a copy of it.
        const points = metric.data.dataPoints as unknown[];
        const hit = points.filter((dp) => {
          item.dataPoint = dp;
          return route.matches(item);
        });
        if (hit.length === 0) return true;
        taken.push({ ...metric, data: { ...metric.data, dataPoints: hit } as typeof metric.data });
        const left = new Set(hit);
        retain(points, (dp) => !left.has(dp));
        return points.length > 0;
      });
      if (taken.length) moved.scopeMetrics.push({ ...sm, metrics: taken });
      return sm.metrics.length > 0;
    });
    if (moved.scopeMetrics.length) out.resourceMetrics.push(moved);
    return rm.scopeMetrics.length > 0;
  });
  return out.resourceMetrics.length ? out : undefined;
}
