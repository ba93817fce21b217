/**
 * What the service, release and CI pages show when the connectors that make it are wired:
 * golden signals from spanmetrics, the service map from servicegraph, release health from the
 * sentry receiver's `sentry.sessions`, DORA trends from the cicd connector's `dora.*` metrics,
 * flaky tests from its `cicd.test.flaky` records — and which CI run built a release.
 */
import { addBuckets, countAtMost, histogramQuantile, increases } from './metric-math.js';
import type { UserCounts } from './release-users.js';
import type { LogRow, MetricPoint } from './rows.js';
import { compareGolden, type CiRun, type Edge, type Golden } from './views.js';

export const SESSIONS_METRIC = 'sentry.sessions';
export const FLAKY_EVENT = 'cicd.test.flaky';
const DORA_PREFIX = 'dora.';
const MINUTE = 60_000;
const DAY = 86_400_000;

/** Metrics the live store keeps an hourly history of (the ring alone would lose them to busier series). */
export const keptLong = (name: string): boolean => name === SESSIONS_METRIC || name.startsWith(DORA_PREFIX);
/** `keptLong` as a DuckDB condition on the metric name `column`. */
export const keptLongSql = (column: string): string => `${column} = '${SESSIONS_METRIC}' OR starts_with(${column}, '${DORA_PREFIX}')`;

interface Histogram {
  bounds?: number[];
  counts?: number[];
}

const quantileOf = (h: Histogram, q: number) => (h.bounds && h.counts ? histogramQuantile(q, h.bounds, h.counts) : 0);

interface Tally {
  requests: number;
  errors: number;
  durations: Histogram;
}
const tally = (): Tally => ({ requests: 0, errors: 0, durations: {} });

/** The spanmetrics connector's calls and duration metrics under `namespace`. */
const spanmetricsNames = (namespace: string): [string, string] => (namespace ? [`${namespace}.calls`, `${namespace}.duration`] : ['calls', 'duration']);

/**
 * Golden signals per service and operation (`*` = the whole service) from the spanmetrics
 * connector's calls and duration metrics (`<namespace>.calls`, `<namespace>.duration`) of server
 * and consumer spans within the window; none when it sent none. Percentiles and Apdex are read
 * from the duration histogram's buckets (interpolated), so they are as fine as its buckets.
 */
export function spanmetricsGolden(points: Iterable<MetricPoint>, namespace: string, windowMs: number, apdexMs: number, now = Date.now()): Golden[] {
  const [callsName, durationName] = spanmetricsNames(namespace);
  const relevant = [...points].filter(
    (p) => (p.name === callsName || p.name === durationName) && (p.attributes['span.kind'] === 'SPAN_KIND_SERVER' || p.attributes['span.kind'] === 'SPAN_KIND_CONSUMER'),
  );
  const groups = new Map<string, { whole: Tally; minutes: Map<number, Tally> }>();
  for (const inc of increases(relevant, now - windowMs)) {
    const p = inc.point;
    if (p.time > now) continue;
    const service = p.attributes['service.name'] ?? p.service;
    const bounds = p.unit === 's' ? p.bounds?.map((b) => b * 1000) : p.bounds;
    for (const key of [`${service}\u0000*`, `${service}\u0000${p.attributes['span.name'] ?? ''}`]) {
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { whole: tally(), minutes: new Map() }));
      const minute = Math.floor(p.time / MINUTE) * MINUTE;
      let m = g.minutes.get(minute);
      if (!m) g.minutes.set(minute, (m = tally()));
      for (const t of [g.whole, m]) {
        if (p.name === durationName) addBuckets(t.durations, bounds, inc.buckets);
        else {
          t.requests += inc.value;
          if (p.attributes['status.code'] === 'STATUS_CODE_ERROR') t.errors += inc.value;
        }
      }
    }
  }
  const out: Golden[] = [];
  for (const [key, { whole, minutes }] of groups) {
    if (whole.requests === 0) continue;
    const [service, operation] = key.split('\u0000');
    const { bounds, counts } = whole.durations;
    const measured = counts?.reduce((a, b) => a + b, 0) ?? 0;
    const satisfied = measured ? countAtMost(apdexMs, bounds!, counts!) : 0;
    const tolerating = measured ? countAtMost(4 * apdexMs, bounds!, counts!) - satisfied : 0;
    out.push({
      service,
      operation,
      requests: whole.requests,
      rate: whole.requests / (windowMs / 1000),
      errorRate: whole.errors / whole.requests,
      p50: quantileOf(whole.durations, 0.5),
      p95: quantileOf(whole.durations, 0.95),
      p99: quantileOf(whole.durations, 0.99),
      apdex: measured ? (satisfied + tolerating / 2) / measured : 0,
      series: [...minutes].sort((a, b) => a[0] - b[0]).map(([m, t]): [number, number, number, number] => [m, t.requests, t.errors, quantileOf(t.durations, 0.95)]),
    });
  }
  return out.sort(compareGolden);
}

const REQUESTS = 'traces_service_graph_request_total';
const FAILED = 'traces_service_graph_request_failed_total';

/** The metrics the service page reads: spanmetrics' calls and duration (`namespace` their prefix), servicegraph's request counters. */
export const serviceMetricNames = (namespace: string): string[] => [...spanmetricsNames(namespace), REQUESTS, FAILED];

/** The service map from the servicegraph connector's request counters; undefined when it sent none within the window. */
export function servicegraphMap(points: Iterable<MetricPoint>, windowMs: number, now = Date.now()): { services: string[]; edges: Edge[] } | undefined {
  const from = now - windowMs;
  const relevant = [...points].filter((p) => p.name === REQUESTS || p.name === FAILED);
  if (!relevant.some((p) => p.time >= from)) return undefined;
  const services = new Set<string>();
  const edges = new Map<string, { requests: number; errors: number }>();
  for (const inc of increases(relevant, from)) {
    const { client, server } = inc.point.attributes;
    if (client === undefined || server === undefined) continue;
    services.add(client).add(server);
    const key = `${client}\u0000${server}`;
    const e = edges.get(key) ?? { requests: 0, errors: 0 };
    if (inc.point.name === REQUESTS) e.requests += inc.value;
    else e.errors += inc.value;
    edges.set(key, e);
  }
  return {
    services: [...services].sort(),
    edges: [...edges]
      .filter(([, e]) => e.requests > 0)
      .map(([key, e]) => {
        const [from, to] = key.split('\u0000');
        return { from, to, requests: e.requests, rate: e.requests / (windowMs / 1000), errorRate: Math.min(1, e.errors / e.requests) };
      }),
  };
}

export interface ReleaseHealth {
  release: string;
  environments: string[];
  /** Sessions started. */
  sessions: number;
  errored: number;
  crashed: number;
  abnormal: number;
  /** 1 − crashed / started; null without sessions. */
  crashFreeSessions: number | null;
  /** 1 − errored / started (errored includes crashed and abnormal). */
  healthySessions: number | null;
  /** Distinct users of the sessions, and of those how many had an errored, crashed, abnormal one. */
  users: UserCounts;
  /** 1 − users with a crashed session / users, as Sentry's crash_free_users; null without users. */
  crashFreeUsers: number | null;
}

const noUsers = (): UserCounts => ({ users: 0, errored: 0, crashed: 0, abnormal: 0 });

/**
 * Release health per release (`service.version`) from `sentry.sessions`, as the sentry receiver's
 * README computes it, with the distinct users per release counted from `sentry.sessions.user`.
 */
export function releaseHealth(points: Iterable<MetricPoint>, users: ReadonlyMap<string, UserCounts> = new Map()): Map<string, ReleaseHealth> {
  const out = new Map<string, ReleaseHealth>();
  const of = (release: string): ReleaseHealth => {
    let h = out.get(release);
    if (!h) {
      const u = users.get(release) ?? noUsers();
      const crashFreeUsers = u.users ? 1 - u.crashed / u.users : null;
      out.set(release, (h = { release, environments: [], sessions: 0, errored: 0, crashed: 0, abnormal: 0, crashFreeSessions: null, healthySessions: null, users: u, crashFreeUsers }));
    }
    return h;
  };
  for (const release of users.keys()) of(release);
  for (const { point: p, value } of increases([...points].filter((p) => p.name === SESSIONS_METRIC), -Infinity)) {
    const release = p.resource['service.version'];
    if (!release) continue;
    const h = of(release);
    const environment = p.resource['deployment.environment.name'];
    if (environment && !h.environments.includes(environment)) h.environments.push(environment);
    const status = p.attributes['session.status'];
    if (status === 'init') h.sessions += value;
    else if (status === 'errored' || status === 'crashed' || status === 'abnormal') h[status] += value;
  }
  for (const h of out.values()) {
    if (h.sessions === 0) continue;
    h.crashFreeSessions = 1 - h.crashed / h.sessions;
    h.healthySessions = 1 - h.errored / h.sessions;
  }
  return out;
}

export interface DoraDay {
  /** The day's start (UTC, ms). */
  day: number;
  deployments: number;
  failedDeployments: number;
  changeFailures: number;
  /** Change failures / production deployments (succeeded + failed); null without deployments. */
  changeFailureRate: number | null;
  /** Median seconds, from the histogram's buckets; null without observations. */
  leadTimeP50: number | null;
  recoveryTimeP50: number | null;
}

/**
 * The four DORA metrics per day over the last `days` days, from what the cicd connector's
 * cumulative `dora.*` metrics added each day (all repositories, or one).
 */
export function doraTrends(points: Iterable<MetricPoint>, days: number, repository?: string, now = Date.now()): DoraDay[] {
  const from = Math.floor(now / DAY) * DAY - (days - 1) * DAY;
  const relevant = [...points].filter((p) => p.name.startsWith(DORA_PREFIX) && (!repository || p.attributes['vcs.repository.name'] === repository));
  const byDay = new Map<number, { d: DoraDay; lead: Histogram; recovery: Histogram }>();
  for (let day = from; day <= now; day += DAY) {
    byDay.set(day, { d: { day, deployments: 0, failedDeployments: 0, changeFailures: 0, changeFailureRate: null, leadTimeP50: null, recoveryTimeP50: null }, lead: {}, recovery: {} });
  }
  for (const { point: p, value, buckets } of increases(relevant, from)) {
    const slot = byDay.get(Math.floor(p.time / DAY) * DAY);
    if (!slot) continue;
    if (p.name === 'dora.deployments') {
      if (p.attributes['deployment.status'] === 'succeeded') slot.d.deployments += value;
      else slot.d.failedDeployments += value;
    } else if (p.name === 'dora.change_failures') slot.d.changeFailures += value;
    else if (p.name === 'dora.lead_time_for_changes') addBuckets(slot.lead, p.bounds, buckets);
    else if (p.name === 'dora.failed_deployment_recovery_time') addBuckets(slot.recovery, p.bounds, buckets);
  }
  const median = (h: Histogram) => (h.counts?.some((c) => c > 0) ? quantileOf(h, 0.5) : null);
  return [...byDay.values()].map(({ d, lead, recovery }) => {
    const all = d.deployments + d.failedDeployments;
    return { ...d, changeFailureRate: all ? Math.min(1, d.changeFailures / all) : null, leadTimeP50: median(lead), recoveryTimeP50: median(recovery) };
  });
}

export interface Evidence {
  trace_id?: string;
  span_id?: string;
  time?: string;
  run_id?: string;
  run_attempt?: string;
  test_attempt?: string;
}

export interface FlakyTest {
  repository: string;
  test: string;
  suite: string;
  commit: string;
  /** When it was found flaky (ms). */
  time: number;
  message: string;
  failed: Evidence;
  passed: Evidence;
}

function evidence(text: string | undefined): Evidence {
  try {
    const v = JSON.parse(text ?? '') as unknown;
    return typeof v === 'object' && v !== null ? (v as Evidence) : {};
  } catch {
    return {};
  }
}

/** Flaky tests from the cicd connector's records, one per (repository, test, commit), newest first. */
export function flakyTests(records: Iterable<LogRow>): FlakyTest[] {
  const seen = new Map<string, FlakyTest>();
  for (const r of records) {
    const a = r.attributes;
    const key = `${a['vcs.repository.name']}\u0000${a['test.case.name']}\u0000${a['vcs.ref.head.revision']}`;
    if (seen.has(key)) continue;
    seen.set(key, {
      repository: a['vcs.repository.name'] ?? '',
      test: a['test.case.name'] ?? '',
      suite: a['test.suite.name'] ?? '',
      commit: a['vcs.ref.head.revision'] ?? '',
      time: r.time,
      message: r.body,
      failed: evidence(a['cicd.test.flaky.evidence.failed']),
      passed: evidence(a['cicd.test.flaky.evidence.passed']),
    });
  }
  return [...seen.values()].sort((a, b) => b.time - a.time);
}

/**
 * The CI runs that built a release: those whose commit the release names — the release is the
 * sha, or holds a hex token of 7 or more digits that begins it (`shop@1a2b3c4`, `2.1.0+1a2b3c4d`),
 * as the cicd connector matches a release to a deployed commit.
 */
export function buildsOf(release: string, runs: CiRun[]): CiRun[] {
  const tokens = (release.match(/[0-9a-f]{7,40}/gi) ?? []).map((t) => t.toLowerCase());
  if (tokens.length === 0) return [];
  return runs.filter((r) => r.commit && tokens.some((t) => r.commit.toLowerCase().startsWith(t)));
}
