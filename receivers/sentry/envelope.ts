/**
 * Sentry's envelope format, parsed strictly as Relay parses it: a header line (a JSON object),
 * then items, each a header line (a JSON object with a string `type` and an optional `length`)
 * and a payload — `length` bytes followed by a newline or the end, or without `length` the rest
 * of the line. Errors name the item, its line and the field, never the content.
 */
import { Refusal } from './answers.js';
import type { JsonBudget } from './json.js';
import { JsonPayloadError } from './json.js';
import { eventIdOf } from './items/values.js';

export interface EnvelopeItem {
  /** 1-based position in the envelope, for messages. */
  index: number;
  type: string;
  header: Record<string, unknown>;
  payload: Buffer;
}

export interface Envelope {
  header: Record<string, unknown>;
  /** The header's event_id as 32 lowercase hex digits, when it has one. */
  eventId?: string;
  items: EnvelopeItem[];
}

/** No SDK writes header lines near this long; a longer one is not an envelope. */
export const MAX_HEADER_LINE = 64 * 1024;
/** No SDK puts near this many items in one envelope (Relay caps sessions at 100, attachments at 30). */
export const MAX_ITEMS = 1000;

const NEWLINE = 0x0a;

const invalid = (cause: string) => new Refusal(400, 'invalid event envelope', [cause]);

/** The envelope's header line and where its first item starts. */
export function parseEnvelopeHeader(body: Buffer, budget: JsonBudget): { header: Record<string, unknown>; eventId?: string; offset: number } {
  if (body.length === 0) throw new Refusal(400, 'empty request body');
  const start = skipWhitespace(body, 0);
  if (start === body.length) throw invalid('missing envelope header');
  const { value, end } = jsonLine(body, start, budget, () => 'envelope header (line 1)');
  const header = value;
  const eventId = header.event_id === undefined || header.event_id === null ? undefined : eventIdOf(header.event_id);
  if (eventId === undefined && header.event_id !== undefined && header.event_id !== null) {
    throw invalid('envelope header (line 1): event_id: expected a UUID (32 hexadecimal digits, hyphens allowed)');
  }
  if (header.sent_at !== undefined && header.sent_at !== null && (typeof header.sent_at !== 'string' || !Number.isFinite(Date.parse(header.sent_at)))) {
    throw invalid('envelope header (line 1): sent_at: expected an RFC 3339 date-time');
  }
  return { header, eventId, offset: Math.min(end + 1, body.length) };
}

/** The items after the header, every one checked before any is used. */
export function parseEnvelopeItems(body: Buffer, offset: number, budget: JsonBudget): EnvelopeItem[] {
  const items: EnvelopeItem[] = [];
  let at = skipWhitespace(body, offset);
  while (at < body.length) {
    const index = items.length + 1;
    if (index > MAX_ITEMS) throw new Refusal(413, 'envelope exceeded size limits', [`more than ${MAX_ITEMS} items in one envelope`]);
    // counting lines costs a pass over the body: only for a message
    const itemAt = at;
    const where = () => `item ${index} (line ${lineOf(body, itemAt)})`;
    const { value: header, end } = jsonLine(body, at, budget, () => `${where()}: header`);
    const type = header.type;
    if (typeof type !== 'string' || type === '') throw invalid(`${where()}: header: type: expected a non-empty string`);
    const start = Math.min(end + 1, body.length);
    let payloadEnd: number;
    if (header.length === undefined || header.length === null) {
      const nl = body.indexOf(NEWLINE, start);
      payloadEnd = nl === -1 ? body.length : nl;
    } else {
      const length = header.length;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > 0xffffffff) {
        throw invalid(`${where()}: header: length: expected a byte count (an integer from 0 to 4294967295)`);
      }
      if (start + length > body.length) {
        throw invalid(`${where()}: header: length: ${length} bytes declared, ${body.length - start} left in the envelope (unexpected end of file)`);
      }
      payloadEnd = start + length;
      if (payloadEnd < body.length && body[payloadEnd] !== NEWLINE) {
        throw invalid(`${where()}: missing newline after its payload of ${length} bytes (is the length right?)`);
      }
    }
    items.push({ index, type, header, payload: body.subarray(start, payloadEnd) });
    at = skipWhitespace(body, Math.min(payloadEnd + 1, body.length));
  }
  return items;
}

/** The JSON object on the line starting at `start`; `end` is the index of its newline (or the end). */
function jsonLine(body: Buffer, start: number, budget: JsonBudget, what: () => string): { value: Record<string, unknown>; end: number } {
  const nl = body.indexOf(NEWLINE, start);
  const end = nl === -1 ? body.length : nl;
  if (end - start > MAX_HEADER_LINE) throw invalid(`${what()}: longer than ${MAX_HEADER_LINE} bytes`);
  let value: unknown;
  try {
    value = budget.parse(body.subarray(start, end));
  } catch (err) {
    if (err instanceof JsonPayloadError) throw invalid(`${what()}: ${err.message}`);
    throw err;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${what()}: expected a JSON object`);
  return { value: value as Record<string, unknown>, end };
}

/** serde_json skips whitespace between values, so Relay takes blank lines between items. */
function skipWhitespace(body: Buffer, at: number): number {
  while (at < body.length && (body[at] === 0x20 || body[at] === 0x09 || body[at] === 0x0d || body[at] === NEWLINE)) at++;
  return at;
}

function lineOf(body: Buffer, at: number): number {
  let line = 1;
  for (let i = body.indexOf(NEWLINE); i !== -1 && i < at; i = body.indexOf(NEWLINE, i + 1)) line++;
  return line;
}
