/**
 * What the store keeps of one occurrence besides its counts: when it was seen, who it
 * affected, its tags, and the event itself (a sample) — taken from the record as plain data
 * ({@link StoredOccurrence}) that the store's thread records.
 */
import { createHash } from 'node:crypto';
import { anyValueToJson } from '../../pipeline/anyvalue.js';
import { fromAnyValue } from '../../pipeline/model-ops.js';
import { SENTRY_EVENT_NAME, type IssueOccurrence } from '../../pipeline/exceptions/issues.js';
import type { AnyValue, Attributes } from '../../pipeline/model.js';

/** Relay's clock-drift bounds: an event time further in the future, or older, is replaced by the arrival time. */
const MAX_FUTURE_MS = 60_000;
const MAX_PAST_MS = 30 * 24 * 3600_000;

/** Relay's limits for tag keys and values: longer ones are dropped, not counted. */
export const MAX_TAG_LENGTH = 200;
/** Tags of one event that count (a flood of keys in one event must not grow the store). */
const MAX_TAGS_PER_EVENT = 50;

/** A sample event's JSON beyond this (Sentry's largest event) is kept as its error only. */
export const MAX_SAMPLE_BYTES = 1024 * 1024;

/** The event's time in ms, or the arrival time when it has none or it is out of Relay's bounds. */
export function seenAt(o: IssueOccurrence, nowMs: number): number {
  const ms = Number(o.timeUnixNano / 1_000_000n);
  return ms > 0 && ms <= nowMs + MAX_FUTURE_MS && ms >= nowMs - MAX_PAST_MS ? ms : nowMs;
}

interface User {
  id?: string;
  username?: string;
  email?: string;
  ip_address?: string;
}

function text(v: AnyValue | undefined): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  return typeof v === 'bigint' || typeof v === 'number' ? String(v) : undefined;
}

function sentryBody(o: IssueOccurrence): Map<string, AnyValue> | undefined {
  return o.source.kind === 'log' && o.source.record.eventName === SENTRY_EVENT_NAME && o.source.record.body instanceof Map ? o.source.record.body : undefined;
}

/** The attribute sets an OpenTelemetry error's context is looked up in, nearest first. */
function attributeScopes(o: IssueOccurrence): Attributes[] {
  const s = o.source;
  return s.kind === 'log' ? [s.record.attributes, s.resource.attributes] : [s.event.attributes, s.span.attributes, s.resource.attributes];
}

/** The user: a Sentry event's `user`, else the OpenTelemetry `user.*` and `client.address` attributes. */
export function userOf(o: IssueOccurrence): User | undefined {
  const body = sentryBody(o);
  const user: User = {};
  if (body) {
    const u = body.get('user');
    if (!(u instanceof Map)) return undefined;
    for (const key of ['id', 'username', 'email', 'ip_address'] as const) {
      const v = text(u.get(key));
      // `{{auto}}` asks the server to fill in the client's address; unfilled, it names nobody.
      if (v !== undefined && v !== '{{auto}}') user[key] = v;
    }
  } else {
    const scopes = attributeScopes(o);
    const attr = (name: string) => scopes.map((a) => text(a.get(name))).find((v) => v !== undefined);
    for (const [key, name] of [
      ['id', 'user.id'],
      ['username', 'user.name'],
      ['email', 'user.email'],
      ['ip_address', 'client.address'],
    ] as const) {
      const v = attr(name);
      if (v !== undefined) user[key] = v;
    }
  }
  return Object.keys(user).length ? user : undefined;
}

/**
 * Who the occurrence affected, as Sentry's `sentry:user` tag identifies a user (the first of
 * id, username, email, IP address), hashed: the store counts users without keeping who they are.
 */
export function userHash(user: User | undefined): string | undefined {
  if (!user) return undefined;
  const tag = user.id !== undefined ? `id:${user.id}` : user.username !== undefined ? `username:${user.username}` : user.email !== undefined ? `email:${user.email}` : `ip:${user.ip_address}`;
  return createHash('sha256').update(tag).digest('hex').slice(0, 32);
}

/** Tags counted per issue: environment, release and level, then the event's own tags (a Sentry event's). */
export function tagsOf(o: IssueOccurrence): [string, string][] {
  const out = new Map<string, string>();
  const add = (key: string, value: string | undefined) => {
    if (value === undefined || value === '' || out.has(key) || out.size >= MAX_TAGS_PER_EVENT) return;
    if (key.length > MAX_TAG_LENGTH || value.length > MAX_TAG_LENGTH) return;
    out.set(key, value);
  };
  add('environment', o.environment);
  add('release', o.release);
  add('level', o.level);
  for (const [key, value] of o.event.tags ?? []) add(key, value);
  return [...out];
}

export interface SampleEvent {
  eventId: string | null;
  json: string;
}

/** An occurrence as the store records it: plain data, cheap to hand to the store's thread. */
export type StoredOccurrence = Pick<IssueOccurrence, 'project' | 'issueId' | 'hash' | 'hashes' | 'title' | 'culprit' | 'platform' | 'level' | 'release'> & {
  /** When it happened, ms since the epoch (see seenAt). */
  seen: number;
  /** The affected user, hashed (see userHash). */
  user?: string;
  tags: [string, string][];
  sample: SampleEvent;
};

export function storedOccurrence(o: IssueOccurrence, nowMs: number): StoredOccurrence {
  const seen = seenAt(o, nowMs);
  const user = userOf(o);
  return {
    project: o.project,
    issueId: o.issueId,
    hash: o.hash,
    hashes: o.hashes,
    title: o.title,
    culprit: o.culprit,
    platform: o.platform,
    ...(o.level !== undefined && { level: o.level }),
    ...(o.release !== undefined && { release: o.release }),
    seen,
    ...(user && { user: userHash(user) }),
    tags: tagsOf(o),
    sample: sampleEvent(o, seen, user),
  };
}

/**
 * The occurrence as a Sentry event's JSON: a Sentry event body as it came; an OpenTelemetry
 * error as the event grouping read (exception chain with parsed frames), with the user, the
 * trace and the record's own fields under `contexts.otel`, as Sentry's OpenTelemetry
 * integration puts them.
 */
export function sampleEvent(o: IssueOccurrence, seenMs: number, user: User | undefined): SampleEvent {
  const body = sentryBody(o);
  const id = body?.get('event_id');
  const eventId = typeof id === 'string' ? id : null;
  const json = body ? anyValueToJson(body) : JSON.stringify(otelEvent(o, seenMs, user));
  if (json.length <= MAX_SAMPLE_BYTES) return { eventId, json };
  return { eventId, json: JSON.stringify(reduced(o, seenMs, json.length)) };
}

function otelEvent(o: IssueOccurrence, seenMs: number, user: User | undefined): Record<string, unknown> {
  const s = o.source;
  const { exception, logentry, logger, transaction } = o.event;
  const traceId = s.kind === 'log' ? s.record.traceId : s.span.traceId;
  const spanId = s.kind === 'log' ? s.record.spanId : s.span.spanId;
  const plain = (a: Attributes) => fromAnyValue(a);
  return {
    timestamp: seenMs / 1000,
    platform: o.platform,
    ...(o.level && { level: o.level }),
    ...(logger && { logger }),
    ...(transaction && { transaction }),
    ...(o.release && { release: o.release }),
    ...(o.environment && { environment: o.environment }),
    ...(exception && { exception }),
    ...(logentry && { logentry }),
    ...(user && { user }),
    contexts: {
      ...(traceId && { trace: { trace_id: traceId, ...(spanId && { span_id: spanId }) } }),
      otel: {
        resource: plain(s.resource.attributes),
        ...(s.kind === 'log'
          ? { attributes: plain(s.record.attributes), ...(s.record.body !== null && { body: fromAnyValue(s.record.body) }) }
          : { attributes: plain(s.event.attributes), span: { name: s.span.name, attributes: plain(s.span.attributes) } }),
        ...(s.scope.name && { scope: { name: s.scope.name, version: s.scope.version } }),
      },
    },
  };
}

/** An oversized event kept as its error alone: types, messages and the raised exception's last frames. */
function reduced(o: IssueOccurrence, seenMs: number, bytes: number): Record<string, unknown> {
  const values = o.event.exception?.values ?? [];
  return {
    timestamp: seenMs / 1000,
    platform: o.platform,
    ...(o.level && { level: o.level }),
    ...(o.release && { release: o.release }),
    ...(o.environment && { environment: o.environment }),
    exception: {
      values: values.map((v, i) => ({
        ...(v.type !== undefined && { type: v.type.slice(0, 1024) }),
        ...(v.value !== undefined && { value: v.value.slice(0, 8192) }),
        ...(i === values.length - 1 && v.stacktrace && { stacktrace: { frames: v.stacktrace.frames.slice(-50).map(({ vars: _vars, data: _data, ...f }) => f) } }),
      })),
    },
    summit: { reduced: true, original_bytes: bytes },
  };
}
