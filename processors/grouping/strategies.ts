import type { ErrorEvent, ExceptionValue, Thread } from '../../pipeline/exceptions/model.js';
import { Component } from './component.js';
import { chainedExceptionVariants } from './exception.js';
import { normalizeMessage } from './parameterize.js';
import { stacktraceVariants, type GroupingContext, type Variants } from './stacktrace.js';

/** A grouping strategy's output for one event: its variants, or nothing when the event lacks its data. */
export interface StrategyResult {
  name: string;
  variants: Variants;
  /** Whether variants without a contributing stack give way to one with (Sentry's variant processor). */
  preferStacktraces: boolean;
  /** The exception the issue is titled after, when an exception group chose one. */
  main?: ExceptionValue;
}

/** Sentry's strategies in order of precedence: the first one with a contributing variant wins. */
export function runStrategies(event: ErrorEvent, ctx: GroupingContext): StrategyResult[] {
  const out: StrategyResult[] = [];
  const exceptions = event.exception?.values ?? [];
  if (exceptions.length) {
    const { variants, main } = chainedExceptionVariants(exceptions, ctx);
    out.push({ name: 'exception', variants, preferStacktraces: true, main });
  }
  if (event.threads?.values.length) out.push({ name: 'threads', variants: threadsVariants(event.threads.values, ctx), preferStacktraces: true });
  if (event.stacktrace) out.push({ name: 'stacktrace', variants: stacktraceVariants(event.stacktrace, ctx, {}), preferStacktraces: true });
  if (event.template) out.push({ name: 'template', variants: new Map([['default', templateComponent(event.template)]]), preferStacktraces: false });
  if (event.logentry) out.push({ name: 'message', variants: new Map([['default', messageComponent(event.logentry)]]), preferStacktraces: false });
  return out;
}

/** The one crashed thread, else the one current thread, else the only thread; otherwise nothing to go on. */
function threadsVariants(threads: Thread[], ctx: GroupingContext): Variants {
  for (const candidates of [threads.filter((t) => t.crashed), threads.filter((t) => t.current), threads]) {
    if (candidates.length !== 1) continue;
    const stacktrace = candidates[0].stacktrace;
    if (!stacktrace) return new Map([['app', new Component('threads', [], { contributes: false, hint: 'thread has no stacktrace' })]]);
    return new Map([...stacktraceVariants(stacktrace, ctx, {})].map(([name, c]) => [name, new Component('threads', [c])]));
  }
  return new Map([
    [
      'app',
      new Component('threads', [], {
        contributes: false,
        hint: `ignored because does not contain exactly one crashing, one current or just one thread, instead contains ${threads.length} threads`,
      }),
    ],
  ]);
}

/** Template errors (Django, Jinja): the template's file name and the failing line. */
function templateComponent(t: NonNullable<ErrorEvent['template']>): Component {
  const filename = new Component('filename');
  if (t.filename !== undefined) filename.update({ values: [t.filename.split('/').pop()!] });
  const line = new Component('context-line');
  if (t.context_line !== undefined) line.update({ values: [t.context_line] });
  return new Component('template', [filename, line]);
}

/** The message template if the SDK sent one (`Hello %s`), else the formatted message, parameterised. */
function messageComponent(logentry: NonNullable<ErrorEvent['logentry']>): Component {
  const raw = logentry.message || logentry.formatted || '';
  const normalized = normalizeMessage(raw);
  return new Component('message', [normalized], { hint: raw !== normalized ? 'stripped event-specific values' : undefined });
}
