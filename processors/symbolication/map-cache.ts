/**
 * Parsed source maps, kept within a bound of bytes and dropped least recently used first. A
 * map is parsed once however many frames and events use it; its sources' lines (for context)
 * are split once, on first use, and counted in the bound too.
 */
import { AnyMap, decodedMappings, type TraceMap } from '@jridgewell/trace-mapping';

/** What one decoded segment costs on V8's heap (an array of 4–5 small integers), measured by bench/sourcemaps. */
const SEGMENT_BYTES = 64;
/** Strings are UTF-16 in the worst case. */
const CHAR_BYTES = 2;

export class SourceMapError extends Error {}

export class ParsedMap {
  readonly trace: TraceMap;
  bytes: number;
  private readonly sourceLines = new Map<number, string[] | string>();
  private minifiedLines?: string[] | null;

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
  parses = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): ParsedMap | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
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
    this.entries.set(key, map);
    this.bytes += map.bytes;
    this.evict();
    return map;
  }

  get size(): { maps: number; bytes: number } {
    return { maps: this.entries.size, bytes: this.bytes };
  }

  private evict(): void {
    for (const [key, map] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= map.bytes;
    }
  }
}
