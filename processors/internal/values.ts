import type { AnyValue } from '../../pipeline/model.js';

export { anyValueAsString as asString, anyValueEqual, anyValueTypeName as typeName } from '../../pipeline/anyvalue.js';

/** A check on a config list: where it went wrong (key path inside the component) and why. */
export interface Problem {
  path: string;
  message: string;
}

/** One Error carrying every problem, for create() when validate() was bypassed. */
export function problemsError(component: string, problems: Problem[]): Error {
  return new Error(`${component}: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`);
}

/**
 * The text upstream's attribute matcher compares regexps against: only scalars have one
 * (Go's strconv forms, doubles never in exponent notation); other types never match.
 */
export function scalarString(v: AnyValue): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      return plainDecimal(v);
  }
  return undefined;
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): shortest round-trip digits, no exponent. */
export function plainDecimal(f: number): string {
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : f < 0 ? '-Inf' : 'NaN';
  const s = String(f);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const sign = s[0] === '-' ? '-' : '';
  const mantissa = s.slice(sign.length, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot < 0 ? mantissa.length : dot) + exp; // position of the decimal point in digits
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
