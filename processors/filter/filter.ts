import type { Logs, Metrics, Profiles, ResourceLogs, ResourceMetrics, ResourceProfiles, ResourceSpans, Traces } from '../../pipeline/index.js';
import type { DataPointItem, LogItem, MetricItem, Predicate, ProfileItem, ResourceItem, SpanEventItem, SpanItem } from '../../pipeline/ottl/index.js';

/**
 * Keeps the elements `keep` accepts, compacting the array in place: the batch is mutated, not
 * copied, which is why the processor declares mutatesData.
 */
function retain<T>(arr: T[], keep: (x: T) => boolean): void {
  let w = 0;
  for (let r = 0; r < arr.length; r++) {
    const x = arr[r];
    if (keep(x)) arr[w++] = x;
  }
  arr.length = w;
}

const spansIn = (rs: ResourceSpans): number => rs.scopeSpans.reduce((n, ss) => n + ss.spans.length, 0);
const recordsIn = (rl: ResourceLogs): number => rl.scopeLogs.reduce((n, sl) => n + sl.logRecords.length, 0);
const samplesIn = (rp: ResourceProfiles): number => rp.scopeProfiles.reduce((n, sp) => n + sp.profiles.reduce((k, p) => k + p.sampleCount, 0), 0);
const pointsIn = (rm: ResourceMetrics): number =>
  rm.scopeMetrics.reduce((n, sm) => n + sm.metrics.reduce((k, m) => k + m.data.dataPoints.length, 0), 0);

export interface TracesFilter {
  resource?: Predicate<ResourceItem>;
  span?: Predicate<SpanItem>;
  spanevent?: Predicate<SpanEventItem>;
}

/** Drops matching resources, spans and span events; removes emptied scopes and resources. Returns spans dropped. */
export function filterTraces(data: Traces, f: TracesFilter): number {
  let dropped = 0;
  // One mutable item per batch: conditions read it synchronously, so reuse is safe and allocation-free.
  const item = { span: undefined, event: undefined, scope: undefined, resource: undefined } as unknown as SpanEventItem;
  const { resource: dropResource, span: dropSpan, spanevent: dropEvent } = f;
  retain(data.resourceSpans, (rs) => {
    item.resource = rs.resource;
    if (dropResource?.(item)) {
      dropped += spansIn(rs);
      return false;
    }
    if (!dropSpan && !dropEvent) return rs.scopeSpans.length > 0;
    retain(rs.scopeSpans, (ss) => {
      item.scope = ss.scope;
      retain(ss.spans, (span) => {
        item.span = span;
        if (dropSpan?.(item)) {
          dropped++;
          return false;
        }
        if (dropEvent && span.events.length) {
          retain(span.events, (event) => {
            item.event = event;
            return !dropEvent(item);
          });
        }
        return true;
      });
      return ss.spans.length > 0;
    });
    return rs.scopeSpans.length > 0;
  });
  return dropped;
}

export interface LogsFilter {
  resource?: Predicate<ResourceItem>;
  log_record?: Predicate<LogItem>;
}

/** Drops matching resources and log records; removes emptied scopes and resources. Returns records dropped. */
export function filterLogs(data: Logs, f: LogsFilter): number {
  let dropped = 0;
  const item = { log: undefined, scope: undefined, resource: undefined } as unknown as LogItem;
  const { resource: dropResource, log_record: dropRecord } = f;
  retain(data.resourceLogs, (rl) => {
    item.resource = rl.resource;
    if (dropResource?.(item)) {
      dropped += recordsIn(rl);
      return false;
    }
    if (!dropRecord) return rl.scopeLogs.length > 0;
    retain(rl.scopeLogs, (sl) => {
      item.scope = sl.scope;
      retain(sl.logRecords, (log) => {
        item.log = log;
        if (!dropRecord(item)) return true;
        dropped++;
        return false;
      });
      return sl.logRecords.length > 0;
    });
    return rl.scopeLogs.length > 0;
  });
  return dropped;
}

export interface MetricsFilter {
  resource?: Predicate<ResourceItem>;
  metric?: Predicate<MetricItem>;
  datapoint?: Predicate<DataPointItem>;
}

/**
 * Drops matching resources and metrics, then matching data points of the rest; a metric left
 * without data points is removed, then emptied scopes and resources. Returns data points dropped.
 */
export function filterMetrics(data: Metrics, f: MetricsFilter): number {
  let dropped = 0;
  const item = { metric: undefined, dataPoint: undefined, scope: undefined, resource: undefined } as unknown as DataPointItem;
  const { resource: dropResource, metric: dropMetric, datapoint: dropPoint } = f;
  retain(data.resourceMetrics, (rm) => {
    item.resource = rm.resource;
    if (dropResource?.(item)) {
      dropped += pointsIn(rm);
      return false;
    }
    if (!dropMetric && !dropPoint) return rm.scopeMetrics.length > 0;
    retain(rm.scopeMetrics, (sm) => {
      item.scope = sm.scope;
      retain(sm.metrics, (metric) => {
        item.metric = metric;
        const points = metric.data.dataPoints as DataPointItem['dataPoint'][];
        if (dropMetric?.(item)) {
          dropped += points.length;
          return false;
        }
        if (!dropPoint) return true;
        const before = points.length;
        retain(points, (dp) => {
          item.dataPoint = dp;
          return !dropPoint(item);
        });
        dropped += before - points.length;
        return points.length > 0;
      });
      return sm.metrics.length > 0;
    });
    return rm.scopeMetrics.length > 0;
  });
  return dropped;
}

export interface ProfilesFilter {
  resource?: Predicate<ResourceItem>;
  profile?: Predicate<ProfileItem>;
}

/**
 * Drops matching resources and profiles; removes emptied scopes and resources. The profiles
 * kept, and the dictionary, stay the bytes they arrived as (entries only the dropped profiles
 * used stay in the dictionary, as upstream leaves them). Returns samples dropped, which is how
 * upstream counts filtered profiles.
 */
export function filterProfiles(data: Profiles, f: ProfilesFilter): number {
  let dropped = 0;
  const item = { profile: undefined, dictionary: data.dictionary, scope: undefined, resource: undefined } as unknown as ProfileItem;
  const { resource: dropResource, profile: dropProfile } = f;
  retain(data.resourceProfiles, (rp) => {
    item.resource = rp.resource;
    if (dropResource?.(item)) {
      dropped += samplesIn(rp);
      return false;
    }
    if (!dropProfile) return rp.scopeProfiles.length > 0;
    retain(rp.scopeProfiles, (sp) => {
      item.scope = sp.scope;
      retain(sp.profiles, (profile) => {
        item.profile = profile;
        if (!dropProfile(item)) return true;
        dropped += profile.sampleCount;
        return false;
      });
      return sp.profiles.length > 0;
    });
    return rp.scopeProfiles.length > 0;
  });
  return dropped;
}
