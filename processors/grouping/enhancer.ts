import type { ExceptionValue, Frame } from '../../pipeline/exceptions/model.js';
import { Component } from './component.js';
import { familyOf, functionNameForFrame } from './functions.js';
import { globMatch } from './glob.js';
import { ruleBool } from './rule-text.js';
import type { Action, FrameMatcher, StacktraceRule } from './stacktrace-rules.js';

/** What rules test a frame on: computed once per stack, updated as rules set in-app and categories. */
interface MatchFrame {
  category?: string;
  family: string;
  function: string;
  in_app?: boolean;
  module?: string;
  package?: string;
  path?: string;
}

/** The exception a stack belongs to, for `error.type` / `error.value` / `error.mechanism`. */
export interface ExceptionData {
  type?: string;
  value?: string;
  mechanism?: string;
}

export function exceptionData(e: ExceptionValue | undefined): ExceptionData {
  return e ? { type: e.type, value: e.value, mechanism: e.mechanism?.type } : {};
}

function matchFrame(frame: Frame, platform: string | undefined): MatchFrame {
  const path = frame.abs_path || frame.filename;
  return {
    category: typeof frame.data?.category === 'string' ? frame.data.category : undefined,
    family: familyOf(frame.platform ?? platform),
    function: functionNameForFrame(frame, platform) || '<unknown>',
    in_app: frame.in_app,
    module: frame.module,
    package: frame.package?.toLowerCase(),
    path: path?.toLowerCase(),
  };
}

/** Path-like values match with `/` as separator, and also as if rooted (`foo/x.py` as `/foo/x.py`). */
function pathMatch(value: string | undefined, pattern: string): boolean {
  if (value === undefined) return false;
  const v = value.replace(/\\/g, '/');
  const p = pattern.toLowerCase().replace(/\\/g, '/');
  return globMatch(v, p, { separator: true, ignoreCase: true }) || (!v.startsWith('/') && globMatch(`/${v}`, p, { separator: true, ignoreCase: true }));
}

function fieldMatch(value: string | undefined, pattern: string): boolean {
  return value !== undefined && globMatch(value, pattern, { ignoreCase: true });
}

function positiveMatch(m: FrameMatcher, f: MatchFrame, exc: ExceptionData): boolean {
  switch (m.key) {
    case 'path':
      return pathMatch(f.path, m.pattern);
    case 'package':
      return pathMatch(f.package, m.pattern);
    case 'function':
      return fieldMatch(f.function, m.pattern);
    case 'module':
      return fieldMatch(f.module, m.pattern);
    case 'category':
      return fieldMatch(f.category, m.pattern);
    case 'family': {
      const flags = m.pattern.split(',');
      return flags.includes('all') || flags.includes(f.family);
    }
    case 'app': {
      const ref = ruleBool(m.pattern);
      return ref !== undefined && ref === f.in_app;
    }
    case 'type':
    case 'value':
    case 'mechanism':
      return fieldMatch(exc[m.key] || '<unknown>', m.pattern);
  }
}

function matches(m: FrameMatcher, frames: MatchFrame[], idx: number, exc: ExceptionData): boolean {
  const at = m.relative === 'caller' ? idx - 1 : m.relative === 'callee' ? idx + 1 : idx;
  if (at < 0 || at >= frames.length) return false;
  return positiveMatch(m, frames[at], exc) !== m.negated;
}

function matchingIndices(rule: StacktraceRule, frames: MatchFrame[], exc: ExceptionData): number[] {
  const out: number[] = [];
  for (let i = 0; i < frames.length; i++) if (rule.matchers.every((m) => matches(m, frames, i, exc))) out.push(i);
  return out;
}

/** The frames an action applies to: the matched one, or (`^`) those after it, (`v`) those before it. */
function range<T>(items: T[], idx: number, action: Action): T[] {
  if (action.kind === 'var' || !action.range) return [items[idx]];
  return action.range === 'down' ? items.slice(0, idx) : items.slice(idx + 1);
}

const setsFrames = (a: Action) => (a.kind === 'flag' && a.key === 'app') || (a.kind === 'var' && a.name === 'category');
const affectsGrouping = (a: Action) => a.kind === 'flag' || (a.kind === 'var' && a.name !== 'category');

/** A rule set split, as Sentry applies it, into what changes frames and what changes grouping. */
export class Enhancer {
  private readonly modifiers: StacktraceRule[];
  private readonly updaters: StacktraceRule[];

  constructor(rules: StacktraceRule[]) {
    this.modifiers = rules.filter((r) => r.actions.some(setsFrames)).map((r) => ({ ...r, actions: r.actions.filter(setsFrames) }));
    this.updaters = rules.filter((r) => r.actions.some(affectsGrouping)).map((r) => ({ ...r, actions: r.actions.filter(affectsGrouping) }));
  }

  /**
   * Sets `in_app` and `data.category` on the frames of one stack, rule by rule in order (a later
   * rule sees what earlier ones set). The value the SDK sent is kept in `data.orig_in_app`.
   */
  applyToFrames(frames: Frame[], platform: string | undefined, exc: ExceptionData): void {
    const mfs = frames.map((f) => matchFrame(f, platform));
    for (const rule of this.modifiers) {
      for (const idx of matchingIndices(rule, mfs, exc)) {
        for (const action of rule.actions) {
          if (action.kind === 'var' && action.name === 'category') {
            (frames[idx].data ??= {}).category = action.value;
            mfs[idx].category = action.value;
          } else if (action.kind === 'flag') {
            for (const i of range(frames.map((_, j) => j), idx, action)) {
              setInApp(frames[i], action.flag);
              mfs[i].in_app = action.flag;
            }
          }
        }
      }
    }
  }

  /**
   * Builds the `stacktrace` component from its frames' components: `+group`/`-group` switch
   * frames on or off, `max-frames` keeps only the frames nearest the crash, and `min-frames`
   * discards a stack with too few contributing frames.
   */
  assembleStacktrace(components: Component[], frames: Frame[], platform: string | undefined, exc: ExceptionData): Component {
    const mfs = frames.map((f) => matchFrame(f, platform));
    const vars = new Map<string, { value: number; rule: StacktraceRule }>();
    for (const rule of this.updaters) {
      for (const idx of matchingIndices(rule, mfs, exc)) {
        for (const action of rule.actions) {
          if (action.kind === 'var') {
            if (action.name !== 'category' && action.name !== 'invert-stacktrace') vars.set(action.name, { value: action.value, rule });
            continue;
          }
          const targets = range(components.map((c, i) => [c, frames[i]] as const), idx, action);
          for (const [component, frame] of targets) {
            if (action.key === 'group' && action.flag !== component.contributes) {
              component.update({ contributes: action.flag, hint: `${action.flag ? 'un-ignored' : 'ignored'} by stack trace rule (${rule.text})` });
            } else if (action.key === 'app' && inAppChanged(frame, component, action.flag)) {
              component.update({ hint: `marked ${action.flag ? 'in-app' : 'out of app'} by stack trace rule (${rule.text})` });
            }
          }
        }
      }
    }
    const max = vars.get('max-frames');
    if (max && max.value > 0) {
      let seen = 0;
      for (let i = components.length - 1; i >= 0; i--) {
        if (!components[i].contributes || ++seen <= max.value) continue;
        components[i].update({
          contributes: false,
          hint: `ignored because only ${max.value} ${max.value === 1 ? 'frame is' : 'frames are'} considered by stack trace rule (${max.rule.text})`,
        });
      }
    }
    const stacktrace = new Component('stacktrace', components);
    const min = vars.get('min-frames');
    const count = components.filter((c) => c.contributes).length;
    if (min && count > 0 && count < min.value) {
      stacktrace.update({
        contributes: false,
        hint: `discarded because stack trace only contains ${count} frame${count === 1 ? '' : 's'} which is under the configured threshold by stack trace rule (${min.rule.text})`,
      });
    }
    return stacktrace;
  }
}

function setInApp(frame: Frame, value: boolean): void {
  if (frame.in_app === value) return;
  const data = (frame.data ??= {});
  if (data.orig_in_app === undefined) data.orig_in_app = frame.in_app === undefined ? -1 : Number(frame.in_app);
  frame.in_app = value;
}

function inAppChanged(frame: Frame, component: Component, flag: boolean): boolean {
  const orig = frame.data?.orig_in_app;
  if (orig === undefined) return flag === component.contributes;
  return (orig === -1 ? undefined : Boolean(orig)) !== frame.in_app;
}
