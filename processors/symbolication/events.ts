/**
 * Where frames are in what the pipeline carries: a Sentry event (in a log record's body, or
 * a stored sample's JSON) and an OpenTelemetry error's `exception.stacktrace` text. Sentry's
 * fields are kept as Sentry keeps them: the minified frames move to `raw_stacktrace`, the
 * resolved ones are `stacktrace`, and what failed is listed in `errors`; a raw stack present
 * already is symbolicated again (a later upload can resolve more of it).
 */
import { parseStacktrace } from '../../pipeline/exceptions/parse/index.js';
import type { Frame } from '../../pipeline/exceptions/model.js';
import { EXCEPTION_STACKTRACE } from '../../pipeline/exceptions/otel.js';
import { renderStacktrace } from '../../pipeline/exceptions/render.js';
import { fromAnyValue, toAnyValue } from '../../pipeline/model-ops.js';
import type { AnyValue, Attributes } from '../../pipeline/model.js';
import type { LookupContext } from './resolver.js';
import { JS_PLATFORMS, type FrameError, type Symbolicator } from './symbolicator.js';

/** The keys of a Sentry event this processor reads or writes. */
const EVENT_KEYS = ['platform', 'release', 'dist', 'debug_meta', 'exception', 'threads', 'stacktrace', 'errors'] as const;
const OWN_ERROR_TYPES = new Set(['js_no_source', 'js_invalid_source', 'js_invalid_sourcemap_location', 'js_scraping_disabled', 'fetch_generic_error']);

type Json = Record<string, unknown>;
interface Container {
  stacktrace?: { frames?: Frame[] };
  raw_stacktrace?: { frames?: Frame[] };
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

function lookupContext(event: Json): LookupContext {
  const debugIds = new Map<string, string>();
  const images = isObject(event.debug_meta) && Array.isArray(event.debug_meta.images) ? event.debug_meta.images : [];
  for (const image of images) {
    if (isObject(image) && image.type === 'sourcemap' && typeof image.code_file === 'string' && typeof image.debug_id === 'string') {
      debugIds.set(image.code_file, image.debug_id.toLowerCase());
    }
  }
  return { release: str(event.release), dist: str(event.dist), debugIds };
}

function containers(event: Json): Container[] {
  const out: Container[] = [];
  for (const key of ['exception', 'threads'] as const) {
    const values = isObject(event[key]) ? (event[key] as Json).values : undefined;
    if (Array.isArray(values)) for (const v of values) if (isObject(v)) out.push(v as Container);
  }
  if (isObject(event.stacktrace)) out.push({ stacktrace: event.stacktrace as Container['stacktrace'] });
  return out;
}

/**
 * Symbolicates a Sentry event's JSON in place; true when something changed. Only JavaScript
 * events and frames are touched.
 */
export async function symbolicateEventJson(event: Json, symbolicator: Symbolicator): Promise<boolean> {
  const platform = str(event.platform);
  const ctx = lookupContext(event);
  const errors: FrameError[] = [];
  let changed = false;
  for (const c of containers(event)) {
    const raw = c.raw_stacktrace?.frames ?? c.stacktrace?.frames;
    if (!Array.isArray(raw) || !raw.some((f) => JS_PLATFORMS.has((isObject(f) && str(f.platform)) || platform || ''))) continue;
    const frames = raw.filter(isObject) as Frame[];
    const result = await symbolicator.symbolicate(frames, platform, ctx);
    errors.push(...result.errors);
    if (result.resolved > 0) {
      c.raw_stacktrace = { ...c.stacktrace, frames };
      c.stacktrace = { ...c.stacktrace, frames: result.frames };
      changed = true;
    } else if (result.errors.length) {
      c.stacktrace = { ...c.stacktrace, frames: result.frames };
      changed = true;
    }
  }
  if (changed) {
    const kept = Array.isArray(event.errors) ? event.errors.filter((e) => !(isObject(e) && OWN_ERROR_TYPES.has(String(e.type)))) : [];
    const seen = new Set<string>();
    const fresh = errors.filter((e) => !seen.has(`${e.type}\0${e.url}`) && seen.add(`${e.type}\0${e.url}`)).map((e) => ({ type: e.type, url: e.url, message: e.message }));
    if (kept.length || fresh.length) event.errors = [...kept, ...fresh];
    else delete event.errors;
  }
  return changed;
}

/** The same for a Sentry event kept as a kvlist (a log record's body): only the keys involved are converted. */
export async function symbolicateEventBody(body: Map<string, AnyValue>, symbolicator: Symbolicator): Promise<boolean> {
  const event: Json = {};
  for (const key of EVENT_KEYS) if (body.has(key)) event[key] = fromAnyValue(body.get(key)!);
  if (!(await symbolicateEventJson(event, symbolicator))) return false;
  for (const key of ['exception', 'threads', 'stacktrace', 'errors'] as const) {
    if (event[key] !== undefined) body.set(key, toAnyValue(event[key]));
    else body.delete(key);
  }
  return true;
}

/**
 * An OpenTelemetry error: its `exception.stacktrace` text is parsed, symbolicated and written
 * back in V8's format, so grouping (which parses the text) sees original frames. The release
 * is the resource's `service.version`.
 */
export async function symbolicateStackAttribute(attributes: Attributes, release: string | undefined, symbolicator: Symbolicator): Promise<boolean> {
  const text = attributes.get(EXCEPTION_STACKTRACE);
  if (typeof text !== 'string' || text === '') return false;
  const parsed = parseStacktrace(text);
  if (!parsed || !JS_PLATFORMS.has(parsed.platform)) return false;
  let resolved = 0;
  for (const e of parsed.exceptions) {
    if (!e.stacktrace) continue;
    const result = await symbolicator.symbolicate(e.stacktrace.frames, parsed.platform, { release, debugIds: new Map() });
    e.stacktrace.frames = result.frames;
    resolved += result.resolved;
  }
  if (!resolved) return false;
  attributes.set(EXCEPTION_STACKTRACE, renderStacktrace(parsed.exceptions, parsed.platform));
  return true;
}
