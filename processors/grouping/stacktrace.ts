import type { Frame, Stacktrace } from '../../pipeline/exceptions/model.js';
import { Component } from './component.js';
import type { Enhancer, ExceptionData } from './enhancer.js';
import { frameComponent } from './frame.js';
import { familyOf } from './functions.js';

export interface GroupingContext {
  enhancer: Enhancer;
  /** The event's platform (frames may override it). */
  platform: string;
}

/**
 * Variants as strategies return them: `!system` is mandatory (every frame), `app` optional (in-app
 * frames only); see {@link resolveVariants}.
 */
export type Variants = Map<string, Component>;

const RECURSION_FIELDS = ['abs_path', 'package', 'module', 'filename', 'function', 'lineno', 'colno'] as const;

function isRecursion(frame: Frame, prev: Frame | undefined): boolean {
  return prev !== undefined && RECURSION_FIELDS.every((k) => frame[k] === prev[k]);
}

function frameIsUrl(frame: Frame): boolean {
  return !!frame.abs_path && /^(?:blob:|file:|http:|https:|applewebdata:)/.test(frame.abs_path);
}

/** The `system` (all frames) and `app` (in-app frames only) stacktrace components of one stack. */
export function stacktraceVariants(stacktrace: Stacktrace, ctx: GroupingContext, exc: ExceptionData): Variants {
  const variants: Variants = new Map();
  for (const variant of ['system', 'app'] as const) {
    const frames = stacktrace.frames;
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
    const main = ctx.enhancer.assembleStacktrace(components, frames, ctx.platform, exc);
    if (!main.hint && !main.contributes) {
      const what = !frames.length ? 'frames' : variant === 'system' || foundInApp ? 'contributing frames' : 'in-app frames';
      main.hint = `ignored because it contains no ${what}`;
    }
    variants.set(variant === 'system' ? '!system' : 'app', main);
  }
  return variants;
}
