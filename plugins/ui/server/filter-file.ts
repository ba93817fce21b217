/**
 * The lake's attribute filters (attribute-bloom.ts) kept in a SQLite file of the UI's data
 * directory, so a restart does not read the whole lake again. A row is one Parquet file's
 * filters, tied to that exact file by its stat stamp (size, mtime in ns, inode): a file
 * rewritten under the same name gets a new stamp, and its row is dropped, never used. Each row
 * carries a SHA-256 of its stamp and bits (a damaged row is dropped); the file records the
 * filters' layout and DuckDB's hash of a probe pair (another DuckDB whose `hash` differs, or
 * another layout, drops every row). A row is written in one statement, so a crash leaves it
 * whole or absent. What is dropped is rebuilt; until then the file is read.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** One filter: DuckDB's BIT layout (byte 0 the padding before the first bit), of `m` bits. */
export interface Bits {
  m: number;
  data: Uint8Array;
}

export interface FileFilter {
  /** The file's stat stamp when the filter was built (`fileStamp`). */
  stamp: string;
  spans: Bits;
  resources: Bits;
}

/** What ties a filter to the exact file: size, mtime (ns), inode; undefined when the file is gone. */
export function fileStamp(file: string): string | undefined {
  const s = statSync(file, { bigint: true, throwIfNoEntry: false });
  return s && `${s.size}:${s.mtimeNs}:${s.ino}`;
}

interface Row {
  path: string;
  stamp: string;
  spans_bits: number;
  spans: Buffer;
  resources_bits: number;
  resources: Buffer;
  checksum: Buffer;
}

const checksum = (stamp: string, f: { spans: Bits; resources: Bits }) =>
  createHash('sha256').update(`${stamp}\0${f.spans.m}\0${f.resources.m}\0`).update(f.spans.data).update(f.resources.data).digest();

const wholeBits = (b: Bits) => Number.isInteger(b.m) && b.m > 0 && b.m % 8 === 0 && b.data.length === 1 + b.m / 8;

export class FilterFile {
  private readonly db: Database.Database;
  private readonly statements;

  /** Opens (or makes) the file; one that is not a readable SQLite database is replaced, with `onReplaced` told why. */
  constructor(path: string, onReplaced: (err: unknown) => void) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    let db: Database.Database;
    try {
      db = FilterFile.open(path);
    } catch (err) {
      onReplaced(err);
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
      db = FilterFile.open(path);
    }
    this.db = db;
    this.statements = {
      all: this.db.prepare<[], Row>('SELECT path, stamp, spans_bits, spans, resources_bits, resources, checksum FROM filters'),
      put: this.db.prepare('INSERT OR REPLACE INTO filters (path, stamp, spans_bits, spans, resources_bits, resources, checksum) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      delete: this.db.prepare('DELETE FROM filters WHERE path = ?'),
      meta: this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    };
  }

  private static open(path: string): Database.Database {
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS filters (path TEXT PRIMARY KEY, stamp TEXT NOT NULL, spans_bits INTEGER NOT NULL, spans BLOB NOT NULL,
          resources_bits INTEGER NOT NULL, resources BLOB NOT NULL, checksum BLOB NOT NULL)`);
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`SQLite quick_check: ${String(check)}`);
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * The filters kept for `version` (the layout and the probe's hash), whole and of files whose
   * stamp has not changed; every other row is deleted. A different version empties the file.
   */
  load(version: string): Map<string, FileFilter> {
    const out = new Map<string, FileFilter>();
    this.db.transaction(() => {
      if (this.statements.meta.get('version')?.value !== version) {
        this.db.exec('DELETE FROM filters');
        this.statements.setMeta.run('version', version);
        return;
      }
      for (const r of this.statements.all.all()) {
        const f: FileFilter = { stamp: r.stamp, spans: { m: r.spans_bits, data: new Uint8Array(r.spans) }, resources: { m: r.resources_bits, data: new Uint8Array(r.resources) } };
        const whole = wholeBits(f.spans) && wholeBits(f.resources) && checksum(r.stamp, f).equals(r.checksum);
        if (whole && fileStamp(r.path) === r.stamp) out.set(r.path, f);
        else this.statements.delete.run(r.path);
      }
    })();
    return out;
  }

  put(path: string, f: FileFilter): void {
    this.statements.put.run(path, f.stamp, f.spans.m, f.spans.data, f.resources.m, f.resources.data, checksum(f.stamp, f));
  }

  delete(paths: Iterable<string>): void {
    this.db.transaction(() => {
      for (const p of paths) this.statements.delete.run(p);
    })();
  }

  close(): void {
    this.db.close();
  }
}
