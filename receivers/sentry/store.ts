/**
 * The deprecated store endpoint's body: one event as JSON, or — from old SDKs (raven) — that
 * JSON base64-encoded and zlib-deflated. Relay turns it into an envelope of one item: an
 * `event`, or a `transaction` when the event says `"type": "transaction"`.
 */
import { inflateSync } from 'node:zlib';
import { Refusal } from './answers.js';
import type { Envelope } from './envelope.js';
import type { ParsedItem } from './intake.js';
import { eventIdOf, newEventId } from './items/values.js';
import { JsonPayloadError, type JsonBudget } from './json.js';

const OPEN_BRACE = 0x7b;

export function envelopeFromStoreBody(body: Buffer, maxEventSize: number, budget: JsonBudget): Envelope & { items: ParsedItem[] } {
  const json = decodeStoreBody(body, maxEventSize);
  if (json.length === 0) throw new Refusal(400, 'empty request body');
  let event: unknown;
  try {
    event = budget.parse(json);
  } catch (err) {
    if (err instanceof JsonPayloadError) throw new Refusal(400, 'invalid JSON data', [err.message]);
    throw err;
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new Refusal(400, 'invalid JSON data', ['expected a JSON object (a Sentry event)']);
  const { event_id: rawId, type } = event as Record<string, unknown>;
  const id = rawId === undefined || rawId === null ? newEventId() : eventIdOf(rawId);
  if (id === undefined) throw new Refusal(400, 'invalid JSON data', ['event_id: expected a UUID (32 hexadecimal digits, hyphens allowed)']);
  const itemType = type === 'transaction' ? 'transaction' : 'event';
  return { header: { event_id: id }, eventId: id, items: [{ index: 1, type: itemType, header: { type: itemType }, payload: json, json: event }] };
}

/** JSON as it is, or the base64 of JSON or of zlib-deflated JSON (Relay's decode_bytes). */
function decodeStoreBody(body: Buffer, maxEventSize: number): Buffer {
  if (body.length === 0 || body[0] === OPEN_BRACE) return body;
  const text = body.toString('latin1').trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new Refusal(400, 'invalid request body', ['expected a JSON event, or its base64 (zlib-deflated or not)']);
  }
  const binary = Buffer.from(text, 'base64');
  if (binary[0] === OPEN_BRACE) return binary;
  try {
    return inflateSync(binary, { maxOutputLength: maxEventSize });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new Refusal(413, `envelope exceeded size limits for type 'event' (https://develop.sentry.dev/sdk/envelopes/#size-limits)`, [
        `the inflated event exceeds max_event_size ${maxEventSize}`,
      ]);
    }
    throw new Refusal(400, 'invalid request body', ['base64 of neither JSON nor zlib-deflated data']);
  }
}
