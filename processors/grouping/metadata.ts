/**
 * An issue's title and culprit, as Sentry computes them: the title from the exception type and
 * first line of its message (or the message of a message event, or a fingerprint rule's
 * `title`), the culprit from the frame nearest the crash (in-app preferred), formatted per
 * platform.
 */
import type { ErrorEvent, ExceptionValue, Frame } from '../../pipeline/exceptions/model.js';
import { crashFrame, expandTitle } from './fingerprint.js';
import { functionNameForFrame } from './functions.js';
import type { GroupingResult } from './grouping.js';

const TITLE_CHARS = 100;
const CULPRIT_CHARS = 200;

/** Sentry's truncation: over `n` characters, the first n-3 and `...`. */
function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, Math.max(0, n - 3))}...` : s;
}

const firstLine = (s: string) => s.split(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/)[0];

export function issueTitle(event: ErrorEvent, grouping: GroupingResult): string {
  if (grouping.rule?.title !== undefined) return expandTitle(grouping.rule.title, event);
  const values = event.exception?.values ?? [];
  if (values.length) {
    const main = grouping.main ?? values[values.length - 1];
    const type = main.mechanism?.synthetic ? undefined : truncate(main.type || 'Error', 128);
    const value = truncate(main.value ?? '', 1024);
    if (type !== undefined) return value ? `${type}: ${truncate(firstLine(value), TITLE_CHARS)}` : type;
    return crashFunction(event) || '<unknown>';
  }
  const message = (event.logentry?.formatted || event.logentry?.message || '').trim();
  return message ? truncate(firstLine(message), TITLE_CHARS) : '<unlabeled event>';
}

/** The function of the crashing frame (not a placeholder name), for titles of synthetic exceptions. */
function crashFunction(event: ErrorEvent): string | undefined {
  const frame = crashFrame(event, (f) => f.function !== '<redacted>' && f.function !== '<unknown>');
  return frame && functionNameForFrame(frame, event.platform);
}

/** Where the error happened: the SDK's culprit or the transaction if given, else from the stack, else the request URL. */
export function issueCulprit(event: ErrorEvent): string {
  if (event.culprit) return event.culprit;
  if (event.transaction) return event.transaction;
  let culprit: string | undefined;
  const values = event.exception?.values;
  if (values?.length) {
    if (values[values.length - 1].mechanism?.synthetic) return '';
    const stacks = values.filter((e) => e.stacktrace?.frames.length);
    culprit = stacks.length ? stackCulprit(stacks[stacks.length - 1], event.platform) : undefined;
  } else if (event.stacktrace?.frames.length) {
    culprit = stackCulprit({ stacktrace: event.stacktrace }, event.platform);
  }
  return truncate(culprit || event.request?.url || '', CULPRIT_CHARS);
}

function stackCulprit(e: ExceptionValue, platform: string | undefined): string | undefined {
  let fallback: string | undefined;
  const frames = e.stacktrace!.frames;
  for (let i = frames.length - 1; i >= 0; i--) {
    if (frames[i].in_app) {
      const c = frameCulprit(frames[i], platform);
      if (c) return c;
    } else {
      fallback ??= frameCulprit(frames[i], platform);
    }
  }
  return fallback;
}

function frameCulprit(frame: Frame, eventPlatform: string | undefined): string {
  const platform = frame.platform ?? eventPlatform;
  if (platform === 'objc' || platform === 'cocoa' || platform === 'native') return frame.function || '?';
  const where = frame.module || frame.filename;
  if (!where) return '';
  if (platform === 'javascript' || platform === 'node') return `${frame.function || '?'}(${where})`;
  return `${where} in ${frame.function || '?'}`;
}
