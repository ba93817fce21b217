/**
 * The `prometheus` receiver (upstream prometheusreceiver): scrapes the targets of a Prometheus
 * configuration's scrape_configs and turns what they expose into OTLP metrics.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComponentFactory, ComponentInstance } from '../../pipeline/component.js';
import type { Metrics } from '../../pipeline/model.js';
import { prometheusConfigSchema, validatePrometheusConfig, type PrometheusReceiverConfig } from './config.js';
import { FileDiscovery, staticGroups } from './discovery.js';
import { ScrapeClient } from './scrape-client.js';
import { ScrapeLoop, type LoopOptions } from './scrape-loop.js';
import { populateTargets, resolveJob, type TargetGroup } from './targets.js';

export type { PrometheusReceiverConfig } from './config.js';

/** Summit's version, the scope version of scraped metrics as upstream gives the Collector's. */
function summitVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'summit') return pkg.version ?? '';
  }
  return '';
}

export const prometheusReceiverFactory: ComponentFactory<PrometheusReceiverConfig> = {
  type: 'prometheus',
  kind: 'receiver',
  signals: ['metrics'],
  stability: 'beta',
  configSchema: prometheusConfigSchema,
  validate: validatePrometheusConfig,
  create(ctx, c, next): ComponentInstance {
    const consumer = next.metrics!;
    const loopOptions: LoopOptions = {
      scopeVersion: summitVersion(),
      trimSuffixes: c.trim_metric_suffixes,
      reportExtraScrapeMetrics: c.report_extra_scrape_metrics,
      ...(c.use_start_time_metric ? { startTimeMetric: new RegExp(c.start_time_metric_regex || '^process_start_time_seconds$') } : {}),
      logger: ctx.logger,
      async consume(metrics: Metrics) {
        const points = countPoints(metrics);
        try {
          await consumer.consume(metrics);
          ctx.telemetry.receiverResult('metrics', ctx.id, 'http', points, true);
        } catch (err) {
          ctx.telemetry.receiverResult('metrics', ctx.id, 'http', points, false);
          throw err;
        }
      },
    };
    const loops = new Map<string, ScrapeLoop>();
    const clients: ScrapeClient[] = [];
    const discoveries: FileDiscovery[] = [];
    let stopped = false;

    /** Starts loops for new targets of a job and stops those of targets gone. */
    const reconcile = (jobName: string, wanted: ScrapeLoop[]) => {
      if (stopped) return;
      const keys = new Set(wanted.map((l) => `${jobName}\u0000${l.target.key}`));
      for (const [key, loop] of loops) {
        if (key.startsWith(`${jobName}\u0000`) && !keys.has(key)) {
          loops.delete(key);
          void loop.stop();
        }
      }
      for (const loop of wanted) {
        const key = `${jobName}\u0000${loop.target.key}`;
        if (loops.has(key)) continue;
        loops.set(key, loop);
        loop.start();
      }
    };

    return {
      async start() {
        const global = c.config.global ?? {};
        for (const sc of c.config.scrape_configs ?? []) {
          const job = resolveJob(sc, global);
          const client = new ScrapeClient(sc, job.scheme, ctx.configDir, `Summit/${loopOptions.scopeVersion}`);
          clients.push(client);
          const others = Object.keys(sc).filter((k) => k.endsWith('_sd_configs') && k !== 'file_sd_configs');
          if (others.length) ctx.logger.warn({ job: job.name }, `${others.join(', ')}: this service discovery is not supported by Summit and finds no targets; use static_configs or file_sd_configs`);
          const statics = staticGroups(sc);
          let fileGroups: TargetGroup[] = [];
          const update = () => {
            const { targets, problems } = populateTargets(job, [...statics, ...fileGroups]);
            for (const p of problems) ctx.logger.warn({ job: job.name }, p);
            reconcile(job.name, targets.map((t) => new ScrapeLoop(t, client, loopOptions)));
          };
          if (sc.file_sd_configs?.length) {
            const discovery = new FileDiscovery(
              sc,
              ctx.configDir,
              (groups) => {
                fileGroups = groups;
                update();
              },
              (m) => ctx.logger.warn({ job: job.name }, m),
            );
            discoveries.push(discovery);
            discovery.start();
          } else update();
        }
      },
      async shutdown() {
        stopped = true;
        for (const d of discoveries) d.stop();
        await Promise.all([...loops.values()].map((l) => l.stop()));
        loops.clear();
        for (const client of clients) client.close();
      },
    };
  },
};

function countPoints(metrics: Metrics): number {
  let n = 0;
  for (const rm of metrics.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += m.data.dataPoints.length;
  return n;
}
