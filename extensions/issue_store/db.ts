/**
 * Opening the issue database: SQLite in WAL mode, so other processes (`summit issues`, the UI)
 * read — and triage commands write — while Summit records. `synchronous` is FULL unless the
 * opener asks for NORMAL (the recording connection, by default: README "Durability").
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA, SCHEMA_VERSION, SQL } from './sql.js';

/** How long a statement waits for another process's write to finish before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/** SQLite's `synchronous` levels the store offers (both keep every commit across `kill -9` in WAL mode). */
export type Synchronous = 'FULL' | 'NORMAL';

type Statement = Database.Statement<unknown[], unknown>;
export type Statements = { [K in keyof typeof SQL]: (typeof SQL)[K] extends readonly string[] ? Statement[] : Statement };

export class IssueDatabase {
  readonly statements: Statements;

  private constructor(
    readonly path: string,
    readonly sqlite: Database.Database,
  ) {
    this.statements = Object.fromEntries(
      Object.entries(SQL).map(([name, sql]) => [name, typeof sql === 'string' ? sqlite.prepare(sql) : sql.map((s) => sqlite.prepare(s))]),
    ) as Statements;
  }

  /**
   * The database at `path`. `create`: make it (and its directory) when missing, and the tables
   * (what the extension does); otherwise it must exist already (what `summit issues` does).
   */
  static open(path: string, opts: { create: boolean; synchronous?: Synchronous }): IssueDatabase {
    if (!opts.create && !existsSync(path)) {
      throw new IssueDatabaseError(`no issue database at ${path}: the issue_store extension creates it when Summit starts with one configured`);
    }
    let sqlite: Database.Database;
    try {
      if (opts.create) mkdirSync(dirname(path), { recursive: true });
      sqlite = new Database(path, { fileMustExist: !opts.create });
    } catch (err) {
      throw new IssueDatabaseError(`cannot open the issue database ${path}: ${(err as Error).message}`, err);
    }
    try {
      sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
      // Sample events are written and replaced all the time: a larger page cache and fewer,
      // larger checkpoints write each hot page (issues, tags, indexes) once instead of per batch.
      sqlite.pragma('cache_size = -32000');
      sqlite.pragma('wal_autocheckpoint = 10000');
      const version = sqlite.pragma('user_version', { simple: true }) as number;
      if (version === 0 && opts.create) {
        sqlite.transaction(() => {
          for (const ddl of SCHEMA) sqlite.exec(ddl);
          sqlite.pragma(`user_version = ${SCHEMA_VERSION}`);
        }).immediate();
      } else if (version === 0) {
        throw new IssueDatabaseError(`${path} is not an issue database (the issue_store extension makes those)`);
      } else if (version !== SCHEMA_VERSION) {
        throw new IssueDatabaseError(`${path} has issue database schema version ${version}; this Summit reads version ${SCHEMA_VERSION}`);
      }
      return new IssueDatabase(path, sqlite);
    } catch (err) {
      sqlite.close();
      if (err instanceof IssueDatabaseError) throw err;
      throw new IssueDatabaseError(`cannot open the issue database ${path}: ${(err as Error).message}`, err);
    }
  }

  close(): void {
    if (this.sqlite.open) this.sqlite.close();
  }
}

export class IssueDatabaseError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'IssueDatabaseError';
  }
}
