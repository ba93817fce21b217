/**
 * Sentry's artifact bundle (what `sentry-cli sourcemaps upload` and the bundler plugins build):
 * a zip, after an optional `SYSB` header, with `manifest.json` naming each file's URL, type
 * and headers (`debug-id`, `sourcemap`). Everything in it is checked before anything is kept.
 */
import { ARTIFACT_TYPES, embeddedDebugId, type ArtifactFile, type ArtifactType, type ArtifactUpload } from '../../../pipeline/sourcemaps.js';
import { readZip, ZipError, type ZipLimits } from './zip.js';

export class BundleError extends Error {}

const DEBUG_ID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const MAX_URL_LENGTH = 2048;

export interface BundleContext {
  org: string;
  release?: string;
  dist?: string;
  projects: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The upload a bundle makes; a BundleError names what is wrong with it. */
export function unpackBundle(data: Buffer, limits: ZipLimits, ctx: BundleContext): ArtifactUpload {
  let entries: Map<string, Buffer>;
  try {
    entries = readZip(data, limits);
  } catch (err) {
    if (err instanceof ZipError) throw new BundleError(`the artifact bundle is refused: ${err.message}`);
    throw err;
  }
  const manifestBytes = entries.get('manifest.json');
  if (!manifestBytes) throw new BundleError('the artifact bundle has no manifest.json');
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8'));
  } catch (err) {
    throw new BundleError(`manifest.json is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(manifest) || !isObject(manifest.files)) throw new BundleError('manifest.json: expected an object with "files"');
  const files: ArtifactFile[] = [];
  for (const [path, info] of Object.entries(manifest.files)) {
    const at = `manifest.json: files[${JSON.stringify(path.slice(0, 200))}]`;
    if (!isObject(info)) throw new BundleError(`${at}: expected an object`);
    const content = entries.get(path);
    if (!content) throw new BundleError(`${at}: no such file in the bundle`);
    if (typeof info.url !== 'string' || info.url === '' || info.url.length > MAX_URL_LENGTH) throw new BundleError(`${at}.url: expected a URL of 1 to ${MAX_URL_LENGTH} characters`);
    const type = info.type;
    if (!ARTIFACT_TYPES.includes(type as ArtifactType)) throw new BundleError(`${at}.type: expected one of ${ARTIFACT_TYPES.join(', ')}`);
    const headers = isObject(info.headers) ? info.headers : {};
    const header = (name: string) => {
      const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
      const v = key === undefined ? undefined : headers[key];
      return typeof v === 'string' && v !== '' ? v : undefined;
    };
    files.push(artifactFile({ url: info.url, type: type as ArtifactType, content, debugId: header('debug-id') ?? header('debug_id'), sourcemap: header('sourcemap') ?? header('x-sourcemap') }, at));
  }
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const release = ctx.release ?? str(manifest.release);
  const dist = ctx.dist ?? str(manifest.dist);
  const project = ctx.projects.length === 1 ? ctx.projects[0] : str(manifest.project);
  return {
    bundleId: str(manifest.debug_id) ?? `bundle:${ctx.org}:${release ?? ''}:${dist ?? ''}:${files.map((f) => f.url).join('\0')}`,
    org: ctx.org,
    ...(project && { project }),
    ...(release && { release }),
    ...(dist && { dist }),
    files,
  };
}

/**
 * A file checked: its debug id well-formed (else taken from the file itself, as sentry-cli
 * writes it there), a source map JSON of version 3.
 */
export function artifactFile(f: { url: string; type: ArtifactType; content: Buffer; debugId?: string; sourcemap?: string }, at: string): ArtifactFile {
  let debugId = f.debugId;
  if (debugId !== undefined && !DEBUG_ID.test(debugId)) throw new BundleError(`${at}: debug-id header ${JSON.stringify(debugId.slice(0, 64))} is not a UUID`);
  if (f.type === 'source_map') {
    let map: unknown;
    try {
      map = JSON.parse(f.content.toString('utf8'));
    } catch (err) {
      throw new BundleError(`${at} (${f.url}): not a source map: ${(err as Error).message}`);
    }
    if (!isObject(map) || (map.version !== 3 && !Array.isArray(map.sections))) throw new BundleError(`${at} (${f.url}): not a version 3 source map`);
    const own = map.debugId ?? map.debug_id;
    if (debugId === undefined && typeof own === 'string' && DEBUG_ID.test(own)) debugId = own;
  } else if (debugId === undefined && f.type === 'minified_source') {
    debugId = embeddedDebugId(f.content.toString('utf8', Math.max(0, f.content.length - 4096)));
  }
  return { url: f.url, type: f.type, content: f.content, ...(debugId && { debugId: debugId.toLowerCase() }), ...(f.sourcemap && { sourcemap: f.sourcemap }) };
}
