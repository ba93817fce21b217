/**
 * Sentry's "source map fetching" (scraping): the minified file from the frame's URL, then its
 * map from the `sourceMappingURL` (or `SourceMap` header) — only from the configured origins,
 * redirects included, so an event cannot make Summit request addresses of the operator's
 * network. Off by default.
 */
import { MapCache, ParsedMap, SourceMapError } from './map-cache.js';
import { embeddedDebugId } from '../../pipeline/sourcemaps.js';
import { decodeDataUrl, sourceMappingUrl } from './comments.js';
import { originAllowed, resolveUrl } from './urls.js';

const MAX_REDIRECTS = 3;

export interface ScrapeHit {
  map: ParsedMap;
  cacheKey: string;
  mapUrl: string;
  /** Where the map's sources are relative to (the map's URL, unless the map came by debug id). */
  sourceBase: string;
}

export class Scraper {
  constructor(private readonly opts: { allowedOrigins: string[]; timeoutMs: number; maxBytes: number }) {}

  /**
   * The map of the file at `url`, or why there is none. A fetched file with a `//# debugId=`
   * is first looked up by that id (`byDebugId`): maps uploaded but not served are found so.
   */
  async lookup(url: string, cache: MapCache, byDebugId: (debugId: string, text: string) => ScrapeHit | undefined): Promise<ScrapeHit | string> {
    if (!originAllowed(url, this.opts.allowedOrigins)) return `${url} is not on an allowed origin (scraping.allowed_origins)`;
    let text: string;
    let header: string | null;
    try {
      ({ text, header } = await this.get(url));
    } catch (err) {
      return `fetching ${url}: ${(err as Error).message}`;
    }
    const debugId = embeddedDebugId(text);
    const uploaded = debugId === undefined ? undefined : byDebugId(debugId, text);
    if (uploaded) return uploaded;
    const ref = header ?? sourceMappingUrl(text);
    if (!ref) return `${url} names no source map (no sourceMappingURL comment, no SourceMap header)`;
    const inline = ref.startsWith('data:') ? decodeDataUrl(ref) : undefined;
    const mapUrl = ref.startsWith('data:') ? url : resolveUrl(url, ref);
    const cacheKey = `url:${mapUrl}`;
    const cached = cache.get(cacheKey);
    if (cached) return { map: cached, cacheKey, mapUrl, sourceBase: mapUrl };
    let json = inline;
    if (json === undefined) {
      if (!originAllowed(mapUrl, this.opts.allowedOrigins)) return `the source map ${mapUrl} is not on an allowed origin (scraping.allowed_origins)`;
      try {
        json = (await this.get(mapUrl)).text;
      } catch (err) {
        return `fetching ${mapUrl}: ${(err as Error).message}`;
      }
    }
    const body = json;
    try {
      return { map: cache.getOrParse(cacheKey, (grow) => new ParsedMap(body, () => text, () => undefined, grow)), cacheKey, mapUrl, sourceBase: mapUrl };
    } catch (err) {
      if (err instanceof SourceMapError) return `${mapUrl}: ${err.message}`;
      throw err;
    }
  }

  private async get(url: string): Promise<{ text: string; header: string | null }> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await fetch(current, { redirect: 'manual', signal: AbortSignal.timeout(this.opts.timeoutMs) });
      if (res.status >= 300 && res.status < 400) {
        const next = res.headers.get('location');
        await res.body?.cancel();
        if (!next) throw new Error(`HTTP ${res.status} without Location`);
        current = new URL(next, current).href;
        if (!originAllowed(current, this.opts.allowedOrigins)) throw new Error(`redirected to ${current}, which is not on an allowed origin`);
        continue;
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      const text = await readLimited(res, this.opts.maxBytes);
      return { text, header: res.headers.get('sourcemap') ?? res.headers.get('x-sourcemap') };
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects`);
  }
}

async function readLimited(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > maxBytes) throw new Error(`${declared} bytes, more than scraping.max_size ${maxBytes}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) throw new Error(`more than scraping.max_size ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
