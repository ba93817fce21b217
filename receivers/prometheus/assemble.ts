/**
 * One scrape's series into OTLP metrics as upstream prometheusreceiver builds them: samples
 * grouped into families by their metadata (counter → cumulative monotonic sum, histogram and
 * summary from their `_bucket` / `quantile`, `_sum`, `_count` and `_created` series, unknown →
 * gauge), one resource per `job` + `instance` (service.name, service.instance.id, server.*,
 * url.scheme, and `target_info`'s labels), `otel_scope_name` / `otel_scope_version` labels as
 * the scope, exemplars with their trace and span ids, and stale series as points flagged
 * NO_RECORDED_VALUE.
 */
import { isIP } from 'node:net';
import { AggregationTemporality, type Attributes, type Exemplar, type Metric, type Metrics, type ResourceMetrics, type ScopeMetrics } from '../../pipeline/model.js';
import type { Exemplar as PromExemplar, FamilyMetadata, MetricType } from './exposition.js';
import type { StartTimes } from './start-times.js';

/** A series of the scrape after target labels and metric relabeling, ready to convert. */
export interface Series {
  name: string;
  /** Sorted by name, `__name__` excluded, empty values removed; holds `job` and `instance`. */
  labels: [string, string][];
  value: number;
  timestampMs: number;
  /** A staleness marker: the series was in the previous scrape and is gone. */
  stale?: boolean;
  exemplar?: PromExemplar;
  /** The scrape loop's cached resolution of the series, where assembly memoizes its own work. */
  ref?: { memo?: SeriesMemo };
}

/** What assembly derives from a series' labels alone, kept across scrapes on its {@link Series.ref}. */
export interface SeriesMemo {
  kind: Kind;
  groupKey: string;
}

export const SCOPE_NAME = 'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver';

const NO_RECORDED_VALUE = 1;
const TRIMMABLE = ['_bucket', '_count', '_sum', '_total', '_info', '_created'];
/** Labels that never become attributes (upstream's "not useful" labels). */
const NOT_ATTRIBUTES = new Set(['job', 'instance', '__scheme__', '__metrics_path__', 'otel_scope_name', 'otel_scope_version']);

/** The scrape's own series (`up`, `scrape_*`), typed as upstream types them. */
export const REPORT_METADATA: Record<string, FamilyMetadata> = {
  up: { type: 'gauge', help: 'The scraping was successful', unit: '' },
  scrape_duration_seconds: { type: 'gauge', help: 'Duration of the scrape', unit: 'seconds' },
  scrape_samples_scraped: { type: 'gauge', help: 'The number of samples the target exposed', unit: '' },
  scrape_series_added: { type: 'gauge', help: 'The approximate number of new series in this scrape', unit: '' },
  scrape_samples_post_metric_relabeling: { type: 'gauge', help: 'The number of samples remaining after metric relabeling was applied', unit: '' },
  scrape_timeout_seconds: { type: 'gauge', help: 'The configured scrape timeout for a target', unit: 'seconds' },
  scrape_sample_limit: { type: 'gauge', help: 'The configured sample limit for a target. Returns zero if there is no limit configured', unit: '' },
  scrape_body_size_bytes: { type: 'gauge', help: 'The uncompressed size of the last scrape response, if successful', unit: 'bytes' },
};

export function normalizeMetricName(name: string): string {
  for (const s of TRIMMABLE) if (name.endsWith(s) && name !== s) return name.slice(0, -s.length);
  return name;
}

type Kind = 'sum' | 'gauge' | 'histogram' | 'summary';

function kindOf(type: MetricType): { kind: Kind; monotonic: boolean } {
  switch (type) {
    case 'counter':
      return { kind: 'sum', monotonic: true };
    case 'histogram':
      return { kind: 'histogram', monotonic: true };
    case 'summary':
      return { kind: 'summary', monotonic: true };
    case 'info':
    case 'stateset':
      return { kind: 'sum', monotonic: false };
    default:
      return { kind: 'gauge', monotonic: false };
  }
}

interface Group {
  key: string;
  labels: [string, string][];
  ts: number;
  value: number;
  stale: boolean;
  count?: number;
  sum?: number;
  created?: number;
  bounds: { boundary: number; value: number }[];
  exemplars: Exemplar[];
}

interface Family {
  name: string;
  kind: Kind;
  monotonic: boolean;
  meta: FamilyMetadata;
  groups: Map<string, Group>;
}

interface ResourceBucket {
  job: string;
  instance: string;
  info: [string, string][];
  scopes: Map<string, { name: string; version: string; families: Map<string, Family> }>;
}

export interface AssembleOptions {
  scopeVersion: string;
  /** The target's `__scheme__` (url.scheme) and, from Kubernetes discovery, its `__meta_kubernetes_*` labels. */
  discovered: Map<string, string>;
  trimSuffixes: boolean;
  /** The target's series start times, carried from scrape to scrape. */
  startTimes: StartTimes;
}

/** The metadata of a sample name and its family name, as upstream's metadataForMetric finds them. */
function metadataFor(name: string, metadata: Map<string, FamilyMetadata>): { meta: FamilyMetadata; family: string } {
  const report = REPORT_METADATA[name];
  if (report) return { meta: report, family: name };
  const own = metadata.get(name);
  if (own) return { meta: own, family: name };
  const normalized = normalizeMetricName(name);
  const base = metadata.get(normalized);
  if (base) return { meta: base, family: base.type === 'counter' ? name : normalized };
  return { meta: { type: 'unknown', help: '', unit: '' }, family: name };
}

function groupKey(labels: [string, string][], kind: Kind): string {
  let key = '';
  for (const [k, v] of labels) {
    if ((kind === 'histogram' && k === 'le') || (kind === 'summary' && k === 'quantile')) continue;
    key += `${k}\u0000${v}\u0001`;
  }
  return key;
}

export function assemble(series: Series[], metadata: Map<string, FamilyMetadata>, opts: AssembleOptions): Metrics {
  const resources = new Map<string, ResourceBucket>();
  const familyOf = new Map<string, { family: string; meta: FamilyMetadata }>();
  const bucketFor = (job: string, instance: string) => {
    const key = `${job}\u0000${instance}`;
    let r = resources.get(key);
    if (!r) resources.set(key, (r = { job, instance, info: [], scopes: new Map() }));
    return r;
  };
  for (const s of series) {
    let job = '';
    let instance = '';
    let scopeName = SCOPE_NAME;
    let scopeVersion = opts.scopeVersion;
    for (const [k, v] of s.labels) {
      if (k === 'job') job = v;
      else if (k === 'instance') instance = v;
      else if (k === 'otel_scope_name') scopeName = v;
      else if (k === 'otel_scope_version') scopeVersion = v;
    }
    const resource = bucketFor(job, instance);
    if (s.name === 'target_info') {
      if (!s.stale) for (const [k, v] of s.labels) if (k !== 'job' && k !== 'instance') resource.info.push([k, v]);
      continue;
    }
    const scopeKey = `${scopeName}\u0000${scopeVersion}`;
    let scope = resource.scopes.get(scopeKey);
    if (!scope) resource.scopes.set(scopeKey, (scope = { name: scopeName, version: scopeVersion, families: new Map() }));

    // _created of a counter, histogram or summary is the start time of the series it belongs to
    if (s.name.endsWith('_created')) {
      const base = s.name.slice(0, -'_created'.length);
      const meta = metadata.get(base);
      if (meta && (meta.type === 'counter' || meta.type === 'histogram' || meta.type === 'summary')) {
        const familyName = meta.type === 'counter' ? `${base}_total` : base;
        const family = ensureFamily(scope.families, familyName, meta);
        const group = ensureGroup(family, s);
        if (!s.stale) group.created = s.value;
        continue;
      }
    }

    let found = familyOf.get(s.name);
    if (!found) familyOf.set(s.name, (found = metadataFor(s.name, metadata)));
    const family = ensureFamily(scope.families, found.family, found.meta);
    addSample(family, s);
  }
  const metrics = { resourceMetrics: [...resources.values()].map((r) => toResourceMetrics(r, opts)).filter((r) => r.scopeMetrics.length > 0) };
  opts.startTimes.sweep();
  return metrics;
}

function ensureFamily(families: Map<string, Family>, name: string, meta: FamilyMetadata): Family {
  let f = families.get(name);
  if (!f) {
    const { kind, monotonic } = kindOf(meta.type);
    families.set(name, (f = { name, kind, monotonic, meta, groups: new Map() }));
  }
  return f;
}

function ensureGroup(family: Family, s: Series): Group {
  let key: string;
  const memo = s.ref?.memo;
  if (memo && memo.kind === family.kind) key = memo.groupKey;
  else {
    key = groupKey(s.labels, family.kind);
    if (s.ref) s.ref.memo = { kind: family.kind, groupKey: key };
  }
  let g = family.groups.get(key);
  if (!g) {
    const labels = family.kind === 'histogram' || family.kind === 'summary' ? s.labels.filter(([k]) => k !== (family.kind === 'histogram' ? 'le' : 'quantile')) : s.labels;
    family.groups.set(key, (g = { key, labels, ts: s.timestampMs, value: 0, stale: false, bounds: [], exemplars: [] }));
  }
  return g;
}

function addSample(family: Family, s: Series) {
  const g = ensureGroup(family, s);
  if (s.stale) g.stale = true;
  if (s.exemplar) g.exemplars.push(toExemplar(s.exemplar));
  if (family.kind === 'histogram' || family.kind === 'summary') {
    if (s.name.endsWith('_sum')) g.sum = s.value;
    else if (s.name.endsWith('_count')) {
      g.count = s.value;
      g.ts = s.timestampMs;
    } else {
      const label = family.kind === 'histogram' ? 'le' : 'quantile';
      const text = s.labels.find(([k]) => k === label)?.[1];
      const boundary = text === undefined || text === '' ? NaN : Number(text === '+Inf' ? Infinity : text);
      if (!Number.isNaN(boundary)) g.bounds.push({ boundary, value: s.value });
    }
    return;
  }
  g.value = s.value;
  g.ts = s.timestampMs;
}

function toExemplar(e: PromExemplar): Exemplar {
  const filtered: Attributes = new Map();
  let traceId = '';
  let spanId = '';
  for (const [k, v] of e.labels) {
    const lower = k.toLowerCase();
    if (lower === 'trace_id' && /^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0) traceId = hexId(v, 32);
    else if (lower === 'span_id' && /^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0) spanId = hexId(v, 16);
    else filtered.set(k, v);
  }
  return { filteredAttributes: filtered, timeUnixNano: BigInt(e.timestampMs ?? 0) * 1_000_000n, value: e.value, traceId, spanId };
}

/** Upstream's decodeAndCopyToLowerBytes: longer ids keep their first bytes, shorter ones are left-padded. */
function hexId(hex: string, width: number): string {
  const lower = hex.toLowerCase();
  return lower.length >= width ? lower.slice(0, width) : lower.padStart(width, '0');
}

function attributesOf(labels: [string, string][]): Attributes {
  const out: Attributes = new Map();
  for (const [k, v] of labels) if (v !== '' && !NOT_ATTRIBUTES.has(k)) out.set(k, v);
  return out;
}

const nanos = (ms: number) => BigInt(ms) * 1_000_000n;
/** Seconds as a float (a `_created` value) to nanoseconds, as upstream's timestampFromFloat64. */
const secondsToNanos = (s: number) => BigInt(Math.trunc(s)) * 1_000_000_000n + BigInt(Math.trunc((s - Math.trunc(s)) * 1e9));

function toMetric(f: Family, opts: AssembleOptions, scopeKey: string): Metric | undefined {
  const base = { name: opts.trimSuffixes ? trimName(f) : f.name, description: f.meta.help, unit: f.meta.unit, metadata: new Map() };
  const groups = [...f.groups.values()];
  const prefix = `${scopeKey}\u0000${f.name}\u0000${f.kind}\u0000`;
  const start = (g: Group) => {
    const initial = g.created ? secondsToNanos(g.created) : nanos(g.ts);
    const value = f.kind === 'sum' ? g.value : (g.count ?? 0);
    return opts.startTimes.startOf(prefix + g.key, initial, g.stale, value, f.kind === 'sum' ? 0 : (g.sum ?? 0), f.kind === 'summary');
  };
  if (f.kind === 'histogram') {
    const dataPoints = [];
    for (const g of groups) {
      if (g.count === undefined || g.bounds.length === 0) continue;
      g.bounds.sort((a, b) => a.boundary - b.boundary);
      if (g.bounds[g.bounds.length - 1].boundary !== Infinity) continue; // not a complete histogram: no +Inf bucket
      const bucketCounts = g.bounds.map((b, i) => (g.stale ? 0 : Math.max(0, b.value - (i > 0 ? g.bounds[i - 1].value : 0))));
      dataPoints.push({
        attributes: attributesOf(g.labels),
        startTimeUnixNano: start(g),
        timeUnixNano: nanos(g.ts),
        count: g.stale ? 0 : g.count,
        ...(g.stale || g.sum === undefined ? {} : { sum: g.sum }),
        bucketCounts,
        explicitBounds: g.bounds.slice(0, -1).map((b) => b.boundary),
        exemplars: g.exemplars,
        flags: g.stale ? NO_RECORDED_VALUE : 0,
      });
    }
    return dataPoints.length ? { ...base, data: { type: 'histogram', aggregationTemporality: AggregationTemporality.Cumulative, dataPoints } } : undefined;
  }
  if (f.kind === 'summary') {
    const dataPoints = [];
    for (const g of groups) {
      if (g.count === undefined) continue;
      g.bounds.sort((a, b) => a.boundary - b.boundary);
      dataPoints.push({
        attributes: attributesOf(g.labels),
        startTimeUnixNano: start(g),
        timeUnixNano: nanos(g.ts),
        count: g.stale ? 0 : g.count,
        sum: g.stale ? 0 : (g.sum ?? 0),
        quantileValues: g.bounds.map((b) => ({ quantile: b.boundary, value: g.stale ? 0 : b.value })),
        flags: g.stale ? NO_RECORDED_VALUE : 0,
      });
    }
    return dataPoints.length ? { ...base, data: { type: 'summary', dataPoints } } : undefined;
  }
  const dataPoints = groups.map((g) => ({
    attributes: attributesOf(g.labels),
    startTimeUnixNano: f.kind === 'sum' ? start(g) : 0n,
    timeUnixNano: nanos(g.ts),
    value: g.stale ? 0 : g.value,
    exemplars: g.exemplars,
    flags: g.stale ? NO_RECORDED_VALUE : 0,
  }));
  if (!dataPoints.length) return undefined;
  return f.kind === 'sum'
    ? { ...base, data: { type: 'sum', aggregationTemporality: AggregationTemporality.Cumulative, isMonotonic: f.monotonic, dataPoints } }
    : { ...base, data: { type: 'gauge', dataPoints } };
}

/** trim_metric_suffixes: `_total` of monotonic sums, `_info` of info metrics, and the unit's suffix. */
function trimName(f: Family): string {
  let name = f.name;
  if (f.kind === 'sum' && f.monotonic && name.endsWith('_total')) name = name.slice(0, -6);
  if (f.meta.type === 'info' && name.endsWith('_info')) name = name.slice(0, -5);
  const unit = f.meta.unit.replace(/[^A-Za-z0-9_]/g, '_');
  if (unit && name.endsWith(`_${unit}`) && name !== `_${unit}`) name = name.slice(0, -unit.length - 1);
  return name;
}

function toResourceMetrics(r: ResourceBucket, opts: AssembleOptions): ResourceMetrics {
  const attributes: Attributes = new Map();
  attributes.set('service.name', r.job);
  const { host, port } = splitInstance(r.instance);
  if (isDiscernible(host)) attributes.set('server.address', host);
  attributes.set('service.instance.id', r.instance);
  attributes.set('server.port', port);
  attributes.set('url.scheme', opts.discovered.get('__scheme__') ?? '');
  for (const [sd, attr] of KUBERNETES) {
    const v = opts.discovered.get(sd);
    if (v) attributes.set(attr, v);
  }
  const kind = opts.discovered.get('__meta_kubernetes_pod_controller_kind');
  const controller = opts.discovered.get('__meta_kubernetes_pod_controller_name');
  if (kind && controller && CONTROLLERS[kind]) attributes.set(CONTROLLERS[kind], controller);
  for (const [k, v] of r.info) attributes.set(k, v);
  const scopeMetrics: ScopeMetrics[] = [];
  for (const scope of r.scopes.values()) {
    const scopeKey = `${r.job}\u0000${r.instance}\u0000${scope.name}\u0000${scope.version}`;
    const metrics = [...scope.families.values()].map((f) => toMetric(f, opts, scopeKey)).filter((m): m is Metric => m !== undefined);
    if (metrics.length) scopeMetrics.push({ scope: { name: scope.name, version: scope.version, attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', metrics });
  }
  return { resource: { attributes, droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics };
}

/** Go's net.SplitHostPort, falling back to the whole instance as host (and no port). */
function splitInstance(instance: string): { host: string; port: string } {
  const m = /^\[([^\]]*)\]:(\d*)$/.exec(instance) ?? /^([^:]*):(\d*)$/.exec(instance);
  return m ? { host: m[1], port: m[2] } : { host: instance, port: '' };
}

/** Loopback, unspecified and `localhost` hosts name no particular machine, so upstream leaves server.address out. */
function isDiscernible(host: string): boolean {
  if (host === 'localhost') return false;
  if (isIP(host) === 4) return !host.startsWith('127.') && host !== '0.0.0.0';
  if (isIP(host) === 6) return !['::1', '::', '0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:0'].includes(host.toLowerCase());
  return true;
}

const KUBERNETES: [string, string][] = [
  ['__meta_kubernetes_pod_name', 'k8s.pod.name'],
  ['__meta_kubernetes_pod_uid', 'k8s.pod.uid'],
  ['__meta_kubernetes_pod_container_name', 'k8s.container.name'],
  ['__meta_kubernetes_namespace', 'k8s.namespace.name'],
  ['__meta_kubernetes_pod_node_name', 'k8s.node.name'],
  ['__meta_kubernetes_node_name', 'k8s.node.name'],
  ['__meta_kubernetes_endpoint_node_name', 'k8s.node.name'],
];
const CONTROLLERS: Record<string, string> = {
  ReplicaSet: 'k8s.replicaset.name',
  DaemonSet: 'k8s.daemonset.name',
  StatefulSet: 'k8s.statefulset.name',
  Job: 'k8s.job.name',
  CronJob: 'k8s.cronjob.name',
};
