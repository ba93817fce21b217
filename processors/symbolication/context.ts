/** Source context of a resolved frame, trimmed as Sentry trims it. */
import type { Frame } from '../../pipeline/exceptions/model.js';

/**
 * Sentry's `trim_line`: a line longer than 150 characters is cut to 140 around the column
 * (60 before it), with `{snip}` where something was cut, so a minified or generated line does
 * not fill the event.
 */
export function trimLine(line: string, column = 0): string {
  const text = line.replace(/\n$/, '');
  const len = text.length;
  if (len <= 150) return text;
  const col = Math.min(column, len);
  let start = Math.max(col - 60, 0);
  if (start < 5) start = 0;
  let end = Math.min(start + 140, len);
  if (end > len - 5) end = len;
  if (end === len) start = Math.max(end - 140, 0);
  let out = text.slice(start, end);
  if (end < len) out += ' {snip}';
  if (start > 0) out = `{snip} ${out}`;
  return out;
}

/** Sets `context_line`, `pre_context` and `post_context` from `lines` (lineno 1-based, colno 1-based). */
export function setContext(frame: Frame, lines: string[], lineno: number, colno: number | undefined, around: number): void {
  const at = lineno - 1;
  if (at < 0 || at >= lines.length) return;
  frame.context_line = trimLine(lines[at], colno === undefined ? 0 : colno - 1);
  frame.pre_context = lines.slice(Math.max(0, at - around), at).map((l) => trimLine(l));
  frame.post_context = lines.slice(at + 1, at + 1 + around).map((l) => trimLine(l));
}
