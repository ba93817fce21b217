/**
 * A frame's original function name from the map's `names`. The engine reports the minified
 * name (`i`); the map names the identifier where the function is declared. With the minified
 * file at hand, the named segment nearest before the frame's position whose generated text is
 * that declaration gives the name; without it, the caller's call site does (the name the
 * caller used for the callee), as Sentry falls back to.
 */
import { decodedMappings, traceSegment } from '@jridgewell/trace-mapping';
import { CHAR_BYTES, type ParsedMap } from './map-cache.js';

/** How far back along a line the declaration is looked for, in named segments. */
const MAX_SEGMENTS_BACK = 2000;
const IDENT_CHAR = /[A-Za-z0-9_$]/;
/** What V8 prefixes names with: `Object.foo`, `new Foo`, `async foo`, `Foo.<anonymous>`. */
const USELESS = new Set(['', '<anonymous>', '?', 'Object.<anonymous>', 'eval']);

/** The identifier V8 called the function by: the last part of `Foo.bar`, without `new ` / `async `. */
export function minifiedName(fn: string | undefined): string | undefined {
  if (!fn || USELESS.has(fn)) return undefined;
  const last = fn.replace(/^(new|async) /, '').split('.').pop()!;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(last) ? last : undefined;
}

/** The name from the declaration of `name` before (line, column) (0-based), or undefined; remembered per map. */
export function declaredName(map: ParsedMap, line: number, column: number, name: string): string | undefined {
  return map.remember(`${line}:${column}:${name}`, () => findDeclaration(map, line, column, name), (v) => (v?.length ?? 0) * CHAR_BYTES);
}

function findDeclaration(map: ParsedMap, line: number, column: number, name: string): string | undefined {
  const text = map.minifiedLine(line);
  if (text === undefined) return undefined;
  const segments = decodedMappings(map.trace)[line];
  if (!segments) return undefined;
  let looked = 0;
  for (let i = lastAtOrBefore(segments, column); i >= 0 && looked < MAX_SEGMENTS_BACK; i--) {
    const seg = segments[i];
    if (seg.length !== 5) continue;
    looked++;
    const col = seg[0];
    if (!text.startsWith(name, col) || IDENT_CHAR.test(text[col + name.length] ?? '') || IDENT_CHAR.test(text[col - 1] ?? '')) continue;
    if (isDeclaration(text, col, name.length)) return map.trace.names[seg[4]];
  }
  return undefined;
}

/** Index of the last segment starting at or before `column` (segments are sorted by column), or -1. */
function lastAtOrBefore(segments: readonly (readonly number[])[], column: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid][0] <= column) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi;
}

/** `function NAME(`, `NAME=function`, `NAME=(…)=>`, `NAME(){` (a method), `class NAME`. */
function isDeclaration(text: string, col: number, len: number): boolean {
  const before = text.slice(Math.max(0, col - 9), col);
  if (/(function\*?|class)\s*$/.test(before)) return true;
  const after = text.slice(col + len, col + len + 12);
  if (/^\s*[=:]\s*(async\s*)?(function|\(|[A-Za-z_$][\w$]*\s*=>)/.test(after)) return true;
  // a method `NAME(args){`: the call of a method looks the same, so require a `{`-ish start before it
  return /^\s*\(/.test(after) && /[{,;}]\s*(async\s+|static\s+|get\s+|set\s+)?$/.test(before);
}

/** The name at the caller's call site (0-based position in the caller's frame), if the map names one. */
export function callSiteName(map: ParsedMap, line: number, column: number): string | undefined {
  const seg = traceSegment(map.trace, line, column);
  return seg && seg.length === 5 ? map.trace.names[seg[4]] : undefined;
}
