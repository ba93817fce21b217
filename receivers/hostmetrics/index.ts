/**
 * The `hostmetrics` receiver (upstream hostmetricsreceiver, Linux): every collection_interval
 * the configured scrapers read /proc and /sys under root_path and their enabled metrics go on
 * as one batch.
 */
import type { ComponentFactory, JSONSchema } from '../../pipeline/component.js';
import { durationSchema, parseDuration } from '../../pipeline/duration.js';
import { AggregationTemporality, type Attributes, type Metric, type Metrics, type ResourceMetrics, type ScopeMetrics } from '../../pipeline/model.js';
import { SCRAPER_METRICS, SCRAPERS, type MetricDefinition } from './metrics.js';
import { ProcFs } from './procfs.js';
import {
  nameFilter,
  scrapeCpu,
  scrapeDisk,
  scrapeFilesystem,
  scrapeLoad,
  scrapeMemory,
  scrapeNetwork,
  scrapePaging,
  scrapeProcess,
  scrapeProcesses,
  scrapeSystem,
  type Point,
  type ScraperConfig,
} from './scrapers.js';

export interface HostMetricsConfig {
  collection_interval: string;
  initial_delay: string;
  timeout?: string;
  root_path: string;
  scrapers: Record<string, ScraperConfig | null>;
}

const SCOPE_PREFIX = 'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/';

export const hostmetricsConfigSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['scrapers'],
  properties: {
    collection_interval: durationSchema('1m'),
    initial_delay: durationSchema('1s'),
    timeout: durationSchema(),
    root_path: { type: 'string', default: '/' },
    scrapers: {
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      properties: Object.fromEntries(SCRAPERS.map((s) => [s, { type: ['object', 'null'] }])),
    },
    metadata_collection_interval: durationSchema(),
  },
};

function validate(c: HostMetricsConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (parseDuration(c.collection_interval) <= 0) problems.push({ path: 'collection_interval', message: 'must be greater than 0' });
  for (const [name, sc] of Object.entries(c.scrapers)) {
    for (const metric of Object.keys(sc?.metrics ?? {})) {
      if (!SCRAPER_METRICS[name][metric]) problems.push({ path: `scrapers.${name}.metrics.${metric}`, message: `unknown metric of the ${name} scraper; it has ${Object.keys(SCRAPER_METRICS[name]).join(', ')}` });
    }
    for (const key of ['include', 'exclude'] as const) {
      if (sc?.[key]?.match_type === 'regexp') {
        for (const n of [...(sc[key]!.names ?? []), ...(sc[key]!.devices ?? []), ...(sc[key]!.interfaces ?? [])]) {
          try {
            new RegExp(n);
          } catch (err) {
            problems.push({ path: `scrapers.${name}.${key}`, message: (err as Error).message });
          }
        }
      }
    }
  }
  return problems;
}

function toAttributes(o: Record<string, string | number>): Attributes {
  return new Map(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? BigInt(Math.trunc(v)) : v]));
}

/** Points of one scraper into metrics, only those enabled, typed as upstream types them. */
function toMetrics(scraper: string, points: Point[], enabled: (metric: string) => boolean, start: bigint, now: bigint): Metric[] {
  const byName = new Map<string, Point[]>();
  for (const pt of points) {
    if (!enabled(pt.metric)) continue;
    let list = byName.get(pt.metric);
    if (!list) byName.set(pt.metric, (list = []));
    list.push(pt);
  }
  return [...byName].map(([name, pts]) => {
    const def: MetricDefinition = SCRAPER_METRICS[scraper][name];
    const dataPoints = pts.map((pt) => ({
      attributes: toAttributes(pt.attributes),
      startTimeUnixNano: def.type === 'sum' ? start : 0n,
      timeUnixNano: now,
      value: def.int ? BigInt(Math.round(pt.value)) : pt.value,
      exemplars: [],
      flags: 0,
    }));
    return {
      name,
      description: def.description,
      unit: def.unit,
      metadata: new Map(),
      data:
        def.type === 'sum'
          ? { type: 'sum', aggregationTemporality: AggregationTemporality.Cumulative, isMonotonic: def.monotonic ?? true, dataPoints }
          : { type: 'gauge', dataPoints },
    };
  });
}

export const hostmetricsReceiverFactory: ComponentFactory<HostMetricsConfig> = {
  type: 'hostmetrics',
  // the snake_case name newer Collector configs (the OpenTelemetry demo's) use
  aliases: ['host_metrics'],
  kind: 'receiver',
  signals: ['metrics'],
  stability: 'beta',
  configSchema: hostmetricsConfigSchema,
  validate,
  create(ctx, c, next) {
    const consumer = next.metrics!;
    const fs = new ProcFs(c.root_path || '/');
    const warned = new Set<string>();
    // each distinct problem once, not every interval
    const warn = (m: string) => {
      if (warned.has(m) || warned.size > 1000) return;
      warned.add(m);
      ctx.logger.warn(m);
    };
    const cpuState: Parameters<typeof scrapeCpu>[1] = {};
    const scrapers = Object.entries(c.scrapers).map(([name, sc]) => {
      const config = sc ?? {};
      const enabled = (metric: string) => config.metrics?.[metric]?.enabled ?? SCRAPER_METRICS[name][metric]?.enabled ?? false;
      return { name, config, enabled };
    });
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;

    const collect = (): Metrics => {
      const boot = BigInt(fs.statCounters().btime ?? 0) * 1_000_000_000n;
      const now = BigInt(Date.now()) * 1_000_000n;
      const host: ScopeMetrics[] = [];
      const processes: ResourceMetrics[] = [];
      for (const { name, config, enabled } of scrapers) {
        const scope = { name: `${SCOPE_PREFIX}${name}scraper`, version: '', attributes: new Map(), droppedAttributesCount: 0 };
        try {
          if (name === 'process') {
            const keep = nameFilter(config.include?.names, config.exclude?.names, config.include?.match_type, config.exclude?.match_type);
            for (const proc of scrapeProcess(fs, config, keep, warn)) {
              const uptime = proc.points.find((pt) => pt.metric === 'process.uptime')?.value ?? 0;
              const started = now - BigInt(Math.round(uptime * 1e9));
              const metrics = toMetrics(name, proc.points, enabled, started, now);
              if (metrics.length) processes.push({ resource: { attributes: toAttributes(proc.resource), droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics: [{ scope, schemaUrl: '', metrics }] });
            }
            continue;
          }
          const points =
            name === 'cpu' ? scrapeCpu(fs, cpuState)
            : name === 'load' ? scrapeLoad(fs, config)
            : name === 'memory' ? scrapeMemory(fs)
            : name === 'disk' ? scrapeDisk(fs, config)
            : name === 'filesystem' ? scrapeFilesystem(fs, config, warn)
            : name === 'network' ? scrapeNetwork(fs, config)
            : name === 'paging' ? scrapePaging(fs)
            : name === 'processes' ? scrapeProcesses(fs)
            : scrapeSystem(fs);
          const metrics = toMetrics(name, points, enabled, boot, now);
          if (metrics.length) host.push({ scope, schemaUrl: '', metrics });
        } catch (err) {
          warn(`hostmetrics ${name} scraper failed: ${(err as Error).message}`);
        }
      }
      const resourceMetrics = host.length ? [{ resource: { attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics: host }, ...processes] : processes;
      return { resourceMetrics };
    };

    const tick = () => {
      if (running) return;
      running = (async () => {
        const metrics = collect();
        let points = 0;
        for (const rm of metrics.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) points += m.data.dataPoints.length;
        if (!points) return;
        try {
          await consumer.consume(metrics);
          ctx.telemetry.receiverResult('metrics', ctx.id, '', points, true);
        } catch (err) {
          ctx.telemetry.receiverResult('metrics', ctx.id, '', points, false);
          warn(`the pipeline refused host metrics: ${(err as Error).message}`);
        }
      })().finally(() => (running = undefined));
    };

    return {
      async start() {
        const interval = parseDuration(c.collection_interval);
        timer = setTimeout(() => {
          tick();
          timer = setInterval(tick, interval);
        }, parseDuration(c.initial_delay));
      },
      async shutdown() {
        clearTimeout(timer);
        clearInterval(timer);
        await running;
      },
    };
  },
};
