/**
 * Fingerprints: which server rule matches an event, and what `{{ variables }}` in a fingerprint
 * or rule title resolve to, as Sentry resolves them.
 */
import type { ErrorEvent, Frame } from '../../pipeline/exceptions/model.js';
import { familyOf, functionNameForFrame } from './functions.js';
import { globMatch } from './glob.js';
import type { FingerprintMatcher, FingerprintRule } from './fingerprint-rules.js';
import { ruleBool } from './rule-text.js';

type Values = Record<string, string | boolean | undefined>;

/** The parts of an event each kind of matcher looks at, computed once per event as needed. */
class EventValues {
  private cache = new Map<string, Values[]>();
  constructor(private readonly event: ErrorEvent) {}

  get(kind: string): Values[] {
    let v = this.cache.get(kind);
    if (!v) this.cache.set(kind, (v = this.compute(kind)));
    return v;
  }

  private compute(kind: string): Values[] {
    const e = this.event;
    switch (kind) {
      case 'messages':
        return e.logentry?.formatted ? [{ message: e.logentry.formatted }] : [];
      case 'log_info': {
        const info: Values = {};
        if (e.logger) info.logger = e.logger;
        if (e.level) info.level = e.level;
        return Object.keys(info).length ? [info] : [];
      }
      case 'exceptions':
        return (e.exception?.values ?? []).map((x) => ({ type: x.type, value: x.value }));
      case 'toplevel':
        return [...this.get('messages'), ...this.get('exceptions')];
      case 'frames':
        return allFrames(e).map((f) => ({
          function: functionNameForFrame(f, e.platform) || '<unknown>',
          abs_path: f.abs_path || f.filename,
          filename: f.filename,
          module: f.module,
          package: f.package,
          app: f.in_app,
        }));
      case 'tags':
        return [Object.fromEntries((e.tags ?? []).map(([k, v]) => [`tags.${k}`, v]))];
      case 'sdk':
        return [{ sdk: normalizedSdk(e.sdk?.name) }];
      case 'family':
        return [{ family: familyOf(e.platform) }];
      default:
        return [{ release: e.release }];
    }
  }
}

function allFrames(e: ErrorEvent): Frame[] {
  return [
    ...(e.exception?.values ?? []).flatMap((x) => x.stacktrace?.frames ?? []),
    ...(e.stacktrace?.frames ?? []),
    ...(e.threads?.values ?? []).flatMap((t) => t.stacktrace?.frames ?? []),
  ];
}

/**
 * Sentry's normalised SDK tag: `sentry.<platform>` for most SDKs, `sentry.javascript.<framework>`
 * for JavaScript's; names outside Sentry's scheme are `other`.
 */
function normalizedSdk(name: string | undefined): string {
  if (!name?.startsWith('sentry.')) return 'other';
  const parts = name.split('.');
  return parts.slice(0, parts[1] === 'javascript' || parts[1] === 'native' ? 3 : 2).join('.');
}

function kindOf(key: string): string {
  if (key === 'message') return 'toplevel';
  if (key === 'logger' || key === 'level') return 'log_info';
  if (key === 'type' || key === 'value') return 'exceptions';
  if (key.startsWith('tags.')) return 'tags';
  if (key === 'sdk' || key === 'family' || key === 'release') return key;
  return 'frames';
}

function pathMatch(value: unknown, pattern: string): boolean {
  if (typeof value !== 'string') return false;
  const v = value.replace(/\\/g, '/');
  const p = pattern.replace(/\\/g, '/');
  const opts = { separator: true, ignoreCase: true, dotAll: true };
  return globMatch(v, p, opts) || (!v.startsWith('/') && globMatch(`/${v}`, p, opts));
}

function positiveMatch(m: FingerprintMatcher, values: Values): boolean {
  if (m.key === 'path') return pathMatch(values.abs_path, m.pattern) || pathMatch(values.filename, m.pattern);
  // A message rule also tests exception values: that is what users expect.
  if (m.key === 'message') return [values.message, values.value].some((v) => typeof v === 'string' && globMatch(v, m.pattern, { ignoreCase: true, dotAll: true }));
  const value = values[m.key];
  if (value === undefined) return false;
  if (m.key === 'package' || m.key === 'release') return pathMatch(value, m.pattern);
  if (m.key === 'family' || m.key === 'sdk') {
    const flags = m.pattern.split(',');
    return flags.includes('all') || flags.includes(String(value));
  }
  if (m.key === 'app') return value === ruleBool(m.pattern);
  const ignoreCase = m.key === 'level' || m.key === 'value';
  return typeof value === 'string' && globMatch(value, m.pattern, { ignoreCase, dotAll: true });
}

/** The first rule that matches (project rules before built-in ones, as given), if any. */
export function matchFingerprintRule(rules: FingerprintRule[], event: ErrorEvent): FingerprintRule | undefined {
  if (!rules.length) return undefined;
  const values = new EventValues(event);
  return rules.find((rule) => {
    const byKind = new Map<string, FingerprintMatcher[]>();
    for (const m of rule.matchers) byKind.set(kindOf(m.key), [...(byKind.get(kindOf(m.key)) ?? []), m]);
    return [...byKind].every(([kind, matchers]) => values.get(kind).some((v) => matchers.every((m) => positiveMatch(m, v) !== m.negated)));
  });
}

const VARIABLE = /\{\{\s*(\S+)\s*\}\}/;
const VARIABLES = new RegExp(VARIABLE.source, 'g');

/**
 * The frame an issue points at: the newest in-app frame of the raised exception's stack (or of
 * the event's only stack), else its newest frame.
 */
export function crashFrame(e: ErrorEvent, usable: (f: Frame) => boolean = () => true): Frame | undefined {
  const values = e.exception?.values ?? [];
  let frames = values[values.length - 1]?.stacktrace?.frames;
  if (!frames?.length) frames = e.stacktrace?.frames;
  if (!frames?.length && e.threads?.values.length === 1) frames = e.threads.values[0].stacktrace?.frames;
  let fallback: Frame | undefined;
  for (let i = (frames?.length ?? 0) - 1; i >= 0; i--) {
    if (!usable(frames![i])) continue;
    if (frames![i].in_app) return frames![i];
    fallback ??= frames![i];
  }
  return fallback;
}

/** A variable's value, or undefined for names Sentry does not know (the text then stays as written). */
function variableValue(name: string, e: ErrorEvent): string | undefined {
  const last = e.exception?.values[e.exception.values.length - 1];
  const frame = () => crashFrame(e);
  switch (name) {
    case 'transaction':
      return e.transaction || '<no-transaction>';
    case 'message':
      return e.logentry?.formatted || e.logentry?.message || last?.value || '<no-message>';
    case 'type':
    case 'error.type':
      return last?.type || '<no-type>';
    case 'value':
    case 'error.value':
      return last?.value || '<no-value>';
    case 'function':
    case 'stack.function':
      return frame()?.function || '<no-function>';
    case 'path':
    case 'stack.abs_path': {
      const f = frame();
      return f?.abs_path || f?.filename || '<no-abs-path>';
    }
    case 'stack.filename': {
      const f = frame();
      return f?.filename || f?.abs_path || '<no-filename>';
    }
    case 'module':
    case 'stack.module':
      return frame()?.module || '<no-module>';
    case 'package':
    case 'stack.package':
      return frame()?.package?.split('/').pop()?.split('\\').pop() || '<no-package>';
    case 'level':
      return e.level || '<no-level>';
    case 'logger':
      return e.logger || '<no-logger>';
  }
  if (name.startsWith('tags.')) {
    const tag = name.slice(5);
    return e.tags?.find(([k]) => k === tag)?.[1] ?? `<no-value-for-tag-${tag}>`;
  }
  return undefined;
}

/** Fingerprint entries with their variables resolved (`{{ default }}` is left for the caller). */
export function resolveFingerprint(fingerprint: string[], e: ErrorEvent): string[] {
  return fingerprint.map((v) => {
    const m = VARIABLE.exec(v);
    if (!m || m.index !== 0 || m[0].length !== v.length) return v;
    return variableValue(m[1], e) ?? v;
  });
}

/** A rule's `title="..."` with its variables filled in. */
export function expandTitle(template: string, e: ErrorEvent): string {
  return template.replace(VARIABLES, (whole, name: string) => variableValue(name, e) ?? whole);
}
