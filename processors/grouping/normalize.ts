import type { ErrorEvent, Frame } from '../../pipeline/exceptions/model.js';
import { normalizeFrame } from '../../pipeline/exceptions/normalize.js';
import { exceptionData, type ExceptionData } from './enhancer.js';
import { trimFunctionName } from './functions.js';
import { prepareStack, type GroupingContext } from './stacktrace.js';

/**
 * Prepares an event for grouping as Sentry's intake does before it hashes anything, in place:
 * Relay's normalisation (platform `other` when missing, lower-case level, messages cut to 8192
 * characters, frame paths), function
 * names trimmed where the platform needs it (keeping the SDK's as `raw_function`), the stack
 * trace rules' in-app and category marks, and finally `in_app: false` for frames nobody marked.
 */
export function normalizeForGrouping(event: ErrorEvent, ctx: Omit<GroupingContext, 'platform'>): ErrorEvent {
  event.platform ||= 'other';
  if (event.level) event.level = event.level.toLowerCase();
  for (const e of event.exception?.values ?? []) if (e.value !== undefined) e.value = trimMessage(e.value);
  if (event.logentry?.message !== undefined) event.logentry.message = trimMessage(event.logentry.message);
  if (event.logentry?.formatted !== undefined) event.logentry.formatted = trimMessage(event.logentry.formatted);
  const stacks: [Frame[], ExceptionData][] = [];
  for (const e of event.exception?.values ?? []) if (e.stacktrace?.frames.length) stacks.push([e.stacktrace.frames, exceptionData(e)]);
  if (event.stacktrace?.frames.length) stacks.push([event.stacktrace.frames, {}]);
  for (const t of event.threads?.values ?? []) if (t.stacktrace?.frames.length) stacks.push([t.stacktrace.frames, {}]);
  for (const [frames] of stacks) {
    for (const frame of frames) {
      normalizeFrame(frame);
      trimFunction(frame, event.platform);
    }
  }
  for (const [frames, exc] of stacks) prepareStack(frames, { ...ctx, platform: event.platform }, exc);
  for (const [frames] of stacks) for (const frame of frames) frame.in_app ??= false;
  return event;
}

/** Relay keeps messages to 8192 characters; longer ones end in `...`. */
const MAX_MESSAGE = 8192;

function trimMessage(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 3)}...` : s;
}

function trimFunction(frame: Frame, platform: string): void {
  if (!frame.function || frame.raw_function !== undefined) return;
  const trimmed = trimFunctionName(frame.function, frame.platform ?? platform);
  if (trimmed !== frame.function) {
    frame.raw_function = frame.function;
    frame.function = trimmed;
  }
}
