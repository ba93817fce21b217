/**
 * What the `cicd` connector must not forget across a restart, in a SQLite file (WAL, synchronous
 * FULL, like the issue store): the commits seen and whether they reached production, production
 * deployments, failures not yet recovered, the DORA totals, and per (test, commit) whether the
 * test passed and failed, with the evidence. Times are Unix milliseconds.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

const SCHEMA_VERSION = 1;
const SCHEMA = [
  `CREATE TABLE commits (seq INTEGER PRIMARY KEY AUTOINCREMENT, repo TEXT NOT NULL, sha TEXT NOT NULL, committed_ms INTEGER NOT NULL,
     deployed INTEGER NOT NULL DEFAULT 0, UNIQUE (repo, sha))`,
  `CREATE TABLE deployments (repo TEXT NOT NULL, env TEXT NOT NULL, id TEXT NOT NULL, sha TEXT NOT NULL, service TEXT NOT NULL,
     at_ms INTEGER NOT NULL, status TEXT NOT NULL, change_failed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (repo, env, id))`,
  `CREATE INDEX deployments_by_service ON deployments (service, at_ms)`,
  `CREATE TABLE open_failures (repo TEXT NOT NULL, env TEXT NOT NULL, since_ms INTEGER NOT NULL, PRIMARY KEY (repo, env))`,
  `CREATE TABLE dora_counts (repo TEXT NOT NULL, env TEXT NOT NULL, succeeded INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
     change_failures INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (repo, env))`,
  `CREATE TABLE dora_histograms (metric TEXT NOT NULL, repo TEXT NOT NULL, env TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (metric, repo, env))`,
  `CREATE TABLE test_outcomes (repo TEXT NOT NULL, test TEXT NOT NULL, sha TEXT NOT NULL, passed TEXT, failed TEXT,
     reported INTEGER NOT NULL DEFAULT 0, updated_ms INTEGER NOT NULL, PRIMARY KEY (repo, test, sha))`,
  `CREATE INDEX test_outcomes_by_age ON test_outcomes (updated_ms)`,
  `CREATE TABLE flaky_tests (repo TEXT NOT NULL, test TEXT NOT NULL, detected_ms INTEGER NOT NULL, PRIMARY KEY (repo, test))`,
];

export interface DeploymentRow {
  repo: string;
  env: string;
  id: string;
  sha: string;
  service: string;
  at_ms: number;
  status: 'succeeded' | 'failed';
  change_failed: number;
}

export interface DoraCounts {
  repo: string;
  env: string;
  succeeded: number;
  failed: number;
  change_failures: number;
}

export interface TestOutcomeRow {
  passed: string | null;
  failed: string | null;
  reported: number;
}

export type DoraCount = 'succeeded' | 'failed' | 'change_failures';

export class CicdStore {
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
    } catch (err) {
      throw new Error(`cannot open the cicd state database ${path}: ${(err as Error).message}`, { cause: err });
    }
    const db = this.db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === 0) {
      db.transaction(() => {
        for (const ddl of SCHEMA) db.exec(ddl);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    } else if (version !== SCHEMA_VERSION) {
      db.close();
      throw new Error(`${path} has cicd state schema version ${version}; this Summit reads version ${SCHEMA_VERSION}`);
    }
    // outside the versioned schema: a file of version 1 gets it as it is opened, and an older Summit ignores it
    db.exec('CREATE TABLE IF NOT EXISTS series_start (name TEXT PRIMARY KEY, start_ns TEXT NOT NULL) WITHOUT ROWID');
    this.stmts = {
      seriesStart: db.prepare<[string], string>('SELECT start_ns FROM series_start WHERE name = ?').pluck(),
      setSeriesStart: db.prepare('INSERT OR IGNORE INTO series_start (name, start_ns) VALUES (?, ?)'),
      addCommit: db.prepare('INSERT OR IGNORE INTO commits (repo, sha, committed_ms) VALUES (?, ?, ?)'),
      commitSeq: db.prepare('SELECT seq FROM commits WHERE repo = ? AND sha = ?').pluck(),
      undeployed: db.prepare('SELECT seq, committed_ms FROM commits WHERE repo = ? AND seq <= ? AND deployed = 0'),
      markDeployed: db.prepare('UPDATE commits SET deployed = 1 WHERE repo = ? AND seq <= ? AND deployed = 0'),
      deployment: db.prepare('SELECT * FROM deployments WHERE repo = ? AND env = ? AND id = ?'),
      addDeployment: db.prepare('INSERT INTO deployments (repo, env, id, sha, service, at_ms, status) VALUES (@repo, @env, @id, @sha, @service, @at_ms, @status)'),
      latestSucceeded: db.prepare("SELECT * FROM deployments WHERE repo = ? AND env = ? AND status = 'succeeded' ORDER BY at_ms DESC, rowid DESC LIMIT 1"),
      shaDeployedBefore: db.prepare("SELECT 1 FROM deployments WHERE repo = ? AND env = ? AND sha = ? AND status = 'succeeded' AND at_ms < ? LIMIT 1").pluck(),
      latestForService: db.prepare("SELECT * FROM deployments WHERE service = ? AND status = 'succeeded' AND at_ms <= ? ORDER BY at_ms DESC, rowid DESC LIMIT 1"),
      markChangeFailed: db.prepare('UPDATE deployments SET change_failed = 1 WHERE repo = ? AND env = ? AND id = ? AND change_failed = 0'),
      openFailure: db.prepare('SELECT since_ms FROM open_failures WHERE repo = ? AND env = ?').pluck(),
      open: db.prepare('INSERT OR IGNORE INTO open_failures (repo, env, since_ms) VALUES (?, ?, ?)'),
      close: db.prepare('DELETE FROM open_failures WHERE repo = ? AND env = ?'),
      count: {
        succeeded: db.prepare('INSERT INTO dora_counts (repo, env, succeeded) VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET succeeded = succeeded + 1'),
        failed: db.prepare('INSERT INTO dora_counts (repo, env, failed) VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET failed = failed + 1'),
        change_failures: db.prepare('INSERT INTO dora_counts (repo, env, change_failures) VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET change_failures = change_failures + 1'),
      },
      counts: db.prepare('SELECT * FROM dora_counts'),
      histogram: db.prepare('SELECT state FROM dora_histograms WHERE metric = ? AND repo = ? AND env = ?').pluck(),
      putHistogram: db.prepare('INSERT INTO dora_histograms (metric, repo, env, state) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET state = excluded.state'),
      histograms: db.prepare('SELECT metric, repo, env, state FROM dora_histograms'),
      outcome: db.prepare('SELECT passed, failed, reported FROM test_outcomes WHERE repo = ? AND test = ? AND sha = ?'),
      recordPass: db.prepare(
        'INSERT INTO test_outcomes (repo, test, sha, passed, updated_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET passed = coalesce(passed, excluded.passed), updated_ms = excluded.updated_ms',
      ),
      recordFail: db.prepare(
        'INSERT INTO test_outcomes (repo, test, sha, failed, updated_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET failed = coalesce(failed, excluded.failed), updated_ms = excluded.updated_ms',
      ),
      markReported: db.prepare('UPDATE test_outcomes SET reported = ? WHERE repo = ? AND test = ? AND sha = ?'),
      addFlaky: db.prepare('INSERT INTO flaky_tests (repo, test, detected_ms) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET detected_ms = excluded.detected_ms'),
      flakyCounts: db.prepare('SELECT repo, count(*) AS n FROM flaky_tests WHERE detected_ms >= ? GROUP BY repo'),
      pruneOutcomes: db.prepare('DELETE FROM test_outcomes WHERE updated_ms < ?'),
      pruneFlaky: db.prepare('DELETE FROM flaky_tests WHERE detected_ms < ?'),
    };
  }

  /** Runs `fn` in one transaction: a batch of spans is one write to the disk. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * The start time of the cumulative series `name` whose totals live here: the first start's,
   * kept, so after a restart they continue one series (a new start time would read as a reset,
   * and a reader would count the restored totals again).
   */
  seriesStart(name: string, nowNs: bigint): bigint {
    this.stmts.setSeriesStart.run(name, String(nowNs));
    return BigInt(this.stmts.seriesStart.get(name)!);
  }

  addCommit(repo: string, sha: string, committedMs: number): void {
    this.stmts.addCommit.run(repo, sha, committedMs);
  }

  /**
   * Commits of `repo` up to and including `sha` (in the order they were pushed) that had not
   * reached production yet, now marked as deployed. Empty when `sha` was never pushed.
   */
  takeUndeployedCommitsUpTo(repo: string, sha: string): { committed_ms: number }[] {
    const seq = this.stmts.commitSeq.get(repo, sha) as number | undefined;
    if (seq === undefined) return [];
    const rows = this.stmts.undeployed.all(repo, seq) as { committed_ms: number }[];
    this.stmts.markDeployed.run(repo, seq);
    return rows;
  }

  deployment(repo: string, env: string, id: string): DeploymentRow | undefined {
    return this.stmts.deployment.get(repo, env, id) as DeploymentRow | undefined;
  }

  addDeployment(row: Omit<DeploymentRow, 'change_failed'>): void {
    this.stmts.addDeployment.run(row);
  }

  latestSucceeded(repo: string, env: string): DeploymentRow | undefined {
    return this.stmts.latestSucceeded.get(repo, env) as DeploymentRow | undefined;
  }

  shaDeployedBefore(repo: string, env: string, sha: string, beforeMs: number): boolean {
    return this.stmts.shaDeployedBefore.get(repo, env, sha, beforeMs) !== undefined;
  }

  latestForService(service: string, atMs: number): DeploymentRow | undefined {
    return this.stmts.latestForService.get(service, atMs) as DeploymentRow | undefined;
  }

  /** True when the deployment was not counted as a change failure before. */
  markChangeFailed(d: DeploymentRow): boolean {
    return this.stmts.markChangeFailed.run(d.repo, d.env, d.id).changes > 0;
  }

  openFailureSince(repo: string, env: string): number | undefined {
    return this.stmts.openFailure.get(repo, env) as number | undefined;
  }

  openFailure(repo: string, env: string, sinceMs: number): void {
    this.stmts.open.run(repo, env, sinceMs);
  }

  closeFailure(repo: string, env: string): void {
    this.stmts.close.run(repo, env);
  }

  count(repo: string, env: string, what: DoraCount): void {
    this.stmts.count[what].run(repo, env);
  }

  counts(): DoraCounts[] {
    return this.stmts.counts.all() as DoraCounts[];
  }

  histogram(metric: string, repo: string, env: string): string | undefined {
    return this.stmts.histogram.get(metric, repo, env) as string | undefined;
  }

  putHistogram(metric: string, repo: string, env: string, state: string): void {
    this.stmts.putHistogram.run(metric, repo, env, state);
  }

  histograms(): { metric: string; repo: string; env: string; state: string }[] {
    return this.stmts.histograms.all() as { metric: string; repo: string; env: string; state: string }[];
  }

  /** Records one outcome of a test on a commit (the first evidence of each kind is kept); returns the row after. */
  recordOutcome(repo: string, test: string, sha: string, passed: boolean, evidence: string, nowMs: number): TestOutcomeRow {
    (passed ? this.stmts.recordPass : this.stmts.recordFail).run(repo, test, sha, evidence, nowMs);
    return this.stmts.outcome.get(repo, test, sha) as TestOutcomeRow;
  }

  setReported(repo: string, test: string, sha: string, reported: boolean): void {
    this.stmts.markReported.run(reported ? 1 : 0, repo, test, sha);
  }

  addFlaky(repo: string, test: string, nowMs: number): void {
    this.stmts.addFlaky.run(repo, test, nowMs);
  }

  flakyCounts(sinceMs: number): { repo: string; n: number }[] {
    return this.stmts.flakyCounts.all(sinceMs) as { repo: string; n: number }[];
  }

  /** Forgets test outcomes and flaky flags older than the retention. */
  prune(beforeMs: number): void {
    this.stmts.pruneOutcomes.run(beforeMs);
    this.stmts.pruneFlaky.run(beforeMs);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
