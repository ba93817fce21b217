import type { ExceptionValue, Frame } from '../model.js';
import { normalizeFrame } from '../normalize.js';
import { splitHeader } from './header.js';

/** A V8 frame line: Node.js and Chromium browsers (`    at fn (file:line:col)`). */
export const V8_FRAME = /^\s*at\s+(\S.*?)\s*$/;

/** Locations that only a browser produces; a stack with one of them is a browser stack. */
const BROWSER_LOCATION = /(?:^|\()(?:https?|blob|chrome-extension|moz-extension|safari-web-extension|webpack(?:-internal)?|capacitor):/;

export interface V8Stack {
  exception: ExceptionValue;
  /** `javascript` for a browser stack (URLs), `node` for a server one (paths). */
  platform: 'javascript' | 'node';
}

/**
 * Parses `Error.prototype.stack` as V8 prints it, into frames as Sentry's JavaScript SDKs would
 * have sent them (oldest call first): same function names (`async ` dropped, `Object.<anonymous>`
 * as `Object.?`), same `in_app` (Node: not `node:` internals, not node_modules; browsers: every
 * frame), same `module` for node_modules files (`pkg.dir:file`).
 */
export function parseV8(text: string): V8Stack | undefined {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => V8_FRAME.test(l));
  if (first < 0) return undefined;
  const frameTexts = lines.slice(first).flatMap((l) => V8_FRAME.exec(l)?.[1] ?? []);
  const browser = frameTexts.some((t) => BROWSER_LOCATION.test(t));
  const frames = frameTexts.map((t) => parseFrame(t, browser)).reverse();
  return {
    exception: { ...splitHeader(lines.slice(0, first).join('\n')), stacktrace: { frames } },
    platform: browser ? 'javascript' : 'node',
  };
}

function parseFrame(text: string, browser: boolean): Frame {
  let rest = text.startsWith('async ') ? text.slice(6) : text;
  let fn: string | undefined;
  if (rest.endsWith(')')) {
    const open = matchingOpen(rest);
    if (open > 0 && rest[open - 1] === ' ') {
      fn = rest.slice(0, open - 1);
      rest = rest.slice(open + 1, -1);
    }
  }
  if (rest.startsWith('eval at ')) {
    // `eval at outer (file:1:2), <anonymous>:3:4`: the eval'd code has no file; report where eval ran.
    fn ??= 'eval';
    rest = /\((\S*:\d+:\d+)\)/.exec(rest)?.[1] ?? rest;
  }
  const loc = /^(.*?):(\d+)(?::(\d+))?$/.exec(rest);
  const native = rest === 'native';
  let filename = loc ? loc[1] : native || /^index \d+$/.test(rest) ? undefined : rest;
  if (filename && !browser) filename = nodePath(filename);
  const frame: Frame = {};
  if (filename) frame.filename = filename;
  const func = browser ? fn : nodeFunction(fn);
  if (func) frame.function = func;
  if (loc) {
    frame.lineno = Number(loc[2]);
    if (loc[3]) frame.colno = Number(loc[3]);
  }
  if (!browser) {
    const module = nodeModule(filename);
    if (module) frame.module = module;
  }
  frame.in_app = browser ? true : nodeInApp(filename, native);
  return normalizeFrame(frame);
}

/** Index of the `(` that the final `)` closes: locations may hold parentheses (`app/(group)/page.js`). */
function matchingOpen(s: string): number {
  let depth = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    if (s[i] === ')') depth++;
    else if (s[i] === '(' && --depth === 0) return i;
  }
  return -1;
}

/** The Node SDK's names: `Type.<anonymous>` → `Type.?`, `Object.Module._compile` → `Module._compile`. */
function nodeFunction(fn: string | undefined): string | undefined {
  if (fn === undefined) return undefined;
  let name = fn;
  let methodStart = name.lastIndexOf('.');
  if (name[methodStart - 1] === '.') methodStart--;
  if (methodStart <= 0) return name === '<anonymous>' ? undefined : name;
  let object = name.slice(0, methodStart);
  const method = name.slice(methodStart + 1);
  const moduleAt = object.indexOf('.Module');
  if (moduleAt > 0) {
    name = name.slice(moduleAt + 1);
    object = object.slice(0, moduleAt);
  }
  return method === '<anonymous>' ? `${object}.?` : name;
}

function nodePath(path: string): string {
  let p = path.startsWith('file://') ? path.slice(7) : path;
  if (/^\/[A-Za-z]:/.test(p)) p = p.slice(1); // file:///C:/app → C:/app
  try {
    return decodeURI(p);
  } catch {
    return p;
  }
}

/** In the app unless it is Node's own code (`node:fs`, `internal/...`, native) or a dependency. */
function nodeInApp(filename: string | undefined, native = false): boolean {
  if (native || !filename) return false;
  const internal = !filename.startsWith('/') && !/^[A-Za-z]:/.test(filename) && !filename.startsWith('.') && !/^[a-zA-Z][a-zA-Z0-9.+-]*:\/\//.test(filename);
  return !internal && !filename.includes('node_modules/');
}

/**
 * The module the Node SDK derives from a dependency's path (`/app/node_modules/pg/lib/client.js`
 * → `pg.lib:client`). For the application's own files the SDK strips the entry script's
 * directory, which a stack does not reveal: see {@link nodeAppModule}.
 */
function nodeModule(filename: string | undefined): string | undefined {
  return filename ? sdkModule(filename) : undefined;
}

/**
 * The module @sentry/node gives a frame once the entry script's directory is known (the
 * OpenTelemetry resource's `process.command` is the entry script): a dependency's as above, a
 * file under that directory its relative path (`/app/src/orders.js` → `src:orders`), any other
 * its base name.
 */
export function nodeAppModule(filename: string, appDir: string): string {
  return sdkModule(filename, appDir.replace(/\/+$/, ''))!;
}

function sdkModule(filename: string, appDir?: string): string | undefined {
  const slash = filename.lastIndexOf('/');
  const dir = slash < 0 ? '.' : filename.slice(0, slash);
  let file = filename.slice(slash + 1);
  const ext = /\.(?:js|mjs|cjs)$/.exec(file);
  if (ext) file = file.slice(0, -ext[0].length);
  file = safeDecode(file);
  const n = dir.lastIndexOf('/node_modules');
  if (n >= 0) return `${dir.slice(n + 14).replace(/\//g, '.')}:${file}`;
  if (appDir === undefined) return undefined;
  if (!dir.startsWith(appDir)) return file;
  const module = dir.slice(appDir.length + 1).replace(/\//g, '.');
  return module ? `${module}:${file}` : file;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
