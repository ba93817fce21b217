/**
 * JavaScript frames to their original file, line, column and function, as Sentry's
 * symbolicator does it: the position through the map, the function from the map's `names`,
 * ±N lines of context from the sources, `in_app` decided again on the original path. A frame
 * that is not resolved keeps its place and says why (`data.symbolication_error`).
 */
import { decodedMappings, traceSegment } from '@jridgewell/trace-mapping';
import type { Frame } from '../../pipeline/exceptions/model.js';
import { setContext } from './context.js';
import { callSiteName, declaredName, minifiedName } from './function-name.js';
import { isInApp } from './in-app.js';
import type { Lookup, LookupContext, SourceMapResolver, SymbolicationErrorType } from './resolver.js';
import { resolveUrl } from './urls.js';

export const JS_PLATFORMS = new Set(['javascript', 'node']);

export interface FrameError {
  type: SymbolicationErrorType;
  message: string;
  /** The minified file the error is about (Sentry's `url`). */
  url: string;
}

export interface SymbolicatedFrames {
  frames: Frame[];
  /** Frames resolved to an original location. */
  resolved: number;
  errors: FrameError[];
}

/**
 * The minified file's path or URL: `abs_path`, else `filename` (SDKs often send only that; Relay
 * copies it). Frames are an SDK's JSON, typed only by what it sent: a path that is not a string
 * is no path, as Relay's normalization drops it.
 */
export function framePath(frame: Frame): string | undefined {
  const paths: unknown[] = [frame.abs_path, frame.filename];
  return paths.find((p): p is string => typeof p === 'string' && p !== '');
}

/** Frames no map can resolve: engine internals and code that was never a file. */
function isCandidate(frame: Frame, platform: string | undefined): boolean {
  if (!JS_PLATFORMS.has(frame.platform ?? platform ?? '')) return false;
  const path = framePath(frame);
  const position: unknown[] = [frame.lineno, frame.colno ?? 1];
  if (!path || !position.every((n) => typeof n === 'number' && n >= 1)) return false;
  return !/^(node:|native|\[native code\]|<anonymous>|eval)/.test(path) && !path.startsWith('internal/');
}

/** `~/src/a.js` → `src/a.js`, `webpack://app/./src/a.js` → `./src/a.js`, a URL → its path. */
function displayName(path: string): string {
  if (path.startsWith('~/')) return path.slice(2);
  const webpack = /^webpack:\/\/[^/]*\/(.*)$/.exec(path);
  if (webpack) return webpack[1];
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(path)) {
    try {
      return decodeURIComponent(new URL(path).pathname);
    } catch {
      return path;
    }
  }
  return path;
}

const MINIFIED_ONLY = new Set(['module', 'context_line', 'pre_context', 'post_context']);

/** A resolved position, the same for every event that has it. */
interface Original {
  absPath: string;
  filename: string;
  lineno: number;
  colno: number;
  inApp: boolean;
  function?: string;
  context?: { line: string; pre: string[]; post: string[] };
  contextError?: string;
}

/** What keeping an Original costs (strings as UTF-16, plus object overhead). */
function originalBytes(o: Original): number {
  const text = o.absPath.length + o.filename.length + (o.function?.length ?? 0) + (o.contextError?.length ?? 0);
  const context = o.context ? o.context.line.length + [...o.context.pre, ...o.context.post].reduce((n, l) => n + l.length, 0) : 0;
  return (text + context) * 2 + 256;
}

export class Symbolicator {
  constructor(
    private readonly resolver: SourceMapResolver,
    private readonly contextLines: number,
  ) {}

  /** `frames` oldest call first (Sentry's order); returns new frames, the given ones untouched. */
  async symbolicate(frames: Frame[], platform: string | undefined, ctx: LookupContext): Promise<SymbolicatedFrames> {
    // warm caches answer at once; only files not looked up yet are waited for
    const lookups: (Lookup | undefined)[] = new Array(frames.length);
    let pending: Promise<unknown>[] | undefined;
    frames.forEach((f, k) => {
      if (!isCandidate(f, platform)) return;
      const path = framePath(f)!;
      const known = this.resolver.known(path, ctx);
      if (known) lookups[k] = known;
      else (pending ??= []).push(this.resolver.lookup(path, ctx).then((l) => (lookups[k] = l)));
    });
    if (pending) await Promise.all(pending);
    const out: Frame[] = [];
    const errors: FrameError[] = [];
    let resolved = 0;
    for (let k = 0; k < frames.length; k++) {
      const frame = frames[k];
      const lookup = lookups[k];
      if (!lookup) {
        out.push(frame);
        continue;
      }
      const r = this.frame(frame, lookup, k > 0 ? frames[k - 1] : undefined, k > 0 ? lookups[k - 1] : undefined);
      out.push(r.frame);
      if (r.error) errors.push({ ...r.error, url: framePath(frame)! });
      else resolved++;
    }
    return { frames: out, resolved, errors };
  }

  private frame(frame: Frame, lookup: Lookup, caller: Frame | undefined, callerLookup: Lookup | undefined): { frame: Frame; error?: Omit<FrameError, 'url'> } {
    const unresolved = (error: Omit<FrameError, 'url'>) => ({ frame: { ...frame, data: { ...frame.data, symbolicated: false, symbolication_error: error } }, error });
    if (!lookup.resolved) return unresolved(lookup.error!);
    const { map, via, mapUrl } = lookup.resolved;
    const line = frame.lineno! - 1;
    const column = (frame.colno ?? 1) - 1;
    const seg = traceSegment(map.trace, line, column);
    if (!seg || seg.length === 1) {
      const covered = decodedMappings(map.trace).length;
      return unresolved({ type: 'js_invalid_sourcemap_location', message: `${mapUrl} maps nothing at line ${line + 1} column ${column + 1} (it covers ${covered} generated lines)` });
    }
    // the same position (with the same caller) resolves alike in every event: worked out once per map
    const callerKey = caller?.lineno !== undefined && callerLookup?.resolved ? `${callerLookup.resolved.id}:${caller.lineno}:${caller.colno}` : '';
    const key = `${lookup.resolved.id}:${line}:${column}:${frame.function ?? ''}:${callerKey}`;
    const o = map.remember(key, () => this.original(seg, lookup, frame, caller, callerLookup), originalBytes);
    const out: Frame = {};
    // the minified frame's module and source lines say nothing of the original
    for (const k in frame) if (!MINIFIED_ONLY.has(k)) (out as Record<string, unknown>)[k] = frame[k as keyof Frame];
    out.abs_path = o.absPath;
    out.filename = o.filename;
    out.lineno = o.lineno;
    out.colno = o.colno;
    if (o.function) out.function = o.function;
    const data: Record<string, unknown> = frame.data ? { ...frame.data, sourcemap: mapUrl, resolved_with: via, symbolicated: true } : { sourcemap: mapUrl, resolved_with: via, symbolicated: true };
    if (o.contextError) data.context_error = o.contextError;
    else if (o.context) {
      // shared by every event with this position, hence frozen
      out.context_line = o.context.line;
      out.pre_context = o.context.pre;
      out.post_context = o.context.post;
    }
    if (frame.in_app !== o.inApp) data.orig_in_app = frame.in_app === undefined ? -1 : frame.in_app ? 1 : 0;
    out.in_app = o.inApp;
    out.data = data;
    return { frame: out };
  }

  private original(seg: readonly number[], lookup: Lookup, frame: Frame, caller: Frame | undefined, callerLookup: Lookup | undefined): Original {
    const { map, sourceBase } = lookup.resolved!;
    const absPath = resolveUrl(sourceBase, map.trace.sources[seg[1]] ?? '');
    const o: Original = { absPath, filename: displayName(absPath), lineno: seg[2] + 1, colno: seg[3] + 1, inApp: isInApp(absPath), function: this.functionName(frame, lookup, caller, callerLookup) };
    const lines = map.linesOf(seg[1]);
    if (typeof lines === 'string') o.contextError = lines;
    else {
      const shaped: Frame = {};
      setContext(shaped, lines, o.lineno, o.colno, this.contextLines);
      if (shaped.context_line !== undefined) o.context = { line: shaped.context_line, pre: Object.freeze(shaped.pre_context!) as string[], post: Object.freeze(shaped.post_context!) as string[] };
    }
    return o;
  }

  /** The declaration's name in the map, else the caller's call site's, else the minified name. */
  private functionName(frame: Frame, lookup: Lookup, caller: Frame | undefined, callerLookup: Lookup | undefined): string | undefined {
    const map = lookup.resolved!.map;
    const name = minifiedName(frame.function);
    if (name) {
      const declared = declaredName(map, frame.lineno! - 1, (frame.colno ?? 1) - 1, name);
      if (declared) return declared;
    }
    if (caller?.lineno !== undefined && callerLookup?.resolved) {
      const called = callSiteName(callerLookup.resolved.map, caller.lineno - 1, (caller.colno ?? 1) - 1);
      if (called) return called;
    }
    return undefined;
  }
}
