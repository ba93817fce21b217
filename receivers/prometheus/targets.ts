/**
 * From a scrape config to the targets it scrapes: the job's settings with Prometheus's global
 * defaults filled in, and each discovered address turned into a target's labels the way
 * Prometheus's PopulateLabels does (defaults, relabel_configs, `instance`, internal labels).
 */
import { compileRelabel, type Labels, type Relabeler } from './relabel.js';
import { parseBase2Bytes, parsePromDuration, type GlobalConfig, type HttpSettings, type ScrapeConfig } from './config.js';

export interface Job {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  metricsPath: string;
  scheme: string;
  params: Record<string, string[]>;
  honorLabels: boolean;
  honorTimestamps: boolean;
  trackTimestampsStaleness: boolean;
  enableCompression: boolean;
  protocols: string[];
  /** Bytes of an uncompressed answer; 0 is no limit. */
  bodySizeLimit: number;
  sampleLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  targetLimit: number;
  relabel: Relabeler;
  metricRelabel: Relabeler;
  http: HttpSettings;
  externalLabels: [string, string][];
}

/**
 * A body larger than this fails the scrape when no body_size_limit is set. Prometheus's
 * default is no limit; Summit bounds it so a target answering endlessly cannot exhaust memory.
 */
export const DEFAULT_BODY_SIZE_LIMIT = 100 * 1024 * 1024;

const DEFAULT_PROTOCOLS = ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText0.0.4'];

export function resolveJob(sc: ScrapeConfig, global: GlobalConfig = {}): Job {
  const intervalMs = parsePromDuration(sc.scrape_interval ?? global.scrape_interval ?? '1m');
  // An unset timeout is the global one, capped at the job's interval (as Prometheus does).
  const timeoutMs = sc.scrape_timeout ? parsePromDuration(sc.scrape_timeout) : Math.min(parsePromDuration(global.scrape_timeout ?? '10s'), intervalMs);
  const bodyLimit = sc.body_size_limit ?? global.body_size_limit;
  return {
    name: sc.job_name,
    intervalMs,
    timeoutMs,
    metricsPath: sc.metrics_path ?? '/metrics',
    scheme: sc.scheme ?? 'http',
    params: sc.params ?? {},
    honorLabels: sc.honor_labels ?? false,
    honorTimestamps: sc.honor_timestamps ?? true,
    trackTimestampsStaleness: sc.track_timestamps_staleness ?? false,
    enableCompression: sc.enable_compression ?? true,
    protocols: sc.scrape_protocols ?? global.scrape_protocols ?? DEFAULT_PROTOCOLS,
    bodySizeLimit: bodyLimit === undefined ? DEFAULT_BODY_SIZE_LIMIT : parseBase2Bytes(bodyLimit),
    sampleLimit: sc.sample_limit ?? global.sample_limit ?? 0,
    labelLimit: sc.label_limit ?? global.label_limit ?? 0,
    labelNameLengthLimit: sc.label_name_length_limit ?? global.label_name_length_limit ?? 0,
    labelValueLengthLimit: sc.label_value_length_limit ?? global.label_value_length_limit ?? 0,
    targetLimit: sc.target_limit ?? 0,
    relabel: compileRelabel(sc.relabel_configs),
    metricRelabel: compileRelabel(sc.metric_relabel_configs),
    http: sc,
    externalLabels: Object.entries(global.external_labels ?? {}),
  };
}

/** What service discovery found: addresses sharing labels (a static_configs entry, a file_sd group). */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
  /** Where it came from, e.g. `static/0` or a file path, for messages. */
  source: string;
}

export interface Target {
  /** Identity of the target within its job: its final labels and URL. */
  key: string;
  url: URL;
  /** The target's labels after relabeling, without internal (`__`) labels: `job`, `instance`, … */
  labels: [string, string][];
  /** Labels before relabeling (`__scheme__`, `__meta_*`, …), as upstream reads some into the resource. */
  discovered: Labels;
  job: Job;
}

/** The targets of a job from its discovered groups; addresses dropped by relabeling are left out. */
export function populateTargets(job: Job, groups: TargetGroup[]): { targets: Target[]; problems: string[] } {
  const targets: Target[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const group of groups) {
    for (const address of group.targets) {
      const labels: Labels = new Map(Object.entries(group.labels));
      labels.set('__address__', address);
      if (!labels.has('job')) labels.set('job', job.name);
      const defaults: [string, string][] = [
        ['__scheme__', job.scheme],
        ['__metrics_path__', job.metricsPath],
        ['__scrape_interval__', formatDuration(job.intervalMs)],
        ['__scrape_timeout__', formatDuration(job.timeoutMs)],
      ];
      for (const [name, values] of Object.entries(job.params)) if (values.length) defaults.push([`__param_${name}`, values[0]]);
      for (const [k, v] of defaults) if (!labels.has(k)) labels.set(k, v);
      const discovered = new Map(labels);
      if (!job.relabel(labels)) continue;
      const addr = labels.get('__address__') ?? '';
      if (!addr) {
        problems.push(`${group.source}: a target has no __address__ after relabeling`);
        continue;
      }
      if (addr.includes('/')) {
        problems.push(`${group.source}: "${addr}" is not a valid host:port address`);
        continue;
      }
      if (!labels.get('instance')) labels.set('instance', addr);
      const url = targetUrl(job, labels);
      if (!url) {
        problems.push(`${group.source}: cannot build a scrape URL for "${addr}"`);
        continue;
      }
      const visible = [...labels].filter(([k, v]) => !k.startsWith('__') && v !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const key = `${url.href}|${visible.map(([k, v]) => `${k}=${v}`).join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push({ key, url, labels: visible, discovered, job });
    }
  }
  if (job.targetLimit > 0 && targets.length > job.targetLimit) {
    problems.push(`job ${job.name}: ${targets.length} targets exceed target_limit ${job.targetLimit}; none is scraped`);
    return { targets: [], problems };
  }
  return { targets, problems };
}

function targetUrl(job: Job, labels: Labels): URL | undefined {
  const scheme = labels.get('__scheme__') || 'http';
  let path = labels.get('__metrics_path__') || '/metrics';
  if (!path.startsWith('/')) path = `/${path}`;
  try {
    const url = new URL(`${scheme}://${labels.get('__address__')}${path}`);
    for (const [name, values] of Object.entries(job.params)) for (const v of values) url.searchParams.append(name, v);
    // __param_<name> labels set by relabeling win over the config's first value
    for (const [k, v] of labels) {
      if (!k.startsWith('__param_')) continue;
      const name = k.slice('__param_'.length);
      const rest = job.params[name]?.slice(1) ?? [];
      url.searchParams.delete(name);
      for (const value of [v, ...rest]) url.searchParams.append(name, value);
    }
    return url;
  } catch {
    return undefined;
  }
}

/** Prometheus's model.Duration string: 1m30s, 15s, 500ms. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let out = '';
  let rest = ms;
  for (const [unit, size] of [['y', 365 * 86_400_000], ['w', 7 * 86_400_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
