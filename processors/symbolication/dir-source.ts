/**
 * Source maps from a directory of the config (`sourcemaps: [{dir, release, url_prefix}]`): the
 * frame's URL or path names a minified file in the directory, whose `sourceMappingURL` (or
 * `<file>.map`) is the map. Nothing outside the directory is read: a reference or a map source
 * that climbs out of it (`../../etc/passwd`) is refused.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { SourceMapDir } from './config.js';
import { MapCache, ParsedMap, SourceMapError } from './map-cache.js';
import { sourceMappingUrl } from './comments.js';
import { pathOf } from './urls.js';

/** A minified file or map larger than this is not read (Sentry's largest artifact). */
const MAX_FILE_BYTES = 40 * 1024 * 1024;

export interface DirHit {
  map: ParsedMap;
  cacheKey: string;
  mapUrl: string;
  minifiedPath: string;
}

export class DirectorySource {
  private readonly root: string;

  constructor(
    private readonly config: SourceMapDir,
    configDir: string,
  ) {
    this.root = resolve(configDir, config.dir);
  }

  get description(): string {
    return `${this.root}${this.config.release ? ` (release ${this.config.release})` : ''}`;
  }

  lookup(absPath: string, release: string | undefined, cache: MapCache): DirHit | string {
    if (this.config.release !== undefined && this.config.release !== release) return `${this.description}: only for release ${this.config.release}`;
    const file = this.findFile(absPath);
    if (!file) return `${this.description}: no file for ${absPath}`;
    const text = this.read(file);
    const ref = sourceMappingUrl(text);
    if (ref?.startsWith('data:')) return `${this.description}: ${file} has an inline source map; inline maps are read from uploads and fetched files only`;
    const mapPath = this.inside(resolve(file, '..', ref ?? `${file}.map`));
    if (!mapPath) throw new SourceMapError(`${file}: its sourceMappingURL ${JSON.stringify(ref)} points outside ${this.root}; not read`);
    let stat;
    try {
      stat = statSync(mapPath);
    } catch {
      return `${this.description}: found ${file}, but not its source map ${mapPath}`;
    }
    const cacheKey = `file:${mapPath}:${stat.mtimeMs}:${stat.size}`;
    const map = cache.getOrParse(cacheKey, (grow) => {
      try {
        return new ParsedMap(this.read(mapPath), () => text, (source) => this.source(mapPath, source), grow);
      } catch (err) {
        if (err instanceof SourceMapError) throw new SourceMapError(`${mapPath}: ${err.message}`);
        throw err;
      }
    });
    return { map, cacheKey, mapUrl: mapPath, minifiedPath: file };
  }

  /** The file the frame names: by `url_prefix`, by its place under the directory, else by the longest tail of its path that exists. */
  private findFile(absPath: string): string | undefined {
    const prefix = this.config.url_prefix;
    if (prefix !== undefined) {
      const rest = prefix.startsWith('~/') ? stripPrefix(pathOf(absPath), prefix.slice(1)) : stripPrefix(absPath.split(/[?#]/)[0], prefix);
      return rest === undefined ? undefined : this.existing(join(this.root, rest));
    }
    const path = pathOf(absPath);
    if (path.startsWith(this.root + sep)) return this.existing(path);
    const parts = path.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const hit = this.existing(join(this.root, ...parts.slice(i)));
      if (hit) return hit;
    }
    return undefined;
  }

  private existing(path: string): string | undefined {
    const inside = this.inside(path);
    if (!inside) return undefined;
    try {
      return statSync(inside).isFile() ? inside : undefined;
    } catch {
      return undefined;
    }
  }

  /** The real path of `path` when it is inside the directory (symbolic links followed). */
  private inside(path: string): string | undefined {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      real = resolve(path);
    }
    let root: string;
    try {
      root = realpathSync(this.root);
    } catch {
      return undefined;
    }
    const rel = relative(root, real);
    return rel && !rel.startsWith('..') && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel) ? real : undefined;
  }

  private read(path: string): string {
    const size = statSync(path).size;
    if (size > MAX_FILE_BYTES) throw new SourceMapError(`${path}: ${size} bytes, more than the ${MAX_FILE_BYTES} read`);
    return readFileSync(path, 'utf8');
  }

  /** A source without sourcesContent, read beside the map only when it stays inside the directory. */
  private source(mapPath: string, source: string): string | undefined {
    const path = this.inside(resolve(mapPath, '..', source.replace(/^webpack:\/\/[^/]*\//, '')));
    if (!path) throw new SourceMapError(`source ${JSON.stringify(source)} of ${mapPath} is outside ${this.root}; not read`);
    try {
      return this.read(path);
    } catch {
      return undefined;
    }
  }
}

function stripPrefix(path: string, prefix: string): string | undefined {
  return path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
}
