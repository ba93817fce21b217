/**
 * Parsed source maps, kept within a bound of bytes and dropped least recently used first. A
 * map is parsed once however many frames and events use it; its sources' lines (for context)
 * are split once, on first use, and counted in the bound too.
 */
import { AnyMap, decodedMappings, type TraceMap } from '@jridgewell/trace-mapping';

/** What one decoded segment costs on V8's heap (an array of 4–5 small integers), measured by bench/sourcemaps. */
const SEGMENT_BYTES = 80;
/** Strings are UTF-16 in the worst case. */
export const CHAR_BYTES = 2;
/** Results remembered per map, and what a Map entry costs besides its strings. */
const MAX_REMEMBERED = 10_000;
const ENTRY_BYTES = 64;

export class SourceMapError extends Error {}

let nextId = 0;

export class ParsedMap {
  readonly trace: TraceMap;
  /** Distinguishes maps in keys of results remembered across maps. */
  readonly id = ++nextId;
  bytes: number;
  /** Set when the cache dropped the map: whoever still holds it looks it up again. */
  evicted = false;
  /** The cache's clock at the last use, for least-recently-used eviction. */
  lastUsed = 0;
  private readonly sourceLines = new Map<number, string[] | string>();
  private minifiedLines?: string[] | null;
  private readonly remembered = new Map<string, unknown>();

  constructor(
    json: string,
    /** The minified file, when it is at hand: function names are found by its declarations. */
    private readonly minified: (() => string | undefined) | undefined,
    /**
     * A source the map has no content for (an uploaded source, a file beside the map); throws a
     * SourceMapError saying why it is not read (e.g. it is outside the map's directory).
     */
    private readonly externalSource: (source: string) => string | undefined,
    private readonly onGrow: (bytes: number) => void,
  ) {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch (err) {
      throw new SourceMapError(`not JSON: ${(err as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || ((raw as { version?: unknown }).version !== 3 && !('sections' in raw))) {
      throw new SourceMapError('not a version 3 source map');
    }
    try {
      this.trace = new AnyMap(raw as never);
      let segments = 0;
      for (const line of decodedMappings(this.trace)) segments += line.length;
      this.bytes = json.length * CHAR_BYTES + segments * SEGMENT_BYTES;
    } catch (err) {
      throw new SourceMapError(`cannot be read: ${(err as Error).message}`);
    }
  }

  /** Lines of source `index`, from `sourcesContent` or an external source; else why there are none. */
  linesOf(index: number): string[] | string {
    let lines = this.sourceLines.get(index);
    if (lines === undefined) {
      const source = this.trace.sources[index] ?? '';
      let text: string | undefined;
      try {
        text = this.trace.sourcesContent?.[index] ?? this.externalSource(source);
        lines = text === undefined ? `the map has no sourcesContent for ${source} and no uploaded source file has it` : splitLines(text);
      } catch (err) {
        if (!(err instanceof SourceMapError)) throw err;
        lines = err.message;
      }
      this.sourceLines.set(index, lines);
      if (text !== undefined) this.grow(text.length * CHAR_BYTES);
    }
    return lines;
  }

  minifiedLine(line: number): string | undefined {
    if (this.minifiedLines === undefined) {
      const text = this.minified?.();
      this.minifiedLines = text === undefined ? null : splitLines(text);
      if (text !== undefined) this.grow(text.length * CHAR_BYTES);
    }
    return this.minifiedLines?.[line];
  }

  /**
   * A result worked out from this map (a function name, a whole resolved position), computed
   * once; `bytes` says what keeping it costs, for the cache's bound.
   */
  remember<T>(key: string, compute: () => T, bytes: (value: T) => number): T {
    if (this.remembered.has(key)) return this.remembered.get(key) as T;
    const value = compute();
    if (this.remembered.size < MAX_REMEMBERED) {
      this.remembered.set(key, value);
      this.grow(key.length * CHAR_BYTES + ENTRY_BYTES + bytes(value));
    }
    return value;
  }

  private grow(bytes: number): void {
    this.bytes += bytes;
    this.onGrow(bytes);
  }
}

export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Least recently used first out, once the maps' bytes pass `maxBytes`. */
export class MapCache {
  private readonly entries = new Map<string, ParsedMap>();
  private bytes = 0;
  private clock = 0;
  /** Maps parsed so far (each once while it stays cached). */
  parses = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): ParsedMap | undefined {
    const hit = this.entries.get(key);
    if (hit) this.touch(hit);
    return hit;
  }

  /** Marks a map held elsewhere as just used (cheaper than a lookup by key on every frame). */
  touch(map: ParsedMap): void {
    map.lastUsed = ++this.clock;
  }

  /** Parses with `make` unless `key` is cached; a map larger than the bound is used and not kept. */
  getOrParse(key: string, make: (onGrow: (bytes: number) => void) => ParsedMap): ParsedMap {
    const hit = this.get(key);
    if (hit) return hit;
    const map = make((bytes) => {
      if (this.entries.get(key) === map) {
        this.bytes += bytes;
        this.evict();
      }
    });
    this.parses++;
    this.touch(map);
    this.entries.set(key, map);
    this.bytes += map.bytes;
    this.evict();
    return map;
  }

  get size(): { maps: number; bytes: number } {
    return { maps: this.entries.size, bytes: this.bytes };
  }

  /** Drops least recently used maps until the bound holds (a scan: maps are few, evictions rare). */
  private evict(): void {
    while (this.bytes > this.maxBytes && this.entries.size) {
      let oldest: [string, ParsedMap] | undefined;
      for (const entry of this.entries) if (!oldest || entry[1].lastUsed < oldest[1].lastUsed) oldest = entry;
      this.entries.delete(oldest![0]);
      oldest![1].evicted = true;
      this.bytes -= oldest![1].bytes;
    }
  }
}
