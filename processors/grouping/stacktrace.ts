import type { Frame, Stacktrace } from '../../pipeline/exceptions/model.js';
import { Component } from './component.js';
import { applyEffects, type Enhancer, type ExceptionData, type FrameEffect } from './enhancer.js';
import { CONTEXT_LINE_PLATFORMS, frameComponent } from './frame.js';
import { familyOf } from './functions.js';
import { Lru } from '../../pipeline/lru.js';

/** A stack's variant as built once; frame components are never changed after assembly, so they are shared. */
interface CachedStack {
  frames: Component[];
  contributes: boolean;
  hint?: string;
}

/**
 * What grouping derived from one stack, kept for the next event with the same stack (the same
 * code path fails over and over; matching a few hundred rules against every frame is most of
 * grouping's work, so Sentry caches it too): the rules' in-app and category marks, and the
 * stack's two variants once built.
 */
interface StackEntry {
  effects: FrameEffect[];
  variants?: [system: CachedStack, app: CachedStack];
}

export type StackCache = Lru<StackEntry>;

/** The entry each stack of the event being grouped was prepared with. */
const prepared = new WeakMap<Frame[], StackEntry>();

export interface GroupingContext {
  enhancer: Enhancer;
  /** The event's platform (frames may override it). */
  platform: string;
  stacks: StackCache;
}

/**
 * Variants as strategies return them: `!system` is mandatory (every frame), `app` optional (in-app
 * frames only); see `resolveVariants` in grouping.ts.
 */
export type Variants = Map<string, Component>;

const RECURSION_FIELDS = ['abs_path', 'package', 'module', 'filename', 'function', 'lineno', 'colno'] as const;

function isRecursion(frame: Frame, prev: Frame | undefined): boolean {
  return prev !== undefined && RECURSION_FIELDS.every((k) => frame[k] === prev[k]);
}

function frameIsUrl(frame: Frame): boolean {
  return !!frame.abs_path && /^(?:blob:|file:|http:|https:|applewebdata:)/.test(frame.abs_path);
}

/**
 * Everything rules and components read from a stack, as one string: the frames' fields as the
 * SDK sent them, which frames repeat their caller, and the exception's verdicts from `error.*`
 * rules. Line numbers count only through recursion.
 */
function stackKey(frames: Frame[], ctx: Omit<GroupingContext, 'stacks'>, exc: ExceptionData): string {
  let key = `${ctx.platform}\u0001${ctx.enhancer.exceptionVerdicts(exc)}`;
  frames.forEach((f, i) => {
    const platform = f.platform ?? ctx.platform;
    const line = CONTEXT_LINE_PLATFORMS.has(platform) ? f.context_line : undefined;
    // The file name is usually the path again; it is written once then.
    const filename = f.filename === f.abs_path ? '\u0003' : f.filename;
    key += `\u0002${platform}\u0001${f.abs_path}\u0001${filename}\u0001${f.module}\u0001${f.function}\u0001${f.raw_function}\u0001${f.package}\u0001${f.in_app}\u0001${line}\u0001${f.data?.sourcemap != null}\u0001${f.data?.category}\u0001${isRecursion(f, frames[i - 1])}`;
  });
  return key;
}

/** Applies the stack trace rules' in-app and category marks to a stack, as remembered for equal stacks. */
export function prepareStack(frames: Frame[], ctx: GroupingContext, exc: ExceptionData): void {
  const key = stackKey(frames, ctx, exc);
  let entry = ctx.stacks.get(key);
  if (!entry) {
    entry = { effects: ctx.enhancer.frameEffects(frames, ctx.platform, exc) };
    ctx.stacks.set(key, entry);
  }
  applyEffects(frames, entry.effects);
  prepared.set(frames, entry);
}

/** The `system` (all frames) and `app` (in-app frames only) stacktrace components of one stack. */
export function stacktraceVariants(stacktrace: Stacktrace, ctx: GroupingContext, exc: ExceptionData): Variants {
  const entry = prepared.get(stacktrace.frames);
  const built = entry?.variants ?? buildVariants(stacktrace.frames, ctx, exc);
  if (entry) entry.variants = built;
  const [system, app] = built.map((c) => new Component('stacktrace', c.frames, { contributes: c.contributes, hint: c.hint }));
  return new Map([
    ['!system', system],
    ['app', app],
  ]);
}

function buildVariants(frames: Frame[], ctx: GroupingContext, exc: ExceptionData): [CachedStack, CachedStack] {
  const matches = ctx.enhancer.matchStack(frames, ctx.platform, exc);
  const out = (['system', 'app'] as const).map((variant): CachedStack => {
    const components: Component[] = [];
    let foundInApp = false;
    frames.forEach((frame, i) => {
      const c = frameComponent(frame, ctx.platform, isRecursion(frame, frames[i - 1]));
      if (variant === 'app') {
        if (frame.in_app) foundInApp = true;
        else c.update({ contributes: false, hint: 'non app frame' });
      }
      components.push(c);
    });
    // A lone anonymous frame pointing at a page URL is what every script error has.
    if (frames.length === 1 && components[0].contributes && familyOf(frames[0].platform ?? ctx.platform) === 'javascript' && !frames[0].function && frameIsUrl(frames[0])) {
      components[0].update({ contributes: false, hint: 'ignored single non-URL JavaScript frame' });
    }
    const main = ctx.enhancer.assembleStacktrace(components, frames, matches);
    if (!main.hint && !main.contributes) {
      const what = !frames.length ? 'frames' : variant === 'system' || foundInApp ? 'contributing frames' : 'in-app frames';
      main.hint = `ignored because it contains no ${what}`;
    }
    return { frames: components.map((c) => c.freeze()), contributes: main.contributes, ...(main.hint !== undefined && { hint: main.hint }) };
  });
  return [out[0], out[1]];
}
