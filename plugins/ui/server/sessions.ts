/**
 * Login sessions kept in SQLite in the data directory, so a restart does not log everyone out.
 * Only a SHA-256 of each session id is stored: the file alone lets nobody in. Expired sessions
 * are deleted when met and at each login; beyond MAX_SESSIONS the oldest are dropped (a login
 * flood cannot grow the file).
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** Sessions kept at most. */
const MAX_SESSIONS = 10_000;

export interface StoredSession {
  user: string;
  csrf: string;
  expires: number;
}

const idHash = (id: string) => createHash('sha256').update(id).digest('hex');

export class SessionStore {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.exec('CREATE TABLE IF NOT EXISTS ui_sessions (id_sha256 TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID');
    } catch (err) {
      throw new Error(`cannot open the UI session file ${path}: ${(err as Error).message}`);
    }
    this.statements = {
      get: this.db.prepare<[string], StoredSession>('SELECT user, csrf, expires FROM ui_sessions WHERE id_sha256 = ?'),
      put: this.db.prepare('INSERT OR REPLACE INTO ui_sessions (id_sha256, user, csrf, expires) VALUES (?, ?, ?, ?)'),
      delete: this.db.prepare('DELETE FROM ui_sessions WHERE id_sha256 = ?'),
      expire: this.db.prepare('DELETE FROM ui_sessions WHERE expires <= ?'),
      trim: this.db.prepare(`DELETE FROM ui_sessions WHERE id_sha256 IN (SELECT id_sha256 FROM ui_sessions ORDER BY expires DESC LIMIT -1 OFFSET ${MAX_SESSIONS - 1})`),
    };
  }

  /** The live session of `id`, if any. */
  get(id: string, now = Date.now()): StoredSession | undefined {
    const s = this.statements.get.get(idHash(id));
    if (s && s.expires <= now) {
      this.delete(id);
      return undefined;
    }
    return s;
  }

  put(id: string, s: StoredSession): void {
    this.db.transaction(() => {
      this.statements.expire.run(Date.now());
      this.statements.trim.run();
      this.statements.put.run(idHash(id), s.user, s.csrf, s.expires);
    })();
  }

  delete(id: string): void {
    this.statements.delete.run(idHash(id));
  }

  close(): void {
    this.db.close();
  }
}
