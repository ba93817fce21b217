/** Config of the `symbolication` processor (README.md documents the keys). */
import { durationSchema, parseDuration } from '../../pipeline/duration.js';

export interface SourceMapDir {
  /** A directory of minified files and their maps (relative: to the config file's directory). */
  dir: string;
  /** Only events of this release use it. */
  release?: string;
  /** The URL (or `~/` path) the directory is served under, e.g. `https://cdn.example/static/`. */
  url_prefix?: string;
}

export interface SymbolicationConfig {
  /** Id of the extension keeping uploaded artifacts (e.g. `issue_store`). */
  artifact_store?: string;
  sourcemaps: SourceMapDir[];
  /** Sentry's "source map fetching": off unless enabled, and then only from these origins. */
  scraping: { enabled: boolean; allowed_origins: string[]; timeout: string; max_size: number };
  /** Bytes of parsed maps (and the sources of their context lines) kept in memory. */
  max_cache_size: number;
  /** Lines of context each side of the frame's line (Sentry: 5). */
  context_lines: number;
  /** Sample events of the issue store re-symbolicated after one upload (newest first). */
  resymbolicate_limit: number;
}

const MIB = 1024 * 1024;

export const SYMBOLICATION_DEFAULTS = {
  max_cache_size: 256 * MIB,
  context_lines: 5,
  resymbolicate_limit: 1000,
  scraping_timeout: '5s',
  scraping_max_size: 40 * MIB,
};

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    artifact_store: { type: 'string', minLength: 1 },
    sourcemaps: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['dir'],
        properties: {
          dir: { type: 'string', minLength: 1 },
          release: { type: 'string', minLength: 1 },
          url_prefix: { type: 'string', minLength: 1 },
        },
      },
    },
    scraping: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: false },
        allowed_origins: { type: 'array', items: { type: 'string', minLength: 1 }, default: [], description: 'e.g. https://cdn.example.com, *.example.com' },
        timeout: durationSchema(SYMBOLICATION_DEFAULTS.scraping_timeout),
        max_size: { type: 'integer', minimum: 1, default: SYMBOLICATION_DEFAULTS.scraping_max_size, description: 'bytes of one fetched file' },
      },
    },
    max_cache_size: { type: 'integer', minimum: 0, default: SYMBOLICATION_DEFAULTS.max_cache_size, description: 'bytes' },
    context_lines: { type: 'integer', minimum: 0, maximum: 50, default: SYMBOLICATION_DEFAULTS.context_lines },
    resymbolicate_limit: { type: 'integer', minimum: 0, default: SYMBOLICATION_DEFAULTS.resymbolicate_limit },
  },
};

export function validateConfig(c: SymbolicationConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  try {
    if (c.scraping?.timeout !== undefined) parseDuration(c.scraping.timeout);
  } catch (err) {
    problems.push({ path: 'scraping.timeout', message: (err as Error).message });
  }
  if (c.scraping?.enabled && !c.scraping.allowed_origins?.length) {
    problems.push({ path: 'scraping.allowed_origins', message: 'scraping is enabled but no origin is allowed; list the origins maps may be fetched from (nothing else is fetched)' });
  }
  (c.scraping?.allowed_origins ?? []).forEach((o, i) => {
    if (!/^(https?:\/\/)?(\*\.)?[a-zA-Z0-9.-]+(:\d+)?$/.test(o)) problems.push({ path: `scraping.allowed_origins[${i}]`, message: `"${o}" is not an origin (scheme://host[:port], host, or *.domain)` });
  });
  return problems;
}
