import type { ExceptionValue, Frame } from '../model.js';
import { normalizeFrame } from '../normalize.js';
import { splitHeader } from './header.js';

/** `\tat com.example.Foo.bar(Foo.java:12)`, with optional class loader / module prefixes. */
export const JAVA_FRAME = /^\s*at (?:[\w.@$-]*\/)*([\w$.<>]+)\.([\w$<>-]+)\(([^)]*)\)/;
const MORE = /^\s*\.\.\. (\d+) (?:more|common frames omitted)$/;
const CAUSED_BY = /^(?:\s*)Caused by: (.*)$/;

/**
 * Parses `Throwable.printStackTrace()` text (Java, Kotlin, Scala). Each `Caused by:` becomes an
 * exception of its own, the root cause first, as Sentry's Java SDK sends `exception.values`. A
 * cause's `... N more` stands for the last N frames of the trace printed above it (the JVM
 * prints shared frames once); they are restored so every exception has its whole stack, as
 * `getStackTrace()` gives the SDK. `Suppressed:` traces are not part of the chain and are skipped.
 * Frames get the SDK's fields: the class as `module`, the method as `function`, the source file.
 * `in_app` is left unset: the SDK marks frames in the app only for configured packages.
 */
export function parseJava(text: string): ExceptionValue[] | undefined {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => JAVA_FRAME.test(l));
  if (first < 0) return undefined;
  const chain: { header: string; frames: Frame[]; more: number }[] = [{ header: lines.slice(0, first).join('\n'), frames: [], more: 0 }];
  let suppressedIndent = -1;
  for (let i = first; i < lines.length; i++) {
    const line = lines[i];
    const indent = /^\s*/.exec(line)![0].replace(/\t/g, '    ').length;
    if (suppressedIndent >= 0) {
      if (indent > suppressedIndent) continue;
      suppressedIndent = -1;
    }
    const current = chain[chain.length - 1];
    const frame = JAVA_FRAME.exec(line);
    const cause = CAUSED_BY.exec(line);
    const more = MORE.exec(line);
    if (/^\s*Suppressed: /.test(line)) suppressedIndent = indent;
    else if (frame) current.frames.push(javaFrame(frame));
    else if (more) current.more = Number(more[1]);
    else if (cause && indent === 0) chain.push({ header: cause[1], frames: [], more: 0 });
    else if (line.trim() && !chain[chain.length - 1].frames.length) current.header += `\n${line}`;
    else if (line.trim()) break;
  }
  for (let i = 1; i < chain.length; i++) {
    const enclosing = chain[i - 1].frames;
    chain[i].frames.push(...enclosing.slice(enclosing.length - Math.min(chain[i].more, enclosing.length)));
  }
  return chain
    .map(({ header, frames }) => ({ ...javaHeader(header), stacktrace: { frames: [...frames].reverse() } }))
    .reverse();
}

function javaHeader(text: string): ExceptionValue {
  const header = splitHeader(text.replace(/^Exception in thread "[^"]*" /, ''));
  if (!header.type) return header.value === undefined ? {} : { value: header.value };
  // The SDK reports the simple class name and its package: `com.example.Outer$Failed` → `Failed`, `com.example`.
  const dot = header.type.lastIndexOf('.');
  const simple = header.type.slice(dot + 1);
  const exception: ExceptionValue = { type: simple.slice(simple.lastIndexOf('$') + 1) };
  if (dot > 0) exception.module = header.type.slice(0, dot);
  if (header.value !== undefined) exception.value = header.value;
  return exception;
}

function javaFrame(m: RegExpExecArray): Frame {
  const frame: Frame = { module: m[1], function: m[2] };
  const [file, line] = m[3].split(':');
  if (file && file !== 'Native Method' && file !== 'Unknown Source') frame.filename = file;
  if (line && /^\d+$/.test(line)) frame.lineno = Number(line);
  return normalizeFrame(frame);
}
