/**
 * What Prometheus's scrape loop does with a parsed exposition before storing it: target labels
 * merged per honor_labels (`exported_` prefixes), empty labels removed, metric_relabel_configs,
 * the sample / label limits that fail a scrape, duplicate series dropped, timestamps honoured
 * or replaced, and staleness markers for series that were in the previous scrape and are gone.
 */
import type { Series, SeriesMemo } from './assemble.js';
import type { Exposition } from './exposition.js';
import type { Labels } from './relabel.js';
import type { Target } from './targets.js';

export class ScrapeLimitError extends Error {}

export interface ProcessedScrape {
  series: Series[];
  samplesScraped: number;
  postRelabeling: number;
  seriesAdded: number;
  /** Series tracked for staleness in the next scrape, by identity. */
  seen: Map<string, Series>;
}

function seriesId(name: string, labels: [string, string][]): string {
  let id = name;
  for (const [k, v] of labels) id += `\u0000${k}\u0001${v}`;
  return id;
}

const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The sample's labels with the target's, as Prometheus's mutateSampleLabels merges them. */
function mergeTargetLabels(own: [string, string][], target: [string, string][], honorLabels: boolean, external: [string, string][]): Labels {
  const labels: Labels = new Map(own);
  for (const [k, v] of target) {
    if (honorLabels) {
      if (!labels.get(k)) labels.set(k, v);
      continue;
    }
    const existing = labels.get(k);
    if (existing) {
      let exported = `exported_${k}`;
      while (labels.get(exported)) exported = `exported_${exported}`;
      labels.set(exported, existing);
    }
    labels.set(k, v);
  }
  for (const [k, v] of external) if (!labels.get(k)) labels.set(k, v);
  return labels;
}

/** A series as resolved once: its final name and labels, and its identity. */
export interface ResolvedSeries {
  name: string;
  labels: [string, string][];
  id: string;
  memo?: SeriesMemo;
}

/**
 * Resolutions of the previous scrape by the series' text as exposed: target labels and relabel
 * rules do not change between scrapes, so an unchanged series is not resolved again. `null`
 * is a series metric relabeling dropped.
 */
export type SeriesCache = Map<string, ResolvedSeries | null>;

function resolveSeries(target: Target, sample: Exposition['samples'][number]): ResolvedSeries | null {
  const job = target.job;
  const labels = mergeTargetLabels(sample.labels, target.labels, job.honorLabels, job.externalLabels);
  labels.set('__name__', sample.name);
  for (const [k, v] of labels) if (v === '') labels.delete(k);
  if (!job.metricRelabel(labels)) return null;
  const name = labels.get('__name__');
  if (!name) return null;
  labels.delete('__name__');
  const sorted = [...labels].sort(byName);
  return { name, labels: sorted, id: seriesId(name, sorted) };
}

/**
 * The series of one successful scrape at `scrapeMs`, plus stale markers for `previous` series
 * now missing. Throws {@link ScrapeLimitError} when a limit fails the whole scrape. `cache`
 * is read and replaced by this scrape's resolutions.
 */
export function processScrape(target: Target, exposition: Exposition, scrapeMs: number, previous: Map<string, Series>, cache: { current: SeriesCache } = { current: new Map() }): ProcessedScrape {
  const job = target.job;
  const series: Series[] = [];
  const seen = new Map<string, Series>();
  const resolved: SeriesCache = new Map();
  const ids = new Set<string>();
  let seriesAdded = 0;
  for (const sample of exposition.samples) {
    let r = cache.current.get(sample.series);
    if (r === undefined) {
      r = resolveSeries(target, sample);
      if (r) checkLabelLimits(job, r.labels, r.name);
    }
    resolved.set(sample.series, r);
    if (r === null) continue;
    if (ids.has(r.id)) continue; // Prometheus rejects a duplicate sample within one scrape
    ids.add(r.id);
    if (job.sampleLimit > 0 && series.length >= job.sampleLimit) {
      throw new ScrapeLimitError(`sample_limit exceeded: more than ${job.sampleLimit} samples after metric relabeling`);
    }
    const explicit = job.honorTimestamps && sample.timestampMs !== undefined;
    const s: Series = { name: r.name, labels: r.labels, value: sample.value, timestampMs: explicit ? sample.timestampMs! : scrapeMs, ref: r };
    if (sample.exemplar) s.exemplar = sample.exemplar;
    series.push(s);
    if (!previous.has(r.id)) seriesAdded++;
    if (!explicit || job.trackTimestampsStaleness) seen.set(r.id, s);
  }
  cache.current = resolved;
  const postRelabeling = series.length;
  series.push(...staleMarkers(previous, seen, scrapeMs));
  return { series, samplesScraped: exposition.samples.length, postRelabeling, seriesAdded, seen };
}

/** Markers for the `previous` series missing from `current` (all of them after a failed scrape). */
export function staleMarkers(previous: Map<string, Series>, current: Map<string, Series>, scrapeMs: number): Series[] {
  const out: Series[] = [];
  for (const [id, s] of previous) if (!current.has(id)) out.push({ name: s.name, labels: s.labels, value: NaN, timestampMs: scrapeMs, stale: true });
  return out;
}

function checkLabelLimits(job: Target['job'], labels: [string, string][], name: string) {
  // __name__ counts, as in Prometheus
  const count = labels.length + 1;
  if (job.labelLimit > 0 && count > job.labelLimit) throw new ScrapeLimitError(`label_limit exceeded: ${name} has ${count} labels, limit ${job.labelLimit}`);
  if (job.labelNameLengthLimit === 0 && job.labelValueLengthLimit === 0) return;
  for (const [k, v] of labels) {
    if (job.labelNameLengthLimit > 0 && k.length > job.labelNameLengthLimit) throw new ScrapeLimitError(`label_name_length_limit exceeded: ${name} has label name "${k.slice(0, 60)}…" longer than ${job.labelNameLengthLimit}`);
    if (job.labelValueLengthLimit > 0 && v.length > job.labelValueLengthLimit) throw new ScrapeLimitError(`label_value_length_limit exceeded: ${name} label ${k} is longer than ${job.labelValueLengthLimit}`);
  }
}

/** The scrape's own series (`up`, `scrape_*`) with the target's labels. */
export function reportSeries(target: Target, scrapeMs: number, values: [string, number][]): Series[] {
  const labels = [...target.labels];
  return values.map(([name, value]) => ({ name, labels, value, timestampMs: scrapeMs }));
}
