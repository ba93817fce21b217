/** Text-format primitives shared by the Prometheus text (0.0.4) and OpenMetrics (1.0.0) writers. */

const LABEL_ESCAPE = /[\\"\n]/;

/** A label value as both formats quote it: `\` → `\\`, `"` → `\"`, newline → `\n`. */
export function escapeLabelValue(v: string): string {
  if (!LABEL_ESCAPE.test(v)) return v;
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** HELP text: `\` and newline escaped; OpenMetrics escapes `"` too. */
export function escapeHelp(v: string, openMetrics: boolean): string {
  return v.replace(openMetrics ? /[\\"\n]/g : /[\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** A sample value: Prometheus accepts any Go ParseFloat syntax, and JS's shortest form is one. */
export function formatValue(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * Go's strconv.FormatFloat(f, 'g', -1, 64) — what client_golang writes into `le` and
 * `quantile` labels — so bucket label values match the Collector's byte for byte
 * (`le="1e+06"`, `le="0.005"`): dashboards select buckets by these strings.
 */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const e = v.toExponential(); // shortest round-trip digits, e.g. "1.5e+6", "-2e-7"
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  // the shortest format switches to the exponent form below 1e-4 and from 1e6 (JS: 1e-7, 1e21)
  if (exp < -4 || exp >= 6) {
    const abs = Math.abs(exp);
    return `${e.slice(0, at)}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  return String(v);
}

/** client_golang's OpenMetrics float: Go's 'g' form, with `.0` added to integral values. */
export function openMetricsFloat(v: number): string {
  const s = goFloat(v);
  return /[.eIN]/.test(s) ? s : `${s}.0`;
}

/** A label value of `le` / `quantile`, in the form the format wants. */
export function boundLabel(v: number, openMetrics: boolean): string {
  return openMetrics ? openMetricsFloat(v) : goFloat(v);
}

const NS_PER_MS = 1_000_000n;

/** Sample timestamps: milliseconds in the text format, seconds in OpenMetrics. */
export function formatTimestamp(ns: bigint, openMetrics: boolean): string {
  if (!openMetrics) return (ns / NS_PER_MS).toString();
  return secondsOf(ns);
}

/** Nanoseconds as decimal seconds, exact, trailing zeros trimmed: 1700000000.5 */
export function secondsOf(ns: bigint): string {
  const neg = ns < 0n;
  const abs = neg ? -ns : ns;
  const s = abs / 1_000_000_000n;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${s}${frac ? `.${frac}` : ''}`;
}
