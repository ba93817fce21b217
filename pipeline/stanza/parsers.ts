/**
 * Parsers (upstream's json_parser, regex_parser, key_value_parser, csv_parser, syslog_parser,
 * uri_parser, time_parser, severity_parser, trace_parser, scope_name_parser).
 */
import type { Entry, Fields } from './entry.js';
import { getField, parseField, setField } from './field.js';
import type { OperatorConfig } from './operators.js';
import type { OperatorBuilder, Step } from './operator-types.js';
import { buildSeverityParser, type SeverityParserConfig } from './severity.js';
import { applySyslogTimeAndSeverity, parseSyslog } from './syslog.js';
import { timeZoneProblem } from './timezone.js';
import { buildTimeParser, type TimeParserConfig } from './timestamp.js';
import { buildTraceParser, type TraceParserConfig } from './trace.js';
import { parseUri } from './uri.js';

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The scope name from a field (upstream's `scope_name:` block and scope_name_parser); the scope of an entry is carried as an attribute-free field of the entry. */
function buildScopeNameParser(c: { parse_from?: string }): (e: Entry) => void {
  const from = parseField(c.parse_from ?? 'body');
  return (e) => {
    const v = getField(e, from);
    if (v !== undefined) e.scopeName = String(v);
  };
}

/**
 * The common shape of upstream's parsers: read `parse_from` (default body), parse, write the
 * fields to `parse_to` (default attributes, merged), then the embedded `timestamp`, `severity`,
 * `trace` and `scope_name` blocks.
 */
export function parserStep(c: OperatorConfig, parse: (value: unknown, e: Entry) => Fields): Step {
  const from = parseField((c.parse_from as string | undefined) ?? 'body');
  const to = parseField((c.parse_to as string | undefined) ?? 'attributes');
  const after = [
    c.timestamp && buildTimeParser(c.timestamp as TimeParserConfig),
    c.severity && buildSeverityParser(c.severity as SeverityParserConfig),
    c.trace && buildTraceParser(c.trace as TraceParserConfig),
    c.scope_name && buildScopeNameParser(c.scope_name as { parse_from?: string }),
  ].filter((f): f is (e: Entry) => void => typeof f === 'function');
  return {
    process(e, send) {
      const value = getField(e, from);
      if (value === undefined) throw new Error(`${from.text} is missing`);
      const parsed = parse(value, e);
      const existing = getField(e, to);
      setField(e, to, isObject(existing) && to.root !== 'body' ? { ...existing, ...parsed } : parsed);
      for (const f of after) f(e);
      send(e);
    },
  };
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what} expects a string, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  return value;
}

const jsonParser: OperatorBuilder = (c) =>
  parserStep(c, (v) => {
    const parsed: unknown = JSON.parse(text(v, 'json_parser'));
    if (!isObject(parsed)) throw new Error('json_parser expects a JSON object');
    return parsed;
  });

const regexParser: OperatorBuilder = (c) => {
  if (typeof c.regex !== 'string') throw new Error('missing required field "regex"');
  // Go's (?P<name>...) is JavaScript's (?<name>...)
  const re = new RegExp(c.regex.replace(/\(\?P</g, '(?<'));
  if (!/\(\?<[A-Za-z]/.test(re.source)) throw new Error('regex has no named capture groups');
  return parserStep(c, (v) => {
    const m = re.exec(text(v, 'regex_parser'));
    if (!m) throw new Error('regex pattern does not match');
    return Object.fromEntries(Object.entries(m.groups ?? {}).filter(([, x]) => x !== undefined && x !== ''));
  });
};

const keyValueParser: OperatorBuilder = (c) => {
  const delimiter = (c.delimiter as string | undefined) ?? '=';
  const pairDelimiter = c.pair_delimiter as string | undefined;
  if (delimiter === pairDelimiter) throw new Error('delimiter and pair_delimiter cannot be the same');
  return parserStep(c, (v) => {
    const out: Fields = {};
    const pairs = splitOutsideQuotes(text(v, 'key_value_parser').trim(), pairDelimiter);
    for (const pair of pairs) {
      if (pair === '') continue;
      const at = pair.indexOf(delimiter);
      if (at < 0) throw new Error(`cannot split "${pair}" into key and value`);
      out[unquote(pair.slice(0, at).trim())] = unquote(pair.slice(at + delimiter.length).trim());
    }
    return out;
  });
};

function unquote(s: string): string {
  return /^(".*"|'.*')$/s.test(s) ? s.slice(1, -1) : s;
}

/** Splits on the delimiter (whitespace when undefined) except inside double or single quotes. */
function splitOutsideQuotes(s: string, delimiter: string | undefined): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === quote) quote = '';
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (delimiter === undefined ? /\s/.test(ch) : s.startsWith(delimiter, i)) {
      out.push(cur);
      cur = '';
      if (delimiter !== undefined) i += delimiter.length - 1;
    } else cur += ch;
  }
  out.push(cur);
  return out.filter((p) => delimiter !== undefined || p !== '');
}

/** One CSV record (RFC 4180 quoting; `lazy_quotes` lets a quote appear inside an unquoted field). */
function csvFields(line: string, delimiter: string, lazyQuotes: boolean, ignoreQuotes: boolean): string[] {
  if (ignoreQuotes) return line.split(delimiter);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated quoted field');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && !line.startsWith(delimiter, i)) {
        if (!lazyQuotes) throw new Error(`extraneous text after a quoted field at column ${i + 1}`);
        const end = line.indexOf(delimiter, i);
        field += line.slice(i, end < 0 ? line.length : end);
        i = end < 0 ? line.length : end;
      }
    } else {
      const end = line.indexOf(delimiter, i);
      field = line.slice(i, end < 0 ? line.length : end);
      if (!lazyQuotes && field.includes('"')) throw new Error(`bare quote in a non-quoted field at column ${i + field.indexOf('"') + 1}`);
      i = end < 0 ? line.length : end;
    }
    out.push(field);
    if (i >= line.length) return out;
    i += delimiter.length;
  }
}

const csvParser: OperatorBuilder = (c) => {
  const delimiter = (c.delimiter as string | undefined) ?? ',';
  const headerDelimiter = (c.header_delimiter as string | undefined) ?? delimiter;
  const lazy = c.lazy_quotes === true;
  const ignore = c.ignore_quotes === true;
  if (c.header === undefined && c.header_attribute === undefined) throw new Error('missing required field "header" or "header_attribute"');
  if (c.header !== undefined && c.header_attribute !== undefined) throw new Error('only one of "header" or "header_attribute" can be set');
  const fixed = typeof c.header === 'string' ? c.header.split(headerDelimiter) : undefined;
  const headerAttr = typeof c.header_attribute === 'string' ? c.header_attribute : undefined;
  const step = (header: string[]) =>
    parserStep(c, (v) => {
      const values = csvFields(text(v, 'csv_parser'), delimiter, lazy, ignore);
      if (values.length !== header.length) throw new Error(`wrong number of fields: expected ${header.length}, found ${values.length}`);
      return Object.fromEntries(header.map((h, i) => [h, values[i]]));
    });
  if (fixed) return step(fixed);
  return {
    process(e, send) {
      const h = e.attributes[headerAttr!];
      if (typeof h !== 'string') throw new Error(`header attribute "${headerAttr}" is missing`);
      step(h.split(headerDelimiter)).process(e, send);
    },
  };
};

const syslogParser: OperatorBuilder = (c) => {
  if (c.protocol !== 'rfc5424' && c.protocol !== 'rfc3164') throw new Error('missing or invalid "protocol": expected rfc5424 or rfc3164');
  const location = (c.location as string | undefined) ?? 'UTC';
  const zone = timeZoneProblem(location);
  if (zone) throw new Error(`location: ${zone}`);
  const options = { protocol: c.protocol, location, allowSkipPri: c.allow_skip_pri_header === true } as const;
  return parserStep(c, (v, e) => {
    const parsed = parseSyslog(text(v, 'syslog_parser'), options);
    applySyslogTimeAndSeverity(e, parsed);
    return parsed.fields;
  });
};

const uriParser: OperatorBuilder = (c) => parserStep(c, (v) => parseUri(text(v, 'uri_parser')));

/** An operator that only runs one of the parsers' embedded blocks on the entry. */
const fieldStep = (apply: (e: Entry) => void): Step => ({
  process(e, send) {
    apply(e);
    send(e);
  },
});

export const PARSERS: Record<string, OperatorBuilder> = {
  json_parser: jsonParser,
  regex_parser: regexParser,
  key_value_parser: keyValueParser,
  csv_parser: csvParser,
  syslog_parser: syslogParser,
  uri_parser: uriParser,
  time_parser: (c) => fieldStep(buildTimeParser({ ...(c as TimeParserConfig), parse_from: (c.parse_from as string | undefined) ?? 'attributes.time' })),
  severity_parser: (c) => fieldStep(buildSeverityParser(c as SeverityParserConfig)),
  trace_parser: (c) => fieldStep(buildTraceParser(c as TraceParserConfig)),
  scope_name_parser: (c) => fieldStep(buildScopeNameParser(c as { parse_from?: string })),
};

