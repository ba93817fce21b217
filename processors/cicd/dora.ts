/**
 * The four DORA metrics from production deployments and the commits pushed before them:
 * - deployment frequency: `dora.deployments{deployment.status="succeeded"}` (a counter; rate it);
 * - lead time for changes: from each commit's time to the first successful production
 *   deployment that contains it (commits in push order up to the deployed sha);
 * - change failure rate: deployments that failed or caused a failure, over all production
 *   deployments — a failure is a failed deployment, a rollback (redeploying an earlier sha marks
 *   the deployment it replaces), or a new issue of the deployed service within
 *   `new_issue_window` (each as configured);
 * - failed deployment recovery time: from the failure to the next successful deployment.
 * Everything is kept in the store, so the numbers continue across a restart.
 */
import * as ci from '../../pipeline/cicd/index.js';
import type { Metric } from '../../pipeline/model.js';
import type { ResolvedCicdConfig } from './config.js';
import type { SpanFacts } from './facts.js';
import { counterMetric, emptyHistogram, gaugeMetric, histogramMetric, histogramPoint, numberPoint, observe, type HistogramState } from './series.js';
import type { CicdStore, DeploymentRow } from './store.js';

const LEAD_TIME = 'lead_time';
const RECOVERY = 'recovery';

export class Dora {
  constructor(
    private readonly store: CicdStore,
    private readonly config: ResolvedCicdConfig,
  ) {}

  /** A push span: each `vcs.commit` event is a commit with its time. Call within a store transaction. */
  push(f: SpanFacts): void {
    for (const e of f.span.events) {
      if (e.name !== ci.VCS_COMMIT_EVENT) continue;
      const sha = e.attributes.get(ci.VCS_REF_HEAD_REVISION);
      if (typeof sha === 'string' && sha) this.store.addCommit(f.repository, sha, Number(e.timeUnixNano / 1_000_000n));
    }
  }

  /** A finished deployment span. Call within a store transaction. */
  deployment(f: SpanFacts): void {
    const env = f.get(ci.DEPLOYMENT_ENVIRONMENT_NAME).toLowerCase();
    if (!this.config.productionEnvironments.has(env)) return;
    const repo = f.repository;
    const id = f.get(ci.DEPLOYMENT_ID) || f.span.spanId;
    if (this.store.deployment(repo, env, id)) return; // delivered before
    const status = f.get(ci.DEPLOYMENT_STATUS) === 'succeeded' ? 'succeeded' : 'failed';
    const at = f.endMs;
    const sha = f.revision;
    const previous = this.store.latestSucceeded(repo, env);
    const row = { repo, env, id, sha, service: f.get(ci.SERVICE_NAME), at_ms: at, status } as const;
    this.store.addDeployment(row);
    this.store.count(repo, env, status);

    if (status === 'failed') {
      if (this.config.failure.failedDeployments) this.changeFailed({ ...row, change_failed: 0 }, at);
      return;
    }
    const rollback = this.config.failure.rollbacks && previous !== undefined && previous.sha !== sha && this.store.shaDeployedBefore(repo, env, sha, at);
    if (rollback) {
      // the deployment rolled back caused the failure, from when it went out
      this.changeFailed(previous, previous.at_ms);
    } else {
      for (const c of this.store.takeUndeployedCommitsUpTo(repo, sha)) this.observe(LEAD_TIME, repo, env, Math.max(0, at - c.committed_ms) / 1000);
    }
    const since = this.store.openFailureSince(repo, env);
    if (since !== undefined) {
      this.observe(RECOVERY, repo, env, Math.max(0, at - since) / 1000);
      this.store.closeFailure(repo, env);
    }
  }

  /**
   * A new issue (`issue.new`) of `service`: the latest production deployment of that service counts
   * as failed when the issue came within new_issue_window of it and its version (service.version)
   * names that deployment's commit or says nothing. Call within a store transaction.
   */
  newIssue(service: string, version: string, atMs: number): void {
    if (!this.config.failure.newIssues || !service) return;
    const d = this.store.latestForService(service, atMs);
    if (!d || atMs - d.at_ms > this.config.failure.newIssueWindowMs) return;
    if (version && !sameCommit(version, d.sha)) return;
    this.changeFailed(d, atMs);
  }

  metrics(start: bigint, now: bigint): Metric[] {
    const counts = this.store.counts();
    const labels = (r: { repo: string; env: string }) => ({ 'vcs.repository.name': r.repo, 'deployment.environment.name': r.env });
    const histograms = this.store.histograms();
    const points = (metric: string) =>
      histograms.filter((h) => h.metric === metric).map((h) => histogramPoint(labels(h), JSON.parse(h.state) as HistogramState, this.config.leadTimeBuckets, start, now));
    return [
      counterMetric(
        'dora.deployments',
        'Production deployments, by deployment.status (succeeded, failed); the rate of succeeded ones is the deployment frequency.',
        '{deployment}',
        counts.flatMap((c) => [
          numberPoint({ ...labels(c), 'deployment.status': 'succeeded' }, BigInt(c.succeeded), start, now),
          numberPoint({ ...labels(c), 'deployment.status': 'failed' }, BigInt(c.failed), start, now),
        ]),
      ),
      counterMetric('dora.change_failures', 'Production deployments that failed or caused a failure (rollback, new issue), as configured.', '{deployment}', counts.map((c) => numberPoint(labels(c), BigInt(c.change_failures), start, now))),
      gaugeMetric(
        'dora.change_failure_rate',
        'Change failures over all production deployments.',
        '1',
        counts.filter((c) => c.succeeded + c.failed > 0).map((c) => numberPoint(labels(c), c.change_failures / (c.succeeded + c.failed), start, now)),
      ),
      histogramMetric('dora.lead_time_for_changes', 'Time from a commit to the successful production deployment that first contained it.', 's', points(LEAD_TIME)),
      histogramMetric('dora.failed_deployment_recovery_time', 'Time from a production change failure to the next successful deployment.', 's', points(RECOVERY)),
    ].filter((m) => m.data.dataPoints.length > 0);
  }

  private changeFailed(d: DeploymentRow, sinceMs: number): void {
    if (!this.store.markChangeFailed(d)) return;
    this.store.count(d.repo, d.env, 'change_failures');
    this.store.openFailure(d.repo, d.env, sinceMs);
  }

  private observe(metric: string, repo: string, env: string, seconds: number): void {
    const bounds = this.config.leadTimeBuckets;
    const text = this.store.histogram(metric, repo, env);
    const h = text ? (JSON.parse(text) as HistogramState) : emptyHistogram(bounds);
    observe(h, bounds, seconds);
    this.store.putHistogram(metric, repo, env, JSON.stringify(h));
  }
}

/** A version names a commit when it is the sha, or one is a prefix of the other of at least 7 characters (git's short sha). */
function sameCommit(version: string, sha: string): boolean {
  const v = version.toLowerCase();
  const s = sha.toLowerCase();
  return v === s || (v.length >= 7 && s.length >= 7 && (s.startsWith(v) || v.startsWith(s)));
}
