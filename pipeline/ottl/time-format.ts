import { civil, OttlTime, UTC } from './time.js';

/**
 * Upstream's ctime-style time formats (`%Y-%m-%d %H:%M:%S`), which it translates to Go layouts
 * and hands to Go's time.Parse / Time.Format. Summit interprets the directives directly with the
 * same rules: which fields are fixed-width, how spaces match, the optional fraction after `.%L`,
 * how `%Z` abbreviations resolve. See README.md for the directive table.
 */

export type Field =
  | 'Y' | 'y' | 'm' | 'o' | 'q' | 'b' | 'B' | 'd' | 'e' | 'g' | 'a' | 'A' | 'H' | 'l' | 'I' | 'p' | 'P'
  | 'M' | 'S' | 'Z' | 'z' | 'w' | 'i' | 'j' | 'k';

export type Token =
  | { kind: 'literal'; text: string }
  | { kind: 'field'; field: Field }
  /** `.%L`, `,%f`, ...: fractional seconds, digits as the directive's width (3, 6 or 8). */
  | { kind: 'fraction'; separator: string; digits: number };

export interface TimeFormat {
  readonly source: string;
  readonly tokens: readonly Token[];
  /** Whether any token names a date part; a time-only format parses to today's date, as upstream. */
  readonly hasDate: boolean;
}

const COMPOSITES: Record<string, string> = {
  D: '%m/%d/%Y',
  x: '%m/%d/%Y',
  F: '%Y-%m-%d',
  T: '%H:%M:%S',
  X: '%H:%M:%S',
  r: '%I:%M:%S %P',
  R: '%H:%M',
  c: '%a %b %d %H:%M:%S %Y',
};
const CHARS: Record<string, string> = { n: '\n', t: '\t', '%': '%' };
const FIELDS = new Set('YymoqbBdegaAHlIpPMSZzwijk');
const FRACTION_DIGITS: Record<string, number> = { L: 3, f: 6, s: 8 };
// Go layouts spell a bare %L/%f/%s (no separator before it) as the literal 999..., which is what it prints and expects.
const FRACTION_LITERAL: Record<string, string> = { L: '999', f: '999999', s: '99999999' };
const DATE_FIELDS = new Set<Field>(['Y', 'y', 'm', 'o', 'q', 'b', 'B', 'd', 'e', 'g', 'a', 'A']);

/** Compiles a format once; throws Error with what is wrong (config time). */
export function compileTimeFormat(format: string): TimeFormat {
  if (format === '') throw new Error('format cannot be empty');
  if (/\d/.test(format)) throw new Error('format string should not contain decimals (digits)');
  const tokens: Token[] = [];
  const literal = (text: string): void => {
    const last = tokens[tokens.length - 1];
    if (last?.kind === 'literal') last.text += text;
    else tokens.push({ kind: 'literal', text });
  };
  const expand = (f: string): void => {
    for (let i = 0; i < f.length; i++) {
      if (f[i] !== '%') {
        literal(f[i]);
        continue;
      }
      const d = f[++i];
      if (d === undefined) throw new Error('format ends with a lone %');
      if (COMPOSITES[d]) expand(COMPOSITES[d]);
      else if (CHARS[d]) literal(CHARS[d]);
      else if (FRACTION_DIGITS[d]) {
        const last = tokens[tokens.length - 1];
        const sep = last?.kind === 'literal' ? last.text[last.text.length - 1] : undefined;
        if (last?.kind === 'literal' && (sep === '.' || sep === ',')) {
          last.text = last.text.slice(0, -1);
          if (last.text === '') tokens.pop();
          tokens.push({ kind: 'fraction', separator: sep, digits: FRACTION_DIGITS[d] });
        } else {
          literal(FRACTION_LITERAL[d]);
        }
      } else if (d === 'h') tokens.push({ kind: 'field', field: 'b' });
      else if (FIELDS.has(d)) tokens.push({ kind: 'field', field: d as Field });
      else throw new Error(`unsupported directive %${d}`);
    }
  };
  expand(format);
  const hasDate = tokens.some((t) => t.kind === 'field' && DATE_FIELDS.has(t.field));
  return { source: format, tokens, hasDate };
}

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, width: number, fill = '0'): string => String(n).padStart(width, fill);

function offsetText(offset: number, parts: number, colons: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const fields = [Math.floor(a / 3600), Math.floor((a % 3600) / 60), a % 60].slice(0, parts).map((n) => pad(n, 2));
  return sign + fields.join(colons ? ':' : '');
}

/** Formats a time in its zone, as Go's Time.Format with the translated layout. */
export function formatTime(format: TimeFormat, t: OttlTime): string {
  const c = civil(t);
  const hour12 = c.hour % 12 === 0 ? 12 : c.hour % 12;
  let out = '';
  for (const tok of format.tokens) {
    if (tok.kind === 'literal') {
      out += tok.text;
      continue;
    }
    if (tok.kind === 'fraction') {
      // Go's .999 forms drop trailing zeros, and the separator too when nothing is left.
      const digits = pad(c.nanosecond, 9).slice(0, tok.digits).replace(/0+$/, '');
      if (digits) out += tok.separator + digits;
      continue;
    }
    switch (tok.field) {
      case 'Y':
        out += pad(c.year, 4);
        break;
      case 'y':
        out += pad(c.year % 100, 2);
        break;
      case 'm':
        out += pad(c.month, 2);
        break;
      case 'o':
        out += `_${c.month}`;
        break;
      case 'q':
        out += c.month;
        break;
      case 'b':
        out += MONTHS[c.month - 1].slice(0, 3);
        break;
      case 'B':
        out += MONTHS[c.month - 1];
        break;
      case 'd':
        out += pad(c.day, 2);
        break;
      case 'e':
        out += pad(c.day, 2, ' ');
        break;
      case 'g':
        out += c.day;
        break;
      case 'a':
        out += DAYS[c.weekday].slice(0, 3);
        break;
      case 'A':
        out += DAYS[c.weekday];
        break;
      case 'H':
        out += pad(c.hour, 2);
        break;
      case 'I':
        out += pad(hour12, 2);
        break;
      case 'l':
        out += hour12;
        break;
      case 'p':
        out += c.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'P':
        out += c.hour >= 12 ? 'pm' : 'am';
        break;
      case 'M':
        out += pad(c.minute, 2);
        break;
      case 'S':
        out += pad(c.second, 2);
        break;
      case 'Z':
        out += t.zone === UTC ? 'UTC' : c.abbreviation || offsetText(c.offset, 2, false);
        break;
      case 'z':
        out += offsetText(c.offset, 2, false);
        break;
      case 'w':
        out += offsetText(c.offset, 3, false);
        break;
      case 'i':
        out += offsetText(c.offset, 1, false);
        break;
      case 'j':
        out += offsetText(c.offset, 2, true);
        break;
      case 'k':
        out += offsetText(c.offset, 3, true);
        break;
    }
  }
  return out;
}

/** Go's Time.String: "2006-01-02 15:04:05.999999999 -0700 MST". */
const GO_STRING = compileTimeFormat('%Y-%m-%d %H:%M:%S.%L %z %Z');
export function timeToString(t: OttlTime): string {
  const c = civil(t);
  const base = formatTime(GO_STRING, new OttlTime(t.unixNano - BigInt(c.nanosecond), t.zone)).split(' ');
  const frac = c.nanosecond ? `.${pad(c.nanosecond, 9).replace(/0+$/, '')}` : '';
  return `${base[0]} ${base[1]}${frac} ${base.slice(2).join(' ')}`;
}
