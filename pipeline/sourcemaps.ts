/**
 * The contract between the components that take source maps in (the `sentry` receiver's upload
 * API), keep them (an extension, `issue_store`) and apply them (`symbolication`): the artifacts
 * Sentry's tools upload, how they are looked up, and the sample events a late upload fixes.
 */

/** Sentry's artifact types (a source bundle's manifest `type`). */
export type ArtifactType = 'minified_source' | 'source_map' | 'source' | 'indexed_ram_bundle';
export const ARTIFACT_TYPES: readonly ArtifactType[] = ['minified_source', 'source_map', 'source', 'indexed_ram_bundle'];

/** One file of an upload, before it is stored. */
export interface ArtifactFile {
  /** The URL the browser or runtime knows the file by; `~/` stands for any scheme and host. */
  url: string;
  type: ArtifactType;
  /** The `debug-id` header: the id `sentry-cli sourcemaps inject` put in the file and its map. */
  debugId?: string;
  /** The `sourcemap` header: where the map of a minified file is, relative to its URL. */
  sourcemap?: string;
  content: Buffer;
}

/** One upload: an artifact bundle, or the release files a legacy upload adds one by one. */
export interface ArtifactUpload {
  /** The bundle's id (its debug_id), or for release files a name made from the upload. */
  bundleId: string;
  org: string;
  project?: string;
  release?: string;
  dist?: string;
  files: ArtifactFile[];
}

/** A stored artifact: what the index knows of it; its bytes come from {@link ArtifactStore.content}. */
export interface StoredArtifact {
  bundleId: string;
  url: string;
  type: ArtifactType;
  debugId: string | null;
  sourcemap: string | null;
  release: string | null;
  dist: string | null;
  /** Content address: SHA-256 of the bytes, hex. */
  sha256: string;
  size: number;
  /** ms since the epoch. */
  uploaded: number;
}

/** What an upload changed, for whoever fixes what was processed before it. */
export interface ArtifactsAdded {
  release: string | null;
  dist: string | null;
  debugIds: string[];
}

/**
 * Artifacts kept by an extension and shared through the Host (`artifact_store: <id>`). Lookups
 * are synchronous: they are index reads a processor makes per frame, cached by the caller.
 */
export interface ArtifactStore {
  /** Chunks (SHA-1 named, as Sentry's chunk upload names them) of `checksums` not stored yet. */
  missingChunks(checksums: string[]): string[];
  putChunk(checksum: string, data: Buffer): void;
  /** The chunks' bytes, concatenated in order; throws when one is missing. */
  readChunks(checksums: string[]): Buffer;
  /** Chunks are dropped once assembled (or refused); only the unpacked files are kept. */
  dropChunks(checksums: string[]): void;
  /** Bytes of every stored artifact, for the total size limit. */
  totalBytes(): number;
  /** Stores an upload's files (content-addressed: the same bytes are kept once) and tells the listeners. */
  add(upload: ArtifactUpload): { files: number; bytes: number };
  /** The newest artifact of `type` with this debug id. */
  byDebugId(debugId: string, type: ArtifactType): StoredArtifact | undefined;
  /** The first of `urls` (in order) stored for this release and dist, newest upload first. */
  byUrl(release: string, dist: string | null, urls: string[]): StoredArtifact | undefined;
  content(artifact: StoredArtifact): Buffer;
  list(filter?: { release?: string }): StoredArtifact[];
  /** One listener per `key` (a component id); a later one with the same key replaces it. Returns its removal. */
  onAdded(key: string, listener: (added: ArtifactsAdded) => void): () => void;
}

/** A sample event kept by the issue store, as a Sentry event's JSON. */
export interface StoredSample {
  pk: number;
  json: string;
}

/** The issue store's sample events, which a late source map upload re-symbolicates. */
export interface SampleEvents {
  /** Samples of this release, or naming one of these debug ids (newest first, at most `limit`). */
  affectedBy(added: ArtifactsAdded, limit: number): StoredSample[];
  replace(pk: number, json: string): void;
}

/** An extension that keeps artifacts (and the samples they may fix) exposes them as these. */
export interface ArtifactHost {
  readonly artifacts: ArtifactStore | undefined;
  readonly samples: SampleEvents | undefined;
}

export function isArtifactHost(x: unknown): x is ArtifactHost {
  return typeof x === 'object' && x !== null && 'artifacts' in x && 'samples' in x;
}

/** An artifact host whose store is open (the extension is running). */
export function hasArtifactStore(x: unknown): x is ArtifactHost & { readonly artifacts: ArtifactStore } {
  return isArtifactHost(x) && x.artifacts !== undefined;
}

const DEBUG_ID_COMMENT = /\/\/# ?debugId=([0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})\s*$/m;

/** The `//# debugId=` that `sentry-cli sourcemaps inject` appends to a minified file (looked for in its last 4 KiB). */
export function embeddedDebugId(text: string): string | undefined {
  return DEBUG_ID_COMMENT.exec(text.slice(-4096))?.[1].toLowerCase();
}
