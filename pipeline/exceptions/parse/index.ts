import type { ExceptionValue } from '../model.js';
import { parseGecko } from './gecko.js';
import { GO_GOROUTINE, parseGo } from './go.js';
import { JAVA_FRAME, parseJava } from './java.js';
import { PYTHON_TRACEBACK, parsePython } from './python.js';
import { parseV8, V8_FRAME } from './v8.js';

export interface ParsedStack {
  /** Sentry platform of the runtime that printed it: `node`, `javascript`, `python`, `java`, `go`. */
  platform: string;
  /** Innermost cause first; the last one is the exception that was raised. */
  exceptions: ExceptionValue[];
}

/**
 * Structured frames from an `exception.stacktrace` text, whichever runtime printed it: CPython
 * tracebacks, JVM traces, Go panics / goroutine dumps, V8 (Node.js, Chromium) and Firefox /
 * Safari stacks. Each format is recognised by lines no other format has. Undefined when the text
 * is none of them; the caller keeps the text.
 */
export function parseStacktrace(text: string): ParsedStack | undefined {
  if (text.includes(PYTHON_TRACEBACK)) return wrap('python', parsePython(text));
  if (GO_GOROUTINE.test(text)) return wrap('go', single(parseGo(text)));
  const lines = text.split(/\r?\n/);
  if (lines.some((l) => JAVA_FRAME.test(l))) return wrap('java', parseJava(text));
  if (lines.some((l) => V8_FRAME.test(l))) {
    const v8 = parseV8(text);
    return v8 && { platform: v8.platform, exceptions: [v8.exception] };
  }
  return wrap('javascript', single(parseGecko(text)));
}

function single(e: ExceptionValue | undefined): ExceptionValue[] | undefined {
  return e && [e];
}

function wrap(platform: string, exceptions: ExceptionValue[] | undefined): ParsedStack | undefined {
  return exceptions && { platform, exceptions };
}
