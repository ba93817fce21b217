/**
 * The `issue_store` extension: issue state (status, counts, users, releases, tags, sample
 * events) in a SQLite database, for `grouping` (through the Host, as `issue_store: <id>`),
 * `summit issues` and the UI. See README.md.
 */
import { dirname, join } from 'node:path';
import type { ComponentFactory, ComponentInstance, CreateContext } from '../../pipeline/component.js';
import { retryableError } from '../../pipeline/errors.js';
import type { IssueOccurrence, IssueStore, IssueVerdict } from '../../pipeline/exceptions/issues.js';
import type { ArtifactHost } from '../../pipeline/sourcemaps.js';
import { issueStoreConfigSchema, resolveIssueStoreConfig, validateIssueStoreConfig, type IssueStoreConfig, type ResolvedIssueStoreConfig } from './config.js';
import { ArtifactIndex } from './artifacts/index.js';
import { IssueDatabase } from './db.js';
import { SqliteIssueStore } from './store.js';

export { issueStoreConfigSchema, resolveIssueStoreConfig, ISSUE_STORE_DEFAULTS, type IssueStoreConfig } from './config.js';
export { IssueDatabase, IssueDatabaseError } from './db.js';
export * from './queries.js';
export { ArtifactIndex } from './artifacts/index.js';

/** How often ignores that ran out end and retention deletes (besides at start). */
export const MAINTENANCE_INTERVAL_MS = 60_000;

/** The running extension: an {@link IssueStore} whose database the UI can query while it runs. */
export class IssueStoreExtension implements ComponentInstance, IssueStore, ArtifactHost {
  private store?: SqliteIssueStore;
  /** Uploaded source maps (in `artifacts/` beside the database) and the samples they fix. */
  private artifactIndex?: ArtifactIndex;
  private timer?: NodeJS.Timeout;
  private maintaining?: Promise<unknown>;

  constructor(
    private readonly ctx: CreateContext,
    readonly config: ResolvedIssueStoreConfig,
  ) {}

  /** The open database, for queries (queries.ts); undefined before start and after shutdown. */
  get database(): IssueDatabase | undefined {
    return this.store?.db;
  }

  get artifacts(): ArtifactIndex | undefined {
    return this.artifactIndex;
  }

  get samples(): ArtifactIndex | undefined {
    return this.artifactIndex;
  }

  async start(): Promise<void> {
    const db = IssueDatabase.open(this.config.path, { create: true });
    this.store = new SqliteIssueStore(db, { ...this.config, logger: this.ctx.logger });
    this.artifactIndex = new ArtifactIndex(this.config.path, join(dirname(this.config.path), 'artifacts'), this.ctx.logger);
    this.ctx.logger.info(`${this.ctx.id}: issue database ${this.config.path}`);
    await this.maintain();
    this.timer = setInterval(() => void this.maintain(), MAINTENANCE_INTERVAL_MS);
    this.timer.unref();
  }

  recordOccurrences(occurrences: IssueOccurrence[]): Promise<IssueVerdict[]> {
    if (!this.store) return Promise.reject(retryableError(`${this.ctx.id}: not running`));
    return this.store.recordOccurrences(occurrences);
  }

  private maintain(): Promise<unknown> {
    const store = this.store;
    if (!store || this.maintaining) return this.maintaining ?? Promise.resolve();
    this.maintaining = store
      .applyRetention()
      .then((r) => {
        if (r.deletedByAge || r.deletedByCount) {
          this.ctx.logger.info(`${this.ctx.id}: retention deleted ${r.deletedByAge} issues not seen within max_age and ${r.deletedByCount} beyond max_issues`);
        }
      })
      .catch(() => undefined) // logged by the store; the next pass tries again
      .finally(() => (this.maintaining = undefined));
    return this.maintaining;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.maintaining;
    this.store?.db.close();
    this.store = undefined;
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
