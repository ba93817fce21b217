/** Upstream's trace parsing: the `trace:` block of every parser and the `trace_parser` operator. */
import type { Entry } from './entry.js';
import { getField, parseField, type Field } from './field.js';

export interface TraceParserConfig {
  trace_id?: { parse_from?: string };
  span_id?: { parse_from?: string };
  trace_flags?: { parse_from?: string };
}

/** Hex text as upstream's hex.DecodeString takes it: an even number of hex digits. */
function hexField(e: Entry, f: Field, what: string, bytes: number): string | undefined {
  const v = getField(e, f);
  if (v === undefined) return undefined;
  const text = String(v);
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new Error(`${what} from ${f.text} is not hex: "${text.slice(0, 64)}"`);
  if (text.length !== bytes * 2 && text.length !== 0) throw new Error(`${what} from ${f.text} has ${text.length / 2} bytes; expected ${bytes}`);
  return text.toLowerCase();
}

/** Sets trace id, span id and flags from hex fields (by default body.trace_id, body.span_id, body.trace_flags); a missing field is left alone. */
export function buildTraceParser(c: TraceParserConfig): (e: Entry) => void {
  const traceId = parseField(c.trace_id?.parse_from ?? 'body.trace_id');
  const spanId = parseField(c.span_id?.parse_from ?? 'body.span_id');
  const flags = parseField(c.trace_flags?.parse_from ?? 'body.trace_flags');
  return (e) => {
    const t = hexField(e, traceId, 'trace_id', 16);
    const s = hexField(e, spanId, 'span_id', 8);
    const f = hexField(e, flags, 'trace_flags', 1);
    if (t !== undefined) e.traceId = t;
    if (s !== undefined) e.spanId = s;
    if (f !== undefined) e.traceFlags = f === '' ? 0 : parseInt(f, 16);
  };
}
