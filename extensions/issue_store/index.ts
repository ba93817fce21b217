/**
 * The `issue_store` extension: issue state (status, counts, users, releases, tags, sample
 * events) in a SQLite database, for `grouping` (through the Host, as `issue_store: <id>`),
 * `summit issues` and the UI. See README.md.
 */
import { dirname, join } from 'node:path';
import type { ComponentFactory, ComponentInstance, CreateContext } from '../../pipeline/component.js';
import { retryableError } from '../../pipeline/errors.js';
import type { IssueDetail, IssueQueries, IssueSummary, ListOptions, StoredEvent, TriageChange } from '../../pipeline/exceptions/issue-queries.js';
import type { IssueOccurrence, IssueStore, IssueVerdict } from '../../pipeline/exceptions/issues.js';
import type { ArtifactHost } from '../../pipeline/sourcemaps.js';
import { issueStoreConfigSchema, resolveIssueStoreConfig, validateIssueStoreConfig, type IssueStoreConfig, type ResolvedIssueStoreConfig } from './config.js';
import { ArtifactIndex } from './artifacts/index.js';
import { IssueDatabase } from './db.js';
import { getEvent, getIssue, listIssues, resolveIssueId, setIssueStatus } from './queries.js';
import { StoreThread } from './thread.js';

export { issueStoreConfigSchema, resolveIssueStoreConfig, ISSUE_STORE_DEFAULTS, type IssueStoreConfig } from './config.js';
export { IssueDatabase, IssueDatabaseError } from './db.js';
export * from './queries.js';
export { ArtifactIndex } from './artifacts/index.js';

/** How often ignores that ran out end and retention deletes (besides at start). */
export const MAINTENANCE_INTERVAL_MS = 60_000;

/**
 * The running extension: an {@link IssueStore} whose writes run in a thread of its own
 * (worker.ts), and whose database the UI reads and triages while it runs ({@link IssueQueries}).
 */
export class IssueStoreExtension implements ComponentInstance, IssueStore, IssueQueries, ArtifactHost {
  private thread?: StoreThread;
  private reader?: IssueDatabase;
  /** Uploaded source maps (in `artifacts/` beside the database) and the samples they fix. */
  private artifactIndex?: ArtifactIndex;
  private timer?: NodeJS.Timeout;
  private maintaining?: Promise<unknown>;

  constructor(
    private readonly ctx: CreateContext,
    readonly config: ResolvedIssueStoreConfig,
  ) {}

  /** A connection for queries (queries.ts); undefined before start and after shutdown. */
  get database(): IssueDatabase | undefined {
    return this.reader;
  }

  get artifacts(): ArtifactIndex | undefined {
    return this.artifactIndex;
  }

  get samples(): ArtifactIndex | undefined {
    return this.artifactIndex;
  }

  listIssues(opts?: ListOptions): IssueSummary[] {
    return listIssues(this.running(), opts);
  }

  resolveIssueId(idOrPrefix: string): string {
    return resolveIssueId(this.running(), idOrPrefix);
  }

  getIssue(id: string): IssueDetail | undefined {
    return getIssue(this.running(), id);
  }

  getEvent(id: string, pk: number): StoredEvent | undefined {
    return getEvent(this.running(), id, pk);
  }

  setIssueStatus(id: string, change: TriageChange): IssueSummary {
    return setIssueStatus(this.running(), id, change);
  }

  private running(): IssueDatabase {
    if (!this.reader) throw new Error(`${this.ctx.id}: not running`);
    return this.reader;
  }

  async start(): Promise<void> {
    const { path, synchronous, sampleEvents, maxAgeMs, maxIssues } = this.config;
    this.thread = await StoreThread.start({ path, synchronous, options: { sampleEvents, maxAgeMs, maxIssues } });
    this.reader = IssueDatabase.open(path, { create: false });
    this.artifactIndex = new ArtifactIndex(path, join(dirname(path), 'artifacts'), this.ctx.logger);
    this.ctx.logger.info(`${this.ctx.id}: issue database ${path}`);
    await this.maintain();
    this.timer = setInterval(() => void this.maintain(), MAINTENANCE_INTERVAL_MS);
    this.timer.unref();
  }

  recordOccurrences(occurrences: IssueOccurrence[]): Promise<IssueVerdict[]> {
    if (!this.thread) return Promise.reject(retryableError(`${this.ctx.id}: not running`));
    if (occurrences.length === 0) return Promise.resolve([]);
    return this.thread.record(occurrences, Date.now()).catch((err: Error) => {
      this.ctx.logger.error(`${this.ctx.id}: ${err.message}`);
      throw retryableError(err.message, 1000, err);
    });
  }

  private maintain(): Promise<unknown> {
    const thread = this.thread;
    if (!thread || this.maintaining) return this.maintaining ?? Promise.resolve();
    this.maintaining = thread
      .retention()
      .then((r) => {
        if (r.deletedByAge || r.deletedByCount) {
          this.ctx.logger.info(`${this.ctx.id}: retention deleted ${r.deletedByAge} issues not seen within max_age and ${r.deletedByCount} beyond max_issues`);
        }
      })
      .catch((err: Error) => this.ctx.logger.error(`${this.ctx.id}: ${err.message}`)) // the next pass tries again
      .finally(() => (this.maintaining = undefined));
    return this.maintaining;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.maintaining;
    await this.thread?.close();
    this.thread = undefined;
    this.reader?.close();
    this.reader = undefined;
    this.artifactIndex?.close();
    this.artifactIndex = undefined;
  }
}

export const issueStoreExtensionFactory: ComponentFactory<IssueStoreConfig> = {
  type: 'issue_store',
  kind: 'extension',
  stability: 'development',
  configSchema: issueStoreConfigSchema,
  validate: validateIssueStoreConfig,
  create(ctx, config) {
    return new IssueStoreExtension(ctx, resolveIssueStoreConfig(config ?? {}, ctx.configDir));
  },
};
