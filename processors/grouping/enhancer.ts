import type { ExceptionValue, Frame } from '../../pipeline/exceptions/model.js';
import { Component } from './component.js';
import { familyOf, functionNameForFrame } from './functions.js';
import { compileGlob, lowerCaseGlobTest } from './glob.js';
import { ruleBool } from './rule-text.js';
import type { Action, FrameMatcher, StacktraceRule } from './stacktrace-rules.js';

/**
 * What rules test a frame on: computed once per stack, updated as rules set in-app and
 * categories. Every text is lower-cased: Sentry's rule matching ignores case.
 */
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
    category: typeof frame.data?.category === 'string' ? frame.data.category.toLowerCase() : undefined,
    family: familyOf(frame.platform ?? platform),
    function: (functionNameForFrame(frame, platform) || '<unknown>').toLowerCase(),
    in_app: frame.in_app,
    module: frame.module?.toLowerCase(),
    // Path-like values match with `/` as separator.
    package: frame.package?.toLowerCase().replace(/\\/g, '/'),
    path: path?.toLowerCase().replace(/\\/g, '/'),
  };
}

/** A matcher ready to run: its glob compiled once, cheap tests ordered first. */
interface CompiledMatcher {
  cost: number;
  test(frames: MatchFrame[], idx: number): boolean;
}

interface CompiledRule {
  rule: StacktraceRule;
  /** `error.*` matchers: the same answer for every frame of a stack. */
  exception: ((exc: ExceptionData) => boolean)[];
  frame: CompiledMatcher[];
  /** The families a `family:` matcher demands of the frame itself, if it has one; most rules are for one family. */
  families?: Set<string>;
}

function compileMatcher(m: FrameMatcher): { exception?: (exc: ExceptionData) => boolean; frame?: CompiledMatcher } {
  const negate = (test: (f: MatchFrame) => boolean) => (f: MatchFrame) => test(f) !== m.negated;
  let own: (f: MatchFrame) => boolean;
  let cost = 2;
  switch (m.key) {
    case 'type':
    case 'value':
    case 'mechanism': {
      const re = compileGlob(m.pattern, { ignoreCase: true });
      const key = m.key;
      return { exception: (exc) => re.test(exc[key] || '<unknown>') !== m.negated };
    }
    case 'path':
    case 'package': {
      // Also as if rooted, so `foo/x.py` matches `/foo/**`.
      const test = lowerCaseGlobTest(m.pattern.replace(/\\/g, '/'), true);
      const key = m.key;
      own = (f) => {
        const v = f[key];
        return v !== undefined && (test(v) || (!v.startsWith('/') && test(`/${v}`)));
      };
      break;
    }
    case 'function':
    case 'module':
    case 'category': {
      const test = lowerCaseGlobTest(m.pattern, false);
      const key = m.key;
      own = (f) => f[key] !== undefined && test(f[key]!);
      cost = key === 'category' ? 1 : 2;
      break;
    }
    case 'family': {
      const flags = new Set(m.pattern.split(','));
      own = (f) => flags.has('all') || flags.has(f.family);
      cost = 0;
      break;
    }
    case 'app': {
      const ref = ruleBool(m.pattern);
      own = (f) => ref !== undefined && ref === f.in_app;
      cost = 0;
      break;
    }
  }
  const test = negate(own);
  const offset = m.relative === 'caller' ? -1 : m.relative === 'callee' ? 1 : 0;
  if (!offset) return { frame: { cost, test: (frames, idx) => test(frames[idx]) } };
  return {
    frame: {
      cost: cost + 5,
      test: (frames, idx) => idx + offset >= 0 && idx + offset < frames.length && test(frames[idx + offset]),
    },
  };
}

function compileRule(rule: StacktraceRule): CompiledRule {
  const compiled: CompiledRule = { rule, exception: [], frame: [] };
  for (const m of rule.matchers) {
    const c = compileMatcher(m);
    if (c.exception) compiled.exception.push(c.exception);
    if (c.frame) compiled.frame.push(c.frame);
    if (m.key === 'family' && !m.negated && !m.relative && !m.pattern.split(',').includes('all')) compiled.families = new Set(m.pattern.split(','));
  }
  compiled.frame.sort((a, b) => a.cost - b.cost);
  return compiled;
}

/** The families present in a stack: rules for other families are skipped without looking at frames. */
function familiesOf(frames: MatchFrame[]): Set<string> {
  const out = new Set<string>();
  for (const f of frames) out.add(f.family);
  return out;
}

function matchingIndices(rule: CompiledRule, frames: MatchFrame[], exc: ExceptionData, families: Set<string>): number[] {
  if (rule.families && ![...rule.families].some((f) => families.has(f))) return NONE;
  for (const t of rule.exception) if (!t(exc)) return NONE;
  let out: number[] | undefined;
  const matchers = rule.frame;
  frames: for (let i = 0; i < frames.length; i++) {
    for (const m of matchers) if (!m.test(frames, i)) continue frames;
    (out ??= []).push(i);
  }
  return out ?? NONE;
}

const NONE: number[] = [];

/** The frames an action applies to: the matched one, or (`^`) those after it, (`v`) those before it. */
function range<T>(items: T[], idx: number, action: Action): T[] {
  if (action.kind === 'var' || !action.range) return [items[idx]];
  return action.range === 'down' ? items.slice(0, idx) : items.slice(idx + 1);
}

/** Which grouping rules matched which frames of one stack (the same for its app and system variants). */
export type RuleMatches = [CompiledRule, number[]][];

const setsFrames = (a: Action) => (a.kind === 'flag' && a.key === 'app') || (a.kind === 'var' && a.name === 'category');
const affectsGrouping = (a: Action) => a.kind === 'flag' || (a.kind === 'var' && a.name !== 'category');

/** What the frame rules did to one frame: its in-app mark and category afterwards (undefined: untouched). */
export type FrameEffect = { in_app: boolean | undefined; category: string | undefined };

/** A rule set split, as Sentry applies it, into what changes frames and what changes grouping. */
export class Enhancer {
  private readonly modifiers: CompiledRule[];
  private readonly updaters: CompiledRule[];
  private readonly withExceptionMatchers: CompiledRule[];

  constructor(rules: StacktraceRule[]) {
    this.modifiers = rules.filter((r) => r.actions.some(setsFrames)).map((r) => compileRule({ ...r, actions: r.actions.filter(setsFrames) }));
    this.updaters = rules.filter((r) => r.actions.some(affectsGrouping)).map((r) => compileRule({ ...r, actions: r.actions.filter(affectsGrouping) }));
    this.withExceptionMatchers = [...this.modifiers, ...this.updaters].filter((r) => r.exception.length);
  }

  /** Which rules' `error.*` conditions the exception meets, as a string of 0s and 1s (for cache keys). */
  exceptionVerdicts(exc: ExceptionData): string {
    return this.withExceptionMatchers.map((r) => (r.exception.every((t) => t(exc)) ? '1' : '0')).join('');
  }

  /**
   * What the in-app and category rules do to the frames of one stack, rule by rule in order (a
   * later rule sees what earlier ones set); see {@link applyEffects}.
   */
  frameEffects(frames: Frame[], platform: string | undefined, exc: ExceptionData): FrameEffect[] {
    const mfs = frames.map((f) => matchFrame(f, platform));
    const effects: FrameEffect[] = mfs.map(() => ({ in_app: undefined, category: undefined }));
    const families = familiesOf(mfs);
    for (const rule of this.modifiers) {
      for (const idx of matchingIndices(rule, mfs, exc, families)) {
        for (const action of rule.rule.actions) {
          if (action.kind === 'var' && action.name === 'category') {
            effects[idx].category = action.value;
            mfs[idx].category = action.value.toLowerCase();
          } else if (action.kind === 'flag') {
            const [from, to] = !action.range ? [idx, idx + 1] : action.range === 'down' ? [0, idx] : [idx + 1, mfs.length];
            for (let i = from; i < to; i++) effects[i].in_app = mfs[i].in_app = action.flag;
          }
        }
      }
    }
    return effects;
  }

  /** Which grouping rules match which frames (after {@link applyToFrames} set in-app and categories). */
  matchStack(frames: Frame[], platform: string | undefined, exc: ExceptionData): RuleMatches {
    const mfs = frames.map((f) => matchFrame(f, platform));
    const families = familiesOf(mfs);
    const out: RuleMatches = [];
    for (const rule of this.updaters) {
      const indices = matchingIndices(rule, mfs, exc, families);
      if (indices.length) out.push([rule, indices]);
    }
    return out;
  }

  /**
   * Builds the `stacktrace` component from its frames' components: `+group`/`-group` switch
   * frames on or off, `max-frames` keeps only the frames nearest the crash, and `min-frames`
   * discards a stack with too few contributing frames.
   */
  assembleStacktrace(components: Component[], frames: Frame[], matches: RuleMatches): Component {
    const vars = new Map<string, { value: number; rule: StacktraceRule }>();
    for (const [{ rule }, indices] of matches) {
      for (const idx of indices) {
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

/** Sets what {@link Enhancer.frameEffects} computed; the value the SDK sent is kept in `data.orig_in_app`. */
export function applyEffects(frames: Frame[], effects: FrameEffect[]): void {
  effects.forEach((effect, i) => {
    if (effect.in_app !== undefined) setInApp(frames[i], effect.in_app);
    if (effect.category !== undefined) (frames[i].data ??= {}).category = effect.category;
  });
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
