import type { ExceptionValue, Frame } from '../model.js';
import { normalizeFrame } from '../normalize.js';

/**
 * A Firefox or Safari (JavaScriptCore) frame line: `fn@url:line:col`, `@url:line:col`,
 * `url:line:col` (Safari's anonymous frames), `fn@[native code]`, and Firefox's eval'd code
 * `fn@url line 26 > eval:1:30`.
 */
const GECKO_FRAME = /^\s*(?:([^@]*)@)?((?:[a-zA-Z][a-zA-Z0-9+.-]*:\/|\/)\S.*?|\[native code\])(?::(\d+))?(?::(\d+))?\s*$/;

/**
 * Parses a Firefox or Safari `Error.prototype.stack`: frames only (these engines print no
 * `Type: message` line), newest first, into Sentry's order, oldest first, with the browser SDK's
 * conventions: every frame in the app, argument lists of old Firefox (`bar(1)@`) dropped, an
 * eval'd frame located at the line that called eval.
 */
export function parseGecko(text: string): ExceptionValue | undefined {
  const frames: Frame[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = GECKO_FRAME.exec(line);
    if (m) frames.push(toFrame(m));
  }
  return frames.length ? { stacktrace: { frames: frames.reverse() } } : undefined;
}

function toFrame(m: RegExpExecArray): Frame {
  let fn = m[1]?.replace(/\(.*\)$/, '') || undefined;
  let location = m[2];
  let lineno = m[3] ? Number(m[3]) : undefined;
  let colno = m[4] ? Number(m[4]) : undefined;
  const evalAt = / line (\d+)(?: > eval line \d+)* > (?:eval|Function)/.exec(location);
  if (evalAt) {
    fn ??= 'eval';
    lineno = Number(evalAt[1]);
    colno = undefined;
    location = location.slice(0, evalAt.index);
  }
  const frame: Frame = { filename: location, in_app: true };
  if (fn) frame.function = fn;
  if (lineno !== undefined) frame.lineno = lineno;
  if (colno !== undefined) frame.colno = colno;
  return normalizeFrame(frame);
}
