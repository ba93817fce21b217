/**
 * Finds the source map of a minified file, in Sentry's symbolicator's order: the debug id the
 * event names for the file, then the release's uploaded files by the file's URL or path, then
 * a `sourceMappingURL` beside the file in a configured directory, then (only when enabled, only
 * from allowed origins) the file's URL. Each step that did not find the map says why; the
 * steps are what `summit sourcemaps explain` prints.
 */
import type { ArtifactStore, StoredArtifact } from '../../pipeline/sourcemaps.js';
import { DirectorySource } from './dir-source.js';
import { MapCache, ParsedMap, SourceMapError } from './map-cache.js';
import type { Scraper } from './scraper.js';
import { decodeDataUrl, sourceMappingUrl } from './comments.js';
import { candidateUrls, resolveUrl } from './urls.js';

export type LookupStep = 'debug-id' | 'release' | 'dir' | 'scraping';

export interface StepResult {
  step: LookupStep;
  found: boolean;
  detail: string;
}

/** Sentry's names for why a JavaScript frame was not symbolicated (event.errors[].type). */
export type SymbolicationErrorType = 'js_no_source' | 'js_invalid_source' | 'js_invalid_sourcemap_location' | 'js_scraping_disabled' | 'fetch_generic_error';

export interface Lookup {
  steps: StepResult[];
  resolved?: {
    /** Distinguishes lookups in keys of results remembered per map. */
    id: number;
    map: ParsedMap;
    cacheKey: string;
    via: LookupStep;
    /** Where the map is (URL, `~/` URL or file path), for the report. */
    mapUrl: string;
    /** What the map's sources are relative to, as seen from the frame (see sourceBase). */
    sourceBase: string;
  };
  error?: { type: SymbolicationErrorType; message: string };
}

export interface LookupContext {
  release?: string;
  dist?: string;
  /** Debug ids by the minified file's path or URL (`debug_meta.images[].code_file`). */
  debugIds: ReadonlyMap<string, string>;
}

/** Lookups remembered (hits and misses) until the next upload; cleared whole when full. */
const MAX_REMEMBERED = 10_000;

function dirname(url: string): string {
  return url.slice(0, url.lastIndexOf('/') + 1);
}

function basename(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/**
 * A map's sources are relative to the map. When the map sits beside its minified file (as
 * sentry-cli uploads them), the map's place relative to the frame's file is known, and the
 * sources resolve to real paths of the frame's machine or site; otherwise to the map's URL.
 */
function sourceBase(frameAbsPath: string, minifiedUrl: string | undefined, mapUrl: string): string {
  if (minifiedUrl !== undefined && dirname(minifiedUrl) === dirname(mapUrl)) return resolveUrl(frameAbsPath, basename(mapUrl));
  return mapUrl;
}

let nextLookupId = 0;

/** What a step found, before it is named and numbered. */
type Found = Omit<NonNullable<Lookup['resolved']>, 'via' | 'id'>;

function keyOf(absPath: string, ctx: LookupContext): string {
  return `${ctx.debugIds.get(absPath) ?? ''}\0${ctx.release ?? ''}\0${ctx.dist ?? ''}\0${absPath}`;
}

export class SourceMapResolver {
  private remembered = new Map<string, Promise<Lookup>>();
  /** The remembered lookups that finished, for the synchronous path of warm caches. */
  private settled = new Map<string, Lookup>();

  constructor(
    private readonly cache: MapCache,
    private readonly opts: { store?: () => ArtifactStore | undefined; dirs: DirectorySource[]; scraper?: Scraper; scrapingOff: string },
  ) {}

  /** Forgets what was looked up: an upload may answer what failed before. */
  forget(): void {
    this.remembered.clear();
    this.settled.clear();
  }

  /** A finished lookup of this file whose map is still cached, without waiting; else undefined. */
  known(absPath: string, ctx: LookupContext): Lookup | undefined {
    const l = this.settled.get(keyOf(absPath, ctx));
    if (!l || l.resolved?.map.evicted) return undefined;
    if (l.resolved) this.cache.touch(l.resolved.map);
    return l;
  }

  lookup(absPath: string, ctx: LookupContext): Promise<Lookup> {
    const key = keyOf(absPath, ctx);
    const known = this.remembered.get(key);
    if (known) return known.then((l) => (l.resolved?.map.evicted ? this.fresh(key, absPath, ctx) : l));
    return this.fresh(key, absPath, ctx);
  }

  private fresh(key: string, absPath: string, ctx: LookupContext): Promise<Lookup> {
    if (this.remembered.size >= MAX_REMEMBERED) this.forget();
    const p = this.run(absPath, ctx.debugIds.get(absPath), ctx).then((l) => {
      if (this.remembered.get(key) === p) this.settled.set(key, l);
      return l;
    });
    this.remembered.set(key, p);
    return p;
  }

  private async run(absPath: string, debugId: string | undefined, ctx: LookupContext): Promise<Lookup> {
    const steps: StepResult[] = [];
    let invalid: Lookup['error'];
    const attempt = (step: LookupStep, fn: () => Found | string): Lookup | undefined => {
      try {
        const r = fn();
        if (typeof r === 'string') {
          steps.push({ step, found: false, detail: r });
          return undefined;
        }
        steps.push({ step, found: true, detail: `source map ${r.mapUrl}` });
        return { steps, resolved: { ...r, via: step, id: ++nextLookupId } };
      } catch (err) {
        if (!(err instanceof SourceMapError)) throw err;
        steps.push({ step, found: false, detail: err.message });
        invalid ??= { type: 'js_invalid_source', message: err.message };
        return undefined;
      }
    };
    const done =
      attempt('debug-id', () => this.byDebugId(absPath, debugId)) ??
      attempt('release', () => this.byRelease(absPath, ctx)) ??
      attempt('dir', () => this.byDir(absPath, ctx));
    if (done) return done;
    const scraper = this.opts.scraper;
    if (!scraper) {
      steps.push({ step: 'scraping', found: false, detail: this.opts.scrapingOff });
    } else {
      const fetched = await scraper.lookup(absPath, this.cache, (id, text) => {
        const store = this.opts.store?.();
        const map = store?.byDebugId(id, 'source_map');
        if (!map || !store) return undefined;
        try {
          return this.fromStore(store, map, store.byDebugId(id, 'minified_source'), absPath, text);
        } catch (err) {
          if (err instanceof SourceMapError) return undefined;
          throw err;
        }
      });
      if (typeof fetched !== 'string') {
        steps.push({ step: 'scraping', found: true, detail: `source map ${fetched.mapUrl}` });
        return { steps, resolved: { ...fetched, via: 'scraping', id: ++nextLookupId } };
      }
      steps.push({ step: 'scraping', found: false, detail: fetched });
    }
    return { steps, error: invalid ?? { type: 'js_no_source', message: `no source map found for ${absPath}: ${steps.map((s) => `${s.step}: ${s.detail}`).join('; ')}` } };
  }

  private byDebugId(absPath: string, debugId: string | undefined): Found | string {
    if (!debugId) return 'the event names no debug id for this file (debug_meta.images); `sentry-cli sourcemaps inject` adds them';
    const store = this.opts.store?.();
    if (!store) return `debug id ${debugId}: no artifact store configured (artifact_store)`;
    const map = store.byDebugId(debugId, 'source_map');
    if (!map) return `debug id ${debugId}: no source map with this debug id was uploaded`;
    const minified = store.byDebugId(debugId, 'minified_source');
    return this.fromStore(store, map, minified, absPath);
  }

  private byRelease(absPath: string, ctx: LookupContext): Found | string {
    if (!ctx.release) return 'the event has no release';
    const store = this.opts.store?.();
    if (!store) return 'no artifact store configured (artifact_store)';
    const dist = ctx.dist ?? null;
    const release = `release ${JSON.stringify(ctx.release)} dist ${dist === null ? 'none' : JSON.stringify(dist)}`;
    const urls = candidateUrls(absPath);
    const file = store.byUrl(ctx.release, dist, urls);
    if (!file) return `${release}: no file uploaded as any of ${urls.join(', ')}`;
    if (file.type === 'source_map') return this.fromStore(store, file, undefined, absPath);
    if (file.debugId) {
      const map = store.byDebugId(file.debugId, 'source_map');
      if (map) return this.fromStore(store, map, file, absPath);
    }
    const text = store.content(file).toString('utf8');
    const ref = file.sourcemap ?? sourceMappingUrl(text);
    if (ref?.startsWith('data:')) {
      const json = decodeDataUrl(ref);
      if (json === undefined) throw new SourceMapError(`${file.url}: its inline source map is not base64 or URL-encoded JSON`);
      const cacheKey = `inline:${file.sha256}`;
      return { map: this.cache.getOrParse(cacheKey, (grow) => new ParsedMap(json, () => text, () => undefined, grow)), cacheKey, mapUrl: file.url, sourceBase: absPath };
    }
    const mapUrl = resolveUrl(file.url, ref ?? `${basename(file.url)}.map`);
    const map = store.byUrl(ctx.release, dist, candidateUrls(mapUrl));
    if (!map) return `${release}: found ${file.url}, but not its source map ${mapUrl}${ref ? '' : ' (the file names none: no sourceMappingURL, no sourcemap header)'}`;
    return this.fromStore(store, map, file, absPath);
  }

  /** `fetchedText`: the minified file as fetched, when it was not uploaded. */
  private fromStore(store: ArtifactStore, map: StoredArtifact, minified: StoredArtifact | undefined, absPath: string, fetchedText?: string): Found {
    const cacheKey = `store:${map.sha256}`;
    const parsed = this.cache.getOrParse(cacheKey, (grow) => {
      try {
        return new ParsedMap(
          store.content(map).toString('utf8'),
          minified ? () => store.content(minified).toString('utf8') : fetchedText === undefined ? undefined : () => fetchedText,
          (source) => this.uploadedSource(store, map, source),
          grow,
        );
      } catch (err) {
        if (err instanceof SourceMapError) throw new SourceMapError(`${map.url}: ${err.message}`);
        throw err;
      }
    });
    return { map: parsed, cacheKey, mapUrl: map.url, sourceBase: sourceBase(absPath, minified?.url, map.url) };
  }

  /** A source the map has no content for, uploaded to the same release as a `source` file. */
  private uploadedSource(store: ArtifactStore, map: StoredArtifact, source: string): string | undefined {
    if (map.release === null) return undefined;
    const file = store.byUrl(map.release, map.dist, candidateUrls(resolveUrl(map.url, source)));
    return file && file.type === 'source' ? store.content(file).toString('utf8') : undefined;
  }

  private byDir(absPath: string, ctx: LookupContext): Found | string {
    if (!this.opts.dirs.length) return 'no source map directory configured (sourcemaps)';
    const misses: string[] = [];
    for (const dir of this.opts.dirs) {
      const r = dir.lookup(absPath, ctx.release, this.cache);
      if (typeof r !== 'string') return { ...r, sourceBase: sourceBase(absPath, r.minifiedPath, r.mapUrl) };
      misses.push(r);
    }
    return misses.join('; ');
  }
}
