import type { ComponentFactory, ComponentInstance, CreateContext, NextConsumers } from '../../pipeline/component.js';
import { newResource, newScope } from '../../pipeline/builders.js';
import * as ci from '../../pipeline/cicd/index.js';
import { ISSUE_NEW } from '../../pipeline/exceptions/issues.js';
import type { AnyValue, Logs, Metrics, Traces } from '../../pipeline/model.js';
import { anyValueAsString } from '../../pipeline/anyvalue.js';
import { BuildMetrics } from './builds.js';
import { cicdConfigSchema, resolveCicdConfig, validateCicdConfig, type CicdConnectorConfig } from './config.js';
import { Dora } from './dora.js';
import { SpanFacts } from './facts.js';
import { FlakyTests, type FlakyFinding } from './flaky.js';
import { CicdStore } from './store.js';

export type { CicdConnectorConfig } from './config.js';
export { FLAKY_EVENT } from './flaky.js';

const SCOPE = newScope('summit/connector/cicd');

/** Span types whose handling reads or writes the store. */
const STATEFUL = new Set(['push', 'deployment', 'test_case']);

export interface CicdConnector extends ComponentInstance {
  /** Sends the metrics now (as the timer does). */
  flush(): Promise<void>;
}

export interface CicdOptions {
  /** Unix milliseconds; tests replace it. */
  now?: () => number;
}

/** Creates the connector; the factory's create() with a replaceable clock. */
export function createCicdConnector(ctx: CreateContext, raw: CicdConnectorConfig, next: NextConsumers, options: CicdOptions = {}): CicdConnector {
  const config = resolveCicdConfig(raw ?? {}, ctx.configDir);
  const now = options.now ?? Date.now;
  const log = ctx.logger;
  const builds = new BuildMetrics(config);
  let store: CicdStore | undefined;
  let dora: Dora | undefined;
  let flaky: FlakyTests | undefined;
  let timer: NodeJS.Timeout | undefined;
  const startNanos = BigInt(now()) * 1_000_000n;
  /** The DORA totals' start: kept in the store with them, so their series continue across restarts. */
  let doraStart = startNanos;

  const open = () => {
    if (store) return;
    store = new CicdStore(config.storagePath);
    log.info(`${ctx.id}: CI/CD state in ${config.storagePath}`);
    dora = new Dora(store, config);
    doraStart = store.seriesStart('dora', startNanos);
    flaky = new FlakyTests(store, config.testRetentionMs);
    store.prune(now() - config.testRetentionMs);
  };

  const flush = async (): Promise<void> => {
    if (!next.metrics || !store) return;
    const t = BigInt(now()) * 1_000_000n;
    const metrics = [...builds.metrics(startNanos, t), ...dora!.metrics(doraStart, t), flaky!.gauge(now(), startNanos, t)].filter((m) => m.data.dataPoints.length > 0);
    if (!metrics.length) return;
    const data: Metrics = { resourceMetrics: [{ resource: newResource(), schemaUrl: '', scopeMetrics: [{ scope: SCOPE, schemaUrl: '', metrics }] }] };
    try {
      await next.metrics.consume(data);
    } catch (err) {
      // cumulative: what was not sent is in the next flush
      log.warn({ err: (err as Error)?.message ?? String(err) }, `${ctx.id}: sending CI/CD metrics failed; the next flush carries their totals`);
    }
  };

  const sendFindings = async (findings: FlakyFinding[]): Promise<void> => {
    if (!findings.length || !next.logs) return;
    const logs: Logs = {
      resourceLogs: findings.map((f) => ({
        resource: newResource({ [ci.SERVICE_NAME]: f.service || f.repository, [ci.VCS_REPOSITORY_NAME]: f.repository }),
        schemaUrl: '',
        scopeLogs: [{ scope: SCOPE, schemaUrl: '', logRecords: [f.record] }],
      })),
    };
    try {
      await next.logs.consume(logs);
    } catch (err) {
      store!.transaction(() => findings.forEach((f) => flaky!.unsent(f)));
      throw err;
    }
  };

  return {
    mutatesData: false,
    consumers: {
      traces: {
        async consume(data: Traces) {
          const spans = cicdSpans(data);
          if (!spans.length) return; // plain application traces: no state to touch
          open();
          const nowMs = now();
          const findings: FlakyFinding[] = [];
          const stateful: SpanFacts[] = [];
          for (const f of spans) {
            builds.record(f);
            if (STATEFUL.has(f.type)) stateful.push(f);
          }
          // runs, jobs and steps only feed in-memory metrics: no transaction for them
          if (stateful.length) {
            store!.transaction(() => {
              for (const f of stateful) {
                if (f.type === 'push') dora!.push(f);
                else if (f.type === 'deployment') dora!.deployment(f);
                else {
                  const finding = flaky!.record(f, nowMs);
                  if (finding) findings.push(finding);
                }
              }
            });
          }
          await sendFindings(findings);
        },
      },
      logs: {
        async consume(data: Logs) {
          if (!config.failure.newIssues) return;
          const issues = newIssues(data);
          if (!issues.length) return;
          open();
          store!.transaction(() => {
            for (const i of issues) dora!.newIssue(i.service, i.version, i.atMs ?? now());
          });
        },
      },
    },
    flush,
    async start() {
      open();
      timer ??= setInterval(() => void flush(), config.flushIntervalMs);
      timer.unref();
    },
    async shutdown() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
      store?.close();
      store = undefined;
    },
  };
}

const text = (v: AnyValue | undefined) => (v === undefined || v === null ? '' : anyValueAsString(v));

/** The spans a CI/CD receiver made (they carry summit.cicd.span.type). */
function cicdSpans(data: Traces): SpanFacts[] {
  const out: SpanFacts[] = [];
  for (const rs of data.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) if (span.attributes.has(ci.CICD_SPAN_TYPE)) out.push(new SpanFacts(rs.resource.attributes, span));
    }
  }
  return out;
}

/** Errors that opened a new issue (grouping's issue.new), with their service, version and time. */
function newIssues(data: Logs): { service: string; version: string; atMs?: number }[] {
  const out: { service: string; version: string; atMs?: number }[] = [];
  for (const rl of data.resourceLogs) {
    for (const sl of rl.scopeLogs) {
      for (const r of sl.logRecords) {
        if (r.attributes.get(ISSUE_NEW) !== true) continue;
        const at = r.timeUnixNano || r.observedTimeUnixNano;
        out.push({ service: text(rl.resource.attributes.get(ci.SERVICE_NAME)), version: text(rl.resource.attributes.get('service.version')), atMs: at ? Number(at / 1_000_000n) : undefined });
      }
    }
  }
  return out;
}

/**
 * Summit's `cicd` connector: CI/CD spans from the github, gitlab and junit receivers → build
 * and test metrics, flaky-test log records and the four DORA metrics; error logs carrying
 * `issue.new` can mark a deployment as a change failure.
 */
export const cicdConnectorFactory: ComponentFactory<CicdConnectorConfig> = {
  type: 'cicd',
  kind: 'connector',
  connects: [
    ['traces', 'metrics'],
    ['traces', 'logs'],
    ['logs', 'metrics'],
  ],
  stability: 'alpha',
  configSchema: cicdConfigSchema,
  validate: validateCicdConfig,
  create: (ctx, config, next) => createCicdConnector(ctx, config, next),
};
