/**
 * `include` / `exclude` selection as upstream's `internal/filter/filterconfig.MatchProperties`
 * (the legacy, non-OTTL matching of the attributes and span processors), limited to the keys
 * Summit supports: `match_type` strict|regexp, `services`, `span_names`, `attributes`,
 * `log_bodies`, `log_severity_texts`, `metric_names`. Upstream's other keys are recognised and
 * rejected with a message saying so.
 */
import type { JSONSchema } from '../../pipeline/component.js';
import type { AnyValue, Attributes, Resource, Signal } from '../../pipeline/model.js';
import { toAnyValue } from '../../pipeline/model-ops.js';
import { compileGoRegex, regexError } from './goregex.js';
import { anyValueEqual, asString, scalarString, typeName, type Problem } from './values.js';
import type { Entry } from '../../pipeline/walk.js';

export interface AttributeMatchConfig {
  key?: string;
  /** Absent: the key only has to exist. */
  value?: unknown;
}

export interface MatchProperties {
  match_type?: string;
  services?: string[];
  span_names?: string[];
  attributes?: AttributeMatchConfig[];
  log_bodies?: string[];
  log_severity_texts?: string[];
  metric_names?: string[];
  /** Upstream's regexp result cache: accepted, and unnecessary here (no effect). */
  regexp?: { cacheenabled?: boolean; cachemaxnumentries?: number };
  resources?: unknown;
  libraries?: unknown;
  span_kinds?: unknown;
  log_severity_number?: unknown;
}

export interface MatchConfig {
  include?: MatchProperties;
  exclude?: MatchProperties;
}

export const MATCH_TYPES = ['strict', 'regexp'] as const;

type ListKey = 'services' | 'span_names' | 'attributes' | 'log_bodies' | 'log_severity_texts' | 'metric_names';
const STRING_LISTS = ['services', 'span_names', 'log_bodies', 'log_severity_texts', 'metric_names'] as const;
const LIST_KEYS: readonly ListKey[] = ['services', 'span_names', 'attributes', 'log_bodies', 'log_severity_texts', 'metric_names'];
const UNSUPPORTED = ['resources', 'libraries', 'span_kinds', 'log_severity_number'] as const;

/** Which keys select what, per signal — as upstream's ValidateForSpans / ForLogs / ForMetrics. */
const KEYS_FOR: Record<Signal, readonly ListKey[]> = {
  traces: ['services', 'span_names', 'attributes'],
  logs: ['attributes', 'log_bodies', 'log_severity_texts'],
  metrics: ['metric_names'],
};
const NOUN: Record<Signal, string> = { traces: 'spans', logs: 'log records', metrics: 'metrics' };

const stringList: JSONSchema = { type: 'array', items: { type: 'string' } };

export const matchPropertiesSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    match_type: { type: 'string', description: MATCH_TYPES.join(' | ') },
    services: stringList,
    span_names: stringList,
    log_bodies: stringList,
    log_severity_texts: stringList,
    metric_names: stringList,
    attributes: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { key: { type: 'string' }, value: {} } },
    },
    regexp: {
      type: 'object',
      additionalProperties: false,
      properties: { cacheenabled: { type: 'boolean' }, cachemaxnumentries: { type: 'integer', minimum: 0 } },
    },
    // Upstream keys Summit does not implement: listed so the error can say that, not "unknown key".
    ...Object.fromEntries(UNSUPPORTED.map((k) => [k, {}])),
  },
};

const present = (mp: MatchProperties, k: ListKey) => Array.isArray(mp[k]) && mp[k]!.length > 0;

/** Checks that hold whatever the signal: match type, patterns, attribute entries, unsupported keys. */
export function matchProblems(cfg: MatchConfig): Problem[] {
  const out: Problem[] = [];
  for (const side of ['include', 'exclude'] as const) {
    const mp = cfg[side];
    if (mp) out.push(...propertiesProblems(mp, side));
  }
  return out;
}

function propertiesProblems(mp: MatchProperties, path: string): Problem[] {
  const out: Problem[] = [];
  for (const k of UNSUPPORTED) {
    if (mp[k] !== undefined) {
      out.push({ path: `${path}.${k}`, message: `"${k}" is not supported by Summit yet; supported keys: match_type, ${LIST_KEYS.join(', ')}` });
    }
  }
  if (!LIST_KEYS.some((k) => present(mp, k)) && !UNSUPPORTED.some((k) => mp[k] !== undefined)) {
    out.push({ path, message: `selects nothing: give at least one of ${LIST_KEYS.join(', ')}` });
  }
  const regexp = mp.match_type === 'regexp';
  if (mp.match_type === undefined) {
    const needed = STRING_LISTS.some((k) => present(mp, k)) || (mp.attributes ?? []).some((a) => a.value !== undefined && a.value !== null);
    if (needed) out.push({ path: `${path}.match_type`, message: `"match_type" is required: one of ${MATCH_TYPES.join(', ')}` });
  } else if (!(MATCH_TYPES as readonly string[]).includes(mp.match_type)) {
    out.push({ path: `${path}.match_type`, message: `unknown match_type "${mp.match_type}": valid types are ${MATCH_TYPES.join(', ')}` });
  }
  if (regexp) {
    for (const k of STRING_LISTS) {
      (mp[k] ?? []).forEach((pattern, i) => {
        const err = regexError(pattern);
        if (err) out.push({ path: `${path}.${k}[${i}]`, message: `invalid regular expression "${pattern}": ${err}` });
      });
    }
  }
  (mp.attributes ?? []).forEach((a, i) => {
    const at = `${path}.attributes[${i}]`;
    if (typeof a?.key !== 'string' || a.key === '') out.push({ path: `${at}.key`, message: '"key" is required and must not be empty' });
    if (!regexp || a?.value === undefined || a.value === null) return;
    const v = toAnyValue(a.value);
    if (typeof v !== 'string') {
      out.push({ path: `${at}.value`, message: `match_type regexp only matches string values, but found ${typeName(v)}` });
      return;
    }
    const err = regexError(v);
    if (err) out.push({ path: `${at}.value`, message: `invalid regular expression "${v}": ${err}` });
  });
  return out;
}

/** Checks that depend on the pipeline's signal: keys that do not apply, or nothing to select on. */
export function signalProblems(signal: Signal, cfg: MatchConfig): Problem[] {
  const out: Problem[] = [];
  const valid = KEYS_FOR[signal];
  for (const side of ['include', 'exclude'] as const) {
    const mp = cfg[side];
    if (!mp) continue;
    for (const k of LIST_KEYS) {
      if (present(mp, k) && !valid.includes(k)) {
        out.push({ path: `${side}.${k}`, message: `"${k}" does not apply to ${NOUN[signal]}; for ${NOUN[signal]} use ${valid.join(', ')}` });
      }
    }
    // An empty selection is reported by matchProblems; here only one that names no key for this signal.
    if (LIST_KEYS.some((k) => present(mp, k)) && !valid.some((k) => present(mp, k))) {
      out.push({ path: side, message: `at least one of ${valid.map((k) => `"${k}"`).join(', ')} must be specified to select ${NOUN[signal]}` });
    }
  }
  return out;
}

/** True when an entry must be left alone: it fails `include`, or it matches `exclude`. */
export type Skip<S extends Signal> = (entry: Entry[S], resource: Resource) => boolean;

/** The skip predicate of an already-checked config; undefined when nothing is excluded. */
export function compileSkip<S extends Signal>(signal: S, cfg: MatchConfig): Skip<S> | undefined {
  const inc = cfg.include && propertiesMatcher(signal, cfg.include);
  const exc = cfg.exclude && propertiesMatcher(signal, cfg.exclude);
  if (inc && exc) return (e, r) => !inc(e, r) || exc(e, r);
  if (inc) return (e, r) => !inc(e, r);
  return exc;
}

type StringMatcher = (s: string) => boolean;

function stringMatcher(mp: MatchProperties, list: string[] | undefined): StringMatcher | undefined {
  if (!list?.length) return undefined;
  if (mp.match_type === 'regexp') {
    const regexes = [...new Set(list)].map(compileGoRegex); // unanchored, as RE2's MatchString
    return (s) => regexes.some((re) => re.test(s));
  }
  const set = new Set(list);
  return (s) => set.has(s);
}

/** Every listed attribute must be present and, where a value is given, match it. */
function attributesMatcher(mp: MatchProperties): (attrs: Attributes) => boolean {
  const checks = (mp.attributes ?? []).map((a): [string, ((v: AnyValue) => boolean) | undefined] => {
    if (a.value === undefined || a.value === null) return [a.key!, undefined];
    const want = toAnyValue(a.value);
    if (mp.match_type === 'regexp') {
      const re = compileGoRegex(want as string);
      return [a.key!, (v) => {
        const s = scalarString(v);
        return s !== undefined && re.test(s);
      }];
    }
    return [a.key!, (v) => anyValueEqual(want, v)];
  });
  if (checks.length === 0) return () => true;
  return (attrs) => {
    for (const [key, test] of checks) {
      const v = attrs.get(key);
      if (v === undefined || (test && !test(v))) return false;
    }
    return true;
  };
}

function serviceName(resource: Resource): string {
  const v = resource.attributes.get('service.name');
  return v === undefined ? '<nil-service-name>' : asString(v);
}

type Matcher<S extends Signal> = (entry: Entry[S], resource: Resource) => boolean;

function propertiesMatcher<S extends Signal>(signal: S, mp: MatchProperties): Matcher<S> {
  const attrs = attributesMatcher(mp);
  if (signal === 'traces') {
    const services = stringMatcher(mp, mp.services);
    const names = stringMatcher(mp, mp.span_names);
    const m: Matcher<'traces'> = (span, resource) =>
      (!services || services(serviceName(resource))) && (!names || names(span.name)) && attrs(span.attributes);
    return m as Matcher<S>;
  }
  if (signal === 'logs') {
    const bodies = stringMatcher(mp, mp.log_bodies);
    const severities = stringMatcher(mp, mp.log_severity_texts);
    const m: Matcher<'logs'> = (record) =>
      (!bodies || bodies(asString(record.body))) && (!severities || severities(record.severityText)) && attrs(record.attributes);
    return m as Matcher<S>;
  }
  const names = stringMatcher(mp, mp.metric_names);
  const m: Matcher<'metrics'> = (metric) => !names || names(metric.name);
  return m as Matcher<S>;
}
