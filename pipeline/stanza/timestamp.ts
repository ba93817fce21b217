/**
 * Upstream stanza's time parsing (`timestamp:` blocks and `time_parser`): `layout_type`
 * strptime (default), gotime or epoch.
 */
import type { Entry } from './entry.js';
import { getField, parseField, type Field } from './field.js';
import { timeZoneProblem, wallClockToUtc } from './timezone.js';

export interface TimeParserConfig {
  parse_from?: string;
  layout_type?: 'strptime' | 'gotime' | 'epoch';
  layout?: string;
  location?: string;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const DIRECTIVES: Record<string, [string, string?]> = {
  Y: ['(\\d{4})', 'year'],
  y: ['(\\d{2})', 'year2'],
  m: ['(\\d{1,2})', 'month'],
  d: ['(\\d{1,2})', 'day'],
  e: ['\\s?(\\d{1,2})', 'day'],
  H: ['(\\d{1,2})', 'hour'],
  I: ['(\\d{1,2})', 'hour12'],
  M: ['(\\d{2})', 'minute'],
  S: ['(\\d{2})', 'second'],
  f: ['(\\d{1,9})', 'fraction'],
  L: ['(\\d{3})', 'fraction'],
  s: ['(\\d+)', 'epoch'],
  z: ['(Z|[+-]\\d{2}:?\\d{2})', 'zone'],
  Z: ['([A-Za-z]{1,5}|Z|[+-]\\d{2}:?\\d{2})', 'zone'],
  b: ['([A-Za-z]{3})', 'monthName'],
  h: ['([A-Za-z]{3})', 'monthName'],
  B: ['([A-Za-z]+)', 'monthName'],
  a: ['[A-Za-z]{3}'],
  A: ['[A-Za-z]+'],
  p: ['(AM|PM|am|pm)', 'ampm'],
  j: ['\\d{3}'],
};
const SHORTHANDS: Record<string, string> = { T: '%H:%M:%S', D: '%m/%d/%y', F: '%Y-%m-%d', R: '%H:%M', c: '%a %b %e %H:%M:%S %Y' };

/** Go's reference-time layout rewritten as strptime. */
export function gotimeToStrptime(layout: string): string {
  const table: [string, string][] = [
    ['January', '%B'], ['Monday', '%A'], ['2006', '%Y'], ['Jan', '%b'], ['Mon', '%a'], ['MST', '%Z'],
    ['Z07:00', '%z'], ['-07:00', '%z'], ['Z0700', '%z'], ['-0700', '%z'], ['.000000000', '.%f'], ['.999999999', '.%f'],
    ['.000000', '.%f'], ['.999999', '.%f'], ['.000', '.%f'], ['.999', '.%f'],
    ['01', '%m'], ['02', '%d'], ['_2', '%e'], ['15', '%H'], ['03', '%I'], ['04', '%M'], ['05', '%S'], ['06', '%y'], ['PM', '%p'],
  ];
  let out = '';
  for (let i = 0; i < layout.length; ) {
    const hit = table.find(([g]) => layout.startsWith(g, i));
    if (hit) {
      out += hit[1];
      i += hit[0].length;
    } else {
      out += layout[i] === '%' ? '%%' : layout[i];
      i++;
    }
  }
  return out;
}

/** Minutes east of UTC of a zone written in the timestamp (abbreviations other than UTC/GMT count as UTC). */
function zoneOffsetMinutes(zone: string): number {
  if ( zone === 'Z' || /^(UTC|GMT)$/i.test(zone)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/**
 * A function turning text in `layout` into nanoseconds since the epoch; throws when it does not
 * match. A time without an offset is wall-clock time in `location` (an IANA zone).
 */
export function strptimeParser(layout: string, location = 'UTC'): (text: string) => bigint {
  const groups: string[] = [];
  let re = '';
  const expanded = layout.replace(/%([TDFRc])/g, (_m, c: string) => SHORTHANDS[c]);
  for (let i = 0; i < expanded.length; i++) {
    const ch = expanded[i];
    if (ch === '%' && i + 1 < expanded.length) {
      const d = expanded[++i];
      if (d === '%') re += '%';
      else {
        const spec = DIRECTIVES[d];
        if (!spec) throw new Error(`unsupported strptime directive %${d} in layout "${layout}"`);
        re += spec[0];
        if (spec[1]) groups.push(spec[1]);
      }
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  const matcher = new RegExp(`^${re}$`);
  return (text) => {
    const m = matcher.exec(text.trim());
    if (!m) throw new Error(`timestamp "${text}" does not match layout "${layout}"`);
    const v: Record<string, string> = {};
    groups.forEach((g, k) => (v[g] = m[k + 1]));
    if (v.epoch) return BigInt(v.epoch) * 1_000_000_000n;
    const now = new Date();
    const year = v.year ? Number(v.year) : v.year2 ? 2000 + Number(v.year2) : now.getUTCFullYear();
    const month = v.month ? Number(v.month) - 1 : v.monthName ? MONTHS.indexOf(v.monthName.slice(0, 3).toLowerCase()) : 0;
    let hour = v.hour ? Number(v.hour) : v.hour12 ? Number(v.hour12) % 12 : 0;
    if (v.ampm && /pm/i.test(v.ampm)) hour += v.hour12 ? 12 : 0;
    const wall = Date.UTC(year, month, v.day ? Number(v.day) : 1, hour, Number(v.minute ?? 0), Number(v.second ?? 0));
    const ms = v.zone === undefined ? wallClockToUtc(wall, location) : wall - zoneOffsetMinutes(v.zone) * 60_000;
    const fraction = v.fraction ? BigInt(v.fraction.padEnd(9, '0').slice(0, 9)) : 0n;
    return BigInt(ms) * 1_000_000n + fraction;
  };
}

const EPOCH_NS: Record<string, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1000n, ns: 1n };

function epochParser(layout: string): (value: unknown) => bigint {
  if (!['s', 'ms', 'us', 'ns', 's.ms', 's.us', 's.ns'].includes(layout)) throw new Error(`unsupported epoch layout "${layout}": expected s, ms, us, ns, s.ms, s.us or s.ns`);
  return (value) => {
    const text = String(value);
    if (!/^\d+(\.\d+)?$/.test(text)) throw new Error(`timestamp "${text}" is not a number of ${layout}`);
    const [whole, frac = ''] = text.split('.');
    const unit = EPOCH_NS[layout.split('.')[0]];
    return BigInt(whole) * unit + (frac ? BigInt(Math.round(Number(`0.${frac}`) * Number(unit))) : 0n);
  };
}

/** Upstream's default `location`: the machine's local zone (TZ, else the system's). */
const LOCAL_ZONE = new Intl.DateTimeFormat().resolvedOptions().timeZone;

export function buildTimeParser(c: TimeParserConfig): (e: Entry) => void {
  const from: Field = parseField(c.parse_from ?? 'attributes.time');
  const type = c.layout_type ?? 'strptime';
  if (type !== 'epoch' && !c.layout) throw new Error('timestamp: missing required field "layout"');
  const location = c.location ?? LOCAL_ZONE;
  const zone = timeZoneProblem(location);
  if (zone) throw new Error(`timestamp: location: ${zone}`);
  const parse: (v: unknown) => bigint =
    type === 'epoch' ? epochParser(c.layout ?? 's') : ((p) => (v: unknown) => p(String(v)))(strptimeParser(type === 'gotime' ? gotimeToStrptime(c.layout!) : c.layout!, location));
  return (e) => {
    const v = getField(e, from);
    if (v === undefined) throw new Error(`timestamp: field ${from.text} is missing`);
    e.timestamp = parse(v);
  };
}
