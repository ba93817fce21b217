/**
 * The part of Sentry's web API that `sentry-cli` (1 to 3) and Sentry's bundler plugins upload
 * source maps with, on the sentry receiver's port:
 *
 * - `GET  /api/0/organizations/{org}/chunk-upload/`: the chunk options;
 * - `POST /api/0/organizations/{org}/chunk-upload/`: chunks (multipart, gzip, named by SHA-1);
 * - `POST /api/0/organizations/{org}/artifactbundle/assemble/`: `not_found` with the
 *   `missingChunks` first, then the bundle is assembled, unpacked and stored: `ok`, or `error`
 *   with what is wrong (sentry-cli prints it);
 * - the legacy release files: `POST /api/0/projects/{org}/{project}/releases/{version}/files/`
 *   and `.../organizations/{org}/releases/{version}/files/` (multipart `file`, `name`, `dist`,
 *   `header`), their listing, and creating / finalizing a release, which older tools call first.
 *
 * Every request carries `Authorization: Bearer <token>`.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import { namedExtension, type Host } from '../../../pipeline/component.js';
import { FifoMap } from '../../../pipeline/fifo-map.js';
import { BodyError, lingerThenClose, readBody } from '../../../pipeline/http-body.js';
import { hasArtifactStore, type ArtifactStore, type ArtifactType, type ArtifactUpload } from '../../../pipeline/sourcemaps.js';
import { artifactFile, BundleError, unpackBundle } from './bundle.js';
import { UPLOAD_DEFAULTS, type UploadsConfig } from './config.js';
import { FormError, parseMultipart, type FormPart } from './multipart.js';
import { bearerMatches } from './token.js';

const PREFIX = '/api/0/';
const SHA1 = /^[0-9a-f]{40}$/;
const SLUG = '([^/]+)';
const ROUTES = {
  chunks: new RegExp(`^/api/0/organizations/${SLUG}/chunk-upload/?$`),
  assemble: new RegExp(`^/api/0/organizations/${SLUG}/artifactbundle/assemble/?$`),
  releases: new RegExp(`^/api/0/(?:organizations/${SLUG}|projects/${SLUG}/${SLUG})/releases/?$`),
  release: new RegExp(`^/api/0/(?:organizations/${SLUG}|projects/${SLUG}/${SLUG})/releases/${SLUG}/?$`),
  files: new RegExp(`^/api/0/(?:organizations/${SLUG}|projects/${SLUG}/${SLUG})/releases/${SLUG}/files/?$`),
};
/** Assemble results remembered by bundle checksum, so a re-upload of the same bundle is `ok` at once. */
const MAX_REMEMBERED = 1000;
const MAX_JSON_BYTES = 1024 * 1024;

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Assembled = { state: 'ok' } | { state: 'error'; detail: string };

export class UploadApi {
  private store?: ArtifactStore;
  private readonly assembled = new FifoMap<string, Assembled>();

  constructor(
    private readonly config: UploadsConfig & { token: string },
    private readonly logger: Logger,
  ) {}

  get token(): string {
    return this.config.token;
  }

  /** The artifact store named by `artifact_store`, from the running service. */
  start(host: Host): void {
    this.store = namedExtension(host, 'uploads.artifact_store', this.config.artifact_store, hasArtifactStore, 'an artifact store').artifacts;
  }

  handles(path: string): boolean {
    return path.startsWith(PREFIX);
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      if (!req.headers.authorization) throw new ApiError(401, 'Authentication credentials were not provided.');
      if (!bearerMatches(req.headers.authorization, this.config.token)) throw new ApiError(401, 'Invalid token');
      const store = this.store;
      if (!store) throw new ApiError(503, 'the artifact store is not running');
      const method = req.method ?? 'GET';
      let m: RegExpExecArray | null;
      if ((m = ROUTES.chunks.exec(path))) return method === 'GET' ? this.json(res, 200, this.chunkOptions(m[1])) : await this.chunks(req, res, store, method);
      if ((m = ROUTES.assemble.exec(path))) return await this.assemble(req, res, store, m[1], method);
      if ((m = ROUTES.files.exec(path))) return await this.releaseFiles(req, res, store, { org: m[1] ?? m[2], project: m[3], release: pathPart(m[4]) }, method);
      if ((m = ROUTES.release.exec(path))) return this.json(res, 200, releaseInfo(pathPart(m[4])));
      if ((m = ROUTES.releases.exec(path))) return await this.createRelease(req, res, method);
      throw new ApiError(404, `${path} is not part of the upload API Summit serves (chunk-upload, artifactbundle/assemble, releases/{version}/files)`);
    } catch (err) {
      if (err instanceof BodyError) return this.json(res, err.status, { detail: err.message }, true);
      if (!(err instanceof ApiError)) throw err;
      this.json(res, err.status, { detail: err.message }, !req.complete);
    }
  }

  /** What sentry-cli reads to split and send a bundle (Sentry's ChunkUploadEndpoint). */
  private chunkOptions(org: string): Record<string, unknown> {
    return {
      // relative: sentry-cli puts it under the URL it was given, so proxies and ports stay right
      url: `organizations/${org}/chunk-upload/`,
      chunkSize: UPLOAD_DEFAULTS.chunk_size,
      chunksPerRequest: UPLOAD_DEFAULTS.chunks_per_request,
      maxFileSize: this.config.max_upload_size,
      maxRequestSize: UPLOAD_DEFAULTS.max_request_size,
      concurrency: 1,
      hashAlgorithm: 'sha1',
      compression: ['gzip'],
      accept: ['release_files', 'sources', 'artifact_bundles'],
    };
  }

  private async chunks(req: IncomingMessage, res: ServerResponse, store: ArtifactStore, method: string): Promise<void> {
    if (method !== 'POST') throw new ApiError(405, `${method} is not allowed; use GET or POST`);
    const body = await readBody(req, { maxBytes: UPLOAD_DEFAULTS.max_request_size, maxBytesKey: 'maxRequestSize of the chunk upload' });
    const parts = form(req, body, UPLOAD_DEFAULTS.chunks_per_request);
    const chunks: [string, Buffer][] = [];
    for (const part of parts) {
      if (part.name !== 'file' && part.name !== 'file_gzip') continue;
      const sha1 = part.filename ?? '';
      if (!SHA1.test(sha1)) throw new ApiError(400, `chunk part ${JSON.stringify(sha1.slice(0, 64))}: its filename must be the chunk's SHA-1 (40 hex digits)`);
      const data = part.name === 'file_gzip' ? gunzipChunk(part.data, sha1) : part.data;
      if (data.length > UPLOAD_DEFAULTS.chunk_size) throw new ApiError(413, `chunk ${sha1}: ${data.length} bytes, more than the chunkSize ${UPLOAD_DEFAULTS.chunk_size}`);
      if (createHash('sha1').update(data).digest('hex') !== sha1) throw new ApiError(400, `chunk ${sha1}: its content does not have that SHA-1`);
      chunks.push([sha1, data]);
    }
    const bytes = chunks.reduce((n, [, d]) => n + d.length, 0);
    this.checkRoom(store, bytes);
    for (const [sha1, data] of chunks) store.putChunk(sha1, data);
    this.json(res, 200, {});
  }

  private async assemble(req: IncomingMessage, res: ServerResponse, store: ArtifactStore, org: string, method: string): Promise<void> {
    if (method !== 'POST') throw new ApiError(405, `${method} is not allowed; use POST`);
    const request = await jsonBody(req);
    const checksum = request.checksum;
    if (typeof checksum !== 'string' || !SHA1.test(checksum)) throw new ApiError(400, 'checksum: expected the bundle\'s SHA-1 (40 hex digits)');
    const maxChunks = Math.ceil(this.config.max_upload_size / UPLOAD_DEFAULTS.chunk_size) + 1;
    if (!Array.isArray(request.chunks) || !request.chunks.every((c) => typeof c === 'string' && SHA1.test(c))) throw new ApiError(400, 'chunks: expected a list of SHA-1 checksums');
    if (request.chunks.length > maxChunks) throw new ApiError(400, `chunks: ${request.chunks.length} chunks are more than an upload of max_upload_size ${this.config.max_upload_size} bytes has`);
    const chunks = request.chunks as string[];
    const projects = Array.isArray(request.projects) ? request.projects.filter((p): p is string => typeof p === 'string') : [];
    const text = (v: unknown, key: string) => {
      if (v === undefined || v === null || v === '') return undefined;
      if (typeof v !== 'string' || v.length > 250) throw new ApiError(400, `${key}: expected a string of at most 250 characters`);
      return v;
    };
    const release = text(request.version, 'version');
    const dist = text(request.dist, 'dist');

    const known = this.assembled.get(checksum);
    if (known) return this.json(res, 200, { ...known, missingChunks: [] });
    const missing = store.missingChunks(chunks);
    if (missing.length) return this.json(res, 200, { state: 'not_found', missingChunks: missing });
    let result: Assembled;
    try {
      const data = store.readChunks(chunks);
      if (createHash('sha1').update(data).digest('hex') !== checksum) throw new BundleError(`the chunks do not add up to the bundle's checksum ${checksum}`);
      const upload = unpackBundle(data, { maxEntries: 100_000, maxUnpackedBytes: this.config.max_upload_size }, { org, release, dist, projects });
      this.add(store, upload);
      result = { state: 'ok' };
    } catch (err) {
      if (!(err instanceof BundleError || err instanceof ApiError)) throw err;
      this.logger.warn(`sentry: artifact bundle ${checksum} refused: ${err.message}`);
      result = { state: 'error', detail: err.message };
    } finally {
      store.dropChunks(chunks);
    }
    if (this.assembled.size >= MAX_REMEMBERED) this.assembled.shift();
    this.assembled.set(checksum, result);
    this.json(res, 200, { ...result, missingChunks: [] });
  }

  private async releaseFiles(req: IncomingMessage, res: ServerResponse, store: ArtifactStore, at: { org: string; project?: string; release: string }, method: string): Promise<void> {
    if (method === 'GET') return this.json(res, 200, store.list({ release: at.release }).map((a) => fileInfo(a.url, a.dist, a.size, a.sha256, a.uploaded, a.sourcemap)));
    if (method !== 'POST') throw new ApiError(405, `${method} is not allowed; use GET or POST`);
    const body = await readBody(req, { maxBytes: this.config.max_upload_size + MAX_JSON_BYTES, maxBytesKey: 'max_upload_size' });
    const parts = form(req, body, 64);
    const field = (name: string) => parts.find((p) => p.name === name);
    const file = field('file');
    if (!file) throw new ApiError(400, 'Missing uploaded file (multipart part "file")');
    const name = field('name')?.data.toString('utf8') || file.filename;
    if (!name) throw new ApiError(400, 'Missing name: give a "name" part (the URL the file is served at, e.g. ~/static/app.js)');
    const dist = field('dist')?.data.toString('utf8') || undefined;
    const headers = parts.filter((p) => p.name === 'header').map((p) => p.data.toString('utf8'));
    const header = (key: string) => headers.map((h) => /^([^:]+):\s*(.*)$/.exec(h)).find((h) => h && h[1].trim().toLowerCase() === key)?.[2].trim();
    let upload: ArtifactUpload;
    try {
      const type = releaseFileType(name, file.data, header('sourcemap') ?? header('x-sourcemap'));
      const f = artifactFile({ url: name, type, content: file.data, debugId: header('debug-id'), sourcemap: header('sourcemap') ?? header('x-sourcemap') }, `release file ${name}`);
      upload = { bundleId: `release-file:${at.org}:${at.release}:${dist ?? ''}:${name}`, org: at.org, ...(at.project && { project: at.project }), release: at.release, ...(dist && { dist }), files: [f] };
    } catch (err) {
      if (err instanceof BundleError) throw new ApiError(400, err.message);
      throw err;
    }
    this.add(store, upload);
    this.json(res, 201, fileInfo(name, dist ?? null, file.data.length, createHash('sha256').update(file.data).digest('hex'), Date.now(), header('sourcemap') ?? null));
  }

  private async createRelease(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (method !== 'POST') throw new ApiError(405, `${method} is not allowed; use POST`);
    const request = await jsonBody(req);
    if (typeof request.version !== 'string' || request.version === '') throw new ApiError(400, 'version: expected the release name');
    this.json(res, 201, releaseInfo(request.version));
  }

  private add(store: ArtifactStore, upload: ArtifactUpload): void {
    this.checkRoom(store, upload.files.reduce((n, f) => n + f.content.length, 0));
    const added = store.add(upload);
    this.logger.info(
      `sentry: stored ${added.files} source map artifacts (${added.bytes} bytes)${upload.release ? ` for release ${upload.release}${upload.dist ? ` dist ${upload.dist}` : ''}` : ''}`,
    );
  }

  private checkRoom(store: ArtifactStore, bytes: number): void {
    const total = store.totalBytes();
    if (total + bytes > this.config.max_total_size) {
      throw new ApiError(413, `the artifact store is full: ${total} bytes stored, ${bytes} more would pass max_total_size ${this.config.max_total_size}`);
    }
  }

  private json(res: ServerResponse, status: number, body: unknown, bodyUnread = false): void {
    if (bodyUnread) res.setHeader('connection', 'close');
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (bodyUnread) lingerThenClose(res.req);
  }
}

/** A release name in the path, percent-decoded as sentry-cli encodes it. */
function pathPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ApiError(400, 'the release in the path is not valid percent-encoding');
  }
}

function form(req: IncomingMessage, body: Buffer, maxParts: number): FormPart[] {
  try {
    return parseMultipart(req.headers['content-type'], body, maxParts);
  } catch (err) {
    if (err instanceof FormError) throw new ApiError(400, `bad multipart body: ${err.message}`);
    throw err;
  }
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, { maxBytes: MAX_JSON_BYTES, maxBytesKey: 'the JSON request limit' });
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ApiError(400, `the request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ApiError(400, 'expected a JSON object');
  return v as Record<string, unknown>;
}

function gunzipChunk(data: Buffer, sha1: string): Buffer {
  try {
    return gunzipSync(data, { maxOutputLength: UPLOAD_DEFAULTS.chunk_size });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new ApiError(413, `chunk ${sha1}: decompresses to more than the chunkSize ${UPLOAD_DEFAULTS.chunk_size}`);
    }
    throw new ApiError(400, `chunk ${sha1}: not gzip: ${(err as Error).message}`);
  }
}

/** Legacy release files carry no type: a map by its content, a minified file by what it references. */
function releaseFileType(name: string, data: Buffer, sourcemapHeader: string | undefined): ArtifactType {
  const head = data.subarray(0, 64).toString('utf8').trimStart();
  if (name.endsWith('.map') || (head.startsWith('{') && head.includes('"version"'))) return 'source_map';
  if (sourcemapHeader || /\/\/[#@] ?(sourceMappingURL|debugId)=/.test(data.subarray(-4096).toString('utf8'))) return 'minified_source';
  return 'source';
}

function releaseInfo(version: string): Record<string, unknown> {
  return { version, shortVersion: version, dateCreated: new Date().toISOString(), projects: [] };
}

function fileInfo(name: string, dist: string | null, size: number, sha256: string, uploaded: number, sourcemap: string | null): Record<string, unknown> {
  return { id: sha256.slice(0, 16), name, dist, size, sha1: null, dateCreated: new Date(uploaded).toISOString(), headers: sourcemap ? { Sourcemap: sourcemap } : {} };
}
