/**
 * The artifact store of the issue_store extension: uploaded source maps and sources in a
 * content-addressed directory beside the issue database, indexed in that database (its own
 * tables and connection, so it never waits on the issue writes), and the sample events an
 * upload can fix.
 */
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { ArtifactsAdded, ArtifactStore, ArtifactType, ArtifactUpload, SampleEvents, StoredArtifact, StoredSample } from '../../../pipeline/sourcemaps.js';
import { BUSY_TIMEOUT_MS } from '../db.js';
import { BlobDirectory } from './blobs.js';
import { ARTIFACT_SCHEMA, ARTIFACT_SQL } from './sql.js';

type Statements = { [K in keyof typeof ARTIFACT_SQL]: Database.Statement<unknown[], unknown> };

interface ArtifactRow {
  bundle_id: string;
  url: string;
  type: ArtifactType;
  debug_id: string | null;
  sourcemap: string | null;
  release: string | null;
  dist: string | null;
  sha256: string;
  size: number;
  uploaded: number;
}

const toArtifact = (r: ArtifactRow): StoredArtifact => ({
  bundleId: r.bundle_id,
  url: r.url,
  type: r.type,
  debugId: r.debug_id,
  sourcemap: r.sourcemap,
  release: r.release,
  dist: r.dist,
  sha256: r.sha256,
  size: r.size,
  uploaded: r.uploaded,
});

export class ArtifactIndex implements ArtifactStore, SampleEvents {
  private readonly sqlite: Database.Database;
  private readonly sql: Statements;
  private readonly blobs: BlobDirectory;
  private readonly listeners = new Map<string, (added: ArtifactsAdded) => void>();

  /** `dbPath`: the issue database (already made by the issue store); `dir`: where the files go. */
  constructor(
    dbPath: string,
    dir: string,
    private readonly logger?: Logger,
  ) {
    this.blobs = new BlobDirectory(dir);
    this.sqlite = new Database(dbPath, { fileMustExist: true });
    try {
      this.sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.sqlite.pragma('journal_mode = WAL');
      this.sqlite.pragma('synchronous = FULL');
      this.sqlite.transaction(() => ARTIFACT_SCHEMA.forEach((ddl) => this.sqlite.exec(ddl))).immediate();
      this.sql = Object.fromEntries(Object.entries(ARTIFACT_SQL).map(([k, s]) => [k, this.sqlite.prepare(s)])) as Statements;
    } catch (err) {
      this.sqlite.close();
      throw err;
    }
  }

  missingChunks(checksums: string[]): string[] {
    return checksums.filter((c) => !this.blobs.hasChunk(c));
  }

  putChunk(checksum: string, data: Buffer): void {
    this.blobs.putChunk(checksum, data);
  }

  readChunks(checksums: string[]): Buffer {
    return Buffer.concat(checksums.map((c) => this.blobs.chunk(c)));
  }

  dropChunks(checksums: string[]): void {
    for (const c of checksums) this.blobs.dropChunk(c);
  }

  totalBytes(): number {
    return (this.sql.totalBytes.get() as { n: number }).n + this.blobs.chunkBytes;
  }

  add(upload: ArtifactUpload): { files: number; bytes: number } {
    const uploaded = Date.now();
    // bytes first, index after: a row never names a file that is not there
    const stored = upload.files.map((f) => ({ f, sha256: this.blobs.putObject(f.content) }));
    this.sqlite
      .transaction(() => {
        this.sql.deleteBundle.run({ bundle_id: upload.bundleId });
        for (const { f, sha256 } of stored) {
          this.sql.insert.run({
            bundle_id: upload.bundleId,
            org: upload.org,
            project: upload.project ?? null,
            release: upload.release ?? null,
            dist: upload.dist ?? null,
            url: f.url,
            type: f.type,
            debug_id: f.debugId?.toLowerCase() ?? null,
            sourcemap: f.sourcemap ?? null,
            sha256,
            size: f.content.length,
            uploaded,
          });
        }
      })
      .immediate();
    const added: ArtifactsAdded = {
      release: upload.release ?? null,
      dist: upload.dist ?? null,
      debugIds: [...new Set(upload.files.flatMap((f) => (f.debugId ? [f.debugId.toLowerCase()] : [])))],
    };
    for (const [key, listener] of this.listeners) {
      try {
        listener(added);
      } catch (err) {
        this.logger?.error({ err, listener: key }, 'artifact store: a listener failed after an upload');
      }
    }
    return { files: stored.length, bytes: stored.reduce((n, s) => n + s.f.content.length, 0) };
  }

  byDebugId(debugId: string, type: ArtifactType): StoredArtifact | undefined {
    const row = this.sql.byDebugId.get({ debug_id: debugId.toLowerCase(), type }) as ArtifactRow | undefined;
    return row && toArtifact(row);
  }

  byUrl(release: string, dist: string | null, urls: string[]): StoredArtifact | undefined {
    for (const url of urls) {
      const row = this.sql.byUrl.get({ release, dist, url }) as ArtifactRow | undefined;
      if (row) return toArtifact(row);
    }
    return undefined;
  }

  content(artifact: StoredArtifact): Buffer {
    return this.blobs.object(artifact.sha256);
  }

  list(filter: { release?: string } = {}): StoredArtifact[] {
    const rows = filter.release === undefined ? this.sql.list.all() : this.sql.listRelease.all({ release: filter.release });
    return (rows as ArtifactRow[]).map(toArtifact);
  }

  onAdded(key: string, listener: (added: ArtifactsAdded) => void): () => void {
    this.listeners.set(key, listener);
    return () => {
      if (this.listeners.get(key) === listener) this.listeners.delete(key);
    };
  }

  affectedBy(added: ArtifactsAdded, limit: number): StoredSample[] {
    const found = new Map<number, string>();
    const take = (rows: unknown[]) => {
      for (const r of rows as { event_pk: number; body: string }[]) if (found.size < limit) found.set(r.event_pk, r.body);
    };
    if (added.release !== null) take(this.sql.samplesOfRelease.all({ release: added.release, limit }));
    for (const id of added.debugIds) if (found.size < limit) take(this.sql.samplesNaming.all({ needle: id, limit }));
    return [...found].map(([pk, json]) => ({ pk, json }));
  }

  /** The newest stored sample with this Sentry event id (32 hex digits, as stored). */
  sampleByEventId(eventId: string): (StoredSample & { issueId: string }) | undefined {
    const row = this.sql.sampleByEventId.get({ event_id: eventId.replace(/-/g, '').toLowerCase() }) as { event_pk: number; issue_id: string; body: string } | undefined;
    return row && { pk: row.event_pk, issueId: row.issue_id, json: row.body };
  }

  replace(pk: number, json: string): void {
    this.sql.replaceSample.run({ event_pk: pk, body: json });
  }

  close(): void {
    if (this.sqlite.open) this.sqlite.close();
  }
}
