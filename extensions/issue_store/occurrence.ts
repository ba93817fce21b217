/**
 * What the store keeps of one occurrence besides its counts: when it was seen, who it
 * affected, its tags, and the event itself (a sample) — taken from the record as plain data
 * ({@link StoredOccurrence}) that the store's thread records.
 */
import { createHash } from 'node:crypto';
import { writeAnyValueToJson } from '../../pipeline/anyvalue.js';
import { JsonBytes } from '../../pipeline/json-writer.js';
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

/**
 * A StoredOccurrence on its way to the store's thread: the sample's JSON is bytes `start` to
 * `end` of a buffer the message carries for all its occurrences and transfers, not a string
 * (a structured clone of each ~9 KiB string was most of what a message cost the event loop).
 */
export type SentOccurrence = Omit<StoredOccurrence, 'sample'> & { sample: { eventId: string | null; start: number; end: number } };

/** What the store counts of an occurrence: everything but its sample. */
function counted(o: IssueOccurrence, seen: number, user: User | undefined): Omit<StoredOccurrence, 'sample'> {
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
  };
}

const scratch = new JsonBytes();

export function storedOccurrence(o: IssueOccurrence, nowMs: number): StoredOccurrence {
  const seen = seenAt(o, nowMs);
  const user = userOf(o);
  scratch.pos = 0; // a sample that threw midway (nested too deep for the stack) left its start behind
  const eventId = writeSampleEvent(o, seen, user, scratch);
  return { ...counted(o, seen, user), sample: { eventId, json: scratch.take() } };
}

/** The occurrence for the store's thread, its sample's JSON appended to `samples`. */
export function sentOccurrence(o: IssueOccurrence, nowMs: number, samples: JsonBytes): SentOccurrence {
  const seen = seenAt(o, nowMs);
  const user = userOf(o);
  const start = samples.pos;
  try {
    const eventId = writeSampleEvent(o, seen, user, samples);
    return { ...counted(o, seen, user), sample: { eventId, start, end: samples.pos } };
  } catch (err) {
    samples.pos = start; // the other occurrences' samples stay as they were
    throw err;
  }
}

/** A SentOccurrence as the store records it, its sample's text read from the message's `samples`. */
export function receivedOccurrence(o: SentOccurrence, samples: Buffer): StoredOccurrence {
  const { eventId, start, end } = o.sample;
  return { ...o, sample: { eventId, json: samples.toString('utf8', start, end) } };
}

/**
 * Writes the occurrence as a Sentry event's JSON into `out` and returns its event id: a Sentry
 * event body as it came; an OpenTelemetry error as the event grouping read (exception chain
 * with parsed frames), with the user, the trace and the record's own fields under
 * `contexts.otel`, as Sentry's OpenTelemetry integration puts them. Beyond MAX_SAMPLE_BYTES, the
 * event's error alone.
 */
function writeSampleEvent(o: IssueOccurrence, seenMs: number, user: User | undefined, out: JsonBytes): string | null {
  const body = sentryBody(o);
  const id = body?.get('event_id');
  const start = out.pos;
  if (body) writeAnyValueToJson(body, out);
  else out.write(JSON.stringify(otelEvent(o, seenMs, user)));
  const bytes = out.pos - start;
  if (bytes > MAX_SAMPLE_BYTES) {
    out.pos = start;
    out.write(JSON.stringify(reduced(o, seenMs, bytes)));
  }
  return typeof id === 'string' ? id : null;
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
