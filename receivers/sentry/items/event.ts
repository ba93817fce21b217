/**
 * `event` items (errors and messages) → one log record each: the whole event as the body, a
 * kvlist keyed like the event's JSON (`fromAnyValue(record.body)` gives the event back), and the
 * attributes a query needs beside it — OpenTelemetry's `exception.*`, `service.version`,
 * `deployment.environment.name`, `user.*`, `client.address`, and `sentry.*`.
 */
import { isIP } from 'node:net';
import { attrs, newLogRecord } from '../../../pipeline/builders.js';
import { exceptionEventFromAnyValue } from '../../../pipeline/exceptions/body.js';
import { SENTRY_EVENT_NAME } from '../../../pipeline/exceptions/issues.js';
import { EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE, EXCEPTION_TYPE, otelExceptionFromEvent } from '../../../pipeline/exceptions/otel.js';
import type { AnyValue } from '../../../pipeline/model.js';
import { toAnyValue } from '../../../pipeline/model-ops.js';
import { SENTRY_PROJECT_ID, sentryResource, sentryScope, timestampNs } from './payload.js';
import { ItemError, type ItemContext, type ItemMapper } from './types.js';
import { eventIdOf, newEventId } from './values.js';

/** Sentry's levels (and the spellings Relay also takes) → the level's name and OpenTelemetry severity number. */
const LEVELS: Record<string, [string, number]> = {
  debug: ['debug', 5],
  info: ['info', 9],
  log: ['info', 9],
  warning: ['warning', 13],
  warn: ['warning', 13],
  error: ['error', 17],
  fatal: ['fatal', 21],
  critical: ['fatal', 21],
};

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);
const HEX_ID: Record<16 | 32, RegExp> = { 16: /^[0-9a-f]{16}$/i, 32: /^[0-9a-f]{32}$/i };
const hex = (v: unknown, digits: 16 | 32): string => (typeof v === 'string' && HEX_ID[digits].test(v) && !/^0+$/.test(v) ? v.toLowerCase() : '');

export const mapEvent: ItemMapper = (payload, ctx) => {
  const event = obj(payload);
  if (!event) throw new ItemError('event', 'expected a JSON object (a Sentry event)');
  const body = toAnyValue(event);
  const [levelName, severityNumber] = levelOf(event.level);
  const time = event.timestamp === undefined || event.timestamp === null ? undefined : timestampNs(event.timestamp, 'timestamp');
  const eventId = event.event_id === undefined || event.event_id === null ? eventIdOf(ctx.envelopeHeader.event_id) ?? newEventId() : eventIdOf(event.event_id);
  if (eventId === undefined) throw new ItemError('event_id', 'expected a UUID (32 hexadecimal digits, hyphens allowed)');
  const trace = obj(obj(event.contexts)?.trace);
  const receivedNanos = BigInt(ctx.receivedAtMs) * 1_000_000n;
  const record = newLogRecord({
    timeUnixNano: time ?? receivedNanos,
    observedTimeUnixNano: receivedNanos,
    severityNumber,
    severityText: levelName,
    body,
    attributes: attrs(attributesOf(event, body, eventId, levelName, ctx)),
    traceId: hex(trace?.trace_id, 32),
    spanId: hex(trace?.span_id, 16),
    eventName: SENTRY_EVENT_NAME,
  });
  return { logs: { resourceLogs: [{ resource: sentryResource(ctx, {}), schemaUrl: '', scopeLogs: [{ scope: sentryScope(), schemaUrl: '', logRecords: [record] }] }] } };
};

function levelOf(v: unknown): [string, number] {
  if (v === undefined || v === null) return LEVELS.error;
  const level = typeof v === 'string' ? LEVELS[v.toLowerCase()] : undefined;
  if (!level) throw new ItemError('level', 'expected one of fatal, error, warning, info, debug');
  return level;
}

function attributesOf(event: Json, body: AnyValue, eventId: string, level: string, ctx: ItemContext): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  const set = (key: string, v: string | undefined) => {
    if (v !== undefined) a[key] = v;
  };
  const exception = otelExceptionFromEvent(exceptionEventFromAnyValue(body) ?? {});
  set(EXCEPTION_TYPE, exception?.type);
  set(EXCEPTION_MESSAGE, exception?.message);
  set(EXCEPTION_STACKTRACE, exception?.stacktrace);
  set('service.version', text(event.release));
  set('deployment.environment.name', text(event.environment));
  const user = obj(event.user);
  set('user.id', text(user?.id));
  set('user.email', text(user?.email));
  set('user.name', text(user?.username));
  set('user.full_name', text(user?.name));
  set('client.address', clientAddress(user?.ip_address, ctx));
  set('host.name', text(event.server_name));
  set(SENTRY_PROJECT_ID, ctx.projectId);
  set('sentry.event_id', eventId);
  set('sentry.platform', text(event.platform) ?? 'other');
  const sdk = obj(event.sdk) ?? obj(ctx.envelopeHeader.sdk);
  set('sentry.sdk.name', text(sdk?.name));
  set('sentry.sdk.version', text(sdk?.version));
  set('sentry.level', level);
  set('sentry.transaction', text(event.transaction));
  return a;
}

/** `{{auto}}` is the sender's address (Sentry's convention); otherwise the IP the event gives, if it is one. */
function clientAddress(ip: unknown, ctx: ItemContext): string | undefined {
  if (ip === '{{auto}}') return ctx.clientAddress;
  return typeof ip === 'string' && isIP(ip) ? ip : undefined;
}
