/**
 * The scrape loop of one target: scrapes every scrape_interval at an offset derived from the
 * target (so a job's targets are spread over the interval instead of scraped at once), never
 * two scrapes of one target at a time, and hands each scrape's metrics — or, when it fails,
 * `up` 0 and staleness markers — to the pipeline. Stopping marks every series stale.
 */
import type { Logger } from 'pino';
import type { Metrics } from '../../pipeline/model.js';
import { assemble, type Series } from './assemble.js';
import { formatOf, parseExposition, type FamilyMetadata } from './exposition.js';
import { acceptHeader, type ScrapeClient } from './scrape-client.js';
import { processScrape, reportSeries, staleMarkers, type SeriesCache } from './scrape-samples.js';
import { StartTimes } from './start-times.js';
import type { Target } from './targets.js';

export interface LoopOptions {
  scopeVersion: string;
  trimSuffixes: boolean;
  reportExtraScrapeMetrics: boolean;
  /** use_start_time_metric: the metric (by name) whose value is every cumulative point's start. */
  startTimeMetric?: RegExp;
  consume(metrics: Metrics): Promise<void>;
  logger: Logger;
}

/** use_start_time_metric: every cumulative point starts when the process did. */
function setStartTimes(metrics: Metrics, start: bigint): void {
  for (const rm of metrics.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        if (m.data.type === 'gauge') continue;
        for (const p of m.data.dataPoints) p.startTimeUnixNano = start;
      }
    }
  }
}

/** FNV-1a of the target's identity: a stable offset within the interval. */
function offsetOf(key: string, intervalMs: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % intervalMs;
}

export class ScrapeLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private previous = new Map<string, Series>();
  private metadata = new Map<string, FamilyMetadata>();
  private readonly startTimes = new StartTimes();
  private readonly cache: { current: SeriesCache } = { current: new Map() };
  private lastError = '';

  constructor(readonly target: Target, private readonly client: ScrapeClient, private readonly opts: LoopOptions) {}

  start(): void {
    const interval = this.target.job.intervalMs;
    const wait = (offsetOf(this.target.key, interval) - (Date.now() % interval) + interval) % interval;
    this.timer = setTimeout(() => {
      this.tick();
      this.timer = setInterval(() => this.tick(), interval);
    }, wait);
  }

  /** Stops scraping; the series of the last scrape are sent once more, stale. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    await this.running;
    const now = Date.now();
    const stale = staleMarkers(this.previous, new Map(), now);
    for (const s of reportSeries(this.target, now, this.reportNames().map((n) => [n, NaN]))) stale.push({ ...s, stale: true });
    this.previous.clear();
    await this.emit(stale).catch(() => undefined);
  }

  private tick() {
    if (this.running || this.stopped) return;
    this.running = this.scrapeOnce().finally(() => (this.running = undefined));
  }

  /** One scrape, its metrics handed on; resolves when the pipeline took them (or refused). */
  async scrapeOnce(): Promise<void> {
    const job = this.target.job;
    const started = Date.now();
    let series: Series[];
    let report: [string, number][];
    let bytes = 0;
    try {
      const answer = await this.client.get(this.target.url, {
        timeoutMs: job.timeoutMs,
        bodySizeLimit: job.bodySizeLimit,
        accept: acceptHeader(job.protocols),
        gzip: job.enableCompression,
      });
      bytes = answer.bytes;
      const exposition = parseExposition(answer.body, formatOf(answer.contentType));
      const processed = processScrape(this.target, exposition, started, this.previous, this.cache);
      this.metadata = exposition.metadata;
      this.previous = processed.seen;
      series = processed.series;
      report = [
        ['up', 1],
        ['scrape_duration_seconds', (Date.now() - started) / 1000],
        ['scrape_samples_scraped', processed.samplesScraped],
        ['scrape_samples_post_metric_relabeling', processed.postRelabeling],
        ['scrape_series_added', processed.seriesAdded],
      ];
      if (this.lastError) this.opts.logger.info({ target: this.target.url.href }, 'Prometheus target scraped again');
      this.lastError = '';
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.opts.logger.warn({ target: this.target.url.href, job: job.name, err: message }, 'Failed to scrape Prometheus endpoint');
      this.lastError = message;
      series = staleMarkers(this.previous, new Map(), started);
      this.previous = new Map();
      report = [
        ['up', 0],
        ['scrape_duration_seconds', (Date.now() - started) / 1000],
        ['scrape_samples_scraped', 0],
        ['scrape_samples_post_metric_relabeling', 0],
        ['scrape_series_added', 0],
      ];
    }
    if (this.opts.reportExtraScrapeMetrics) {
      report.push(['scrape_timeout_seconds', job.timeoutMs / 1000], ['scrape_sample_limit', job.sampleLimit], ['scrape_body_size_bytes', bytes]);
    }
    if (this.stopped) return;
    series.push(...reportSeries(this.target, started, report));
    await this.emit(series).catch((err: Error) => this.opts.logger.warn({ target: this.target.url.href, err: err.message }, 'the pipeline refused scraped metrics'));
  }

  private reportNames(): string[] {
    const names = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'];
    return this.opts.reportExtraScrapeMetrics ? [...names, 'scrape_timeout_seconds', 'scrape_sample_limit', 'scrape_body_size_bytes'] : names;
  }

  private emit(series: Series[]): Promise<void> {
    const metrics = assemble(series, this.metadata, { scopeVersion: this.opts.scopeVersion, discovered: this.target.discovered, trimSuffixes: this.opts.trimSuffixes, startTimes: this.startTimes });
    const startSeconds = this.startTimeSeconds(series);
    if (startSeconds !== undefined) setStartTimes(metrics, BigInt(Math.round(startSeconds * 1e9)));
    return metrics.resourceMetrics.length ? this.opts.consume(metrics) : Promise.resolve();
  }

  private startTimeSeconds(series: Series[]): number | undefined {
    const re = this.opts.startTimeMetric;
    if (!re) return undefined;
    const found = series.find((s) => !s.stale && re.test(s.name));
    if (!found) this.opts.logger.debug({ target: this.target.url.href }, 'use_start_time_metric: no start time metric in this scrape; start times are adjusted from the first points');
    return found?.value;
  }
}
