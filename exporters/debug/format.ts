/**
 * Text forms of values exactly as the Collector's debug exporter prints them, i.e. as Go's fmt,
 * encoding/json and pdata's String()/AsString() methods render them. Operators compare our
 * output with upstream's, so the quirks are deliberate.
 */
import { anyValueAsString, anyValueTypeName } from '../../pipeline/anyvalue.js';
import type { AnyValue } from '../../pipeline/model.js';

const NAMES = {
  spanKind: ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'],
  statusCode: ['Unset', 'Ok', 'Error'],
  temporality: ['Unspecified', 'Delta', 'Cumulative'],
  severity: ['Unspecified', ...['Trace', 'Debug', 'Info', 'Warn', 'Error', 'Fatal'].flatMap((l) => [l, `${l}2`, `${l}3`, `${l}4`])],
};

/** pdata enum String(): the name, or "" for values the proto does not define. */
export function enumName(kind: keyof typeof NAMES, n: number): string {
  return NAMES[kind][n] ?? '';
}

const METRIC_TYPE_NAMES: Record<string, string> = {
  gauge: 'Gauge',
  sum: 'Sum',
  histogram: 'Histogram',
  exponentialHistogram: 'ExponentialHistogram',
  summary: 'Summary',
};
export const metricTypeName = (type: string): string => METRIC_TYPE_NAMES[type] ?? 'Empty';

function goSpecial(n: number): string | undefined {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return undefined;
}

/** Go's `%f`: six decimals, never an exponent. */
export function goFixed(n: number): string {
  const special = goSpecial(n);
  if (special) return special;
  if (Math.abs(n) >= 1e21) return `${BigInt(n)}.000000`;
  return n.toFixed(6);
}

/** Go's `%v` for float64: shortest digits, exponent form below 1e-4 and from 1e21. */
export function goFloat(n: number): string {
  const special = goSpecial(n);
  if (special) return special;
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, e] = n.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 21) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

/** pcommon.Timestamp.String(): Go's time.Time.String() in UTC. */
export function goTime(ns: bigint): string {
  const NS = 1_000_000_000n;
  let seconds = ns / NS;
  let frac = ns % NS;
  if (frac < 0n) {
    frac += NS;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const fraction = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction} +0000 UTC`;
}

/** `Type(value)`, as detailed verbosity prints every attribute. */
export function typedValue(v: AnyValue): string {
  return `${anyValueTypeName(v)}(${anyValueAsString(v)})`;
}
