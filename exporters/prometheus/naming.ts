/**
 * OTLP metric and attribute names to Prometheus names, as the Collector's prometheus exporter
 * does it (prometheus/otlptranslator's MetricNamer and LabelNamer): illegal characters to `_`,
 * UCUM units to suffixes (`s` → `_seconds`, `By` → `_bytes`, `{...}` annotations dropped),
 * `_total` on monotonic counters, `_ratio` on gauges of unit `1`.
 */

import { utf8LongerThan, utf8Prefix } from '../../pipeline/text-limit.js';

/** otlptranslator's metric types: only MonotonicCounter and Gauge change the name. */
export type TranslatorType = 'gauge' | 'monotonicCounter' | 'nonMonotonicCounter' | 'histogram' | 'exponentialHistogram' | 'summary';

const UNIT_MAP: Record<string, string> = {
  // time
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  // bytes
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  // SI
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  // misc
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

const PER_UNIT_MAP: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

const has = (o: Record<string, string>, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** The main and "per" unit suffixes of a UCUM unit, before character clean-up. */
export function unitSuffixes(unit: string): { main: string; per: string } {
  const slash = unit.indexOf('/');
  const mainOtel = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  let main = '';
  if (mainOtel !== '' && !/[{}]/.test(mainOtel)) main = has(UNIT_MAP, mainOtel) ? UNIT_MAP[mainOtel] : mainOtel;
  let per = '';
  if (slash >= 0 && unit.length > slash + 1) {
    const perOtel = unit.slice(slash + 1).trim();
    if (perOtel !== '' && !/[{}]/.test(perOtel)) per = has(PER_UNIT_MAP, perOtel) ? PER_UNIT_MAP[perOtel] : perOtel;
    if (per !== '') per = `per_${per}`;
  }
  return { main, per };
}

const isMetricChar = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 58; /* a-z A-Z 0-9 : */

/** Splits on every character that is not [a-zA-Z0-9:] (so `_` separates too, and runs collapse). */
function tokens(name: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < name.length; i++) {
    const ok = isMetricChar(name.charCodeAt(i));
    if (ok && start < 0) start = i;
    else if (!ok && start >= 0) {
      out.push(name.slice(start, i));
      start = -1;
    }
  }
  if (start >= 0) out.push(name.slice(start));
  return out;
}

/** Invalid characters to `_`, runs of `_` to one, no leading `_`. */
function cleanUpUnit(unit: string): string {
  let s = '';
  for (let i = 0; i < unit.length; i++) s += isMetricChar(unit.charCodeAt(i)) ? unit[i] : '_';
  return s.replace(/__+/g, '_').replace(/^_/, '');
}

const isDigit = (s: string) => s.length > 0 && s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57;

export interface MetricNamer {
  namespace: string;
  withSuffixes: boolean;
  utf8Allowed: boolean;
}

/**
 * The Prometheus name of an OTLP metric, or an Error when nothing legal is left of it.
 * With utf8Allowed the name keeps its characters (the exposition escapes them later).
 */
export function metricName(namer: MetricNamer, name: string, unit: string, type: TranslatorType): string | Error {
  const out = namer.utf8Allowed ? utf8MetricName(namer, name, unit, type) : compliantMetricName(namer, name, unit, type);
  if (out === '') return new Error(`normalization for metric "${name}" resulted in empty name`);
  if (out !== name && /^_+$/.test(out)) return new Error(`normalization for metric "${name}" resulted in invalid name "${out}"`);
  return out;
}

function compliantMetricName(namer: MetricNamer, name: string, unit: string, type: TranslatorType): string {
  const namespace = namer.namespace ? tokens(namer.namespace).join('_') : '';
  if (!namer.withSuffixes) {
    const base = name.split(/[^a-zA-Z0-9:_]+/).filter(Boolean).join('_');
    if (namespace) return `${namespace}_${base}`;
    return isDigit(base) ? `_${base}` : base;
  }
  let parts = tokens(name);
  const { main, per } = unitSuffixes(unit);
  let mainSuffix = cleanUpUnit(main);
  let perSuffix = cleanUpUnit(per);
  if (parts.includes(mainSuffix)) mainSuffix = '';
  if (perSuffix === 'per_') perSuffix = '';
  else {
    perSuffix = perSuffix.replace(/_$/, '');
    if (parts.includes(perSuffix)) perSuffix = '';
  }
  if (perSuffix !== '') mainSuffix = mainSuffix.replace(/_$/, '');
  if (mainSuffix !== '') parts.push(mainSuffix);
  if (perSuffix !== '') parts.push(perSuffix);
  if (type === 'monotonicCounter') parts = [...parts.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && type === 'gauge') parts = [...parts.filter((t) => t !== 'ratio'), 'ratio'];
  if (namespace) parts.unshift(namespace);
  const joined = parts.join('_');
  return isDigit(joined) ? `_${joined}` : joined;
}

function trimSuffixAndDelimiter(name: string, suffix: string): string {
  return name.endsWith(suffix) && name.length > suffix.length + 1 ? name.slice(0, name.length - suffix.length - 1) : name;
}

function utf8MetricName(namer: MetricNamer, input: string, unit: string, type: TranslatorType): string {
  let name = namer.namespace ? `${namer.namespace}_${input}` : input;
  if (!namer.withSuffixes) return name;
  const after: string[] = [];
  if (unit === '1' && type === 'gauge') {
    name = trimSuffixAndDelimiter(name, 'ratio');
    after.unshift('_ratio');
  }
  if (type === 'monotonicCounter') {
    name = trimSuffixAndDelimiter(name, 'total');
    after.unshift('_total');
  }
  const { main, per } = unitSuffixes(unit);
  if (per !== '') {
    name = trimSuffixAndDelimiter(name, per);
    after.unshift(`_${per}`);
  }
  if (main !== '' && !name.endsWith(main)) name = `${name}_${main}`;
  return name + after.join('');
}

/** LabelNamer.Build: invalid characters to `_`, a leading digit or single `_` prefixed with `key`. */
export function labelName(label: string, utf8Allowed: boolean): string | Error {
  if (label === '') return new Error(`normalization for label name "${label}" resulted in empty name`);
  if (utf8Allowed) return label;
  let s = '';
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    s += (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 ? label[i] : '_';
  }
  if (isDigit(s)) s = `key_${s}`;
  else if (s.startsWith('_') && !s.startsWith('__')) s = `key${s}`;
  if (s !== label && /^_+$/.test(s)) return new Error(`normalization for label name "${label}" resulted in invalid name "${s}"`);
  return s;
}

const LEGACY_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Prometheus's "underscores" escaping of a UTF-8 name for a scraper that did not ask for UTF-8
 * names: each character not legal in a classic name becomes `_` (a leading digit too).
 */
export function escapeName(name: string, label = false): string {
  if ((label ? LEGACY_LABEL : LEGACY_NAME).test(name)) return name;
  let s = '';
  let i = 0;
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c === 58 && !label) || (c >= 48 && c <= 57 && i > 0);
    s += ok && ch.length === 1 ? ch : '_';
    i++;
  }
  return s;
}

/** A name or value as a log line (or a memo of what was logged) may quote it: at most 64 bytes, and its size when cut. */
export function shown(s: string): string {
  return utf8LongerThan(s, 64) ? `${utf8Prefix(s, 64)}… (${Buffer.byteLength(s)} bytes)` : s;
}

/** Mimir's and Cortex's limits for what they accept, the defaults of the exporter's keys of the same names. */
export const NAME_LIMITS = { max_label_name_length: 1024, max_label_value_length: 2048 };

/** The error for a name or value over its limit (named by its config key). */
export const overLimit = (what: string, s: string, key: keyof typeof NAME_LIMITS, max: number): Error =>
  new Error(`${what} "${shown(s)}" is longer than ${key} (${max} bytes)`);

/** A bounded memo for label names: attribute keys repeat across every data point. */
export class LabelNameCache {
  private readonly map = new Map<string, string | Error>();
  constructor(
    private readonly utf8Allowed: boolean,
    private readonly maxNameBytes = NAME_LIMITS.max_label_name_length,
    private readonly max = 10_000,
  ) {}
  get(key: string): string | Error {
    // not memoised: an overlong key would be kept in full
    if (utf8LongerThan(key, this.maxNameBytes)) return overLimit('label name', key, 'max_label_name_length', this.maxNameBytes);
    let v = this.map.get(key);
    if (v === undefined) {
      v = labelName(key, this.utf8Allowed);
      if (this.utf8Allowed && typeof v === 'string') v = escapeName(v, true);
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(key, v);
    }
    return v;
  }
}
