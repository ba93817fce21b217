import type { ExceptionValue, Frame } from '../model.js';
import { normalizeFrame } from '../normalize.js';
import { splitHeader } from './header.js';

export const PYTHON_TRACEBACK = 'Traceback (most recent call last):';

/** CPython's separators between the tracebacks of a chain (`raise ... from`, implicit context). */
const CHAIN_SEPARATOR =
  /\n\s*\n(?:The above exception was the direct cause of the following exception:|During handling of the above exception, another exception occurred:)\s*\n\s*\n/;

const FRAME = /^ {2}File "(.*)", line (\d+)(?:, in (.*))?$/;
/** Python 3.11+ marks the failing expression under the source line with `^` and `~`. */
const CARETS = /^\s*[~^]+\s*$/;

/**
 * Parses CPython's `traceback.format_exc()` text. A chain (`raise B from A`, or an exception
 * raised while handling another) becomes one exception per traceback, cause first, as the
 * Python SDK sends `exception.values`. Each printed source line is the frame's `context_line`,
 * the line Sentry's SDK reads from the file. Library frames (site-packages, the standard
 * library) are not in the app and get the module name their path spells; the application's own
 * frames are in the app, their module unknown (it depends on `sys.path`, which a traceback does
 * not show).
 */
export function parsePython(text: string): ExceptionValue[] | undefined {
  const start = text.indexOf(PYTHON_TRACEBACK);
  if (start < 0) return undefined;
  const exceptions = text
    .slice(start)
    .split(CHAIN_SEPARATOR)
    .flatMap((part) => parseOne(part) ?? []);
  return exceptions.length ? exceptions : undefined;
}

function parseOne(part: string): ExceptionValue | undefined {
  const lines = part.replace(/\s+$/, '').split(/\r?\n/);
  if (!lines[0].startsWith(PYTHON_TRACEBACK)) return undefined;
  const frames: Frame[] = [];
  let i = 1;
  for (; i < lines.length; i++) {
    const m = FRAME.exec(lines[i]);
    if (m) {
      frames.push(pythonFrame(m[1], Number(m[2]), m[3]));
    } else if (lines[i].startsWith('    ') && frames.length) {
      if (!CARETS.test(lines[i]) && frames[frames.length - 1].context_line === undefined) frames[frames.length - 1].context_line = lines[i].trim();
    } else if (!/^ {2}\[Previous line repeated \d+ more times?\]$/.test(lines[i])) {
      break;
    }
  }
  const header = splitHeader(lines.slice(i).join('\n'));
  const exception: ExceptionValue = { stacktrace: { frames } };
  if (header.type) Object.assign(exception, qualifiedType(header.type));
  if (header.value !== undefined) exception.value = header.value;
  return exception;
}

/** `json.decoder.JSONDecodeError` → type `JSONDecodeError`, module `json.decoder` (builtins have none). */
function qualifiedType(name: string): { type: string; module?: string } {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? { type: name.slice(dot + 1), module: name.slice(0, dot) } : { type: name };
}

function pythonFrame(path: string, lineno: number, fn: string | undefined): Frame {
  const frame: Frame = { filename: path, abs_path: path, lineno };
  if (fn) frame.function = fn;
  const library = libraryModule(path);
  frame.in_app = library === undefined && !path.startsWith('<');
  if (library) frame.module = library;
  return normalizeFrame(frame);
}

/**
 * The module of a file under site-packages / dist-packages or the standard library
 * (`.../lib/python3.11/json/decoder.py` → `json.decoder`); undefined for anything else.
 */
function libraryModule(path: string): string | undefined {
  const p = path.replace(/\\/g, '/');
  const m = /\/(?:site-packages|dist-packages)\/(.+)$/.exec(p) ?? /\/lib\/python\d+(?:\.\d+)?\/(.+)$/i.exec(p);
  if (!m) return undefined;
  return m[1].replace(/\.pyc?$/, '').replace(/\/__init__$/, '').replace(/\//g, '.');
}
