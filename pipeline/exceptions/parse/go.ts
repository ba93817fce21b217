import type { ExceptionValue, Frame } from '../model.js';
import { normalizeFrame } from '../normalize.js';

export const GO_GOROUTINE = /^goroutine \d+ \[[^\]]*\]:\s*$/m;
const LOCATION = /^\t(.+?):(\d+)(?: \+0x[0-9a-f]+)?(?: .*)?$/;

/**
 * Parses a Go panic or goroutine dump (`runtime/debug.Stack()`, a crash's output): the first
 * goroutine's stack (the panicking one), newest call first in the text, into frames oldest first
 * with sentry-go's fields: the package path as `module` (`github.com/acme/shop/orders`), the rest
 * of the symbol as `function` (`(*Store).Load`), the file as `abs_path`. The standard library
 * and module-cache / vendored code are not in the app. `created by` lines name where the
 * goroutine started, not a call, and are left out. `panic: msg` (or `fatal error: msg`) gives
 * the type `panic` and the message; a bare stack has neither.
 */
export function parseGo(text: string): ExceptionValue | undefined {
  const start = text.search(GO_GOROUTINE);
  if (start < 0) return undefined;
  const lines = text.slice(start).split(/\r?\n/).slice(1);
  const frames: Frame[] = [];
  for (let i = 0; i < lines.length && lines[i].trim(); i++) {
    const location = LOCATION.exec(lines[i + 1] ?? '');
    if (!location) continue;
    if (!lines[i].startsWith('created by ')) frames.push(goFrame(lines[i], location[1], Number(location[2])));
    i++;
  }
  return { ...goHeader(text.slice(0, start)), stacktrace: { frames: frames.reverse() } };
}

function goHeader(text: string): ExceptionValue {
  const m = /^(panic|fatal error): (.*?)(?: \[recovered\])?$/m.exec(text);
  return m ? { type: m[1], value: m[2] } : {};
}

function goFrame(call: string, path: string, lineno: number): Frame {
  const symbol = stripArguments(call.trim());
  const pathEnd = Math.max(0, symbol.lastIndexOf('/'));
  const dot = symbol.indexOf('.', pathEnd);
  const frame: Frame = { abs_path: path, lineno };
  if (dot > 0 && !symbol.startsWith('go.') && !symbol.startsWith('type.')) {
    frame.module = symbol.slice(0, dot);
    frame.function = symbol.slice(dot + 1);
  } else {
    frame.function = symbol;
  }
  frame.in_app = goInApp(frame.module, path);
  return normalizeFrame(frame);
}

/** `main.(*T).Run(0xc000010000, {0x4b1c2e, 0x5})` → `main.(*T).Run`; `(...)` marks inlined calls. */
function stripArguments(call: string): string {
  if (!call.endsWith(')')) return call;
  let depth = 0;
  for (let i = call.length - 1; i >= 0; i--) {
    if (call[i] === ')') depth++;
    else if (call[i] === '(' && --depth === 0) return call.slice(0, i);
  }
  return call;
}

/**
 * Not in the app: the module cache, vendored code, and the standard library, whose packages have
 * no dot in their first path element (`net/http`) and live under GOROOT's `src/` (or at their
 * bare path in `-trimpath` builds).
 */
function goInApp(module: string | undefined, path: string): boolean {
  if (/\/pkg\/mod\/|\/vendor\/|\/third_party\//.test(path)) return false;
  if (module === undefined) return false;
  const standard = !module.split('/')[0].includes('.') && (path.includes(`/src/${module}/`) || path.startsWith(`${module}/`));
  return !standard;
}
